// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";

/// @title fund / withdraw: shares at oracle value, pro-rata in kind, inflation and donation safety.
contract BalancerVaultTest is BalancerFixture {
    IBalancer internal b;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    /// @dev The demo portfolio open to deposits. Its feeds declare no deviation threshold, so no deposit
    /// pays a spread here: these tests are about the share arithmetic (the spread and the drift rule
    /// have their own, `DepositorSafety.t.sol`).
    function setUp() public override {
        super.setUp();
        nextDeviationBps = 0;
        b = _open(_demo(IBalancerFactory.Kind.Drift));
    }

    function test_fund_firstDepositMintsValueLessDeadShares() public {
        uint256 amount = 1000e6; // $1,000 of USDC
        tokens[0].mint(alice, amount);
        vm.startPrank(alice);
        tokens[0].approve(address(b), amount);
        vm.expectEmit(address(b));
        emit IBalancer.Funded(alice, address(tokens[0]), amount, 1000e18, 1000e18 - 1000);
        uint256 shares = b.fund(address(tokens[0]), amount);
        vm.stopPrank();
        assertEq(shares, 1000e18 - 1000);
        assertEq(b.totalShares(), 1000e18);
        assertEq(b.sharesOf(address(0)), 1000, "dead shares");
        assertEq(b.balances()[0], amount);
        assertEq(b.totalValue(), 1000e18);
    }

    function test_fund_mintsAtOracleValueAcrossDecimals() public {
        _fund(b, alice, 0, 1000e6);
        // 0.01 WBTC (8 decimals) at $60,000 = $600
        uint256 shares = _fund(b, bob, 2, 1e6);
        assertEq(shares, 600e18 * 1000e18 / 1000e18);
        // 0.1 WETH (18 decimals) at $3,000 = $300: shares = 300 * S / V
        uint256 s = b.totalShares();
        uint256 v = b.totalValue();
        assertEq(_fund(b, bob, 3, 0.1e18), 300e18 * s / v);
    }

    function test_fund_roundsSharesDown() public {
        _fund(b, alice, 0, 1000e6);
        _setPrice(0, 1.00000001e8); // value per share no longer 1:1
        uint256 s = b.totalShares();
        uint256 v = b.totalValue();
        // 0.00555 WBTC at $60,000 = $333 (an asset the portfolio lacks, so the deposit is allowed)
        uint256 shares = _fund(b, bob, 2, 555_000);
        assertEq(shares, 333e18 * s / v, "floor(value x S / V)");
        assertLe(shares * v, 333e18 * s);
    }

    function test_withdraw_paysProRataInKind() public {
        _fundAtTargets(b, alice, 100_000);
        uint256 shares = _fund(b, bob, 3, 0.5e18);
        uint256[] memory before = b.balances();
        uint256 supply = b.totalShares();
        vm.prank(bob);
        uint256[] memory out = b.withdraw(shares);
        for (uint256 i; i < 4; ++i) {
            assertEq(out[i], before[i] * shares / supply, "floor(balance x shares / supply)");
            assertEq(tokens[i].balanceOf(bob), out[i]);
            assertEq(b.balances()[i], before[i] - out[i], "tracked == held");
        }
        assertEq(b.sharesOf(bob), 0);
    }

    function test_withdraw_worksWhenFeedsAreStaleOrBrokenAndWhenPaused() public {
        uint256 shares = _fund(b, alice, 0, 1000e6);
        b.setPaused(true);
        vm.warp(block.timestamp + 30 days); // every feed stale
        _setPrice(1, 0); // and one broken
        vm.warp(block.timestamp + 30 days);
        vm.prank(alice);
        uint256[] memory out = b.withdraw(shares);
        assertEq(out[0], 1000e6 * shares / (shares + 1000));
    }

    function test_donation_doesNotMoveShareValue() public {
        _fund(b, alice, 0, 1e6); // a tiny first deposit
        tokens[0].mint(address(b), 1_000_000e6); // donation straight to the contract
        assertEq(b.totalValue(), 1e18, "tracked balances ignore donations");
        // a deposit at the oracle: $1 per share, like alice's
        assertEq(_fund(b, alice, 0, 1000e6), 1000e18, "alice pays $1 per share again");
        // and in kind: the tracked USDC per share, not the donation's
        uint256 shares = _fundInKind(b, bob, 1000);
        assertEq(shares, 1000e18, "bob's in-kind shares for $1,000");
        assertEq(tokens[0].balanceOf(bob), 0, "bob paid $1,000 of USDC for them");
    }

    function test_RevertWhen_fundZero() public {
        vm.expectRevert(IBalancer.ZeroAmount.selector);
        b.fund(address(tokens[0]), 0);
    }

    function test_RevertWhen_fundUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IBalancer.UnknownAsset.selector, address(0xBEEF)));
        b.fund(address(0xBEEF), 1);
    }

    function test_RevertWhen_firstDepositTooSmall() public {
        tokens[1].mint(alice, 1000);
        vm.startPrank(alice);
        tokens[1].approve(address(b), 1000);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.DepositTooSmall.selector, 1000));
        b.fund(address(tokens[1]), 1000); // 1000 wei of DAI = 1000 wei of USD value
        vm.stopPrank();
    }

    function test_RevertWhen_depositMintsNoShares() public {
        _fundAtTargets(b, alice, 1_000_000);
        _setPrice(2, 120_000e8); // WBTC and WETH double: a share is worth $1.60 and the stables are
        _setPrice(3, 6000e8); // underweight, so a DAI deposit is allowed, and 1 wei of DAI buys no share
        tokens[1].mint(bob, 1);
        vm.startPrank(bob);
        tokens[1].approve(address(b), 1);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.DepositTooSmall.selector, 1));
        b.fund(address(tokens[1]), 1);
        vm.stopPrank();
    }

    function test_RevertWhen_fundWhilePaused() public {
        b.setPaused(true);
        vm.expectRevert(IBalancer.IsPaused.selector);
        b.fund(address(tokens[0]), 1);
    }

    function test_RevertWhen_withdrawMoreThanHeld() public {
        uint256 shares = _fund(b, alice, 0, 1000e6);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.InsufficientShares.selector, alice, shares, shares + 1)
        );
        b.withdraw(shares + 1);
    }

    function test_RevertWhen_withdrawZero() public {
        vm.expectRevert(IBalancer.ZeroAmount.selector);
        b.withdraw(0);
    }

    function test_RevertWhen_fundWithStalePrice() public {
        vm.warp(block.timestamp + HEARTBEAT + 1);
        tokens[0].mint(alice, 1e6);
        vm.startPrank(alice);
        tokens[0].approve(address(b), 1e6);
        (,,, uint256 updatedAt,) = feeds[0].latestRoundData();
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.StalePrice.selector, address(feeds[0]), updatedAt, HEARTBEAT)
        );
        b.fund(address(tokens[0]), 1e6);
        vm.stopPrank();
    }

    function testFuzz_fundThenWithdraw_neverReturnsMoreThanDeposited(uint256 usd, uint256 asset) public {
        _fundAtTargets(b, alice, 50_000);
        asset = bound(asset, 0, 3);
        // inside the bands: a stable moves its slice (1 % band), WBTC or WETH the portfolio (2 %)
        usd = bound(usd, 1, asset < 2 ? 300 : 1400);
        uint256 amount = _unitsFor(asset, usd);
        vm.assume(amount > 0);
        uint256 shares = _fund(b, bob, asset, amount);
        vm.prank(bob);
        uint256[] memory out = b.withdraw(shares);
        // what bob takes out, valued at oracle prices, never exceeds what he put in
        uint256[] memory deposit = new uint256[](4);
        deposit[asset] = amount;
        assertLe(_usd(out), _usd(deposit));
    }

    /// @dev USD value (18 decimals) of amounts in asset order at current prices, rounded down.
    function _usd(uint256[] memory amounts) internal view returns (uint256 total) {
        for (uint256 i; i < amounts.length; ++i) {
            (, int256 p,,,) = feeds[i].latestRoundData();
            total += amounts[i] * uint256(p) * 1e18 / 10 ** (tokens[i].decimals() + feeds[i].decimals());
        }
    }
}
