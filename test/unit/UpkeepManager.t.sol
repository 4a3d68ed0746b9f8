// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {UpkeepManager} from "../../contracts/UpkeepManager.sol";
import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {ILimitOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {IUpkeepManager} from "../../contracts/interfaces/IUpkeepManager.sol";
import {Oracle} from "../../contracts/libraries/Oracle.sol";
import {IMockV3Aggregator} from "../utils/ChainlinkInterfaces.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {Vm} from "forge-std/Vm.sol";

contract UpkeepManagerTest is FleetFixture {
    bytes4 internal constant LATEST_ROUND_DATA = IMockV3Aggregator.latestRoundData.selector;

    /* --------------------------------------------------------------- ROUNDS --- */

    function test_round_performsEveryDriftedBalancer_readingEachFeedOnce() public {
        _fleet(10);
        (bool needed,) = _checkManager();
        assertFalse(needed, "balanced fleet");
        _driftAll();
        bytes memory data;
        (needed, data) = _checkManager();
        assertTrue(needed);
        assertEq(data.length, 4 + 9 * 10);
        assertEq(uint32(bytes4(data)), manager.fleetEpoch());
        uint32[] memory before = _epochs();

        for (uint256 i; i < feeds.length; ++i) {
            vm.expectCall(address(feeds[i]), abi.encodeWithSelector(LATEST_ROUND_DATA), 1);
        }
        Vm.Log[] memory logs = _performManager(data);
        uint256[4] memory r = _round(logs);
        assertEq(r[0], 10, "performed");
        assertEq(r[1] + r[2], 0, "none failed or deferred");
        for (uint256 i; i < fleet.length; ++i) {
            assertEq(fleet[i].state().epoch, before[i] + 1, "each balancer published a bundle");
        }
        (needed,) = _checkManager();
        assertFalse(needed, "bundles open: nothing to do");
    }

    function test_round_handsOnTheSamePricesTheBalancerWouldRead() public {
        _fleet(2);
        IBalancer alone = _create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()));
        _fundAtTargets(alone, address(this), 100_000);
        _driftAll();
        (, bytes memory data) = _checkManager();
        (, bytes memory own) = _check(alone);
        (ILimitOrderProtocol.Order[] memory orders,) = _perform(alone, own);
        bytes32 standalone = _orderData(orders);
        bytes32 managed = _orderData(_published(_performManager(data)));
        assertEq(managed, standalone, "same orders, whether prices are read or handed on");
    }

    function test_round_servesTimeBalancersBesideDriftBalancers() public {
        _fleet(2);
        IBalancer time = _create(IBalancerFactory.Kind.Time, 0x3, _init(_targets4()));
        _fundAtTargets(time, address(this), 100_000);
        time.setManager(address(manager));
        manager.addBalancer(address(time));
        fleet.push(time);
        _driftAll();
        (, bytes memory data) = _checkManager();
        assertEq(_entries(data).length, 3);
        uint32[] memory before = _epochs();
        assertEq(_round(_performManager(data))[0], 3);
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < 3; ++i) {
            assertEq(afterwards[i], before[i] + 1);
        }
    }

    function test_round_isolatesAFailingBalancerAndRecordsItsError() public {
        _fleet(4);
        _driftAll();
        (, bytes memory data) = _checkManager();
        assertEq(_entries(data).length, 4);
        // between the check and the perform, balancer 1 stops trusting the manager
        fleet[1].setManager(address(0));
        Vm.Log[] memory logs = _performManager(data);
        (address[] memory who, bytes[] memory why) = _failures(logs);
        assertEq(who.length, 1);
        assertEq(who[0], address(fleet[1]));
        assertEq(why[0], abi.encodeWithSelector(IBalancer.UnauthorizedPerformer.selector, address(manager)));
        uint256[4] memory r = _round(logs);
        assertEq(r[0], 3);
        assertEq(r[1], 1);
    }

    function test_duplicateRound_tradesNothingTwice() public {
        _fleet(3);
        _driftAll();
        (, bytes memory data) = _checkManager();
        _performManager(data);
        uint32[] memory after1 = _epochs();
        Vm.Log[] memory logs = _performManager(data);
        (, bytes[] memory why) = _failures(logs);
        assertEq(why.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(bytes4(why[i]), IBalancer.StaleEpoch.selector);
            assertEq(fleet[i].state().epoch, after1[i]);
        }
    }

    function test_feedReadFailure_skipsItsBalancersOnly() public {
        _fleet(2);
        // a third balancer on a different WBTC feed that reverts
        IBalancer other = _withOwnWbtcFeed();
        _driftAll();
        IMockV3Aggregator broken = IMockV3Aggregator(other.assets()[2].feed);
        broken.updateAnswer(66_000e8);
        (, bytes memory data) = _checkManager();
        assertEq(data.length, 4 + 9 * 3);
        vm.mockCallRevert(address(broken), abi.encodeWithSelector(LATEST_ROUND_DATA), "feed down");
        Vm.Log[] memory logs = _performManager(data);
        (address[] memory who, bytes[] memory why) = _failures(logs);
        assertEq(who.length, 1);
        assertEq(who[0], address(other));
        assertEq(why[0], abi.encodeWithSelector(IUpkeepManager.FeedReadFailed.selector, address(broken)));
        assertEq(_round(logs)[0], 2);
    }

    function test_stalePrice_handedOnIsRejectedByTheBalancer() public {
        _fleet(2);
        _driftAll();
        (, bytes memory data) = _checkManager();
        (,,, uint256 updatedAt,) = feeds[0].latestRoundData();
        vm.warp(block.timestamp + HEARTBEAT + 1);
        Vm.Log[] memory logs = _performManager(data);
        (, bytes[] memory why) = _failures(logs);
        assertEq(why.length, 2);
        assertEq(
            why[0],
            abi.encodeWithSelector(IBalancer.StalePrice.selector, address(feeds[0]), updatedAt, HEARTBEAT)
        );
    }

    function test_sequencer_readOnceForTheWholeFleet() public {
        _sequencerFleet(3);
        assertEq(manager.feeds().length, 5, "four price feeds and the uptime feed, once");
        _driftAll();
        (, bytes memory data) = _checkManager();
        vm.expectCall(sequencerFeed, abi.encodeWithSelector(LATEST_ROUND_DATA), 1);
        assertEq(_round(_performManager(data))[0], 3);
    }

    function test_sequencerDown_everyBalancerRefusesTheRound() public {
        _sequencerFleet(3);
        _driftAll();
        (, bytes memory data) = _checkManager();
        assertEq(data.length, 4 + 9 * 3);
        IMockV3Aggregator(sequencerFeed).updateAnswer(1);
        (, bytes[] memory why) = _failures(_performManager(data));
        assertEq(why.length, 3);
        assertEq(why[0], abi.encodeWithSelector(IBalancer.SequencerDown.selector, sequencerFeed));
    }

    function _sequencerFleet(uint256 k) internal {
        sequencerFeed =
            _deployArtifact("MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(uint8(0), int256(0)));
        sequencerGrace = 1 hours;
        vm.warp(block.timestamp + 2 hours);
        _fleet(k);
    }

    /* ------------------------------------------------------- GAS AND ROTATION --- */

    function test_gasReserve_defersTheRestToTheNextRound() public {
        _fleet(6);
        _driftAll();
        (, bytes memory data) = _checkManager();
        vm.recordLogs();
        vm.prank(managerForwarder);
        manager.performUpkeep{gas: 450_000}(data);
        uint256[4] memory r = _round(vm.getRecordedLogs());
        assertGt(r[0], 0, "some performed");
        assertGt(r[2], 0, "the rest deferred");
        assertEq(r[1], 0, "none failed");
        assertEq(r[3], _entries(data)[r[0]], "the first deferred leads the next round");
        assertEq(manager.cursor(), r[3]);
        (, bytes memory next) = _checkManager();
        assertEq(_entries(next)[0], r[3]);
        assertEq(_entries(next).length, 6 - r[0]);
    }

    function test_check_packsWithinTheRoundBudgetAndRotates() public {
        _fleet(7);
        // room for two balancers' estimates per round
        manager.setConfig(
            IUpkeepManager.Config({
                performGasReserve: 60_000,
                checkGasReserve: 300_000,
                roundGasBudget: uint32(2 * (130_000 + manager.MEMBER_GAS())),
                maxPerRound: 64,
                memberCheckGas: 400_000,
                failureBackoff: 100
            })
        );
        _driftAll();
        uint256 rounds;
        bool[] memory done = new bool[](7);
        while (true) {
            (bool needed, bytes memory data) = _checkManager();
            if (!needed) break;
            uint256[] memory idx = _entries(data);
            assertLe(idx.length, 2);
            _performManager(data);
            for (uint256 j; j < idx.length; ++j) {
                assertFalse(done[idx[j]], "each balancer performed once");
                done[idx[j]] = true;
            }
            ++rounds;
        }
        assertEq(rounds, 4, "ceil(7 / 2) rounds");
        for (uint256 i; i < 7; ++i) {
            assertTrue(done[i]);
        }
    }

    /// @notice 64 balancers: a check short of gas returns what it scanned instead of failing, and
    /// rounds serve the whole fleet.
    function test_fleetOf64_checkStopsAtItsGasReserveAndRoundsServeEveryone() public {
        _fleet(64);
        _driftAll();
        vm.prank(address(0), address(0));
        (bool needed, bytes memory partialData) = manager.checkUpkeep{gas: 2_000_000}("");
        assertTrue(needed);
        uint256 scanned = _entries(partialData).length;
        assertGt(scanned, 0);
        assertLt(scanned, 64, "stopped at the check gas reserve");

        uint256 rounds;
        bool[] memory done = new bool[](64);
        while (true) {
            (bool due, bytes memory data) = _checkManager();
            if (!due) break;
            uint256[] memory idx = _entries(data);
            vm.prank(managerForwarder);
            manager.performUpkeep{gas: 5_000_000}(data);
            for (uint256 j; j < idx.length; ++j) {
                if (fleet[idx[j]].state().epoch == 1) done[idx[j]] = true;
            }
            ++rounds;
            assertLt(rounds, 10);
        }
        for (uint256 i; i < 64; ++i) {
            assertTrue(done[i], "every balancer served");
        }
        emit log_named_uint("rounds for 64 balancers at 5M gas", rounds);
    }

    /* --------------------------------------------------------------- ACCESS --- */

    function test_RevertWhen_performedByAStranger() public {
        _fleet(1);
        _driftAll();
        (, bytes memory data) = _checkManager();
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.UnauthorizedPerformer.selector, address(this)));
        manager.performUpkeep(data);
        manager.setFallbackKeeper(fallbackKeeper, true);
        uint32 epoch = fleet[0].state().epoch;
        vm.prank(fallbackKeeper);
        manager.performUpkeep(data);
        assertEq(fleet[0].state().epoch, epoch + 1);
    }

    function test_RevertWhen_checkNotSimulated() public {
        _fleet(1);
        // Chainlink's `cannotExecute`: checks run only in simulation (tx.origin 0)
        vm.expectRevert(bytes4(keccak256("OnlySimulatedBackend()")));
        manager.checkUpkeep("");
    }

    function test_balancer_trustsHandedOnPricesOnlyFromItsManager() public {
        _fleet(1);
        _driftAll();
        (, bytes memory own) = _check(fleet[0]);
        uint256[] memory fake = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            fake[i] = Oracle.pack(1e8, block.timestamp); // everything at $1
        }
        bytes memory forged = bytes.concat(own, abi.encodePacked(fake));
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.UnauthorizedPerformer.selector, makeAddr("stranger"))
        );
        AutomationCompatibleInterface(address(fleet[0])).performUpkeep(forged);
        // a fallback keeper may perform, but never with prices of its own
        fleet[0].setFallbackKeeper(fallbackKeeper, true);
        vm.prank(fallbackKeeper);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidPerformData.selector, forged.length, 0));
        AutomationCompatibleInterface(address(fleet[0])).performUpkeep(forged);
        // the manager without words is invalid too
        vm.prank(address(manager));
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidPerformData.selector, 8, 0));
        AutomationCompatibleInterface(address(fleet[0])).performUpkeep(own);
    }

    function test_fleetAdmin_isOwnerOnlyEventedAndChecked() public {
        _fleet(2);
        address b = address(fleet[0]);
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.Unauthorized.selector, makeAddr("stranger")));
        manager.removeBalancer(b);
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.AlreadyMember.selector, b));
        manager.addBalancer(b);
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.NotABalancer.selector, address(0xBEEF)));
        manager.addBalancer(address(0xBEEF));
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.NotABalancer.selector, address(lop)));
        manager.addBalancer(address(lop));

        _driftAll();
        (, bytes memory data) = _checkManager();
        uint32 epoch = manager.fleetEpoch();
        vm.expectEmit(address(manager));
        emit IUpkeepManager.BalancerRemoved(b, epoch + 1);
        manager.removeBalancer(b);
        assertEq(manager.fleetSize(), 1);
        assertEq(manager.indexOf(address(fleet[1])), 0, "the last member took the freed index");
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.NotMember.selector, b));
        manager.removeBalancer(b);
        vm.prank(managerForwarder);
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.StaleFleet.selector, epoch, epoch + 1));
        manager.performUpkeep(data);
    }

    function test_RevertWhen_performDataIsMalformedOrNamesNoMember() public {
        _fleet(2);
        _driftAll();
        (, bytes memory data) = _checkManager();
        uint32[] memory before = _epochs();
        bytes memory short = new bytes(12);
        vm.prank(managerForwarder);
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.InvalidPerformData.selector, 12));
        manager.performUpkeep(short);
        bytes memory ragged = bytes.concat(data, hex"00");
        vm.prank(managerForwarder);
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.InvalidPerformData.selector, ragged.length));
        manager.performUpkeep(ragged);
        // the second entry names index 7 of a fleet of 2: nothing runs, not even the first entry
        data[4 + 9] = bytes1(uint8(7));
        vm.prank(managerForwarder);
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.UnknownMember.selector, 7, 2));
        manager.performUpkeep(data);
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < 2; ++i) {
            assertEq(afterwards[i], before[i]);
        }
    }

    function test_RevertWhen_theFleetIsFull() public {
        _fleet(1);
        for (uint256 i = 1; i < manager.MAX_FLEET(); ++i) {
            manager.addBalancer(address(_create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()))));
        }
        assertEq(manager.fleetSize(), 255);
        address extra = address(_create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4())));
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.FleetFull.selector, 255));
        manager.addBalancer(extra);
    }

    function test_RevertWhen_aFeedIsAPriceFeedForOneAndTheSequencerFeedForAnother() public {
        _fleet(1);
        sequencerFeed = address(feeds[0]); // USDC/USD, already a price feed of the fleet
        sequencerGrace = 1 hours;
        address b = address(_create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4())));
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.FeedKindConflict.selector, address(feeds[0])));
        manager.addBalancer(b);
    }

    function test_RevertWhen_theFeedTableIsFull() public {
        _fleet(1); // 4 feeds
        uint16[] memory t = new uint16[](16);
        for (uint256 i; i < 16; ++i) {
            t[i] = 625;
        }
        // 15 balancers of 16 fresh assets each: 4 + 240 = 244 feeds; the 16th needs 11 more
        for (uint256 j; j < 16; ++j) {
            delete tokens;
            delete feeds;
            for (uint256 i; i < 16; ++i) {
                _addAsset("T", 18, 8, 1e8);
            }
            address b = address(_create(IBalancerFactory.Kind.Drift, 0, _init(t)));
            if (j < 15) {
                manager.addBalancer(b);
            } else {
                vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.FeedTableFull.selector, 255));
                manager.addBalancer(b);
            }
        }
        assertEq(manager.feeds().length, 244);
    }

    function test_RevertWhen_configOutOfBounds() public {
        _fleet(1);
        IUpkeepManager.Config memory c = _managerConfig();
        c.maxPerRound = 221;
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.InvalidConfig.selector, 3, 221));
        manager.setConfig(c);
        c = _managerConfig();
        c.performGasReserve = 1;
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.InvalidConfig.selector, 0, 1));
        manager.setConfig(c);
    }

    /// @notice Garbage performData reverts with a manager error, or at worst reaches balancers that
    /// reject it: no balancer's state ever changes.
    function testFuzz_garbagePerformData_changesNothing(bytes calldata garbage) public {
        _fleet(3);
        _driftAll();
        uint32[] memory before = _epochs();
        vm.prank(managerForwarder);
        try manager.performUpkeep(garbage) {
            // it got past the manager's checks: every balancer must have refused it
            assertEq(uint32(bytes4(garbage)), manager.fleetEpoch());
        } catch (bytes memory err) {
            bytes4 sel = bytes4(err);
            assertTrue(
                sel == IUpkeepManager.InvalidPerformData.selector || sel == IUpkeepManager.StaleFleet.selector
                    || sel == IUpkeepManager.UnknownMember.selector,
                "a manager custom error"
            );
        }
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < fleet.length; ++i) {
            assertEq(afterwards[i], before[i]);
        }
    }

    /// @notice Well-formed entries for real members with random 8-byte payloads: the balancers refuse.
    function testFuzz_wellFormedGarbage_isRefusedByEveryBalancer(uint64[3] calldata pds) public {
        _fleet(3);
        _driftAll();
        uint32[] memory before = _epochs();
        bytes memory data = abi.encodePacked(manager.fleetEpoch());
        for (uint256 i; i < 3; ++i) {
            // never the epoch-0 global-path word the check would produce
            uint64 pd = pds[i] | uint64(1) << 40;
            data = bytes.concat(data, abi.encodePacked(uint8(i), pd));
        }
        Vm.Log[] memory logs = _performManager(data);
        assertEq(_round(logs)[0], 0);
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < fleet.length; ++i) {
            assertEq(afterwards[i], before[i]);
        }
    }

    /* -------------------------------------------------------------- HELPERS --- */

    /// @dev The orders' assets, amounts and traits (not the maker, which is each balancer).
    function _orderData(ILimitOrderProtocol.Order[] memory orders) internal pure returns (bytes32 h) {
        assertGt(orders.length, 0);
        for (uint256 i; i < orders.length; ++i) {
            ILimitOrderProtocol.Order memory o = orders[i];
            h = keccak256(
                abi.encode(h, o.makerAsset, o.takerAsset, o.makingAmount, o.takingAmount, o.makerTraits)
            );
        }
    }

    function _withOwnWbtcFeed() internal returns (IBalancer b) {
        IMockV3Aggregator saved = feeds[2];
        feeds[2] = IMockV3Aggregator(
            _deployArtifact(
                "MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(uint8(8), int256(60_000e8))
            )
        );
        b = _create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()));
        _fundAtTargets(b, address(this), 100_000);
        b.setManager(address(manager));
        manager.addBalancer(address(b));
        feeds[2] = saved;
        fleet.push(b);
    }
}
