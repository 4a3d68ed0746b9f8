// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {UpkeepManager} from "../../../contracts/UpkeepManager.sol";
import {IBalancer} from "../../../contracts/interfaces/IBalancer.sol";
import {IMockV3Aggregator} from "../../utils/ChainlinkInterfaces.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

/// @title ManagerHandler
/// @notice Drives a manager-served fleet through random price moves, time, DON rounds (check, then
/// perform with a random gas limit), fallback keepers racing the manager on single balancers, and
/// strangers trying to perform; keeps ghost records the invariants read.
contract ManagerHandler is CommonBase, StdCheats, StdUtils {
    UpkeepManager public immutable manager;
    address public immutable forwarder;
    address public immutable keeper;
    IBalancer[] internal fleet;
    IMockV3Aggregator[] internal feeds;

    /// @notice Set if a round advanced a balancer whose own check said no rebalance was needed.
    bool public performedUnneeded;
    /// @notice Set if anyone but the forwarder or a fallback keeper performed a round.
    bool public strangerPerformed;
    /// @notice Consecutive rounds each balancer needed a rebalance and was not performed.
    uint256[] public waiting;
    uint256 public maxWaiting;
    uint256 public rounds;

    constructor(
        UpkeepManager manager_,
        address forwarder_,
        address keeper_,
        IBalancer[] memory fleet_,
        IMockV3Aggregator[] memory feeds_
    ) {
        (manager, forwarder, keeper) = (manager_, forwarder_, keeper_);
        for (uint256 i; i < fleet_.length; ++i) {
            fleet.push(fleet_[i]);
            waiting.push(0);
        }
        for (uint256 i; i < feeds_.length; ++i) {
            feeds.push(feeds_[i]);
        }
    }

    /// @notice A volatile asset's price moves by up to ±15 %.
    function movePrice(uint256 asset, uint256 bps) external {
        asset = bound(asset, 2, feeds.length - 1);
        bps = bound(bps, 8500, 11_500);
        (, int256 p,,,) = feeds[asset].latestRoundData();
        feeds[asset].updateAnswer(p * int256(bps) / 10_000);
    }

    /// @notice Time passes (bundles expire, cooldowns end); feeds are re-posted.
    function warp(uint256 secs) external {
        secs = bound(secs, 1, 12 hours);
        vm.warp(block.timestamp + secs);
        for (uint256 i; i < feeds.length; ++i) {
            (, int256 p,,,) = feeds[i].latestRoundData();
            feeds[i].updateAnswer(p);
        }
    }

    /// @notice A DON round: the manager's check, then its perform by the forwarder with enough gas.
    function round() external {
        bool[] memory needed = new bool[](fleet.length);
        uint32[] memory before = new uint32[](fleet.length);
        for (uint256 i; i < fleet.length; ++i) {
            needed[i] = _needs(fleet[i]);
            before[i] = fleet[i].state().epoch;
        }
        vm.prank(address(0), address(0));
        (bool due, bytes memory data) = manager.checkUpkeep("");
        if (due) {
            vm.prank(forwarder);
            manager.performUpkeep(data);
        }
        ++rounds;
        for (uint256 i; i < fleet.length; ++i) {
            bool performed = fleet[i].state().epoch != before[i];
            if (performed && !needed[i]) performedUnneeded = true;
            if (needed[i] && !performed) {
                uint256 w = ++waiting[i];
                if (w > maxWaiting) maxWaiting = w;
            } else {
                waiting[i] = 0;
            }
        }
    }

    /// @notice A fallback keeper performs one balancer directly (racing the manager's next round).
    function fallbackPerform(uint256 which) external {
        IBalancer b = fleet[bound(which, 0, fleet.length - 1)];
        vm.prank(address(0), address(0));
        (bool due, bytes memory data) = AutomationCompatibleInterface(address(b)).checkUpkeep("");
        if (!due) return;
        vm.prank(keeper);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
    }

    /// @notice A stranger tries to perform a round with whatever the check would give.
    function strangerPerform(address stranger) external {
        if (stranger == forwarder || stranger == keeper || manager.isFallbackKeeper(stranger)) return;
        vm.prank(address(0), address(0));
        (, bytes memory data) = manager.checkUpkeep("");
        vm.prank(stranger);
        try manager.performUpkeep(data) {
            strangerPerformed = true;
        } catch {}
    }

    function _needs(IBalancer b) internal returns (bool needed) {
        vm.prank(address(0), address(0));
        (needed,) = AutomationCompatibleInterface(address(b)).checkUpkeep("");
    }
}
