// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AutomationStack} from "../utils/AutomationStack.sol";
import {IKeystoneForwarder, IKeystoneRouter, IReceiver} from "../utils/KeystoneInterfaces.sol";
import {KeystoneStack} from "../utils/KeystoneStack.sol";
import {RecordingReceiver} from "../utils/RecordingReceiver.sol";

/// @title KeystoneStackTest
/// @notice CRE report delivery through the real KeystoneForwarder 1.0.0: what arrives, what the
/// forwarder rejects, and how it records deliveries that fail.
contract KeystoneStackTest is KeystoneStack {
    bytes32 internal constant WORKFLOW_ID = keccak256("onebalancer upkeep-manager workflow");
    bytes10 internal constant WORKFLOW_NAME = "onebalance";
    bytes2 internal constant REPORT_NAME = 0x0001;

    RecordingReceiver internal receiver;
    address internal workflowOwner;

    function setUp() public override {
        super.setUp();
        receiver = new RecordingReceiver();
        workflowOwner = makeAddr("workflow-owner");
    }

    /*//////////////////////////////////////////////////////////////
                           STACK AS DEPLOYED
    //////////////////////////////////////////////////////////////*/

    function test_forwarder_isTheRealOneWithOneDon() public view {
        assertEq(keystoneForwarder.typeAndVersion(), "KeystoneForwarder 1.0.0");
        assertEq(keystoneForwarder.owner(), address(this));
        assertTrue(keystoneForwarder.isForwarder(address(keystoneForwarder)));
        // Built from Chainlink's source by the same compiler as the Automation contracts.
        string memory artifact = vm.readFile("out/KeystoneForwarder.sol/KeystoneForwarder.json");
        assertEq(vm.parseJsonString(artifact, ".metadata.compiler.version"), "0.8.19+commit.7dd6d404");
        assertEq(creSigners.length, CRE_NUM_NODES);
    }

    function test_receiver_declaresIReceiverLikeChainlink() public view {
        assertEq(type(IReceiver).interfaceId, bytes4(0x805f2132)); // onReport(bytes,bytes)
        assertTrue(receiver.supportsInterface(type(IReceiver).interfaceId));
        assertTrue(receiver.supportsInterface(0x01ffc9a7)); // ERC-165
        assertFalse(receiver.supportsInterface(0xffffffff));
    }

    /*//////////////////////////////////////////////////////////////
                                DELIVERY
    //////////////////////////////////////////////////////////////*/

    function test_deliverReport_arrivesIntact() public {
        bytes memory payload = abi.encode(uint256(7), "top up", new uint256[](3));
        bytes memory metadata = _creMetadata(WORKFLOW_ID, WORKFLOW_NAME, workflowOwner, REPORT_NAME);
        bytes32 executionId = keccak256(abi.encode(WORKFLOW_ID, creExecutionNonce + 1));

        vm.expectEmit(address(receiver));
        emit RecordingReceiver.ReportReceived(address(keystoneForwarder), metadata, payload);
        vm.expectEmit(address(keystoneForwarder));
        emit IKeystoneForwarder.ReportProcessed(address(receiver), executionId, REPORT_NAME, true);
        bytes32 returned = _deliverReport(
            address(receiver), WORKFLOW_ID, WORKFLOW_NAME, workflowOwner, REPORT_NAME, payload
        );
        assertEq(returned, executionId);

        assertEq(receiver.deliveries(), 1);
        assertEq(receiver.lastCaller(), address(keystoneForwarder));
        assertEq(receiver.lastReport(), payload);
        assertEq(receiver.lastMetadata(), metadata);
        assertEq(receiver.lastMetadata().length, CRE_METADATA_LENGTH);
        (bytes32 cid, bytes10 name, address owner, bytes2 reportName) =
            _decodeCreMetadata(receiver.lastMetadata());
        assertEq(cid, WORKFLOW_ID);
        assertEq(name, WORKFLOW_NAME);
        assertEq(owner, workflowOwner);
        assertEq(reportName, REPORT_NAME);

        IKeystoneRouter.TransmissionInfo memory info =
            keystoneForwarder.getTransmissionInfo(address(receiver), executionId, REPORT_NAME);
        assertEq(uint8(info.state), uint8(IKeystoneRouter.TransmissionState.SUCCEEDED));
        assertTrue(info.success);
        assertFalse(info.invalidReceiver);
        assertEq(info.transmitter, creTransmitter);
        assertGt(info.gasLimit, 0);
        assertEq(
            info.transmissionId, keccak256(bytes.concat(bytes20(address(receiver)), executionId, REPORT_NAME))
        );
    }

    function testFuzz_deliverReport_anyPayloadAndMetadataArriveIntact(
        bytes calldata payload,
        bytes32 workflowId,
        bytes10 workflowName,
        address owner,
        bytes2 reportName
    ) public {
        _deliverReport(address(receiver), workflowId, workflowName, owner, reportName, payload);
        assertEq(receiver.lastReport(), payload);
        assertEq(receiver.lastMetadata(), _creMetadata(workflowId, workflowName, owner, reportName));
        (bytes32 cid, bytes10 name, address o, bytes2 r) = _decodeCreMetadata(receiver.lastMetadata());
        assertEq(cid, workflowId);
        assertEq(name, workflowName);
        assertEq(o, owner);
        assertEq(r, reportName);
    }

    /// @notice The header layout, field by field: the receiver's metadata is bytes 45..109 and the
    /// payload follows; the forwarder picks the signer set from bytes 37..45 (donId | configVersion;
    /// its assembly counts the 32-byte length word too, hence its offsets 69 and 73).
    function test_rawReport_layout() public {
        bytes32 executionId = _newWorkflowExecutionId(WORKFLOW_ID);
        bytes memory payload = hex"c0ffee";
        CreReport memory r =
            _buildCreReport(executionId, WORKFLOW_ID, WORKFLOW_NAME, workflowOwner, REPORT_NAME, payload);
        bytes memory raw = r.rawReport;
        assertEq(raw.length, CRE_HEADER_LENGTH + payload.length);
        assertEq(uint8(raw[0]), CRE_REPORT_VERSION);
        assertEq(_word(raw, 1), executionId);
        assertEq(uint32(bytes4(_word(raw, 33))), uint32(block.timestamp));
        assertEq(uint32(bytes4(_word(raw, 37))), CRE_DON_ID);
        assertEq(uint32(bytes4(_word(raw, 41))), CRE_CONFIG_VERSION);
        assertEq(
            _slice(raw, CRE_FORWARDER_HEADER_LENGTH, CRE_HEADER_LENGTH),
            _creMetadata(WORKFLOW_ID, WORKFLOW_NAME, workflowOwner, REPORT_NAME)
        );
        assertEq(_slice(raw, CRE_HEADER_LENGTH, raw.length), payload);
        assertEq(r.reportContext.length, 96);
        assertEq(r.signatures.length, CRE_F + 1);
        for (uint256 i = 0; i < r.signatures.length; ++i) {
            assertEq(r.signatures[i].length, 65);
            assertEq(_recover(r, i), creSigners[i]);
        }
    }

    /// @dev Isolated (foundry.toml), so the snapshot is the whole transaction.
    function test_gas_deliverReport() public {
        bytes memory payload = abi.encode(new uint256[](4));
        _deliverReport(address(receiver), WORKFLOW_ID, WORKFLOW_NAME, workflowOwner, REPORT_NAME, payload);
        vm.snapshotGasLastCall("deliver a 192-byte CRE report (real KeystoneForwarder)");
        assertEq(receiver.deliveries(), 1);
    }

    /*//////////////////////////////////////////////////////////////
                        WHAT THE FORWARDER REJECTS
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_tooFewSignatures() public {
        CreReport memory r = _build();
        r.signatures = _signCreReport(r.rawReport, r.reportContext, CRE_F);
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidSignatureCount.selector, 2, 1));
        _transmitCreReport(address(receiver), r);
    }

    function test_RevertWhen_tooManySignatures() public {
        CreReport memory r = _build();
        r.signatures = _signCreReport(r.rawReport, r.reportContext, CRE_F + 2);
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidSignatureCount.selector, 2, 3));
        _transmitCreReport(address(receiver), r);
    }

    function test_RevertWhen_signedByStranger() public {
        CreReport memory r = _build();
        (address stranger, uint256 strangerKey) = makeAddrAndKey("cre-stranger");
        r.signatures[1] = _creSignature(strangerKey, r.rawReport, r.reportContext);
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidSigner.selector, stranger));
        _transmitCreReport(address(receiver), r);
        assertEq(receiver.deliveries(), 0);
    }

    function test_RevertWhen_sameSignerTwice() public {
        CreReport memory r = _build();
        r.signatures[1] = r.signatures[0];
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.DuplicateSigner.selector, creSigners[0]));
        _transmitCreReport(address(receiver), r);
    }

    function test_RevertWhen_payloadAlteredAfterSigning() public {
        CreReport memory r = _build();
        r.rawReport[r.rawReport.length - 1] ^= 0x01;
        // The signatures now recover to unrelated addresses.
        address recovered = _recover(r, 0);
        assertTrue(recovered != creSigners[0]);
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidSigner.selector, recovered));
        _transmitCreReport(address(receiver), r);
    }

    function test_RevertWhen_reportContextAlteredAfterSigning() public {
        CreReport memory r = _build();
        r.reportContext[95] = 0x01;
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidSigner.selector, _recover(r, 0)));
        _transmitCreReport(address(receiver), r);
    }

    function test_RevertWhen_unknownDonConfigVersion() public {
        CreReportHeader memory h = _creHeader(
            _newWorkflowExecutionId(WORKFLOW_ID), WORKFLOW_ID, WORKFLOW_NAME, workflowOwner, REPORT_NAME
        );
        h.donConfigVersion = CRE_CONFIG_VERSION + 1;
        CreReport memory r;
        r.rawReport = _creRawReport(h, hex"01");
        r.reportContext = _creReportContext(h.workflowExecutionId);
        r.signatures = _signCreReport(r.rawReport, r.reportContext, CRE_F + 1);
        uint64 configId = (uint64(CRE_DON_ID) << 32) | (CRE_CONFIG_VERSION + 1);
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidConfig.selector, configId));
        _transmitCreReport(address(receiver), r);
    }

    function test_RevertWhen_reportShorterThanHeader() public {
        CreReport memory r = _build();
        r.rawReport = _slice(r.rawReport, 0, CRE_HEADER_LENGTH - 1);
        vm.expectRevert(IKeystoneForwarder.InvalidReport.selector);
        _transmitCreReport(address(receiver), r);
    }

    /// @notice A delivered (workflowExecutionId, reportName) is never delivered again to that receiver,
    /// even freshly signed with another payload; another report name of the same execution is new.
    function test_RevertWhen_sameTransmissionRepeated() public {
        CreReport memory r = _build();
        bytes32 executionId = _word(r.rawReport, 1);
        _transmitCreReport(address(receiver), r);
        assertEq(receiver.deliveries(), 1);

        bytes32 transmissionId =
            keystoneForwarder.getTransmissionId(address(receiver), executionId, REPORT_NAME);
        vm.expectRevert(abi.encodeWithSelector(IKeystoneRouter.AlreadyAttempted.selector, transmissionId));
        _transmitCreReport(address(receiver), r);

        CreReport memory other =
            _buildCreReport(executionId, WORKFLOW_ID, WORKFLOW_NAME, workflowOwner, REPORT_NAME, hex"beef");
        vm.expectRevert(abi.encodeWithSelector(IKeystoneRouter.AlreadyAttempted.selector, transmissionId));
        _transmitCreReport(address(receiver), other);

        other = _buildCreReport(executionId, WORKFLOW_ID, WORKFLOW_NAME, workflowOwner, 0x0002, hex"beef");
        _transmitCreReport(address(receiver), other);
        assertEq(receiver.deliveries(), 2);
        assertEq(receiver.lastReport(), hex"beef");
    }

    /*//////////////////////////////////////////////////////////////
                           FAILED DELIVERIES
    //////////////////////////////////////////////////////////////*/

    /// @notice A reverting receiver does not revert the transmission: the forwarder records a failed
    /// delivery (`ReportProcessed(..., false)`, state FAILED), which may be retried and then succeed.
    function test_receiverRevert_isRecordedAsFailedDeliveryAndRetriable() public {
        receiver.setRejecting(true);
        CreReport memory r = _build();
        bytes32 executionId = _word(r.rawReport, 1);

        vm.expectEmit(address(keystoneForwarder));
        emit IKeystoneForwarder.ReportProcessed(address(receiver), executionId, REPORT_NAME, false);
        _transmitCreReport(address(receiver), r);
        assertEq(receiver.deliveries(), 0);
        IKeystoneRouter.TransmissionInfo memory info =
            keystoneForwarder.getTransmissionInfo(address(receiver), executionId, REPORT_NAME);
        assertEq(uint8(info.state), uint8(IKeystoneRouter.TransmissionState.FAILED));
        assertFalse(info.success);
        assertEq(info.transmitter, creTransmitter);

        // The same signed report, once the receiver accepts again.
        receiver.setRejecting(false);
        vm.expectEmit(address(keystoneForwarder));
        emit IKeystoneForwarder.ReportProcessed(address(receiver), executionId, REPORT_NAME, true);
        _transmitCreReport(address(receiver), r);
        assertEq(receiver.deliveries(), 1);
        assertEq(
            uint8(_creTransmissionState(address(receiver), executionId, REPORT_NAME)),
            uint8(IKeystoneRouter.TransmissionState.SUCCEEDED)
        );
    }

    /// @notice A receiver that does not declare IReceiver through ERC-165 (here an account without
    /// code) gets nothing, the attempt is final, and the transmission still does not revert.
    function test_receiverWithoutErc165_isInvalidAndFinal() public {
        address notAReceiver = makeAddr("not-a-receiver");
        CreReport memory r = _build();
        bytes32 executionId = _word(r.rawReport, 1);

        vm.expectEmit(address(keystoneForwarder));
        emit IKeystoneForwarder.ReportProcessed(notAReceiver, executionId, REPORT_NAME, false);
        _transmitCreReport(notAReceiver, r);
        IKeystoneRouter.TransmissionInfo memory info =
            keystoneForwarder.getTransmissionInfo(notAReceiver, executionId, REPORT_NAME);
        assertEq(uint8(info.state), uint8(IKeystoneRouter.TransmissionState.INVALID_RECEIVER));
        assertTrue(info.invalidReceiver);

        vm.expectRevert(
            abi.encodeWithSelector(IKeystoneRouter.AlreadyAttempted.selector, info.transmissionId)
        );
        _transmitCreReport(notAReceiver, r);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _build() internal returns (CreReport memory) {
        return _buildCreReport(
            _newWorkflowExecutionId(WORKFLOW_ID),
            WORKFLOW_ID,
            WORKFLOW_NAME,
            workflowOwner,
            REPORT_NAME,
            hex"01"
        );
    }

    /// @dev Who signature `i` of `r` recovers to, computed like the forwarder does.
    function _recover(CreReport memory r, uint256 i) internal pure returns (address) {
        bytes memory sig = r.signatures[i];
        return ecrecover(
            _creReportDigest(r.rawReport, r.reportContext), uint8(sig[64]) + 27, _word(sig, 0), _word(sig, 32)
        );
    }

    /// @dev The 32 bytes of `b` from `offset` (callers stay within `b`).
    function _word(bytes memory b, uint256 offset) internal pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(b, 32), offset))
        }
    }

    function _slice(bytes memory b, uint256 from, uint256 to) internal pure returns (bytes memory out) {
        out = new bytes(to - from);
        for (uint256 i = from; i < to; ++i) {
            out[i - from] = b[i];
        }
    }
}

/// @dev Compiles only if KeystoneStack and AutomationStack can be inherited together (no name clashes),
/// as the upkeep manager's tests will.
abstract contract KeystoneAndAutomationStack is AutomationStack, KeystoneStack {
    function setUp() public virtual override(AutomationStack, KeystoneStack) {
        AutomationStack.setUp();
        _deployKeystone();
    }
}
