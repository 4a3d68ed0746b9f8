// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BalancerBase} from "./base/BalancerBase.sol";
import {IBalancer} from "./interfaces/IBalancer.sol";

/// @title A balancer that rebalances on drift only: the stable path when the stables drift apart or
/// depeg, the global path when a non-stable asset or the stable slice drifts past its band.
contract DriftBalancer is BalancerBase {
    function _calendarDue(IBalancer.State memory) internal pure override returns (bool) {
        return false;
    }

    function _initCalendar(uint32 interval_, uint16 dustFloorBps_) internal pure override {
        if (interval_ != 0) revert IBalancer.InvalidParam(15, interval_);
        if (dustFloorBps_ != 0) revert IBalancer.InvalidParam(16, dustFloorBps_);
    }
}
