// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {IUpkeepManager} from "../../contracts/interfaces/IUpkeepManager.sol";
import {AutomationStack} from "../utils/AutomationStack.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {IAutomationRegistry2_3} from "../utils/ChainlinkInterfaces.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";

/// @title Balancers and a manager-served fleet registered with the real registry 2.3 through the real
/// registrar, billed in LINK and in wrapped native, funded both ways, performed by the simulated DON
/// through each upkeep's forwarder.
contract AutomatedFleetTest is AutomationStack, FleetFixture {
    uint32 internal constant BALANCER_GAS_LIMIT = 500_000;
    uint32 internal constant MANAGER_GAS_LIMIT = 3_000_000;

    address internal admin = makeAddr("upkeep-admin");

    function setUp() public override(AutomationStack, BalancerFixture) {
        BalancerFixture.setUp();
        AutomationStack.setUp();
    }

    function test_standaloneInLink_andManagerInNative_arePerformedThroughTheirForwarders() public {
        _demoAssets();
        IBalancer alone = _create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()));
        _fundAtTargets(alone, address(this), 100_000);
        uint256 linkId = _registerUpkeep(address(alone), BALANCER_GAS_LIMIT, address(link), 0.1 ether, admin);
        _fundWithTransferAndCall(linkId, 20 ether);
        address aloneForwarder = registry.getForwarder(linkId);
        alone.setForwarder(aloneForwarder);

        _fleet(3);
        uint256 nativeId =
            _registerUpkeepPayingNative(address(manager), MANAGER_GAS_LIMIT, 0.0005 ether, admin);
        _addFundsNative(nativeId, 1 ether);
        address fleetForwarder = registry.getForwarder(nativeId);
        manager.setForwarder(fleetForwarder);
        assertEq(registry.getBillingToken(linkId), address(link));
        assertEq(registry.getBillingToken(nativeId), address(weth));

        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (linkId, nativeId);
        assertEq(_checkAndPerform(ids), 0, "balanced: nothing to do");

        _driftAll();
        uint96 linkBefore = registry.getBalance(linkId);
        uint96 nativeBefore = registry.getBalance(nativeId);
        uint32 aloneEpoch = alone.state().epoch;
        uint32[] memory fleetEpochs = _epochs();
        vm.recordLogs();
        assertEq(_checkAndPerform(ids), 2, "both upkeeps in one report");
        Performed[] memory p = _performedEvents(vm.getRecordedLogs());
        assertEq(p.length, 2);
        assertTrue(p[0].success && p[1].success);
        assertEq(alone.state().epoch, aloneEpoch + 1);
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < 3; ++i) {
            assertEq(afterwards[i], fleetEpochs[i] + 1, "every balancer rebalanced");
        }
        assertEq(registry.getBalance(linkId), linkBefore - p[0].totalPayment, "charged in LINK");
        assertEq(registry.getBalance(nativeId), nativeBefore - p[1].totalPayment, "charged in wrapped native");

        // Performs are restricted to the forwarder (and allow-listed fallback keepers).
        vm.roll(block.number + 1);
        _warp(7 hours);
        _driftAll();
        (, bytes memory data) = _check(alone);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.UnauthorizedPerformer.selector, fleetForwarder));
        vm.prank(fleetForwarder);
        AutomationCompatibleInterface(address(alone)).performUpkeep(data);
        (, data) = _checkManager();
        vm.expectRevert(abi.encodeWithSelector(IUpkeepManager.UnauthorizedPerformer.selector, aloneForwarder));
        vm.prank(aloneForwarder);
        manager.performUpkeep(data);
    }

    function test_cancelledAndUnderfundedUpkeeps_areReportedByTheRegistrysCheck() public {
        _fleet(2);
        uint256 id = _registerUpkeep(address(manager), MANAGER_GAS_LIMIT, address(link), 0.1 ether, admin);
        manager.setForwarder(registry.getForwarder(id));
        _driftAll();

        CheckResult memory r = _checkUpkeepDetailed(id);
        assertFalse(r.needed);
        assertEq(
            uint8(r.failureReason), uint8(IAutomationRegistry2_3.UpkeepFailureReason.INSUFFICIENT_BALANCE)
        );
        uint96 minBalance = registry.getMinBalance(id);
        emit log_named_decimal_uint("min balance, 3M-gas manager upkeep (LINK)", minBalance, 18);

        _addFunds(id, minBalance);
        r = _checkUpkeepDetailed(id);
        assertTrue(r.needed, "funded: the check passes");
        assertEq(r.performData.length, 4 + 9 * 2);

        vm.prank(admin);
        registry.cancelUpkeep(id);
        vm.roll(block.number + 100);
        r = _checkUpkeepDetailed(id);
        assertFalse(r.needed);
        assertEq(uint8(r.failureReason), uint8(IAutomationRegistry2_3.UpkeepFailureReason.UPKEEP_CANCELLED));
        uint32[] memory before = _epochs();
        assertEq(_checkAndPerform(_one(id)), 0, "the DON performs nothing");
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < 2; ++i) {
            assertEq(afterwards[i], before[i]);
        }
    }

    function _one(uint256 id) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = id;
    }
}
