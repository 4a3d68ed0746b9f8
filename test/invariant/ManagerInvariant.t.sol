// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IUpkeepManager} from "../../contracts/interfaces/IUpkeepManager.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";
import {GasBurningFeed} from "../utils/GasBurningFeed.sol";
import {ManagerHandler} from "./handlers/ManagerHandler.sol";

/// @title Invariants of a manager-served fleet of 14 balancers, 3 per round — 12 healthy, one whose
/// perform always fails (it does not trust the manager) and one whose feed burns gas — under random
/// prices, time, rounds with random gas limits, racing fallback keepers and strangers.
contract ManagerInvariantTest is FleetFixture {
    uint256 internal constant HEALTHY = 12;
    uint256 internal constant K = HEALTHY + 2;
    uint256 internal constant PER_ROUND = 3;
    ManagerHandler internal handler;

    function _managerConfig() internal pure override returns (IUpkeepManager.Config memory) {
        return IUpkeepManager.Config({
            performGasReserve: 60_000,
            checkGasReserve: 300_000,
            roundGasBudget: 4_500_000,
            maxPerRound: uint8(PER_ROUND),
            memberCheckGas: 400_000,
            failureBackoff: 100
        });
    }

    function setUp() public override {
        super.setUp();
        _fleet(HEALTHY);
        _fleet(1);
        fleet[HEALTHY].setManager(address(0));
        (, GasBurningFeed burner) = _memberWithBurningFeed();
        burner.setMode(GasBurningFeed.Mode.Always);
        bool[] memory healthy = new bool[](K);
        for (uint256 i; i < K; ++i) {
            fleet[i].setFallbackKeeper(fallbackKeeper, true);
            healthy[i] = i < HEALTHY;
        }
        // every run starts with the whole fleet drifted (WBTC +10 %)
        _driftAll();
        handler = new ManagerHandler(manager, managerForwarder, fallbackKeeper, fleet, healthy, feeds);
        targetContract(address(handler));
    }

    /// @notice A round only ever advances balancers that needed a rebalance when it started.
    function invariant_neverPerformsABalancerThatNoLongerNeedsIt() public view {
        assertFalse(handler.performedUnneeded());
    }

    /// @notice A round's entries are the first members in need from the cursor, in scan order, each
    /// carrying its own check's performData (a selection bug that skips, reorders or mislabels
    /// members fails here even though the members themselves refuse a wrong perform).
    function invariant_roundsSelectTheFirstMembersInNeed() public view {
        assertFalse(handler.selectionWrong());
    }

    /// @notice No healthy balancer in need waits more than ceil(K / per-round capacity) + 1 rounds
    /// (rounds given less gas than they need do not count: they defer).
    function invariant_noBalancerStarves() public view {
        assertLe(handler.maxWaiting(), (K + PER_ROUND - 1) / PER_ROUND + 1);
    }

    /// @notice The manager never reports a round that performs nothing (with its full gas).
    function invariant_noRoundPerformsNothing() public view {
        assertEq(handler.emptyRounds(), 0);
    }

    /// @notice Only the forwarder or an allow-listed fallback keeper can perform a round.
    function invariant_onlyForwarderOrFallbackPerform() public view {
        assertFalse(handler.strangerPerformed());
    }

    /// @notice The run really served the fleet: if any round with its full gas began with a member in
    /// need, members were performed (every run starts drifted; a run may still undo it first).
    function afterInvariant() external view {
        if (handler.fullRoundsInNeed() > 0) {
            assertGt(handler.membersPerformed(), 0, "rounds with members in need performed none");
        }
    }
}
