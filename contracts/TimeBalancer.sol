// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BalancerBase} from "./base/BalancerBase.sol";
import {IBalancer} from "./interfaces/IBalancer.sol";

/// @title A balancer that also runs the global path to target every `interval` seconds (skipped when
/// every drift is below `dustFloorBps`), besides both drift paths.
contract TimeBalancer is BalancerBase {
    uint256 internal constant MIN_INTERVAL = 1 hours;
    uint256 internal constant MAX_INTERVAL = 365 days;

    /// @notice Sets the calendar interval and the dust floor below which it is skipped.
    function setCalendar(uint32 interval_, uint16 dustFloorBps_) external onlyOwner {
        _initCalendar(interval_, dustFloorBps_);
    }

    function _calendarDue(IBalancer.State memory s) internal view override returns (bool) {
        return _elapsed(s.lastGlobalAt, interval);
    }

    function _initCalendar(uint32 interval_, uint16 dustFloorBps_) internal override {
        _check(15, interval_, MIN_INTERVAL, MAX_INTERVAL);
        _check(16, dustFloorBps_, 0, uint16(_params >> 16));
        interval = interval_;
        dustFloorBps = dustFloorBps_;
        emit IBalancer.CalendarUpdated(interval_, dustFloorBps_);
    }
}
