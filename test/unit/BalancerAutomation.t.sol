// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {ILimitOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {IMockV3Aggregator} from "../utils/ChainlinkInterfaces.sol";
import {AutomationBase} from "@chainlink/contracts/src/v0.8/automation/AutomationBase.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title checkUpkeep / performUpkeep: triggers, re-validation, access, cooldowns and oracle safety.
contract BalancerAutomationTest is BalancerFixture {
    IBalancer internal b;
    address internal alice = makeAddr("alice");

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(b, address(this), 1_000_000);
    }

    /* ---------------------------------------------------------------- CHECK --- */

    function test_check_falseWhenBalanced() public {
        (bool needed, bytes memory data) = _check(b);
        assertFalse(needed);
        assertEq(data.length, 0);
    }

    function test_check_falseJustBelowTheBand() public {
        // WETH +6.6 %: its weight 31.4 % (drift < 200 bp)
        _setPrice(3, 3198e8);
        assertLe(_maxGlobalDriftBps(b, 0x3), 200);
        (bool needed,) = _check(b);
        assertFalse(needed);
    }

    function test_check_encodesBitmapPathAndEpoch() public {
        _setPrice(3, 3400e8);
        (bool needed, bytes memory data) = _check(b);
        assertTrue(needed);
        assertEq(data.length, 8);
        uint64 word = uint64(bytes8(data));
        assertEq(word >> 16 & 0xff, PATH_GLOBAL);
        assertEq(word >> 24, 0, "epoch 0");
        assertEq(word & 0xffff, 0xf, "all four assets trade");
    }

    function test_RevertWhen_checkIsNotSimulated() public {
        vm.expectRevert(AutomationBase.OnlySimulatedBackend.selector);
        vm.prank(alice, alice);
        AutomationCompatibleInterface(address(b)).checkUpkeep("");
    }

    /* -------------------------------------------------------------- PERFORM --- */

    function test_perform_publishesBundleWithItsProfile() public {
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        vm.recordLogs();
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        ILimitOrderProtocol.Order[] memory orders = _published(logs);
        assertGt(orders.length, 0);
        assertEq(logs.length, 1, "one event per perform");
        Vm.Log memory last = logs[0];
        assertEq(last.topics[0], IBalancer.OrdersPublished.selector);
        assertEq(uint256(last.topics[1]), 1, "the new epoch, indexed");
        (
            uint64 expiry,
            uint8 paths,
            uint32 gasUsed,
            uint32 before,
            uint32 aim,
            IBalancer.PublishedOrder[] memory po
        ) = abi.decode(last.data, (uint64, uint8, uint32, uint32, uint32, IBalancer.PublishedOrder[]));
        assertEq(expiry, block.timestamp + b.params().orderTtl);
        assertEq(paths, PATH_GLOBAL);
        uint256 bitmap;
        for (uint256 i; i < po.length; ++i) {
            bitmap |= 1 << (po[i].salt >> 167 & 0xf) | 1 << (po[i].salt >> 171 & 0xf);
        }
        assertEq(bitmap, 0xf, "every asset trades");
        assertGt(gasUsed, 50_000);
        assertEq(before, _maxGlobalDriftBps(b, 0x3));
        assertLt(aim, 175);
        assertEq(po.length, orders.length);
        IBalancer.State memory s = b.state();
        assertEq(s.epoch, 1);
        assertEq(s.lastGlobalAt, block.timestamp);
        bytes32[] memory hashes = new bytes32[](orders.length);
        for (uint256 i; i < orders.length; ++i) {
            hashes[i] = lop.hashOrder(orders[i]);
            assertEq(orders[i].maker, uint160(address(b)));
            assertEq(orders[i].salt >> 224, 1, "orders carry the new epoch");
            assertEq(orders[i].salt >> 160 & 0x7f, i, "and their index");
            assertEq(
                orders[i].salt & type(uint160).max, uint256(keccak256(b.extension())) & type(uint160).max
            );
        }
        assertEq(s.digest, bytes16(keccak256(abi.encodePacked(hashes))));
    }

    function test_perform_byAllowListedFallbackKeeper() public {
        b.setFallbackKeeper(fallbackKeeper, true);
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        vm.prank(fallbackKeeper);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
        assertEq(b.state().epoch, 1);
    }

    function test_RevertWhen_performByStranger() public {
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.UnauthorizedPerformer.selector, alice));
        vm.prank(alice);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
    }

    function test_RevertWhen_duplicatePerform() public {
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
        b.setFallbackKeeper(fallbackKeeper, true);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.StaleEpoch.selector, 0, 1));
        vm.prank(fallbackKeeper); // the fallback keeper racing Chainlink with the same performData
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
    }

    function test_RevertWhen_conditionNoLongerHolds() public {
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        _setPrice(3, 3000e8); // back to target before the perform lands
        vm.expectRevert(abi.encodeWithSelector(IBalancer.UpkeepNotNeeded.selector, PATH_GLOBAL));
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
        assertEq(b.state().epoch, 0, "no state change");
    }

    function test_RevertWhen_bundleStillOpen() public {
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
        (bool needed,) = _check(b);
        assertFalse(needed, "no check while the bundle is fillable");
        bytes memory next = abi.encodePacked(uint64(0xf) | uint64(PATH_GLOBAL) << 16 | uint64(1) << 24);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.BundleOpen.selector, block.timestamp + 10 minutes));
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(next);
    }

    function test_cooldown_blocksTheSamePathUntilItPasses() public {
        _setPrice(3, 3400e8);
        _checkAndPerform(b); // orders never filled: drift stays
        _warp(10 minutes + 1); // bundle expired
        (bool needed,) = _check(b);
        assertFalse(needed, "global cooldown (6 h) not over");
        _warp(6 hours);
        (needed,) = _check(b);
        assertTrue(needed, "after the cooldown the unfilled drift re-triggers");
    }

    function testFuzz_RevertWhen_garbagePerformData(bytes calldata garbage) public {
        (bool ok, bytes memory data) = _tryDecode(garbage);
        vm.assume(!ok || data.length != 8);
        IBalancer.State memory before = b.state();
        vm.prank(forwarder);
        (bool success, bytes memory ret) =
            address(b).call(abi.encodeCall(AutomationCompatibleInterface.performUpkeep, (garbage)));
        assertFalse(success);
        assertEq(bytes4(ret), IBalancer.InvalidPerformData.selector);
        assertEq(keccak256(abi.encode(b.state())), keccak256(abi.encode(before)), "nothing changed");
    }

    function testFuzz_RevertWhen_wellFormedButWrongPerformData(uint16 bitmap, uint8 paths, uint32 epoch)
        public
    {
        paths = uint8(bound(paths, 1, 3));
        uint64 word = uint64(bitmap) | uint64(paths) << 16 | uint64(epoch) << 24;
        IBalancer.State memory before = b.state();
        vm.prank(forwarder);
        (bool success,) = address(b)
            .call(abi.encodeCall(AutomationCompatibleInterface.performUpkeep, (abi.encodePacked(word))));
        assertFalse(success, "balanced portfolio: nothing to perform, whatever the data says");
        assertEq(keccak256(abi.encode(b.state())), keccak256(abi.encode(before)));
    }

    function test_RevertWhen_performWhilePaused() public {
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        b.setPaused(true);
        (bool needed,) = _check(b);
        assertFalse(needed);
        vm.expectRevert(IBalancer.IsPaused.selector);
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
    }

    /* ---------------------------------------------------------------- PATHS --- */

    function test_stablePath_onDepeg_tradesOnlyStables() public {
        _setPrice(0, 0.985e8);
        (bool needed, bytes memory data) = _check(b);
        assertTrue(needed);
        assertEq(uint64(bytes8(data)) >> 16 & 0xff, PATH_STABLE);
        (ILimitOrderProtocol.Order[] memory orders,) = _perform(b, data);
        assertEq(orders.length, 3, "a grid of three levels");
        for (uint256 i; i < orders.length; ++i) {
            assertTrue(_isStable(orders[i].makerAsset) && _isStable(orders[i].takerAsset));
            if (i > 0) {
                // each level asks 5 bp more than the one before
                assertGt(
                    orders[i].takingAmount * orders[i - 1].makingAmount,
                    orders[i - 1].takingAmount * orders[i].makingAmount
                );
            }
        }
        assertEq(b.state().lastGlobalAt, 0, "the global path did not run");
    }

    function test_bothPaths_runTogetherWhenGasAllows() public {
        _setPrice(0, 0.985e8);
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        assertEq(uint64(bytes8(data)) >> 16 & 0xff, 3);
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep{gas: 2_000_000}(data);
        IBalancer.State memory s = b.state();
        assertEq(s.lastStableAt, block.timestamp);
        assertEq(s.lastGlobalAt, block.timestamp);
    }

    function test_bothPaths_onlyTheBetterOneWhenGasIsShort() public {
        _setPrice(0, 0.985e8);
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        IBalancer.State memory est = b.state();
        uint256 both = (uint256(est.stableGas32) + est.globalGas32) * 32;
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep{gas: both}(data);
        IBalancer.State memory s = b.state();
        // global: ~94 bp of portfolio drift reduction per 130k gas beats the slice's ~150 x 0.4 per 80k
        assertEq(s.lastGlobalAt, block.timestamp, "global ran");
        assertEq(s.lastStableAt, 0, "stable waits");
    }

    /* --------------------------------------------------------------- ORACLE --- */

    function test_RevertWhen_priceIsZeroOrNegative() public {
        _setPrice(2, 0);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidPrice.selector, address(feeds[2]), int256(0)));
        _check(b);
        _setPrice(2, -1);
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.InvalidPrice.selector, address(feeds[2]), int256(-1))
        );
        _check(b);
    }

    function test_RevertWhen_priceIsStale() public {
        _setPrice(3, 3400e8);
        (, bytes memory data) = _check(b);
        (,,, uint256 updatedAt,) = feeds[0].latestRoundData();
        vm.warp(block.timestamp + HEARTBEAT + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.StalePrice.selector, address(feeds[0]), updatedAt, HEARTBEAT)
        );
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
    }

    function test_sequencer_downOrInGracePeriodStopsOrders() public {
        IMockV3Aggregator uptime = IMockV3Aggregator(
            _deployArtifact("MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(0, int256(0)))
        );
        sequencerFeed = address(uptime);
        sequencerGrace = 1 hours;
        IBalancer l2 = _create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()));
        _warp(1 hours); // deposits, too, wait out the grace period
        _fundAtTargets(l2, address(this), 100_000);
        uptime.updateAnswer(0); // the sequencer restarted: a new grace period
        _setPrice(3, 3400e8);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBalancer.SequencerGracePeriod.selector, address(uptime), block.timestamp, 1 hours
            )
        );
        _check(l2);
        uptime.updateAnswer(1); // down
        vm.expectRevert(abi.encodeWithSelector(IBalancer.SequencerDown.selector, address(uptime)));
        _check(l2);
        uptime.updateAnswer(0); // back up, grace period starts again
        _warp(1 hours);
        (bool needed,) = _check(l2);
        assertTrue(needed);
    }

    /* ------------------------------------------------------------- CALENDAR --- */

    function test_timeBalancer_calendarRebalancesToTarget() public {
        delete tokens;
        delete feeds;
        IBalancer t = _demo(IBalancerFactory.Kind.Time);
        _fundAtTargets(t, address(this), 1_000_000);
        _setPrice(3, 3100e8); // 1 % drift: under the trigger band, over the 10 bp dust floor
        (bool needed, bytes memory data) = _check(t);
        assertTrue(needed, "calendar due at start");
        (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes) = _perform(t, data);
        _fillAll(orders, hashes);
        assertLe(_maxGlobalDriftBps(t, 0x3), 1, "calendar rebalance goes to target");
        _setPrice(3, 3120e8);
        _warp(23 hours);
        (needed,) = _check(t);
        assertFalse(needed, "interval (1 day) not over, drift under the band");
        _warp(1 hours);
        (needed,) = _check(t);
        assertTrue(needed, "interval over");
    }

    function test_timeBalancer_skipsBelowDustFloor() public {
        delete tokens;
        delete feeds;
        IBalancer t = _demo(IBalancerFactory.Kind.Time);
        _fundAtTargets(t, address(this), 1_000_000);
        (bool needed,) = _check(t);
        assertFalse(needed, "calendar due but every drift is under 10 bp");
    }

    function _isStable(uint256 token) internal view returns (bool) {
        return address(uint160(token)) == address(tokens[0]) || address(uint160(token)) == address(tokens[1]);
    }

    function _tryDecode(bytes calldata d) internal pure returns (bool, bytes memory) {
        if (d.length != 8) return (false, d);
        uint64 word = uint64(bytes8(d));
        uint8 paths = uint8(word >> 16);
        return (paths >= 1 && paths <= 3 && word >> 56 == 0, d);
    }
}
