// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BalancerBase} from "./base/BalancerBase.sol";
import {IBalancer} from "./interfaces/IBalancer.sol";

/// @title A balancer that also runs the global path to target every `interval` seconds (skipped when
/// every drift is below `dustFloorBps`), besides both drift paths.
/// Its owner changes the calendar with `setCalendar`, in the admin module.
contract TimeBalancer is BalancerBase {
    function _calendarDue(IBalancer.State memory s) internal view override returns (bool) {
        return _elapsed(s.lastGlobalAt, interval);
    }

    function _initCalendar(uint32 interval_, uint16 dustFloorBps_) internal override {
        _setCalendar(interval_, dustFloorBps_);
    }
}
