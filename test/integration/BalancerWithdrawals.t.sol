// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {FreezableERC20} from "../utils/FreezableERC20.sol";
import {TestERC20} from "../utils/TestERC20.sol";

/// @title A frozen or blacklisted token does not block withdrawals (finding 7 of the balancers-v2
/// review). Before: one token refusing the transfer reverted the whole withdrawal, so a holder
/// frozen in USDC (or a balancer blacklisted by USDC) could withdraw nothing at all. Now the holder
/// is paid every other asset and the refused part is owed to them, out of the portfolio, until
/// they claim it.
contract BalancerWithdrawalsTest is BalancerFixture {
    IBalancer internal b;
    FreezableERC20 internal usdc;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public override {
        super.setUp();
        _demoAssets();
        // the demo's USDC, freezable like the real one
        usdc = new FreezableERC20("USDC", "USDC", 6);
        tokens[0] = TestERC20(address(usdc));
        b = _create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()));
        _fundAtTargets(_open(b), alice, 100_000);
        _fundAtTargets(b, bob, 100_000);
    }

    function test_attack_aFrozenHolderIsPaidEveryOtherAssetAndOwedTheFrozenOne() public {
        usdc.setFrozen(alice, true);
        uint256[] memory before = b.balances();
        uint256 shares = b.sharesOf(alice);
        uint256 supply = b.totalShares();
        vm.expectEmit(address(b));
        emit IBalancer.WithdrawalOwed(alice, address(usdc), before[0] * shares / supply);
        vm.prank(alice);
        uint256[] memory paid = b.withdraw(shares);
        assertEq(paid[0], 0, "USDC not paid");
        for (uint256 i = 1; i < 4; ++i) {
            assertEq(paid[i], before[i] * shares / supply, "the other assets paid in full");
            assertEq(tokens[i].balanceOf(alice), paid[i]);
        }
        uint256 owed = b.owed(alice, address(usdc));
        assertEq(owed, before[0] * shares / supply, "the USDC part is owed");
        // out of the portfolio: bob's share of the tracked balance is untouched by alice's debt
        assertEq(b.balances()[0], before[0] - owed);
        uint256 bobShares = b.sharesOf(bob);
        uint256 supplyLeft = b.totalShares();
        vm.prank(bob);
        uint256[] memory bobPaid = b.withdraw(bobShares);
        assertEq(
            bobPaid[0], (before[0] - owed) * bobShares / supplyLeft, "bob's pro-rata part of the portfolio"
        );
        assertEq(usdc.balanceOf(bob), bobPaid[0]);
        assertGe(usdc.balanceOf(address(b)), owed, "the owed USDC is still held for alice");

        // claim fails while frozen (the token's own error) and keeps the debt
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FreezableERC20.AccountFrozen.selector, alice));
        b.claim(address(usdc));
        assertEq(b.owed(alice, address(usdc)), owed);
        // once unfrozen, alice claims exactly what she is owed, once
        usdc.setFrozen(alice, false);
        vm.expectEmit(address(b));
        emit IBalancer.Claimed(alice, address(usdc), owed);
        vm.prank(alice);
        assertEq(b.claim(address(usdc)), owed);
        assertEq(usdc.balanceOf(alice), owed);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.NothingOwed.selector, alice, address(usdc)));
        b.claim(address(usdc));
    }

    /// @notice What is owed to a frozen holder is held by the balancer but is not the portfolio's:
    /// a sync, a deposit and the next withdrawal all leave it out.
    function test_owedReserve_isNotThePortfolios() public {
        usdc.setFrozen(alice, true);
        uint256 half = b.sharesOf(alice) / 2;
        vm.prank(alice);
        b.withdraw(half);
        uint256 owed = b.owed(alice, address(usdc));
        assertGt(owed, 0);
        uint256 tracked = b.balances()[0];
        assertEq(usdc.balanceOf(address(b)), tracked + owed);
        b.sync();
        assertEq(b.balances()[0], tracked, "the reserve neither raises nor lowers the tracked balance");
        // the token loses value held by the balancer (seized): the portfolio bears it, not alice's debt
        vm.prank(address(b));
        usdc.transfer(makeAddr("seizure"), tracked / 2);
        b.sync();
        assertEq(b.balances()[0], tracked - tracked / 2);
        usdc.setFrozen(alice, false);
        vm.prank(alice);
        assertEq(b.claim(address(usdc)), owed, "alice's debt is whole");
    }

    function test_aBlacklistedBalancer_stillPaysEveryOtherAsset() public {
        usdc.setFrozen(address(b), true);
        uint256[] memory before = b.balances();
        uint256 shares = b.sharesOf(bob);
        uint256 supply = b.totalShares();
        vm.prank(bob);
        uint256[] memory paid = b.withdraw(shares);
        assertEq(paid[0], 0);
        assertEq(b.owed(bob, address(usdc)), before[0] * shares / supply);
        for (uint256 i = 1; i < 4; ++i) {
            assertEq(tokens[i].balanceOf(bob), before[i] * shares / supply);
        }
    }

    function test_RevertWhen_claimingWhatIsNotOwed() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.NothingOwed.selector, bob, address(usdc)));
        b.claim(address(usdc));
    }
}
