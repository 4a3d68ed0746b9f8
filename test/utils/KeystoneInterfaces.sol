// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

// ABI-identical interfaces of Chainlink CRE's (Keystone) report delivery, as the pinned
// @chainlink/contracts 1.5.0 declares it in src/v0.8/keystone/ (names, argument and field order as
// there; a mismatch fails the calls at once). Declared rather than imported, for the reason given in
// ChainlinkInterfaces.sol: the forwarder is compiled with solc 0.8.19 (test/deps/ChainlinkKeystone.sol)
// and our code with 0.8.30, and a file compiled by both gets version-suffixed artifacts.

/// @notice keystone/interfaces/IReceiver.sol: what the forwarder delivers a report to. The forwarder
/// first asks `supportsInterface(type(IReceiver).interfaceId)` (ERC-165, 30,000 gas per query) and
/// delivers only to a receiver that says yes.
/// @dev The interface id is `onReport`'s selector alone (ERC-165 ids leave inherited functions out),
/// so it equals Chainlink's: 0x805f2132.
interface IReceiver is IERC165 {
    /// @notice Handles a report. A revert is recorded by the forwarder as a failed delivery, which a
    /// transmitter may retry; the receiver must discard stale or repeated reports itself.
    /// @param metadata workflowCid (32 bytes) | workflowName (10) | workflowOwner (20) | reportName (2),
    /// packed: 64 bytes (`KeystoneStack._metadata`).
    /// @param report The workflow's payload, as signed by the DON.
    function onReport(bytes calldata metadata, bytes calldata report) external;
}

/// @notice keystone/interfaces/IRouter.sol.
interface IKeystoneRouter {
    error UnauthorizedForwarder();
    /// @notice Less gas left than the routing bookkeeping plus the receiver's 130,000-gas minimum.
    error InsufficientGasForRouting(bytes32 transmissionId);
    /// @notice The transmission already succeeded, or its receiver is not an IReceiver.
    error AlreadyAttempted(bytes32 transmissionId);

    event ForwarderAdded(address indexed forwarder);
    event ForwarderRemoved(address indexed forwarder);

    enum TransmissionState {
        NOT_ATTEMPTED,
        SUCCEEDED,
        INVALID_RECEIVER,
        FAILED
    }

    struct TransmissionInfo {
        bytes32 transmissionId;
        TransmissionState state;
        address transmitter;
        bool invalidReceiver;
        bool success;
        uint80 gasLimit;
    }

    function addForwarder(address forwarder) external;
    function removeForwarder(address forwarder) external;
    function route(
        bytes32 transmissionId,
        address transmitter,
        address receiver,
        bytes calldata metadata,
        bytes calldata report
    ) external returns (bool);
    /// @notice keccak256(bytes20(receiver) | workflowExecutionId | reportId).
    function getTransmissionId(address receiver, bytes32 workflowExecutionId, bytes2 reportId)
        external
        pure
        returns (bytes32);
    function getTransmissionInfo(address receiver, bytes32 workflowExecutionId, bytes2 reportId)
        external
        view
        returns (TransmissionInfo memory);
    function getTransmitter(address receiver, bytes32 workflowExecutionId, bytes2 reportId)
        external
        view
        returns (address);
}

/// @notice keystone/KeystoneForwarder.sol (1.0.0): verifies f + 1 DON signatures over a raw report
/// and routes it to the receiver, recording every transmission (receiver, workflowExecutionId,
/// reportId) so that a successful one is never delivered twice.
interface IKeystoneForwarder is IKeystoneRouter {
    error InvalidReport();
    error FaultToleranceMustBePositive();
    error ExcessSigners(uint256 numSigners, uint256 maxSigners);
    error InsufficientSigners(uint256 numSigners, uint256 minSigners);
    error DuplicateSigner(address signer);
    error InvalidSignatureCount(uint256 expected, uint256 received);
    /// @param configId (uint64(donId) << 32) | configVersion
    error InvalidConfig(uint64 configId);
    error InvalidSigner(address signer);
    error InvalidSignature(bytes signature);

    /// @notice One delivery attempt; `result` is whether the receiver's onReport succeeded.
    event ReportProcessed(
        address indexed receiver, bytes32 indexed workflowExecutionId, bytes2 indexed reportId, bool result
    );
    event ConfigSet(uint32 indexed donId, uint32 indexed configVersion, uint8 f, address[] signers);

    // ConfirmedOwner (OwnerIsCreator: the deployer owns it)
    event OwnershipTransferRequested(address indexed from, address indexed to);
    event OwnershipTransferred(address indexed from, address indexed to);

    function owner() external view returns (address);
    function transferOwnership(address to) external;
    function acceptOwnership() external;
    function typeAndVersion() external view returns (string memory);
    function isForwarder(address forwarder) external view returns (bool);

    /// @notice Needs f > 0 and more than 3f signers (at most 31).
    function setConfig(uint32 donId, uint32 configVersion, uint8 f, address[] calldata signers) external;
    function clearConfig(uint32 donId, uint32 configVersion) external;

    /// @notice Verifies and routes `rawReport` (109 bytes of metadata, then the payload) to `receiver`.
    /// @param signatures f + 1 signatures r | s | (v - 27), 65 bytes each, over
    /// keccak256(abi.encodePacked(keccak256(rawReport), reportContext)).
    function report(
        address receiver,
        bytes calldata rawReport,
        bytes calldata reportContext,
        bytes[] calldata signatures
    ) external;
}
