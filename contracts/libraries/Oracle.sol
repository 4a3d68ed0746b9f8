// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";
import {
    AggregatorV3Interface
} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title Chainlink price reads with the checks every read needs.
/// @notice A price is used only if it is positive and no older than its feed's heartbeat, and, when
/// a sequencer-uptime feed is configured (L2s), the sequencer is up and past its grace period.
library Oracle {
    /// @notice The feed's latest answer, checked. When `words` is not empty the answer is not read
    /// from the feed but taken from word `i` of `words`: the authorised upkeep manager's read of the
    /// same feed in the same transaction (`pack`), checked exactly like a read of our own.
    function price(address feed, uint256 heartbeat, bytes calldata words, uint256 i)
        internal
        view
        returns (uint256)
    {
        (int256 answer, uint256 updatedAt) = _get(feed, 0x60, words, i);
        if (answer <= 0) revert IBalancer.InvalidPrice(feed, answer);
        if (updatedAt + heartbeat < block.timestamp) revert IBalancer.StalePrice(feed, updatedAt, heartbeat);
        return uint256(answer);
    }

    /// @notice Reverts unless the L2 sequencer is up and has been for `grace` seconds; `words` as in
    /// `price` (the manager packs the uptime feed's `startedAt` instead of `updatedAt`).
    /// @dev Chainlink's uptime feeds answer 0 when up, 1 when down; `startedAt` is the last change.
    function checkSequencer(address feed, uint256 grace, bytes calldata words, uint256 i) internal view {
        (int256 answer, uint256 startedAt) = _get(feed, 0x40, words, i);
        if (answer != 0) revert IBalancer.SequencerDown(feed);
        if (block.timestamp < startedAt + grace) {
            revert IBalancer.SequencerGracePeriod(feed, startedAt, grace);
        }
    }

    /// @notice One feed read as the manager hands it on: `time << 192 | uint192(int192(answer))`, with
    /// `time` the round's `updatedAt` (prices) or `startedAt` (sequencer uptime feeds). An answer that
    /// does not fit int192 is packed as 0, which every price check rejects.
    function pack(int256 answer, uint256 time) internal pure returns (uint256) {
        if (answer > type(int192).max || answer < type(int192).min) answer = 0;
        return uint256(uint64(time)) << 192 | uint256(uint192(int192(answer)));
    }

    /// @notice Word `i` of `words`, unpacked; too short a `words` is invalid performData.
    function unpack(bytes calldata words, uint256 i) internal pure returns (int256 answer, uint256 time) {
        if (words.length < (i + 1) * 32) revert IBalancer.InvalidPerformData(words.length, i);
        uint256 w;
        assembly ("memory-safe") {
            w := calldataload(add(words.offset, shl(5, i)))
        }
        answer = int192(uint192(w));
        time = w >> 192;
    }

    /// @notice `latestRoundData` of `feed` packed as `pack` does, with the round's `startedAt`
    /// (`at` = 0x40) or `updatedAt` (`at` = 0x60); `ok` is false, instead of a revert, when the feed
    /// reverts, has no code or answers short. The read gets at most `gasCap` gas.
    function tryPack(address feed, uint256 at, uint256 gasCap) internal view returns (bool ok, uint256 word) {
        bytes4 selector = AggregatorV3Interface.latestRoundData.selector;
        int256 answer;
        uint256 time;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            ok := staticcall(gasCap, feed, m, 4, m, 0xa0)
            // (Yul evaluates arguments right to left: the size is read only after the call)
            ok := and(ok, iszero(lt(returndatasize(), 0xa0)))
            answer := mload(add(m, 0x20))
            time := mload(add(m, at))
        }
        if (ok) word = pack(answer, time);
    }

    function _get(address feed, uint256 at, bytes calldata words, uint256 i)
        private
        view
        returns (int256 answer, uint256 time)
    {
        if (words.length == 0) return _answerAt(feed, at);
        return unpack(words, i);
    }

    /// @dev `AggregatorV3Interface(feed).latestRoundData()` without the generic decoder, with the same
    /// failure behaviour: a reverting feed's revert data is bubbled up; a short answer (no code, or
    /// fewer than five words) or a round id that does not fit uint80 reverts with empty data.
    function _answerAt(address feed, uint256 at) private view returns (int256 answer, uint256 time) {
        bytes4 selector = AggregatorV3Interface.latestRoundData.selector;
        assembly ("memory-safe") {
            // Scratch above the free memory pointer: nothing is allocated.
            let m := mload(0x40)
            mstore(m, selector)
            if iszero(staticcall(gas(), feed, m, 4, m, 0xa0)) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            if or(lt(returndatasize(), 0xa0), or(shr(80, mload(m)), shr(80, mload(add(m, 0x80))))) {
                revert(0, 0)
            }
            answer := mload(add(m, 0x20))
            time := mload(add(m, at))
        }
    }
}
