// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {UpkeepManager} from "../../contracts/UpkeepManager.sol";
import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {IUpkeepManager} from "../../contracts/interfaces/IUpkeepManager.sol";
import {BalancerFixture} from "./BalancerFixture.sol";
import {IMockV3Aggregator} from "./ChainlinkInterfaces.sol";
import {GasBurningFeed} from "./GasBurningFeed.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title FleetFixture
/// @notice K demo balancers (same four assets and feeds, $100,000 each at their targets) served by one
/// `UpkeepManager`, with the manager's check simulated as Chainlink does (from address 0).
abstract contract FleetFixture is BalancerFixture {
    UpkeepManager internal manager;
    IBalancer[] internal fleet;
    address internal managerForwarder = makeAddr("manager-forwarder");

    function _managerConfig() internal pure virtual returns (IUpkeepManager.Config memory) {
        return IUpkeepManager.Config({
            performGasReserve: 60_000,
            checkGasReserve: 300_000,
            roundGasBudget: 4_500_000,
            maxPerRound: 64,
            memberCheckGas: 400_000,
            failureBackoff: 100
        });
    }

    /// @notice The manager and `k` DriftBalancers over the demo assets, each naming the manager.
    function _fleet(uint256 k) internal {
        if (tokens.length == 0) _demoAssets();
        if (address(manager) == address(0)) {
            manager = new UpkeepManager(address(this), _managerConfig());
            manager.setForwarder(managerForwarder);
        }
        for (uint256 i; i < k; ++i) {
            IBalancer b = _create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()));
            _fundAtTargets(b, address(this), 100_000); // the owner: the only holder, so changes apply at once
            b.setManager(address(manager));
            manager.addBalancer(address(b));
            fleet.push(b);
        }
    }

    /// @notice One more member whose WETH feed is a `GasBurningFeed` over the real one (honest until
    /// switched).
    function _memberWithBurningFeed() internal returns (IBalancer b, GasBurningFeed burner) {
        if (tokens.length == 0) _demoAssets();
        burner = new GasBurningFeed(feeds[3]);
        IMockV3Aggregator real = feeds[3];
        feeds[3] = IMockV3Aggregator(address(burner));
        _fleet(1);
        feeds[3] = real;
        b = fleet[fleet.length - 1];
    }

    /// @notice WBTC +10 %: every demo balancer's global path triggers.
    function _driftAll() internal {
        (, int256 p,,,) = feeds[2].latestRoundData();
        _setPrice(2, p * 110 / 100);
    }

    function _checkManager() internal returns (bool needed, bytes memory data) {
        vm.prank(address(0), address(0));
        return manager.checkUpkeep("");
    }

    /// @notice Performs as the manager's forwarder; returns the recorded logs.
    function _performManager(bytes memory data) internal returns (Vm.Log[] memory logs) {
        vm.recordLogs();
        vm.prank(managerForwarder);
        manager.performUpkeep(data);
        return vm.getRecordedLogs();
    }

    /// @notice The fleet indices in a manager performData, in order.
    function _entries(bytes memory data) internal pure returns (uint256[] memory idx) {
        idx = new uint256[]((data.length - 4) / 9);
        for (uint256 j; j < idx.length; ++j) {
            idx[j] = uint8(data[4 + 9 * j]);
        }
    }

    /// @notice (performed, failed, deferred, nextCursor) of the round's `RoundPerformed` event.
    function _round(Vm.Log[] memory logs) internal pure returns (uint256[4] memory r) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IUpkeepManager.RoundPerformed.selector) {
                (r[0], r[1], r[2], r[3]) = abi.decode(logs[i].data, (uint256, uint256, uint256, uint256));
            }
        }
    }

    /// @notice The `BalancerFailed` events: who failed and with what.
    function _failures(Vm.Log[] memory logs)
        internal
        pure
        returns (address[] memory who, bytes[] memory why)
    {
        uint256 n;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IUpkeepManager.BalancerFailed.selector) ++n;
        }
        who = new address[](n);
        why = new bytes[](n);
        n = 0;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IUpkeepManager.BalancerFailed.selector) {
                who[n] = address(uint160(uint256(logs[i].topics[1])));
                (why[n++],) = abi.decode(logs[i].data, (bytes, uint256));
            }
        }
    }

    function _epochs() internal view returns (uint32[] memory e) {
        e = new uint32[](fleet.length);
        for (uint256 i; i < fleet.length; ++i) {
            e[i] = fleet[i].state().epoch;
        }
    }
}
