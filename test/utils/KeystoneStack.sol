// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IKeystoneForwarder, IKeystoneRouter} from "./KeystoneInterfaces.sol";
import {Test} from "forge-std/Test.sol";

// The real Chainlink CRE (Keystone) KeystoneForwarder 1.0.0, deployed from its artifact
// (out/KeystoneForwarder.sol/KeystoneForwarder.json, written because test/deps/ChainlinkKeystone.sol
// imports it; compiled with solc 0.8.19 like the Automation contracts), plus a forge "DON simulator"
// that builds raw reports exactly as the forwarder parses them, signs them with f + 1 of the DON's
// keys and has a transmitter call `report`. As in AutomationStack, nothing here imports a Chainlink
// source: the forwarder is reached through the ABI-identical interfaces in KeystoneInterfaces.sol.
//
// What the forwarder expects (KeystoneForwarder.report and _getMetadata, read from the source):
//   rawReport = version (1 byte) | workflowExecutionId (32) | timestamp (4) | donId (4)
//             | donConfigVersion (4) | workflowCid (32) | workflowName (10) | workflowOwner (20)
//             | reportId (2) | payload
//   The first 109 bytes are the metadata; (donId << 32 | donConfigVersion) picks the signer set, and
//   (receiver, workflowExecutionId, reportId) names the transmission. Version and timestamp are not
//   checked by the forwarder (the DON writes version 1).
//   signatures: exactly f + 1, each r (32) | s (32) | v - 27 (1), by distinct configured signers, over
//   keccak256(abi.encodePacked(keccak256(rawReport), reportContext)) with no EIP-191 prefix.
//   reportContext is opaque to the forwarder (signed, never parsed); OCR3 sends 96 bytes.
//   The receiver gets onReport(rawReport[45:109], rawReport[109:]): metadata = workflowCid | workflowName
//   | workflowOwner | reportId (64 bytes), then the payload.
//   A receiver that reverts (or runs out of gas) is recorded as a failed delivery, `ReportProcessed(...,
//   false)`, and may be retried; a successful delivery, or one to a receiver that does not declare
//   IReceiver through ERC-165, cannot be sent again (`AlreadyAttempted`).

/*//////////////////////////////////////////////////////////////
                          THE STACK
//////////////////////////////////////////////////////////////*/

/// @notice Deploys the real KeystoneForwarder with one DON (id `CRE_DON_ID`, config version
/// `CRE_CONFIG_VERSION`, f = 1, four signers) and delivers reports through it.
/// @dev Names are prefixed (`cre`, `keystone`) so a test can inherit this and AutomationStack together;
/// it then overrides `setUp` for both and calls `AutomationStack.setUp()` and `_deployKeystone()`.
abstract contract KeystoneStack is Test {
    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice The forwarder's artifact is missing: run `forge build` before `forge test` (forge test
    /// does not write the artifacts of test/deps/ChainlinkKeystone.sol's imports by itself).
    error KeystoneArtifactNotBuilt(string path);
    /// @notice A report needs between 1 and the number of configured signers signatures.
    error BadCreSignerCount(uint256 requested, uint256 configured);
    /// @notice Metadata as the receiver sees it is 64 bytes.
    error BadCreMetadataLength(uint256 length);

    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Everything the forwarder's `report` takes besides the receiver.
    struct CreReport {
        bytes rawReport;
        bytes reportContext;
        bytes[] signatures;
    }

    /// @notice The 109-byte header of a raw report, field by field.
    struct CreReportHeader {
        uint8 version;
        bytes32 workflowExecutionId;
        uint32 timestamp;
        uint32 donId;
        uint32 donConfigVersion;
        bytes32 workflowCid;
        bytes10 workflowName;
        address workflowOwner;
        bytes2 reportName;
    }

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev The report format version the DON writes (the forwarder does not check it).
    uint8 internal constant CRE_REPORT_VERSION = 1;
    uint32 internal constant CRE_DON_ID = 1;
    uint32 internal constant CRE_CONFIG_VERSION = 1;
    /// @dev 4 nodes tolerating f = 1 faulty one (the forwarder needs more than 3f): f + 1 signatures.
    uint8 internal constant CRE_F = 1;
    uint256 internal constant CRE_NUM_NODES = 4;
    /// @dev KeystoneForwarder.METADATA_LENGTH: the raw report's header; the payload starts here.
    uint256 internal constant CRE_HEADER_LENGTH = 109;
    /// @dev KeystoneForwarder.FORWARDER_METADATA_LENGTH: header bytes the receiver does not see.
    uint256 internal constant CRE_FORWARDER_HEADER_LENGTH = 45;
    /// @dev What onReport's `metadata` holds: workflowCid | workflowName | workflowOwner | reportName.
    uint256 internal constant CRE_METADATA_LENGTH = 64;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    IKeystoneForwarder internal keystoneForwarder;
    address[] internal creSigners;
    uint256[] internal creSignerKeys;
    /// @notice Sends every report (the forwarder accepts any transmitter).
    address internal creTransmitter;
    /// @dev Makes each `_newWorkflowExecutionId` unique.
    uint256 internal creExecutionNonce;

    /*//////////////////////////////////////////////////////////////
                                 SETUP
    //////////////////////////////////////////////////////////////*/

    function setUp() public virtual {
        _deployKeystone();
    }

    /// @notice Deploys the forwarder (owned by this contract) and configures the DON's signers.
    function _deployKeystone() internal {
        string memory path = "out/KeystoneForwarder.sol/KeystoneForwarder.json";
        if (!vm.exists(path)) revert KeystoneArtifactNotBuilt(path);
        keystoneForwarder = IKeystoneForwarder(deployCode("KeystoneForwarder.sol:KeystoneForwarder"));
        vm.label(address(keystoneForwarder), "KeystoneForwarder");

        for (uint256 i = 0; i < CRE_NUM_NODES; ++i) {
            (address signer, uint256 key) = makeAddrAndKey(string.concat("cre-signer-", vm.toString(i)));
            creSigners.push(signer);
            creSignerKeys.push(key);
        }
        creTransmitter = makeAddr("cre-transmitter");
        keystoneForwarder.setConfig(CRE_DON_ID, CRE_CONFIG_VERSION, CRE_F, creSigners);
    }

    /*//////////////////////////////////////////////////////////////
                             DON SIMULATOR
    //////////////////////////////////////////////////////////////*/

    /// @notice Delivers `report` to `receiver` the way the DON does: a new workflowExecutionId, the
    /// raw report built and signed by f + 1 signers, `forwarder.report` sent by `creTransmitter`.
    /// @dev The forwarder call is the last call made, so `vm.snapshotGasLastCall` measures it. A
    /// reverting receiver does not make this revert: read `_creTransmissionState` (or expect
    /// `ReportProcessed(receiver, id, reportName, false)`).
    /// @param workflowId The workflow's id (the report's workflowCid).
    /// @param workflowName The workflow's name, 10 bytes.
    /// @param workflowOwner The address that registered the workflow.
    /// @param reportName The report's id within the workflow, 2 bytes.
    /// @param report The payload the receiver gets as onReport's `report`.
    /// @return workflowExecutionId The execution the report belongs to (names the transmission).
    function _deliverReport(
        address receiver,
        bytes32 workflowId,
        bytes10 workflowName,
        address workflowOwner,
        bytes2 reportName,
        bytes memory report
    ) internal returns (bytes32 workflowExecutionId) {
        workflowExecutionId = _newWorkflowExecutionId(workflowId);
        _transmitCreReport(
            receiver,
            _buildCreReport(workflowExecutionId, workflowId, workflowName, workflowOwner, reportName, report)
        );
    }

    /// @notice The variant that returns what it would send instead of sending it: tamper with it, then
    /// `_transmitCreReport`. Signed by the first f + 1 signers, at the current block's timestamp.
    function _buildCreReport(
        bytes32 workflowExecutionId,
        bytes32 workflowId,
        bytes10 workflowName,
        address workflowOwner,
        bytes2 reportName,
        bytes memory report
    ) internal view returns (CreReport memory r) {
        r.rawReport = _creRawReport(
            _creHeader(workflowExecutionId, workflowId, workflowName, workflowOwner, reportName), report
        );
        r.reportContext = _creReportContext(workflowExecutionId);
        r.signatures = _signCreReport(r.rawReport, r.reportContext, CRE_F + 1);
    }

    /// @notice `forwarder.report(receiver, rawReport, reportContext, signatures)` from `creTransmitter`.
    function _transmitCreReport(address receiver, CreReport memory r) internal {
        vm.prank(creTransmitter);
        keystoneForwarder.report(receiver, r.rawReport, r.reportContext, r.signatures);
    }

    /// @notice A fresh execution id for `workflowId` (the DON derives one per workflow run).
    function _newWorkflowExecutionId(bytes32 workflowId) internal returns (bytes32) {
        return keccak256(abi.encode(workflowId, ++creExecutionNonce));
    }

    /// @notice The header of a report by this stack's DON, stamped with the current block's timestamp.
    function _creHeader(
        bytes32 workflowExecutionId,
        bytes32 workflowId,
        bytes10 workflowName,
        address workflowOwner,
        bytes2 reportName
    ) internal view returns (CreReportHeader memory) {
        return CreReportHeader({
            version: CRE_REPORT_VERSION,
            workflowExecutionId: workflowExecutionId,
            timestamp: uint32(block.timestamp),
            donId: CRE_DON_ID,
            donConfigVersion: CRE_CONFIG_VERSION,
            workflowCid: workflowId,
            workflowName: workflowName,
            workflowOwner: workflowOwner,
            reportName: reportName
        });
    }

    /// @notice header (109 bytes, packed in the order above) | payload.
    function _creRawReport(CreReportHeader memory h, bytes memory report)
        internal
        pure
        returns (bytes memory)
    {
        bytes memory head = abi.encodePacked(
            h.version, h.workflowExecutionId, h.timestamp, h.donId, h.donConfigVersion, h.workflowCid
        );
        return bytes.concat(head, h.workflowName, bytes20(h.workflowOwner), h.reportName, report);
    }

    /// @notice OCR3-shaped report context (config digest, sequence number, a zero word): 96 bytes the
    /// forwarder signs over but never parses.
    function _creReportContext(bytes32 workflowExecutionId) internal view returns (bytes memory) {
        bytes32 configDigest =
            keccak256(abi.encode(address(keystoneForwarder), CRE_DON_ID, CRE_CONFIG_VERSION));
        return abi.encodePacked(configDigest, keccak256(abi.encode(workflowExecutionId)), bytes32(0));
    }

    /// @notice What every signer signs: keccak256(abi.encodePacked(keccak256(rawReport), reportContext)).
    function _creReportDigest(bytes memory rawReport, bytes memory reportContext)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(keccak256(rawReport), reportContext));
    }

    /// @notice Signatures by the first `numSigners` configured signers.
    function _signCreReport(bytes memory rawReport, bytes memory reportContext, uint256 numSigners)
        internal
        view
        returns (bytes[] memory signatures)
    {
        if (numSigners == 0 || numSigners > creSignerKeys.length) {
            revert BadCreSignerCount(numSigners, creSignerKeys.length);
        }
        signatures = new bytes[](numSigners);
        for (uint256 i = 0; i < numSigners; ++i) {
            signatures[i] = _creSignature(creSignerKeys[i], rawReport, reportContext);
        }
    }

    /// @notice One signature as the forwarder reads it: r | s | v - 27 (65 bytes).
    function _creSignature(uint256 key, bytes memory rawReport, bytes memory reportContext)
        internal
        pure
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _creReportDigest(rawReport, reportContext));
        return abi.encodePacked(r, s, v - 27);
    }

    /*//////////////////////////////////////////////////////////////
                         WHAT THE RECEIVER SEES
    //////////////////////////////////////////////////////////////*/

    /// @notice onReport's `metadata` for these fields: workflowCid (32) | workflowName (10) |
    /// workflowOwner (20) | reportName (2), packed (rawReport[45:109]).
    function _creMetadata(bytes32 workflowId, bytes10 workflowName, address workflowOwner, bytes2 reportName)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(workflowId, workflowName, workflowOwner, reportName);
    }

    /// @notice The inverse of `_creMetadata`, as a receiver would decode it.
    function _decodeCreMetadata(bytes memory metadata)
        internal
        pure
        returns (bytes32 workflowId, bytes10 workflowName, address workflowOwner, bytes2 reportName)
    {
        if (metadata.length != CRE_METADATA_LENGTH) revert BadCreMetadataLength(metadata.length);
        // Each load carries the following bytes along: keep the declared width (bytesN are left-aligned).
        assembly ("memory-safe") {
            workflowId := mload(add(metadata, 32))
            workflowName := and(mload(add(metadata, 64)), not(shr(80, not(0))))
            workflowOwner := shr(96, mload(add(metadata, 74)))
            reportName := and(mload(add(metadata, 94)), not(shr(16, not(0))))
        }
    }

    /// @notice What the forwarder recorded for (receiver, workflowExecutionId, reportName).
    function _creTransmissionState(address receiver, bytes32 workflowExecutionId, bytes2 reportName)
        internal
        view
        returns (IKeystoneRouter.TransmissionState)
    {
        return keystoneForwarder.getTransmissionInfo(receiver, workflowExecutionId, reportName).state;
    }
}
