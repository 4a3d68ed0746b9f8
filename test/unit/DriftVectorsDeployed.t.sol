// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {ILimitOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {IMockV3Aggregator} from "../utils/ChainlinkInterfaces.sol";
import {DriftCases} from "../utils/DriftCases.sol";
import {DriftHarness} from "../utils/DriftHarness.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title The deployed balancer against the committed drift vectors (`test/vectors/drift.json`).
/// @notice The vectors reach the maths through `DriftHarness`, a test-side composition of the
/// libraries; this test closes the loop through the real contract. For each case of the file it
/// builds a real balancer clone (the built implementation, the case's assets, the case's domain
/// separator, at the case's maker address, so the salts and hashes are comparable), gives it the
/// case's tracked balances and epoch (storage writes, checked through the balancer's own views),
/// feeds answering the case's prices, and the case's parameters; then it runs the real
/// `checkUpkeep` and, when needed, the real `performUpkeep`, and compares the check's answer and
/// every published order (salt, amounts, traits, assets, EIP-712 hash) with the file's line.
contract DriftVectorsDeployedTest is BalancerFixture {
    using Strings for uint256;

    string internal constant PATH = "test/vectors/drift.json";
    bytes32 internal constant ORDER_TYPEHASH = keccak256(
        "Order(uint256 salt,address maker,address receiver,address makerAsset,address takerAsset,uint256 makingAmount,uint256 takingAmount,uint256 makerTraits)"
    );
    /// @dev `_state` and `_balances` slots (`forge inspect DriftBalancer storageLayout`); every write
    /// is read back through `state()` and `balances()`.
    uint256 internal constant STATE_SLOT = 0;
    uint256 internal constant BALANCES_SLOT = 4;

    DriftHarness internal h;

    function setUp() public override {
        super.setUp();
        h = new DriftHarness();
    }

    /// @dev Cases in batches (each test's gas is bounded: a case deploys up to 16 feeds).
    uint256 internal constant BATCH = 32;

    function test_deployedBalancer_publishesTheVectorsOrders_0() public {
        _batch(0);
    }

    function test_deployedBalancer_publishesTheVectorsOrders_1() public {
        _batch(1);
    }

    function test_deployedBalancer_publishesTheVectorsOrders_2() public {
        _batch(2);
    }

    function test_deployedBalancer_publishesTheVectorsOrders_3() public {
        _batch(3);
    }

    function test_deployedBalancer_publishesTheVectorsOrders_4() public {
        _batch(4);
    }

    function test_deployedBalancer_publishesTheVectorsOrders_5() public {
        _batch(5);
    }

    function test_deployedBalancer_publishesTheVectorsOrders_6() public {
        _batch(6);
    }

    function test_deployedBalancer_publishesTheVectorsOrders_7() public {
        _batch(7);
    }

    /// @dev Every case is in one batch: 8 x 32 >= COUNT.
    function test_batchesCoverEveryCase() public pure {
        assertGe(8 * BATCH, DriftCases.COUNT);
    }

    function _batch(uint256 k) internal {
        vm.closeFile(PATH);
        assertEq(vm.readLine(PATH), "[");
        uint256 from = k * BATCH;
        uint256 to = from + BATCH < DriftCases.COUNT ? from + BATCH : DriftCases.COUNT;
        uint256 performed;
        uint256 orders;
        for (uint256 i; i < to; ++i) {
            string memory l = vm.readLine(PATH);
            if (i < from) continue;
            bytes memory raw = bytes(l);
            if (raw[raw.length - 1] == ",") l = _trimLast(raw);
            uint256 snap = vm.snapshotState();
            uint256 n = this.replay(i, l);
            vm.revertToState(snap);
            if (n > 0) ++performed;
            orders += n;
        }
        vm.closeFile(PATH);
        emit log_named_uint("cases performed by the deployed balancer", performed);
        emit log_named_uint("orders compared", orders);

        assertGe(performed, (to - from) / 3, "a third of the cases at least publish orders");
    }

    /// @notice Case `i` (whose line is `l`) through a deployed balancer; returns the orders compared.
    function replay(uint256 i, string calldata l) external returns (uint256) {
        DriftHarness.Input memory inp = DriftCases.get(i);
        assertEq(vm.parseJsonString(l, ".name"), inp.name, "the file's case is the library's");
        IBalancer b = _deploy(inp);
        string memory what = string.concat("case ", i.toString(), " (", inp.name, ")");
        vm.prank(address(0), address(0));
        (bool needed, bytes memory data) = AutomationCompatibleInterface(address(b)).checkUpkeep("");
        assertEq(needed, vm.parseJsonBool(l, ".upkeepNeeded"), string.concat(what, ": upkeepNeeded"));
        if (!needed) return 0;
        assertEq(data, vm.parseJsonBytes(l, ".performData"), string.concat(what, ": performData"));
        vm.recordLogs();
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
        ILimitOrderProtocol.Order[] memory got = _published(vm.getRecordedLogs());
        uint256 count;
        while (vm.keyExistsJson(l, string.concat(".orders[", count.toString(), "]"))) ++count;
        assertEq(got.length, count, string.concat(what, ": order count"));
        for (uint256 k; k < got.length; ++k) {
            _compare(l, k, got[k], inp, string.concat(what, " order ", k.toString()));
        }
        return got.length;
    }

    function _compare(
        string calldata l,
        uint256 k,
        ILimitOrderProtocol.Order memory o,
        DriftHarness.Input memory inp,
        string memory what
    ) internal pure {
        string memory p = string.concat(".orders[", k.toString(), "]");
        assertEq(o.salt, vm.parseJsonUint(l, string.concat(p, ".salt")), string.concat(what, ": salt"));
        assertEq(
            o.makingAmount, vm.parseJsonUint(l, string.concat(p, ".making")), string.concat(what, ": making")
        );
        assertEq(
            o.takingAmount, vm.parseJsonUint(l, string.concat(p, ".taking")), string.concat(what, ": taking")
        );
        assertEq(
            o.makerTraits,
            vm.parseJsonUint(l, string.concat(p, ".makerTraits")),
            string.concat(what, ": traits")
        );
        assertEq(
            o.makerAsset,
            uint160(inp.a.tokens[vm.parseJsonUint(l, string.concat(p, ".sell"))]),
            string.concat(what, ": sell asset")
        );
        assertEq(
            o.takerAsset,
            uint160(inp.a.tokens[vm.parseJsonUint(l, string.concat(p, ".buy"))]),
            string.concat(what, ": buy asset")
        );
        assertEq(
            _hash(o, inp.x.domainSeparator),
            vm.parseJsonBytes32(l, string.concat(p, ".hash")),
            string.concat(what, ": EIP-712 hash")
        );
    }

    /// @dev A real balancer clone for the case, at its maker address, in the state the case describes.
    function _deploy(DriftHarness.Input memory inp) internal returns (IBalancer b) {
        uint256 n = inp.a.prices.length;
        vm.warp(inp.x.expiry - inp.x.orderTtl); // the perform's orders expire at the case's expiry
        IBalancer.Asset[] memory assets = new IBalancer.Asset[](n);
        for (uint256 i; i < n; ++i) {
            IMockV3Aggregator f = IMockV3Aggregator(
                _deployArtifact(
                    "MockV3Aggregator.sol",
                    "MockV3Aggregator",
                    abi.encode(uint8(inp.a.feedDecimals[i]), int256(inp.a.prices[i]))
                )
            );
            assets[i] = IBalancer.Asset({
                token: inp.a.tokens[i],
                feed: address(f),
                tokenDecimals: uint8(inp.a.tokenDecimals[i]),
                feedDecimals: uint8(inp.a.feedDecimals[i]),
                heartbeat: 1 days,
                deviationBps: 0,
                stable: inp.a.stableMask >> i & 1 == 1
            });
        }
        address impl = inp.p.calendar ? factory.timeImplementation() : factory.driftImplementation();
        address clone = Clones.cloneWithImmutableArgs(impl, h.cloneArgs(inp.x.domainSeparator, assets));
        vm.etch(inp.x.maker, clone.code);
        b = IBalancer(inp.x.maker);
        b.initialize(_initFor(inp));
        // the case's epoch and tracked balances
        vm.store(address(b), bytes32(STATE_SLOT), bytes32(inp.x.epoch << 128));
        for (uint256 i; i < n; i += 2) {
            uint256 hi = i + 1 < n ? inp.a.balances[i + 1] : 0;
            vm.store(address(b), bytes32(BALANCES_SLOT + i / 2), bytes32(hi << 128 | inp.a.balances[i]));
        }
        assertEq(b.state().epoch, inp.x.epoch, "epoch written");
        assertEq(b.balances(), inp.a.balances, "balances written");
    }

    function _initFor(DriftHarness.Input memory inp) internal view returns (IBalancer.InitParams memory ip) {
        uint256 n = inp.a.prices.length;
        ip.owner = address(this);
        ip.controller = controllerAddr;
        ip.forwarder = forwarder;
        ip.targets = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            ip.targets[i] = uint16(inp.a.targets[i]);
        }
        ip.params = IBalancer.Params({
            driftBps: uint16(inp.p.driftBps),
            clearBps: uint16(inp.p.clearBps),
            stableDriftBps: uint16(inp.p.stableDriftBps),
            stableClearBps: uint16(inp.p.stableClearBps),
            depegBps: uint16(inp.p.depegBps),
            maxSlippageBps: uint16(inp.p.maxSlippageBps),
            gridLevels: uint8(inp.p.gridLevels),
            gridSpacingBps: uint16(inp.p.gridSpacingBps),
            stableCooldown: 0, // every path due, as the vectors assume
            globalCooldown: 0,
            orderTtl: uint32(inp.x.orderTtl),
            paused: false
        });
        ip.limits = IBalancer.BandLimits({
            minDriftBps: 1, maxDriftBps: 5000, minStableDriftBps: 1, maxStableDriftBps: 5000
        });
        ip.fillCostUsdE8 = uint48(inp.p.fillCostUsdE8);
        ip.dustMarginBps = uint16(inp.p.dustMarginBps);
        ip.stableGasEstimate = 1; // both paths always fit the test's gas
        ip.globalGasEstimate = 1;
        if (inp.p.calendar) {
            ip.interval = 1 days;
            ip.dustFloorBps = uint16(inp.p.dustFloorBps);
        }
    }

    /// @dev The order's EIP-712 hash under `domain`, as the protocol's `OrderLib.hash` computes it.
    function _hash(ILimitOrderProtocol.Order memory o, bytes32 domain) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domain, keccak256(abi.encode(ORDER_TYPEHASH, o))));
    }

    function _trimLast(bytes memory b) internal pure returns (string memory) {
        bytes memory out = new bytes(b.length - 1);
        for (uint256 i; i < out.length; ++i) {
            out[i] = b[i];
        }
        return string(out);
    }
}
