// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IReceiver, IUpkeepManager} from "../../contracts/interfaces/IUpkeepManager.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";
import {IKeystoneRouter} from "../utils/KeystoneInterfaces.sol";
import {KeystoneStack} from "../utils/KeystoneStack.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title The upkeep manager as a CRE receiver: rounds delivered as reports through the real
/// KeystoneForwarder (f + 1 DON signatures), with the same re-validation and access rules as an
/// Automation perform.
contract ManagerCreTest is KeystoneStack, FleetFixture {
    bytes32 internal constant WORKFLOW_ID = keccak256("onebalancer fleet workflow");
    bytes10 internal constant WORKFLOW_NAME = bytes10("rebalance");
    bytes2 internal constant REPORT_NAME = bytes2(0x0001);
    address internal workflowOwnerAddr = makeAddr("workflow-owner");

    function setUp() public override(KeystoneStack, BalancerFixture) {
        BalancerFixture.setUp();
        KeystoneStack.setUp();
        _fleet(3);
        manager.setKeystone(address(keystoneForwarder), workflowOwnerAddr);
    }

    function test_report_performsTheRound() public {
        assertTrue(manager.supportsInterface(type(IReceiver).interfaceId));
        _driftAll();
        (, bytes memory data) = _checkManager();
        uint32[] memory before = _epochs();
        vm.recordLogs();
        bytes32 execution = _deliver(workflowOwnerAddr, data);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(uint8(_state(execution)), uint8(IKeystoneRouter.TransmissionState.SUCCEEDED));
        assertEq(_round(logs)[0], 3, "all three performed");
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < 3; ++i) {
            assertEq(afterwards[i], before[i] + 1);
        }
    }

    function test_report_replayedUnderANewExecution_tradesNothingTwice() public {
        _driftAll();
        (, bytes memory data) = _checkManager();
        _deliver(workflowOwnerAddr, data);
        uint32[] memory after1 = _epochs();
        vm.recordLogs();
        bytes32 execution = _deliver(workflowOwnerAddr, data);
        (, bytes[] memory why) = _failures(vm.getRecordedLogs());
        assertEq(uint8(_state(execution)), uint8(IKeystoneRouter.TransmissionState.SUCCEEDED));
        assertEq(why.length, 3, "each balancer refused the stale payload");
        assertEq(bytes4(why[0]), IBalancer.StaleEpoch.selector);
        uint32[] memory after2 = _epochs();
        for (uint256 i; i < 3; ++i) {
            assertEq(after2[i], after1[i]);
        }
    }

    function test_report_fromAnotherWorkflowOwner_isRefused() public {
        _driftAll();
        (, bytes memory data) = _checkManager();
        uint32[] memory before = _epochs();
        address intruder = makeAddr("intruder");
        bytes32 execution = _deliver(intruder, data);
        assertEq(uint8(_state(execution)), uint8(IKeystoneRouter.TransmissionState.FAILED));
        _assertUnchanged(before);
        // the failure is the manager's custom error
        vm.prank(address(keystoneForwarder));
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.UnauthorizedWorkflow.selector, intruder));
        manager.onReport(_creMetadata(WORKFLOW_ID, WORKFLOW_NAME, intruder, REPORT_NAME), data);
    }

    /// Attack: the owner set the forwarder but no workflow owner; anyone's workflow on that
    /// forwarder could drive the fleet. Refused until a workflow owner is set.
    function test_report_refusedUntilAWorkflowOwnerIsSet() public {
        manager.setKeystone(address(keystoneForwarder), address(0));
        _driftAll();
        (, bytes memory data) = _checkManager();
        uint32[] memory before = _epochs();
        address anyone = makeAddr("anyone");
        bytes32 execution = _deliver(anyone, data);
        assertEq(uint8(_state(execution)), uint8(IKeystoneRouter.TransmissionState.FAILED));
        _assertUnchanged(before);
        vm.prank(address(keystoneForwarder));
        vm.expectRevert(IUpkeepManager.WorkflowOwnerNotSet.selector);
        manager.onReport(_creMetadata(WORKFLOW_ID, WORKFLOW_NAME, anyone, REPORT_NAME), data);
        // once set, that owner's reports are performed
        manager.setKeystone(address(keystoneForwarder), workflowOwnerAddr);
        _deliver(workflowOwnerAddr, data);
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < 3; ++i) {
            assertEq(afterwards[i], before[i] + 1);
        }
    }

    function test_RevertWhen_onReportNotFromTheForwarder() public {
        _driftAll();
        (, bytes memory data) = _checkManager();
        bytes memory metadata = _creMetadata(WORKFLOW_ID, WORKFLOW_NAME, workflowOwnerAddr, REPORT_NAME);
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.UnauthorizedPerformer.selector, address(this)));
        manager.onReport(metadata, data);
        // an unset forwarder accepts nobody, not even address 0
        manager.setKeystone(address(0), address(0));
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.UnauthorizedPerformer.selector, address(0)));
        manager.onReport(metadata, data);
    }

    function testFuzz_garbageReport_isAFailedDeliveryAndChangesNothing(bytes calldata garbage) public {
        _driftAll();
        (, bytes memory data) = _checkManager();
        vm.assume(keccak256(garbage) != keccak256(data));
        uint32[] memory before = _epochs();
        _deliver(workflowOwnerAddr, garbage);
        _assertUnchanged(before);
    }

    function _deliver(address owner_, bytes memory payload) internal returns (bytes32) {
        return _deliverReport(address(manager), WORKFLOW_ID, WORKFLOW_NAME, owner_, REPORT_NAME, payload);
    }

    function _state(bytes32 execution) internal view returns (IKeystoneRouter.TransmissionState) {
        return _creTransmissionState(address(manager), execution, REPORT_NAME);
    }

    function _assertUnchanged(uint32[] memory before) internal view {
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < before.length; ++i) {
            assertEq(afterwards[i], before[i]);
        }
    }
}
