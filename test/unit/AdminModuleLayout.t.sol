// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

/// @title The admin module runs on the balancer's storage (delegatecall): their layouts must be the
/// same, variable by variable — name, slot, offset. A variable added to one and not the other (or
/// in another order) fails here before it can corrupt a clone.
contract AdminModuleLayoutTest is Test {
    function _layout(string memory artifact)
        internal
        view
        returns (string[] memory labels, uint256[] memory slots, uint256[] memory offsets)
    {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/out/", artifact));
        uint256 n;
        while (vm.keyExistsJson(json, string.concat(".storageLayout.storage[", vm.toString(n), "]"))) {
            ++n;
        }
        labels = new string[](n);
        slots = new uint256[](n);
        offsets = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            string memory at = string.concat(".storageLayout.storage[", vm.toString(i), "]");
            labels[i] = vm.parseJsonString(json, string.concat(at, ".label"));
            slots[i] = vm.parseUint(vm.parseJsonString(json, string.concat(at, ".slot")));
            offsets[i] = vm.parseJsonUint(json, string.concat(at, ".offset"));
        }
    }

    function _assertSameLayout(string memory a, string memory b) internal view {
        (string[] memory la, uint256[] memory sa, uint256[] memory oa) = _layout(a);
        (string[] memory lb, uint256[] memory sb, uint256[] memory ob) = _layout(b);
        assertGt(la.length, 0, "layout read");
        assertEq(la.length, lb.length, "same number of variables");
        for (uint256 i; i < la.length; ++i) {
            assertEq(la[i], lb[i], "same variable");
            assertEq(sa[i], sb[i], string.concat(la[i], ": same slot"));
            assertEq(oa[i], ob[i], string.concat(la[i], ": same offset"));
        }
    }

    function test_adminModule_hasTheBalancersStorageLayout() public view {
        _assertSameLayout(
            "DriftBalancer.sol/DriftBalancer.json", "BalancerAdminModule.sol/BalancerAdminModule.json"
        );
        _assertSameLayout(
            "TimeBalancer.sol/TimeBalancer.json", "BalancerAdminModule.sol/BalancerAdminModule.json"
        );
    }
}
