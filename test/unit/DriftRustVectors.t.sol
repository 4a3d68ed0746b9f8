// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DriftHarness} from "../utils/DriftHarness.sol";
import {DriftJson} from "../utils/DriftJson.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Test} from "forge-std/Test.sol";

/// @title The Rust -> Solidity drift vectors (`test/vectors/drift-rust.json`).
/// @notice The Rust core's seeded generator writes the cases (inputs and the Rust outputs, one per
/// line); this test reads each case's inputs, runs them through the libraries and asserts the
/// line it writes is byte for byte the Rust line. Regenerate the file with
///     DRIFT_VECTORS_WRITE=1 cargo test --locked --lib model::drift::tests::vectors_rust_to_solidity
contract DriftRustVectorsTest is Test {
    using Strings for uint256;

    string internal constant PATH = "test/vectors/drift-rust.json";
    uint256 internal constant MIN_CASES = 200;

    DriftHarness internal h;

    function setUp() public {
        h = new DriftHarness();
    }

    /// @notice The libraries' line for the inputs of `line` (its own call: fresh memory per case).
    function replay(string calldata line) external view returns (string memory) {
        DriftHarness.Input memory inp = _input(line);
        return DriftJson.line(inp, h.run(inp));
    }

    function test_rustVectors_matchLibraries() public {
        vm.closeFile(PATH);
        assertEq(vm.readLine(PATH), "[", "drift-rust.json: opening bracket");
        uint256 count;
        while (true) {
            string memory l = vm.readLine(PATH);
            if (keccak256(bytes(l)) == keccak256("]")) break;
            bytes memory b = bytes(l);
            if (b.length > 0 && b[b.length - 1] == ",") l = _trimLast(b);
            assertEq(this.replay(l), l, string.concat("drift-rust.json case ", count.toString()));
            ++count;
        }
        assertGe(count, MIN_CASES, "drift-rust.json: too few cases");
        vm.closeFile(PATH);
    }

    function _input(string calldata l) internal pure returns (DriftHarness.Input memory c) {
        c.name = vm.parseJsonString(l, ".name");
        c.a.tokenDecimals = vm.parseJsonUintArray(l, ".tokenDecimals");
        c.a.feedDecimals = vm.parseJsonUintArray(l, ".feedDecimals");
        c.a.prices = vm.parseJsonUintArray(l, ".prices");
        c.a.balances = vm.parseJsonUintArray(l, ".balances");
        c.a.targets = vm.parseJsonUintArray(l, ".targets");
        c.a.stableMask = vm.parseJsonUint(l, ".stableMask");
        c.a.tokens = vm.parseJsonAddressArray(l, ".tokens");
        c.p.driftBps = vm.parseJsonUint(l, ".driftBps");
        c.p.clearBps = vm.parseJsonUint(l, ".clearBps");
        c.p.stableDriftBps = vm.parseJsonUint(l, ".stableDriftBps");
        c.p.stableClearBps = vm.parseJsonUint(l, ".stableClearBps");
        c.p.depegBps = vm.parseJsonUint(l, ".depegBps");
        c.p.maxSlippageBps = vm.parseJsonUint(l, ".maxSlippageBps");
        c.p.gridLevels = vm.parseJsonUint(l, ".gridLevels");
        c.p.gridSpacingBps = vm.parseJsonUint(l, ".gridSpacingBps");
        c.p.calendar = vm.parseJsonBool(l, ".calendar");
        c.p.dustFloorBps = vm.parseJsonUint(l, ".dustFloorBps");
        c.p.fillCostUsdE8 = vm.parseJsonUint(l, ".fillCostUsdE8");
        c.p.dustMarginBps = vm.parseJsonUint(l, ".dustMarginBps");
        c.x.epoch = vm.parseJsonUint(l, ".epoch");
        c.x.expiry = vm.parseJsonUint(l, ".expiry");
        c.x.orderTtl = vm.parseJsonUint(l, ".orderTtl");
        c.x.maker = vm.parseJsonAddress(l, ".maker");
        c.x.domainSeparator = vm.parseJsonBytes32(l, ".domainSeparator");
    }

    function _trimLast(bytes memory b) internal pure returns (string memory) {
        bytes memory out = new bytes(b.length - 1);
        for (uint256 i; i < out.length; ++i) {
            out[i] = b[i];
        }
        return string(out);
    }
}
