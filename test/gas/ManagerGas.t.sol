// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {Oracle} from "../../contracts/libraries/Oracle.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title Named gas snapshots of the upkeep manager.
/// @notice Isolation mode (foundry.toml `isolate = true`): every call is its own transaction, so
/// intrinsic gas, calldata and cold access count. Every balancer is the demo DriftBalancer ($100,000,
/// four assets) after WBTC +10 %: one global-path rebalance each.
///
/// `manager overhead per balancer` = (`perform manager k10` − the gas the ten balancers measured for
/// their own performs, from their `OrdersPublished` events) / 10: what the manager adds per balancer (its
/// loop, member reads, the four feed reads shared by ten, the calls, its events, and a tenth of the
/// transaction's intrinsic gas).
contract ManagerGasTest is FleetFixture {
    function test_gas_performManager_k10() public {
        _fleet(10);
        // one more, identical balancer outside the fleet, to measure its perform alone
        IBalancer extra = _create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()));
        _fundAtTargets(extra, address(this), 100_000);
        extra.setManager(address(manager));
        _driftAll();
        (bool needed, bytes memory data) = _checkManager();
        assertTrue(needed);
        vm.recordLogs();
        vm.prank(managerForwarder);
        manager.performUpkeep(data);
        uint256 k10 = vm.snapshotGasLastCall("perform manager k10");
        assertEq(manager.cursor(), 0, "all ten performed: the next round starts over");
        uint256 inside = _balancerGas(vm.getRecordedLogs());
        vm.snapshotValue("manager overhead per balancer", (k10 - inside) / 10);

        // The same rebalance of the extra balancer, performed with handed-on prices in a transaction
        // of its own (pays its intrinsic gas and cold code alone: more than each of the ten above).
        (, bytes memory own) = _check(extra);
        uint256[] memory words = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            (, int256 p,, uint256 updatedAt,) = feeds[i].latestRoundData();
            words[i] = Oracle.pack(p, updatedAt);
        }
        vm.prank(address(manager));
        AutomationCompatibleInterface(address(extra))
            .performUpkeep(bytes.concat(own, abi.encodePacked(words)));
        vm.snapshotGasLastCall("perform managed n4");
    }

    /// @dev The gas each balancer measured for its own perform (its `OrdersPublished` events), summed.
    function _balancerGas(Vm.Log[] memory logs) internal pure returns (uint256 sum) {
        uint256 n;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IBalancer.OrdersPublished.selector) {
                (,, uint32 gasUsed,,,) = abi.decode(
                    logs[i].data, (uint64, uint8, uint32, uint32, uint32, IBalancer.PublishedOrder[])
                );
                sum += gasUsed;
                ++n;
            }
        }
        assertEq(n, 10);
    }

    function test_gas_performManager_k1() public {
        _fleet(1);
        _driftAll();
        (, bytes memory data) = _checkManager();
        vm.prank(managerForwarder);
        manager.performUpkeep(data);
        vm.snapshotGasLastCall("perform manager k1");
    }
}
