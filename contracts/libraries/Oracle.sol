// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IBalancer} from "../interfaces/IBalancer.sol";

/// @title Chainlink price reads with the checks every read needs.
/// @notice A price is used only if it is positive and no older than its feed's heartbeat, and, when
/// a sequencer-uptime feed is configured (L2s), the sequencer is up and past its grace period.
library Oracle {
    /// @notice The feed's latest answer, checked.
    function price(address feed, uint256 heartbeat) internal view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = AggregatorV3Interface(feed).latestRoundData();
        if (answer <= 0) revert IBalancer.InvalidPrice(feed, answer);
        if (updatedAt + heartbeat < block.timestamp) revert IBalancer.StalePrice(feed, updatedAt, heartbeat);
        return uint256(answer);
    }

    /// @notice Reverts unless the L2 sequencer is up and has been for `grace` seconds.
    /// @dev Chainlink's uptime feeds answer 0 when up, 1 when down; `startedAt` is the last change.
    function checkSequencer(address feed, uint256 grace) internal view {
        (, int256 answer, uint256 startedAt,,) = AggregatorV3Interface(feed).latestRoundData();
        if (answer != 0) revert IBalancer.SequencerDown(feed);
        if (block.timestamp < startedAt + grace) revert IBalancer.SequencerGracePeriod(feed, startedAt, grace);
    }
}
