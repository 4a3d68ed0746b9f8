// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {DriftCases} from "../utils/DriftCases.sol";
import {DriftHarness} from "../utils/DriftHarness.sol";
import {DriftJson} from "../utils/DriftJson.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Test} from "forge-std/Test.sol";

/// @title The Solidity -> Rust drift vectors (`test/vectors/drift.json`).
/// @notice `test_vectors_matchCommittedFile` regenerates every case from the libraries and compares
/// it, line by line, with the committed file: a behaviour change fails here with the case's name and
/// both lines. To accept a change, regenerate and commit the file:
///     DRIFT_VECTORS_WRITE=true forge test --match-path test/unit/DriftVectors.t.sol
/// The file is one JSON array, one case per line (see `DriftJson`).
contract DriftVectorsTest is Test {
    using Strings for uint256;

    string internal constant PATH = "test/vectors/drift.json";

    DriftHarness internal h;

    function setUp() public {
        h = new DriftHarness();
    }

    /// @notice Case `i`'s line (its own call, so each case starts with fresh memory).
    function caseLine(uint256 i) external view returns (string memory) {
        DriftHarness.Input memory inp = DriftCases.get(i);
        return DriftJson.line(inp, h.run(inp));
    }

    function test_vectors_matchCommittedFile() public {
        bool write = vm.envOr("DRIFT_VECTORS_WRITE", false);
        if (write) vm.writeFile(PATH, "[\n");
        else _expectLine("[", "opening bracket");
        for (uint256 i; i < DriftCases.COUNT; ++i) {
            string memory l = this.caseLine(i);
            if (i + 1 < DriftCases.COUNT) l = string.concat(l, ",");
            if (write) vm.writeLine(PATH, l);
            else _expectLine(l, string.concat("case ", i.toString()));
        }
        if (write) {
            vm.writeLine(PATH, "]");
        } else {
            _expectLine("]", "closing bracket");
            assertEq(vm.readLine(PATH), "", "drift.json: lines after the closing bracket");
        }
        vm.closeFile(PATH);
    }

    function _expectLine(string memory expected, string memory what) internal view {
        assertEq(
            vm.readLine(PATH), expected, string.concat("drift.json differs from the libraries at ", what)
        );
    }

    /* --------------------------------------------- behaviour the edges pin --- */

    function test_bandBoundary_exactDoesNotTrigger() public view {
        DriftHarness.Output memory o = h.run(DriftCases.edge(4));
        assertEq(o.e.globalBps, 500);
        assertFalse(o.e.globalExceeds, "drift == band");
        assertEq(o.e.triggered, 0);
        o = h.run(DriftCases.edge(5));
        assertTrue(o.e.globalExceeds, "drift == band + 1 wei");
        assertEq(o.e.triggered, 2);
        o = h.run(DriftCases.edge(7));
        assertEq(o.e.stableBps, 100);
        assertFalse(o.e.stableExceeds, "stable drift == band");
        o = h.run(DriftCases.edge(8));
        assertTrue(o.e.stableExceeds, "stable drift == band + 1 wei");
        assertEq(o.e.triggered, 1);
    }

    function test_depegBoundary() public view {
        assertFalse(h.run(DriftCases.edge(10)).e.depeg, "spread == depegBps");
        DriftHarness.Output memory o = h.run(DriftCases.edge(11));
        assertTrue(o.e.depeg, "spread == depegBps + 1 / lo");
        assertEq(o.a.stableAim, 0, "a depeg trades to target");
    }

    function test_rounding_oneWei() public view {
        DriftHarness.Output memory o = h.run(DriftCases.edge(12));
        assertEq(o.e.values[0], 0, "1 wei of a $1e-8 token");
        assertEq(o.e.values[1], 1);
        assertEq(o.e.values[2], 1, "rounded down");
    }

    function test_performData_rejectsGarbage() public {
        bytes memory ok = h.encode(0x00ff, 3, 42);
        (uint16 bitmap, uint8 paths, uint32 epoch) = h.decode(ok);
        assertEq(bitmap, 0x00ff);
        assertEq(paths, 3);
        assertEq(epoch, 42);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidPerformData.selector, 7, 0));
        h.decode(hex"00000000000000");
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidPerformData.selector, 8, 0));
        h.decode(hex"0000000000000000");
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidPerformData.selector, 8, 0x040000));
        h.decode(hex"0000000000040000");
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.InvalidPerformData.selector, 8, uint256(1) << 56 | 0x10000)
        );
        h.decode(hex"0100000000010000");
    }

    /// @notice Stables whose targets sum to 0 (an owner exiting them): a global rebalance sells
    /// them in proportion to their holdings instead of dividing by T_S = 0.
    function test_zeroStableTargets_globalPathSellsTheStablesByHoldings() public view {
        uint256[] memory values = new uint256[](3);
        (values[0], values[1], values[2]) = (100e18, 30e18, 10e18);
        uint16[] memory targets = new uint16[](3);
        targets[0] = 10_000;
        int256[] memory d = h.globalDeltas(values, targets, 6);
        assertEq(d[0], 40e18);
        assertEq(d[1], -30e18);
        assertEq(d[2], -10e18);
    }

    /// @notice The global path alone keeps the slice's proportions, so a stable far below its
    /// within-slice share is never asked to sell more than it holds.
    function test_globalPath_neverSellsAStableBeyondItsHolding() public view {
        uint256[] memory values = new uint256[](3);
        (values[0], values[1], values[2]) = (100e18, 99e18, 1e18);
        uint16[] memory targets = new uint16[](3);
        (targets[0], targets[1], targets[2]) = (8000, 1000, 1000);
        int256[] memory d = h.globalDeltas(values, targets, 6);
        assertEq(d[0], 60e18);
        assertGe(d[2], -int256(values[2]), "never more than held");
        assertEq(d[1] * 1, -59.4e18);
        assertEq(d[2], -0.6e18);
    }
}
