// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMockV3Aggregator} from "./ChainlinkInterfaces.sol";

/// @title GasBurningFeed
/// @notice A price feed that answers what a real `MockV3Aggregator` answers, but can be switched to
/// burn nearly all the gas it is given first — always, or only outside simulation (`tx.origin` ≠ 0:
/// it behaves while Chainlink simulates a check and misbehaves in the transaction).
contract GasBurningFeed {
    enum Mode {
        Honest,
        Always,
        OnChainOnly
    }

    IMockV3Aggregator public immutable inner;
    Mode public mode;

    constructor(IMockV3Aggregator inner_) {
        inner = inner_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function decimals() external view returns (uint8) {
        return inner.decimals();
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Mode m = mode;
        if (m == Mode.Always || (m == Mode.OnChainOnly && tx.origin != address(0))) {
            bytes32 h;
            while (gasleft() > 2000) {
                h = keccak256(abi.encode(h));
            }
        }
        return inner.latestRoundData();
    }
}
