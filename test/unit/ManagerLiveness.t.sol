// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IUpkeepManager} from "../../contracts/interfaces/IUpkeepManager.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";
import {GasBurningFeed} from "../utils/GasBurningFeed.sol";
import {PerformBurner} from "../utils/PerformBurner.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title A fleet stays live under a bad member (findings 5 and 6 of the balancers-v2 review).
/// @notice Each attack as it was found: a member whose perform always fails, a member whose feed
/// burns gas, members beyond one check's reach. Before the fix the first two made the manager report
/// rounds that performed nothing (0.0392 LINK each on registry 2.3) or report nothing for ever, and
/// the third left members unserved for ever.
contract ManagerLivenessTest is FleetFixture {
    /// @notice The registry's check gas limit the DON simulates with.
    uint256 internal constant CHECK_GAS = 10_000_000;

    function _checkWith(uint256 gas) internal returns (bool needed, bytes memory data) {
        vm.prank(address(0), address(0));
        return manager.checkUpkeep{gas: gas}("");
    }

    function _nextBlock() internal {
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 2);
    }

    /// @notice Finding 5: a member whose check says "needed" but whose perform always fails (it no
    /// longer trusts the manager). Before: it was put in every round, the round "succeeded" with
    /// nothing performed, and the network transmitted it again every block. Now the check simulates
    /// the round and leaves it out: 0 rounds reported that perform nothing.
    function test_attack_failingMember_isNeverReported() public {
        _fleet(5);
        fleet[4].setManager(address(0));
        _driftAll();
        (bool needed, bytes memory data) = _checkWith(CHECK_GAS);
        assertTrue(needed);
        uint256[] memory idx = _entries(data);
        assertEq(idx.length, 4, "the four healthy members, not the failing one");
        for (uint256 j; j < idx.length; ++j) {
            assertTrue(idx[j] != 4);
        }
        uint256[4] memory r = _round(_performManager(data));
        assertEq(r[0], 4);
        assertEq(r[1], 0, "nothing failed on chain");
        // the failing member's own check still says needed, block after block
        uint256 wasted;
        for (uint256 blk; blk < 20; ++blk) {
            _nextBlock();
            (bool own,) = _check(fleet[4]);
            assertTrue(own);
            (bool due, bytes memory next) = _checkWith(CHECK_GAS);
            if (!due) continue;
            if (_round(_performManager(next))[0] == 0) ++wasted;
        }
        assertEq(wasted, 0, "rounds reported that performed nothing");
    }

    /// @notice Finding 6, first part: a member whose feed burns gas. Before: its check took ~95 % of
    /// the check gas and, with balanced members next to it, the check returned false for ever while
    /// a drifted member behind them waited. Now each member's check runs under `memberCheckGas`.
    function test_attack_gasBurningFeed_doesNotFreezeTheFleet() public {
        (, GasBurningFeed burner) = _memberWithBurningFeed();
        _fleet(11);
        burner.setMode(GasBurningFeed.Mode.Always);
        // the last member drifts alone: a $10,000 WBTC deposit takes WBTC from 30 % to 36.4 %
        IBalancer last = fleet[11];
        _fund(last, address(this), 2, _unitsFor(2, 10_000));
        (bool own,) = _check(last);
        assertTrue(own);
        uint256 before = gasleft();
        (bool needed, bytes memory data) = _checkWith(CHECK_GAS);
        emit log_named_uint("check gas with a gas-burning member in 12", before - gasleft());
        assertTrue(needed, "the drifted member is reported");
        uint256[] memory idx = _entries(data);
        assertEq(idx.length, 1);
        assertEq(idx[0], 11);
        assertEq(_round(_performManager(data))[0], 1);
    }

    /// @notice Finding 6, second part: members beyond one check's reach. Before: the scan always
    /// began at the cursor, the cursor moved only when a round was performed, and a drifted member
    /// past the reach of a balanced stretch waited for ever. Now the second part of the scan starts
    /// at a position that rotates with the block number.
    function test_attack_membersBeyondOneChecksReach_areReachedWithinTheFleetsBlocks() public {
        _fleet(64);
        uint256 checkGas = 2_000_000;
        IBalancer far = fleet[60];
        _fund(far, address(this), 2, _unitsFor(2, 10_000));
        uint256 blocks;
        for (; blocks < 64; ++blocks) {
            (bool due, bytes memory data) = _checkWith(checkGas);
            if (due) {
                uint256[] memory idx = _entries(data);
                assertEq(idx.length, 1);
                assertEq(idx[0], 60);
                break;
            }
            _nextBlock();
        }
        assertLt(blocks, 64, "reached within one pass of the rotation");
        emit log_named_uint("blocks until member 60 of 64 is reached at 2M check gas", blocks);
    }

    /// @notice A member whose perform burns every gas unit it is given (a clone of another
    /// implementation with valid clone arguments). Uncapped, it took the whole round in the check's
    /// simulation and on chain, leaving the members behind it only the 1/64 of the gas a call keeps
    /// back: 3 of 5 healthy members per round. Each member's perform is now capped at
    /// `MEMBER_PERFORM_GAS`: the burner fails within its cap in the check's simulation and is left
    /// out, and all five are performed in the one round.
    function test_attack_performBurner_doesNotStarveTheRound() public {
        _fleet(6);
        address burner = Clones.cloneWithImmutableArgs(
            address(new PerformBurner()), Clones.fetchCloneArgs(address(fleet[0]))
        );
        manager.addBalancer(burner);
        // the burner takes fleet index 0 (removing a member moves the last one into its place), so
        // it leads the scan
        manager.removeBalancer(address(fleet[0]));
        assertEq(manager.member(0).balancer, burner);
        _driftAll();
        uint32[] memory before = _epochs();
        (bool due, bytes memory data) = _checkWith(CHECK_GAS);
        assertTrue(due);
        vm.prank(managerForwarder);
        manager.performUpkeep{gas: 5_000_000}(data);
        uint32[] memory afterwards = _epochs();
        uint256 served;
        for (uint256 i = 1; i < 6; ++i) {
            if (afterwards[i] == before[i] + 1) ++served;
        }
        emit log_named_uint("healthy members served in the round (of 5)", served);
        assertEq(served, 5, "every healthy member performed in the one round");
        uint256[] memory idx = _entries(data);
        for (uint256 j; j < idx.length; ++j) {
            assertTrue(idx[j] != 0, "the check's simulation left the burner out");
        }
    }

    /// @notice A member that behaves in simulation and fails in the transaction (its feed burns gas
    /// only on chain) fails once, then sits out `failureBackoff` blocks: the check leaves it out, so
    /// no round is spent on it, and includes it again after.
    function test_backoff_aMemberFailingOnChainSitsOutItsBlocks() public {
        (IBalancer bad, GasBurningFeed burner) = _memberWithBurningFeed();
        _fleet(3);
        burner.setMode(GasBurningFeed.Mode.OnChainOnly);
        _driftAll();
        (, bytes memory data) = _checkWith(CHECK_GAS);
        assertEq(_entries(data).length, 4, "the simulation cannot see the on-chain failure");
        Vm.Log[] memory logs = _performManager(data);
        (address[] memory who,) = _failures(logs);
        assertEq(who.length, 1);
        assertEq(who[0], address(bad));
        IUpkeepManager.Member memory m = manager.member(0);
        assertEq(m.failedBlock, block.number);
        assertEq(m.failedEpoch, bad.state().epoch);
        uint256 backoff = manager.config().failureBackoff;
        uint256 failedAt = block.number;
        while (block.number < failedAt + backoff) {
            (bool due,) = _checkWith(CHECK_GAS);
            assertFalse(due, "backed off");
            vm.roll(block.number + 10);
        }
        vm.roll(failedAt + backoff);
        (bool again, bytes memory retry) = _checkWith(CHECK_GAS);
        assertTrue(again, "included again after its blocks");
        assertEq(_entries(retry)[0], 0);
    }

    /// @notice A round whose gas runs out inside a member's perform (the member needs more than it
    /// was given) defers that member instead of failing it: no failure, no backoff, it leads the next
    /// round.
    function test_starvedMember_isDeferredNotFailed() public {
        _fleet(3);
        _driftAll();
        (, bytes memory data) = _checkWith(CHECK_GAS);
        vm.recordLogs();
        vm.prank(managerForwarder);
        manager.performUpkeep{gas: 150_000}(data);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256[4] memory r = _round(logs);
        (address[] memory who,) = _failures(logs);
        assertEq(who.length, 0, "no failure recorded");
        assertEq(r[0], 0);
        assertEq(r[2], 3, "all three deferred");
        assertEq(manager.cursor(), 0);
        assertEq(manager.member(0).failedBlock, 0, "not backed off");
    }

    /// @notice A member's check that answers with a huge return value (or anything but (true, 8
    /// bytes)) is "not needed" and costs the scan at most its gas cap.
    function test_config_memberCheckGasAndBackoffAreBounded() public {
        _fleet(1);
        IUpkeepManager.Config memory c = manager.config();
        c.memberCheckGas = 49_999;
        vm.expectRevert(
            abi.encodeWithSelector(IUpkeepManager.InvalidConfig.selector, uint8(4), uint256(49_999))
        );
        manager.setConfig(c);
        c.memberCheckGas = 400_000;
        c.failureBackoff = 0;
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.InvalidConfig.selector, uint8(5), uint256(0)));
        manager.setConfig(c);
    }

    /// @notice `simulateRound` never changes state: it always reverts, whoever calls it.
    function test_simulateRound_alwaysRevertsAndChangesNothing() public {
        _fleet(2);
        _driftAll();
        (, bytes memory data) = _checkWith(CHECK_GAS);
        uint32[] memory before = _epochs();
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.RoundSimulated.selector, uint256(3)));
        manager.simulateRound(data);
        uint32[] memory afterwards = _epochs();
        assertEq(afterwards[0], before[0]);
        assertEq(afterwards[1], before[1]);
    }
}
