// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {ILimitOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";

/// @title Balancers trading through the real 1inch Limit Order Protocol v4.
contract BalancerTradingTest is BalancerFixture {
    IBalancer internal b;
    address internal alice = makeAddr("alice");

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(b, alice, 1_000_000);
    }

    function test_globalDrift_fillsEndInsideClearBand() public {
        _setPrice(3, 3_400e8); // WETH +13.3 %: WETH overweight, everything else under
        assertGt(_maxGlobalDriftBps(b, 0x3), 200);
        (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes) = _checkAndPerform(b);
        assertGt(orders.length, 0);
        _fillAll(orders, hashes);
        uint256 drift = _maxGlobalDriftBps(b, 0x3);
        assertLe(drift, 175, "inside the clear band after fills at limit prices");
        assertGe(drift, 150, "traded to the band edge, not to target");
        (bool needed,) = _check(b);
        assertFalse(needed);
    }
}
