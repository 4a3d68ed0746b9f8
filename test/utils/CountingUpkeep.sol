// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";

/// @title CountingUpkeep
/// @notice The smallest honest Automation target: it needs work while `count < limit`, and each perform
/// adds one. performData (the count the check saw) is untrusted and re-validated in performUpkeep.
contract CountingUpkeep is AutomationCompatibleInterface {
    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice performData was built for another count (a duplicate or out-of-order perform).
    error StalePerformData(uint256 expectedCount, uint256 performDataCount);
    /// @notice Nothing left to do.
    error LimitReached(uint256 count, uint256 limit);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice One perform went through; `caller` is msg.sender (the upkeep's forwarder under a registry).
    event Counted(uint256 indexed newCount, address indexed caller);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @notice How many performs are wanted in total.
    uint256 public immutable limit;
    /// @notice Performs so far.
    uint256 public count;
    /// @notice msg.sender of the latest perform.
    address public lastCaller;

    constructor(uint256 limit_) {
        limit = limit_;
    }

    /// @inheritdoc AutomationCompatibleInterface
    function checkUpkeep(bytes calldata)
        external
        view
        override
        returns (bool upkeepNeeded, bytes memory performData)
    {
        upkeepNeeded = count < limit;
        performData = abi.encode(count);
    }

    /// @inheritdoc AutomationCompatibleInterface
    function performUpkeep(bytes calldata performData) external override {
        uint256 current = count;
        if (current >= limit) revert LimitReached(current, limit);
        uint256 seen = abi.decode(performData, (uint256));
        if (seen != current) revert StalePerformData(current, seen);
        count = current + 1;
        lastCaller = msg.sender;
        emit Counted(current + 1, msg.sender);
    }
}
