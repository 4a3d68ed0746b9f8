// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {
    AggregatorV3Interface
} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title FloorProbe
/// @notice The unavoidable work of a perform, and nothing else: read the same price feeds, read the same
/// balance source (tracked balances, two per storage slot), write one storage slot, emit one event of the
/// same size as the perform's `OrdersPublished`. Feed addresses come from code, as the balancers' do.
/// A perform is measured against this floor.
contract FloorProbe {
    event OrdersPublished(
        uint32 indexed epoch,
        uint64 expiry,
        uint8 paths,
        uint32 gasUsed,
        uint32 driftBeforeBps,
        uint32 expectedAfterBps,
        IBalancer.PublishedOrder[] orders
    );

    uint256 internal immutable _n;
    uint256 internal immutable _mask;
    uint256 internal immutable _orders;
    address internal immutable _f0;
    address internal immutable _f1;
    address internal immutable _f2;
    address internal immutable _f3;
    address internal immutable _f4;
    address internal immutable _f5;
    address internal immutable _f6;
    address internal immutable _f7;
    address internal immutable _f8;
    address internal immutable _f9;
    address internal immutable _f10;
    address internal immutable _f11;
    address internal immutable _f12;
    address internal immutable _f13;
    address internal immutable _f14;
    address internal immutable _f15;

    uint128[16] internal _balances;
    uint256 internal _state = 1;

    /// @param feeds the portfolio's feeds; `mask` selects those the path reads; `orders` is the event size.
    constructor(address[] memory feeds, uint256 mask, uint256 orders) {
        _n = feeds.length;
        _mask = mask;
        _orders = orders;
        address[16] memory f;
        for (uint256 i; i < feeds.length; ++i) {
            f[i] = feeds[i];
            _balances[i] = 1;
        }
        (_f0, _f1, _f2, _f3, _f4, _f5, _f6, _f7) = (f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
        (_f8, _f9, _f10, _f11, _f12, _f13, _f14, _f15) =
        (f[8], f[9], f[10], f[11], f[12], f[13], f[14], f[15]);
    }

    /// @notice The floor: feeds, balances, one write, one event.
    function run() external {
        address[16] memory f =
            [_f0, _f1, _f2, _f3, _f4, _f5, _f6, _f7, _f8, _f9, _f10, _f11, _f12, _f13, _f14, _f15];
        uint256 acc;
        for (uint256 i; i < _n; ++i) {
            if (_mask >> i & 1 == 1) {
                (, int256 answer,,,) = AggregatorV3Interface(f[i]).latestRoundData();
                acc += uint256(answer) * _balances[i];
            }
        }
        _state = acc;
        emit OrdersPublished(1, uint64(block.timestamp), 1, 1, 1, 1, new IBalancer.PublishedOrder[](_orders));
    }
}
