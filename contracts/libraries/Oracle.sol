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
    /// @notice The feed's latest answer, checked.
    function price(address feed, uint256 heartbeat) internal view returns (uint256) {
        (int256 answer,, uint256 updatedAt) = _latestRoundData(feed);
        if (answer <= 0) revert IBalancer.InvalidPrice(feed, answer);
        if (updatedAt + heartbeat < block.timestamp) revert IBalancer.StalePrice(feed, updatedAt, heartbeat);
        return uint256(answer);
    }

    /// @notice Reverts unless the L2 sequencer is up and has been for `grace` seconds.
    /// @dev Chainlink's uptime feeds answer 0 when up, 1 when down; `startedAt` is the last change.
    function checkSequencer(address feed, uint256 grace) internal view {
        (int256 answer, uint256 startedAt,) = _latestRoundData(feed);
        if (answer != 0) revert IBalancer.SequencerDown(feed);
        if (block.timestamp < startedAt + grace) {
            revert IBalancer.SequencerGracePeriod(feed, startedAt, grace);
        }
    }

    /// @dev `AggregatorV3Interface(feed).latestRoundData()` without the generic decoder, with the same
    /// failure behaviour: a reverting feed's revert data is bubbled up; a short answer (no code, or
    /// fewer than five words) or a round id that does not fit uint80 reverts with empty data.
    function _latestRoundData(address feed)
        private
        view
        returns (int256 answer, uint256 startedAt, uint256 updatedAt)
    {
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
            startedAt := mload(add(m, 0x40))
            updatedAt := mload(add(m, 0x60))
        }
    }
}
