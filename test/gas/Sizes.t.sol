// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BalancerFactory} from "../../contracts/BalancerFactory.sol";
import {HubDepository} from "../../contracts/HubDepository.sol";
import {UpkeepManager} from "../../contracts/UpkeepManager.sol";
import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";

interface IAdminModuleHolder {
    function adminModule() external view returns (address);
}

/// @title Runtime code sizes (what `forge build --sizes` reports), snapshotted under fixed names and
/// held under 22,528 bytes: 2 KiB below the EIP-170 limit, room to grow. Also the gas of an owner
/// call, which goes through the balancer's admin module (one more delegatecall).
/// @dev Snapshots go to `snapshots/SizesTest.json`; the ci profile checks them.
contract SizesTest is FleetFixture {
    uint256 internal constant ROOM_TO_GROW = 22_528;

    function _record(string memory name, address at) internal {
        uint256 size = at.code.length;
        vm.snapshotValue(string.concat("size ", name), size);
        assertLe(size, ROOM_TO_GROW, string.concat(name, " runtime code <= 22,528 bytes"));
    }

    function test_sizes_everyContractHasRoomToGrow() public {
        address drift = _deployArtifact("DriftBalancer.sol", "DriftBalancer", "");
        address time = _deployArtifact("TimeBalancer.sol", "TimeBalancer", "");
        _record("DriftBalancer", drift);
        _record("TimeBalancer", time);
        _record("BalancerAdminModule", IAdminModuleHolder(drift).adminModule());
        _record("BalancerFactory", address(new BalancerFactory(drift, time)));
        _record("UpkeepManager", address(new UpkeepManager(address(this), _managerConfig())));
        _record("HubDepository", address(new HubDepository()));
    }

    /// @notice An owner call on a clone: clone → implementation → admin module, both delegatecalls.
    function test_gas_adminCallThroughTheModule() public {
        IBalancer b = _demo(IBalancerFactory.Kind.Drift);
        IBalancer.Params memory p = b.params();
        p.maxSlippageBps += 1;
        b.setParams(p);
        vm.snapshotGasLastCall("admin setParams");
        assertEq(b.params().maxSlippageBps, p.maxSlippageBps);
        b.setFallbackKeeper(makeAddr("keeper"), true);
        vm.snapshotGasLastCall("admin setFallbackKeeper");
        assertTrue(b.isFallbackKeeper(makeAddr("keeper")));
    }

    /// @notice The admin module called directly has no owner: nobody can configure it, and it holds
    /// nothing.
    function test_RevertWhen_theAdminModuleIsCalledDirectly() public {
        address drift = _deployArtifact("DriftBalancer.sol", "DriftBalancer", "");
        IBalancer module = IBalancer(IAdminModuleHolder(drift).adminModule());
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, address(this)));
        module.setManager(address(this));
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, address(this)));
        module.transferOwnership(address(this));
    }

    /// @notice A selector neither the balancer nor its module knows reverts (no silent success).
    function test_RevertWhen_anUnknownSelectorReachesTheBalancer() public {
        IBalancer b = _demo(IBalancerFactory.Kind.Drift);
        (bool ok,) = address(b).call(abi.encodeWithSignature("notAFunction(uint256)", 1));
        assertFalse(ok);
    }
}
