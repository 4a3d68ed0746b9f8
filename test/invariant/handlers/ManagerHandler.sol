// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {UpkeepManager} from "../../../contracts/UpkeepManager.sol";
import {IBalancer} from "../../../contracts/interfaces/IBalancer.sol";
import {IUpkeepManager} from "../../../contracts/interfaces/IUpkeepManager.sol";
import {IMockV3Aggregator} from "../../utils/ChainlinkInterfaces.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title ManagerHandler
/// @notice Drives a manager-served fleet through random price moves, time, DON rounds (check, then
/// perform with a random gas limit), fallback keepers racing the manager on single balancers, and
/// strangers trying to perform; keeps ghost records the invariants read.
contract ManagerHandler is CommonBase, StdCheats, StdUtils {
    UpkeepManager public immutable manager;
    address public immutable forwarder;
    address public immutable keeper;
    IBalancer[] internal fleet;
    /// @notice Members that can be served (the others fail their performs or burn their checks' gas).
    bool[] internal healthy;
    IMockV3Aggregator[] internal feeds;

    /// @notice Set if a round advanced a balancer whose own check said no rebalance was needed.
    bool public performedUnneeded;
    /// @notice Set if anyone but the forwarder or a fallback keeper performed a round.
    bool public strangerPerformed;
    /// @notice Consecutive rounds each balancer needed a rebalance and was not performed.
    uint256[] public waiting;
    uint256 public maxWaiting;
    uint256 public rounds;
    /// @notice Set if a round's entries were not the first members in need from the cursor, or
    /// carried other performData than the members' own checks.
    bool public selectionWrong;
    /// @notice Members advanced by rounds, and rounds whose gas limit left members deferred.
    uint256 public membersPerformed;
    uint256 public deferringRounds;
    /// @notice Rounds the manager reported that performed nothing though given the gas they need.
    uint256 public emptyRounds;
    /// @notice Rounds given full gas that began with a healthy member in need.
    uint256 public fullRoundsInNeed;

    constructor(
        UpkeepManager manager_,
        address forwarder_,
        address keeper_,
        IBalancer[] memory fleet_,
        bool[] memory healthy_,
        IMockV3Aggregator[] memory feeds_
    ) {
        (manager, forwarder, keeper) = (manager_, forwarder_, keeper_);
        for (uint256 i; i < fleet_.length; ++i) {
            fleet.push(fleet_[i]);
            healthy.push(healthy_[i]);
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

    /// @notice A DON round: the manager's check, then its perform by the forwarder with a random gas
    /// limit (from too little for one member to plenty), so rounds that defer members are fuzzed too.
    function round(uint256 gasSeed) external {
        uint256 k = fleet.length;
        bool[] memory needed = new bool[](k);
        bytes[] memory own = new bytes[](k);
        uint32[] memory before = new uint32[](k);
        for (uint256 i; i < k; ++i) {
            // the gas burner's own check burns whatever it gets: only healthy members are asked
            if (healthy[i]) {
                vm.prank(address(0), address(0));
                (needed[i], own[i]) = AutomationCompatibleInterface(address(fleet[i])).checkUpkeep("");
            }
            before[i] = fleet[i].state().epoch;
        }
        uint256 cursor = manager.cursor();
        vm.prank(address(0), address(0));
        (bool due, bytes memory data) = manager.checkUpkeep{gas: 10_000_000}("");
        if (due) _checkSelection(data, cursor, needed, own);
        // a third of the rounds get a random limit, the rest what the round needs
        bool limited = gasSeed % 3 == 0;
        uint256 gasLimit = limited ? bound(gasSeed, 80_000, 1_500_000) : 5_000_000;
        if (due) {
            vm.recordLogs();
            vm.prank(forwarder);
            try manager.performUpkeep{gas: gasLimit}(data) {} catch {}
            Vm.Log[] memory logs = vm.getRecordedLogs();
            for (uint256 l; l < logs.length; ++l) {
                if (logs[l].topics[0] != IUpkeepManager.RoundPerformed.selector) continue;
                (uint256 done,, uint256 deferred,) =
                    abi.decode(logs[l].data, (uint256, uint256, uint256, uint256));
                if (deferred > 0) ++deferringRounds;
                if (done == 0 && !limited) ++emptyRounds;
            }
        }
        ++rounds;
        if (!limited) {
            for (uint256 i; i < k; ++i) {
                if (needed[i]) {
                    ++fullRoundsInNeed;
                    break;
                }
            }
        }
        uint256 performedNow;
        for (uint256 i; i < k; ++i) {
            bool performed = fleet[i].state().epoch != before[i];
            if (performed) ++performedNow;
            if (performed && !needed[i]) performedUnneeded = true;
            if (needed[i] && !performed) {
                // a round cut short by its gas limit defers members: it does not count as a wait
                if (limited) continue;
                uint256 w = ++waiting[i];
                if (w > maxWaiting) maxWaiting = w;
            } else {
                waiting[i] = 0;
            }
        }
        membersPerformed += performedNow;
    }

    /// @dev The round's entries must be exactly the first healthy members in need from the cursor on,
    /// in scan order, each with the performData its own check returned (the failing member is left
    /// out by the check's simulation, the gas burner's check runs out of its capped gas).
    function _checkSelection(bytes memory data, uint256 cursor, bool[] memory needed, bytes[] memory own)
        internal
    {
        uint256 k = fleet.length;
        uint256 count = (data.length - 4) / 9;
        uint256 e;
        for (uint256 j; j < k && e < count; ++j) {
            uint256 i = (cursor + j) % k;
            if (!needed[i]) continue;
            if (uint8(data[4 + 9 * e]) != i) {
                selectionWrong = true;
                return;
            }
            for (uint256 t; t < 8; ++t) {
                if (data[4 + 9 * e + 1 + t] != own[i][t]) selectionWrong = true;
            }
            ++e;
        }
        if (e != count) selectionWrong = true;
    }

    /// @notice A fallback keeper performs one balancer directly (racing the manager's next round).
    function fallbackPerform(uint256 which) external {
        uint256 i = bound(which, 0, fleet.length - 1);
        // the gas burner's check burns whatever it gets
        if (!healthy[i] && fleet[i].manager() == address(manager)) return;
        IBalancer b = fleet[i];
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
}
