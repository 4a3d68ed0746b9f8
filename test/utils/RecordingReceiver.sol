// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IReceiver} from "./KeystoneInterfaces.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title RecordingReceiver
/// @notice The smallest CRE report receiver: it says yes to IReceiver through ERC-165 and keeps what
/// the last `onReport` got. `setRejecting(true)` makes it revert instead, so a test can see how the
/// forwarder records a failed delivery.
contract RecordingReceiver is IReceiver {
    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice The receiver was told to reject reports (`setRejecting(true)`).
    error ReportRejected(uint256 deliveriesSoFar);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A report was accepted; `caller` is msg.sender (the forwarder).
    event ReportReceived(address indexed caller, bytes metadata, bytes report);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @notice Reports accepted so far.
    uint256 public deliveries;
    /// @notice msg.sender of the last accepted report.
    address public lastCaller;
    /// @notice `metadata` of the last accepted report.
    bytes public lastMetadata;
    /// @notice `report` of the last accepted report.
    bytes public lastReport;
    /// @notice When true, `onReport` reverts.
    bool public rejecting;

    /// @notice Makes `onReport` revert (true) or accept again (false).
    function setRejecting(bool rejecting_) external {
        rejecting = rejecting_;
    }

    /// @inheritdoc IReceiver
    function onReport(bytes calldata metadata, bytes calldata report) external override {
        if (rejecting) revert ReportRejected(deliveries);
        ++deliveries;
        lastCaller = msg.sender;
        lastMetadata = metadata;
        lastReport = report;
        emit ReportReceived(msg.sender, metadata, report);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure override returns (bool) {
        return interfaceId == type(IReceiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }
}
