// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ManagerFleet} from "./base/ManagerFleet.sol";
import {IBalancer} from "./interfaces/IBalancer.sol";
import {IReceiver, IUpkeepManager} from "./interfaces/IUpkeepManager.sol";
import {Oracle} from "./libraries/Oracle.sol";
import {PerformData} from "./libraries/PerformData.sol";
import {AutomationCompatible} from "@chainlink/contracts/src/v0.8/automation/AutomationCompatible.sol";
import {
    AutomationCompatibleInterface as Upkeep
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";

/// @title UpkeepManager: one upkeep for a fleet of up to 255 balancers, via Automation or CRE.
/// @notice See `IUpkeepManager`. Each balancer must name this contract its manager
/// (`IBalancer.setManager`); it then trusts the feed reads this contract hands on as its own. The
/// fleet, its configuration and the views are in `base/ManagerFleet.sol`.
contract UpkeepManager is ManagerFleet, IReceiver, AutomationCompatible {
    constructor(address owner_, Config memory config_) ManagerFleet(owner_, config_) {}

    /* ----------------------------------------------------------- AUTOMATION --- */

    /// @notice Scans the fleet (simulated from address 0 only) and reports the round its members need:
    /// see `IUpkeepManager`. The scan reads a member while the gas left covers `checkGasReserve`, the
    /// member's check cap and the perform gas of the members already packed (the simulation's).
    function checkUpkeep(bytes calldata)
        external
        override
        cannotExecute
        returns (bool upkeepNeeded, bytes memory performData)
    {
        Slot0 memory s0 = _slot0;
        uint256 k = _members.length;
        if (k == 0) return (false, "");
        Config memory cfg = s0.config;
        performData = new bytes(HEAD + ENTRY * cfg.maxPerRound);
        // [count, packed perform gas, members scanned]
        uint256[3] memory sc;
        uint256 floor = cfg.checkGasReserve + cfg.memberCheckGas;
        // first from the cursor, with half the gas the scan may use
        uint256 g = gasleft();
        _scan(performData, cfg, s0.cursor, k, g > floor ? floor + (g - floor) / 2 : g, sc);
        // then the members the first part did not reach, from a start that rotates with the block
        uint256 reached = sc[2];
        uint256 rest = k - reached;
        if (rest != 0 && sc[0] < cfg.maxPerRound) {
            uint256 rotation = block.number % rest;
            _scan(performData, cfg, s0.cursor + reached + rotation, rest - rotation, 0, sc);
            if (sc[2] >= k - rotation) _scan(performData, cfg, s0.cursor + reached, rotation, 0, sc);
        }
        uint256 count = sc[0];
        if (count == 0) return (false, "");
        uint32 epoch = s0.fleetEpoch;
        assembly ("memory-safe") {
            mstore(performData, add(HEAD, mul(ENTRY, count)))
            // the fleet epoch, big-endian, in the first four bytes
            let p := add(performData, 0x20)
            mstore(
                p,
                or(
                    shl(224, epoch),
                    and(mload(p), 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
                )
            )
        }
        return _simulated(performData, count);
    }

    /// @dev Scans `span` members from fleet position `from` on (modulo the fleet size), packing those
    /// in need into `data` while the gas left stays above `stopAt` and the scan floor. `sc`: [entries
    /// packed, their perform gas, members scanned so far].
    function _scan(
        bytes memory data,
        Config memory cfg,
        uint256 from,
        uint256 span,
        uint256 stopAt,
        uint256[3] memory sc
    ) internal {
        uint256 k = _members.length;
        for (uint256 j; j < span && sc[0] < cfg.maxPerRound; ++j) {
            uint256 left = gasleft();
            if (left < stopAt || left < cfg.checkGasReserve + cfg.memberCheckGas + sc[1]) break;
            ++sc[2];
            if (!_consider(data, cfg, (from + j) % k, sc)) break;
        }
    }

    /// @dev Checks member `i` and packs it if it needs a rebalance, is not backed off and its estimate
    /// fits the round budget. False: the budget is full (the scan stops).
    function _consider(bytes memory data, Config memory cfg, uint256 i, uint256[3] memory sc)
        internal
        returns (bool)
    {
        Member storage m = _members[i];
        IBalancer b = IBalancer(m.balancer);
        (bool needed, uint64 word) = _memberCheck(address(b), cfg.memberCheckGas);
        if (!needed) return true;
        // backed off after a failed perform: sits out its blocks unless its epoch moved since
        uint256 failed = m.failedBlock;
        if (failed != 0 && block.number < failed + cfg.failureBackoff && uint32(word >> 24) == m.failedEpoch)
        {
            return true;
        }
        uint256 est = _estimate(b, uint8(word >> 16)) + MEMBER_GAS;
        if (sc[0] != 0 && sc[1] + est > cfg.roundGasBudget) return false;
        sc[1] += est;
        uint256 off = HEAD + ENTRY * sc[0]++;
        assembly ("memory-safe") {
            let p := add(add(data, 0x20), off)
            // index (1 byte) | word (8 bytes), over what was there
            mstore(p, or(shl(248, i), or(shl(184, word), shr(72, shl(72, mload(p))))))
        }
        return true;
    }

    /// @dev A member's check with at most `gasCap` gas. Only a well-formed answer counts: (true, 8
    /// bytes) as exactly 128 bytes of return data; a revert, running out of gas or anything else
    /// (however large: it is never copied) is "not needed".
    function _memberCheck(address b, uint256 gasCap) internal returns (bool needed, uint64 word) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(224, 0x6e04ff0d)) // checkUpkeep(bytes), with empty checkData
            mstore(add(m, 4), 0x20)
            mstore(add(m, 0x24), 0)
            let ok := call(gasCap, b, 0, m, 0x44, 0, 0)
            if and(ok, eq(returndatasize(), 0x80)) {
                returndatacopy(m, 0, 0x80)
                if and(eq(mload(m), 1), and(eq(mload(add(m, 0x20)), 0x40), eq(mload(add(m, 0x40)), 8))) {
                    needed := 1
                    word := shr(192, mload(add(m, 0x60)))
                }
            }
        }
        if (needed && (word >> 16 & 3 == 0 || word >> 56 != 0)) needed = false;
    }

    /// @dev Runs the round through `simulateRound` and keeps only the entries it performed; none: not
    /// needed. If the simulation cannot answer (out of gas), the round is reported as packed.
    function _simulated(bytes memory data, uint256 count) internal returns (bool, bytes memory) {
        uint256 mask = type(uint256).max;
        try this.simulateRound(data) {}
        catch (bytes memory r) {
            if (r.length == 36 && bytes4(r) == RoundSimulated.selector) {
                assembly ("memory-safe") {
                    mask := mload(add(r, 0x24))
                }
            }
        }
        uint256 kept;
        for (uint256 e; e < count; ++e) {
            if (mask >> e & 1 == 0) continue;
            if (kept != e) {
                for (uint256 t; t < ENTRY; ++t) {
                    data[HEAD + ENTRY * kept + t] = data[HEAD + ENTRY * e + t];
                }
            }
            ++kept;
        }
        if (kept == 0) return (false, "");
        assembly ("memory-safe") {
            mstore(data, add(HEAD, mul(ENTRY, kept)))
        }
        return (true, data);
    }

    /// @inheritdoc IUpkeepManager
    function simulateRound(bytes calldata performData) external {
        revert RoundSimulated(_performRound(performData));
    }

    /// @notice Performs a round (the registry's forwarder or an allow-listed fallback keeper).
    function performUpkeep(bytes calldata performData) external override {
        if (msg.sender != forwarder && !isFallbackKeeper[msg.sender]) {
            revert UnauthorizedPerformer(msg.sender);
        }
        _performRound(performData);
    }

    /* ------------------------------------------------------------------ CRE --- */

    /// @notice Performs a round delivered as a CRE report by the configured `KeystoneForwarder`
    /// (which verified the DON's signatures) from the configured workflow owner; refused while no
    /// workflow owner is set (any workflow can reach a forwarder).
    function onReport(bytes calldata metadata, bytes calldata report) external override {
        address kf = keystoneForwarder;
        if (msg.sender != kf || kf == address(0)) revert UnauthorizedPerformer(msg.sender);
        address wanted = workflowOwner;
        if (wanted == address(0)) revert WorkflowOwnerNotSet();
        address got = metadata.length < 62 ? address(0) : address(bytes20(metadata[42:62]));
        if (got != wanted) revert UnauthorizedWorkflow(got);
        _performRound(report);
    }

    /// @notice ERC-165: `IReceiver` (what the KeystoneForwarder asks) and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IReceiver).interfaceId || interfaceId == 0x01ffc9a7;
    }

    /* ------------------------------------------------------------- INTERNAL --- */

    /// @dev Validates the whole performData first (a garbage one changes nothing), then performs the
    /// entries in order while gas lasts, each feed read at most once for the whole round. Returns the
    /// entries performed (bit e: entry e).
    function _performRound(bytes calldata data) internal returns (uint256 performedMask) {
        uint256 len = data.length;
        if (len < HEAD + ENTRY || (len - HEAD) % ENTRY != 0) revert InvalidPerformData(len);
        Slot0 memory s0 = _slot0;
        uint32 epoch = uint32(bytes4(data[:HEAD]));
        if (epoch != s0.fleetEpoch) revert StaleFleet(epoch, s0.fleetEpoch);
        uint256 count = (len - HEAD) / ENTRY;
        uint256 k = _members.length;
        for (uint256 e; e < count; ++e) {
            uint256 idx = uint8(data[HEAD + ENTRY * e]);
            if (idx >= k) revert UnknownMember(idx, k);
        }

        uint256[] memory words = new uint256[](_feeds.length);
        uint256[2] memory masks = [uint256(0), 0]; // [feeds read, feeds whose read failed]
        uint256 reserve = s0.config.performGasReserve;
        uint256 performed = 0;
        uint256 j = 0;
        for (; j < count; ++j) {
            if (gasleft() < reserve) break;
            uint256 outcome = _performOne(
                data[HEAD + ENTRY * j:HEAD + ENTRY * (j + 1)], reserve, s0.config.failureBackoff, words, masks
            );
            if (outcome == DEFERRED) break;
            if (outcome == PERFORMED) {
                ++performed;
                performedMask |= 1 << j;
            }
        }
        uint256 last = j == 0 ? 0 : uint8(data[HEAD + ENTRY * (j - 1)]);
        uint256 next = j < count ? uint8(data[HEAD + ENTRY * j]) : (last + 1) % k;
        if (next != s0.cursor) _slot0.cursor = uint16(next);
        emit RoundPerformed(performed, j - performed, count - j, next);
    }

    /// @dev One entry (fleet index, 8 bytes): the balancer's perform, with the feed words it needs
    /// and at most `MEMBER_PERFORM_GAS`, or its failure recorded (and backed off). A perform that ran
    /// out of gas short of what it needs (under twice its learnt estimate and under `STARVED_BELOW`)
    /// is deferred, not failed: the round ran short, not the balancer.
    function _performOne(
        bytes calldata entry,
        uint256 reserve,
        uint256 backoff,
        uint256[] memory words,
        uint256[2] memory masks
    ) internal returns (uint256 outcome) {
        uint256 idx = uint8(entry[0]);
        Member memory m = _members[idx];
        bytes8 pd = bytes8(entry[1:ENTRY]);
        bytes memory callData;
        {
            address badFeed;
            (callData, badFeed) = _call(m, pd, words, masks);
            if (badFeed != address(0)) {
                return _failed(idx, m, pd, backoff, abi.encodeWithSelector(FeedReadFailed.selector, badFeed));
            }
        }
        // the feed reads took the gas down to the reserve: the balancer waits for the next round
        if (gasleft() <= reserve) return DEFERRED;
        (bool ok, bytes memory reason, uint256 starvedAt) =
            _attempt(m.balancer, gasleft() - reserve, reserve, callData);
        if (ok) {
            if (m.failedBlock != 0) {
                (_members[idx].failedBlock, _members[idx].failedEpoch) = (0, 0);
            }
            return PERFORMED;
        }
        if (starvedAt != 0 && _starved(m.balancer, pd, starvedAt)) return DEFERRED;
        return _failed(idx, m, pd, backoff, reason);
    }

    /// @dev Whether a member that ran out of the round's last `given` gas was starved: it was given
    /// less than `STARVED_BELOW` or less than twice its learnt estimate.
    function _starved(address balancer, bytes8 pd, uint256 given) internal view returns (bool) {
        return given < STARVED_BELOW || given < 2 * _estimate(IBalancer(balancer), uint8(uint64(pd) >> 16));
    }

    /// @dev Calls the member's perform with `left` gas, at most `MEMBER_PERFORM_GAS`. `starvedAt`:
    /// the gas it was given, if it ran out of what the round had left (not of the cap): then the
    /// round ran short, not (necessarily) the member; else 0.
    function _attempt(address balancer, uint256 left, uint256 reserve, bytes memory callData)
        internal
        returns (bool ok, bytes memory reason, uint256 starvedAt)
    {
        uint256 given = left > MEMBER_PERFORM_GAS ? MEMBER_PERFORM_GAS : left;
        (ok, reason) = _callCapped(balancer, given, callData);
        if (!ok && given < MEMBER_PERFORM_GAS && gasleft() < reserve) starvedAt = given;
    }

    /// @dev Records a member's failed perform: it sits out `backoff` blocks unless its epoch moves.
    function _failed(uint256 idx, Member memory m, bytes8 pd, uint256 backoff, bytes memory reason)
        internal
        returns (uint256)
    {
        (_members[idx].failedBlock, _members[idx].failedEpoch) =
        (uint32(block.number), uint32(uint64(pd) >> 24));
        emit BalancerFailed(m.balancer, reason, block.number + backoff);
        return FAILED;
    }

    /// @dev The balancer's `performUpkeep` calldata: its 8 bytes and the feed words it will read (all
    /// assets for a global path, the stables for a stable-only one; then the sequencer's), reading
    /// each feed on first use. Returns the failing feed instead when a read fails.
    function _call(Member memory m, bytes8 pd, uint256[] memory words, uint256[2] memory masks)
        internal
        view
        returns (bytes memory callData, address badFeed)
    {
        uint256 paths = uint64(pd) >> 16 & 3;
        uint256 mask = paths & PerformData.PATH_GLOBAL != 0 ? (1 << m.n) - 1 : m.stableMask;
        uint256 nWords = m.n + (m.sequencerFeed == 0 ? 0 : 1);
        uint256[] memory mine = new uint256[](nWords);
        for (uint256 i; i < m.n; ++i) {
            if (mask >> i & 1 == 0) continue;
            uint256 fid = uint8(m.feedIds >> (8 * i));
            (mine[i], badFeed) = _word(fid, AT_UPDATED, words, masks);
            if (badFeed != address(0)) return ("", badFeed);
        }
        if (m.sequencerFeed != 0) {
            (mine[m.n], badFeed) = _word(m.sequencerFeed - 1, AT_STARTED, words, masks);
            if (badFeed != address(0)) return ("", badFeed);
        }
        callData = abi.encodeCall(Upkeep.performUpkeep, (bytes.concat(pd, abi.encodePacked(mine))));
    }

    /// @dev Feed `fid`'s word, read now if this round has not read it yet.
    function _word(uint256 fid, uint256 at, uint256[] memory words, uint256[2] memory masks)
        internal
        view
        returns (uint256 word, address badFeed)
    {
        uint256 bit = 1 << fid;
        if (masks[1] & bit != 0) return (0, _feeds[fid]);
        if (masks[0] & bit != 0) return (words[fid], address(0));
        address feed = _feeds[fid];
        (bool ok, uint256 w) = Oracle.tryPack(feed, at, FEED_READ_GAS);
        if (!ok) {
            masks[1] |= bit;
            return (0, feed);
        }
        masks[0] |= bit;
        words[fid] = w;
        return (w, address(0));
    }

    /// @dev Calls `target` with at most `gasLimit` gas; keeps at most MAX_REASON bytes of revert data.
    function _callCapped(address target, uint256 gasLimit, bytes memory callData)
        internal
        returns (bool ok, bytes memory reason)
    {
        assembly ("memory-safe") {
            ok := call(gasLimit, target, 0, add(callData, 0x20), mload(callData), 0, 0)
            if iszero(ok) {
                let size := returndatasize()
                if gt(size, MAX_REASON) { size := MAX_REASON }
                reason := mload(0x40)
                mstore(reason, size)
                returndatacopy(add(reason, 0x20), 0, size)
                mstore(0x40, add(add(reason, 0x20), and(add(size, 31), not(31))))
            }
        }
    }
}
