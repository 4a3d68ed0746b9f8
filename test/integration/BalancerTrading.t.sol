// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {ILimitOrderProtocol, IPreInteraction} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

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
        _setPrice(3, 3400e8); // WETH +13.3 %: WETH overweight, everything else under
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

/// @title The bundle's authorisation: only its own orders, unexpired, at their prices, once.
contract BalancerBundleTest is BalancerFixture {
    IBalancer internal b;
    address internal alice = makeAddr("alice");
    ILimitOrderProtocol.Order[] internal orders;
    bytes32[] internal hashes;

    bytes4 internal constant MAGIC = 0x1626ba7e;

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(b, alice, 1_000_000);
        _setPrice(3, 3400e8);
        (ILimitOrderProtocol.Order[] memory o, bytes32[] memory h) = _checkAndPerform(b);
        for (uint256 i; i < o.length; ++i) {
            orders.push(o[i]);
            hashes.push(h[i]);
        }
    }

    function test_fill_booksIntoTrackedBalancesAndLeavesNoAllowance() public {
        ILimitOrderProtocol.Order memory o = orders[0];
        uint256 sell = _index(o.makerAsset);
        uint256 buy = _index(o.takerAsset);
        uint256[] memory before = b.balances();
        _fill(o, hashes);
        uint256[] memory afterFill = b.balances();
        assertEq(afterFill[sell], before[sell] - o.makingAmount);
        assertEq(afterFill[buy], before[buy] + o.takingAmount);
        for (uint256 i; i < 4; ++i) {
            assertEq(afterFill[i], tokens[i].balanceOf(address(b)), "tracked == held");
        }
        assertEq(tokens[sell].allowance(address(b), address(lop)), 0, "allowance consumed");
        assertEq(sell, 3, "the overweight asset is sold");
    }

    function test_RevertWhen_fillTwice() public {
        _fill(orders[0], hashes);
        // our orders take no partial fills, so the protocol's bit invalidator spends them
        _expectFillReverts(orders[0], hashes, abi.encodePacked(bytes4(keccak256("BitInvalidatedOrder()"))));
    }

    function test_RevertWhen_orderIsNotOfTheBundle() public {
        ILimitOrderProtocol.Order memory worse = orders[0];
        worse.takingAmount -= 1; // one wei worse than the published bound
        assertEq(
            IERC1271(address(b)).isValidSignature(lop.hashOrder(worse), abi.encode(hashes)),
            bytes4(0xffffffff)
        );
        _expectFillReverts(worse, hashes, abi.encodePacked(BAD_SIGNATURE));
    }

    function test_RevertWhen_expired() public {
        _warp(10 minutes + 1);
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(hashes)), bytes4(0xffffffff));
        // the balancer's ERC-1271 check refuses it before the protocol's own expiry check would
        _expectFillReverts(orders[0], hashes, abi.encodePacked(BAD_SIGNATURE));
        assertEq(
            orders[0].makerTraits >> 80 & type(uint40).max, block.timestamp - 1, "and it carries the expiry"
        );
    }

    function test_RevertWhen_bundleSuperseded() public {
        IBalancer.Params memory p = _defaultParams();
        p.globalCooldown = 0;
        b.setParams(p);
        vm.prank(alice);
        b.withdraw(1e18); // cancels bundle 1
        (ILimitOrderProtocol.Order[] memory fresh, bytes32[] memory freshHashes) = _checkAndPerform(b);
        assertEq(fresh[0].salt >> 7, 2, "bundle 2");
        assertEq(IERC1271(address(b)).isValidSignature(freshHashes[0], abi.encode(freshHashes)), MAGIC);
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(hashes)), bytes4(0xffffffff));
        _expectFillReverts(orders[0], hashes, abi.encodePacked(BAD_SIGNATURE)); // unexpired, superseded
    }

    function test_RevertWhen_withdrawCancelsTheBundle() public {
        uint256 shares = b.sharesOf(alice) / 10;
        vm.expectEmit(address(b));
        emit IBalancer.BundleCancelled(1);
        vm.prank(alice);
        b.withdraw(shares);
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(hashes)), bytes4(0xffffffff));
        _expectFillReverts(orders[0], hashes, abi.encodePacked(BAD_SIGNATURE));
    }

    function test_RevertWhen_signatureListIsNotTheBundle() public view {
        bytes32[] memory subset = new bytes32[](1);
        subset[0] = hashes[0];
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(subset)), bytes4(0xffffffff));
    }

    function test_RevertWhen_preInteractionNotFromProtocol() public {
        vm.expectRevert(abi.encodeWithSelector(IBalancer.OnlyProtocol.selector, address(this)));
        IPreInteraction(address(b)).preInteraction(orders[0], "", hashes[0], address(this), 1, 1, 1, "");
    }

    function test_allFills_landInsideTheClearBandAndCloseTheCheck() public {
        _fillAll(orders, hashes);
        assertLe(_maxGlobalDriftBps(b, 0x3), 175);
        _warp(6 hours + 1);
        (bool needed,) = _check(b);
        assertFalse(needed);
    }

    bytes4 internal constant BAD_SIGNATURE = 0x5cd5d233; // OrderMixin: BadSignature()

    function _index(uint256 token) internal view returns (uint256 i) {
        while (uint160(address(tokens[i])) != token) ++i;
    }
}
