// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {BalancerHandler} from "./handlers/BalancerHandler.sol";

/// @title Invariants of a DriftBalancer under random funds, withdrawals, prices, time, performs and fills.
contract BalancerInvariantTest is BalancerFixture {
    IBalancer internal b;
    BalancerHandler internal handler;
    address[] internal holders;

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(_open(b), makeAddr("seed"), 100_000);
        // every run starts drifted (WBTC +10 %), so even a short run has a perform to make
        (, int256 p,,,) = feeds[2].latestRoundData();
        _setPrice(2, p * 110 / 100);
        handler = new BalancerHandler(b, lop, forwarder, tokens, feeds, 0x3);
        targetContract(address(handler));
        bytes4[] memory internalOnly = new bytes4[](1);
        internalOnly[0] = BalancerHandler.fillOne.selector; // `fillLater`'s own call, not an action
        excludeSelector(FuzzSelector({addr: address(handler), selectors: internalOnly}));
        holders = [address(0), makeAddr("seed"), makeAddr("user-0"), makeAddr("user-1"), makeAddr("user-2")];
    }

    /// @notice Cached == recomputed: each tracked balance equals the ghost ledger of deposits,
    /// withdrawals and fills, and equals what the balancer really holds.
    function invariant_trackedBalancesMatchLedgerAndHoldings() public view {
        uint256[] memory tracked = b.balances();
        for (uint256 i; i < tracked.length; ++i) {
            assertEq(tracked[i], handler.ledger(i), "tracked == ledger");
            assertEq(tracked[i], tokens[i].balanceOf(address(b)), "tracked == held");
        }
    }

    /// @notice Shares: the supply is what was minted less what was burnt (all holders add up).
    function invariant_sharesAddUp() public view {
        uint256 sum;
        for (uint256 i; i < holders.length; ++i) {
            sum += b.sharesOf(holders[i]);
        }
        assertEq(sum, b.totalShares());
    }

    function invariant_cooldownsNeverViolated() public view {
        assertFalse(handler.cooldownViolated());
    }

    function invariant_onlyForwarderOrFallbackPerform() public view {
        assertFalse(handler.strangerPerformed());
    }

    function invariant_fillsAtLimitNeverLeaveThePortfolioFurtherFromTarget() public view {
        assertFalse(handler.fillsWorsenedDrift());
    }

    /// @notice The run really exercised the balancer: it performed, its bundles were filled, and a
    /// stranger tried the very performData a needed check returned (so the access check, not a
    /// malformed payload, is what stopped it).
    function afterInvariant() external view {
        assertGt(handler.performs(), 0, "no perform in this run");
        assertGt(handler.fills(), 0, "no fill in this run");
        assertGt(handler.strangerAttemptsWhenNeeded(), 0, "no stranger sent a needed check's performData");
    }
}
