// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IUpkeepManager} from "../../contracts/interfaces/IUpkeepManager.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";
import {ManagerHandler} from "./handlers/ManagerHandler.sol";

/// @title Invariants of a manager-served fleet of 12 balancers, 3 per round, under random prices,
/// time, rounds, racing fallback keepers and strangers.
/// forge-config: default.invariant.runs = 24
/// forge-config: default.invariant.depth = 40
/// forge-config: ci.invariant.runs = 48
/// forge-config: ci.invariant.depth = 48
contract ManagerInvariantTest is FleetFixture {
    uint256 internal constant K = 12;
    uint256 internal constant PER_ROUND = 3;
    ManagerHandler internal handler;

    function _managerConfig() internal pure override returns (IUpkeepManager.Config memory) {
        return IUpkeepManager.Config({
            performGasReserve: 60_000,
            checkGasReserve: 300_000,
            roundGasBudget: 4_500_000,
            maxPerRound: uint8(PER_ROUND)
        });
    }

    function setUp() public override {
        super.setUp();
        _fleet(K);
        for (uint256 i; i < K; ++i) {
            fleet[i].setFallbackKeeper(fallbackKeeper, true);
        }
        handler = new ManagerHandler(manager, managerForwarder, fallbackKeeper, fleet, feeds);
        targetContract(address(handler));
    }

    /// @notice A round only ever advances balancers that needed a rebalance when it started.
    function invariant_neverPerformsABalancerThatNoLongerNeedsIt() public view {
        assertFalse(handler.performedUnneeded());
    }

    /// @notice No balancer in need waits more than ceil(K / per-round capacity) rounds.
    function invariant_noBalancerStarves() public view {
        assertLe(handler.maxWaiting(), (K + PER_ROUND - 1) / PER_ROUND);
    }

    /// @notice Only the forwarder or an allow-listed fallback keeper can perform a round.
    function invariant_onlyForwarderOrFallbackPerform() public view {
        assertFalse(handler.strangerPerformed());
    }
}
