// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {IUpkeepManager} from "../../contracts/interfaces/IUpkeepManager.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {BillingRecorder} from "../utils/BillingRecorder.sol";
import {FleetFixture} from "../utils/FleetFixture.sol";

/// @title What the real Chainlink registry 2.3 charges for a rebalance: a balancer as its own
/// upkeep, ten balancers as ten upkeeps in one DON report, and ten balancers behind one manager upkeep.
/// @notice The registry's own test configuration: gas price 1 gwei, LINK $20, native $4,000, Base
/// billing (50 % premium, flat fee 20,000 milli-cents). Charges are in juels (LINK, 18 decimals).
/// @dev Not isolated: forge 1.7.1 runs isolated calls at tx.gasprice 0 whatever `vm.txGasPrice` says
/// (foundry-rs/foundry#7277, #11564), and the registry bills gas at min(tx.gasprice, fastGas x 5), so an
/// isolated charge would have no gas part. Instead, every account the transmit touches is made cold
/// (`vm.cool`) just before it, so the perform pays cold access as a transaction of its own would.
///
/// The charges of the bar test are also billing vectors (`test/vectors/billing-fleet.json`), which
/// the Rust fee model reproduces to the wei; regenerate with
///     BILLING_VECTORS_WRITE=true forge test --match-path test/gas/AutomationCharges.t.sol
contract AutomationChargesTest is BillingRecorder, FleetFixture {
    string internal constant VECTORS = "test/vectors/billing-fleet.json";
    uint32 internal constant BALANCER_GAS_LIMIT = 500_000;
    uint32 internal constant MANAGER_GAS_LIMIT = 5_000_000;
    uint96 internal constant FUNDING = 100 ether;

    address internal admin = makeAddr("upkeep-admin");

    function setUp() public override(BillingRecorder, BalancerFixture) {
        BalancerFixture.setUp(); // sets the clock first: the registry's feeds are posted after it
        BillingRecorder.setUp();
    }

    function _managerConfig() internal pure override returns (IUpkeepManager.Config memory) {
        return IUpkeepManager.Config({
            performGasReserve: 60_000,
            checkGasReserve: 300_000,
            roundGasBudget: 4_800_000,
            maxPerRound: 64,
            memberCheckGas: 400_000,
            failureBackoff: 100
        });
    }

    /// @notice The three ways to automate the same ten rebalances, each from the same fresh state.
    /// Bars: the manager costs at most half the standalone charge and at most 3/4 of the shared report.
    /// forge-config: default.isolate = false
    function test_charges_managerBeatsStandaloneAndSharedReport() public {
        _demoAssets();
        uint256 snap = vm.snapshotState();
        (uint256 standalone, string[] memory v1) = _standaloneCharge();
        vm.revertToState(snap);
        (uint256 report, string[] memory v2) = _reportCharge(10);
        report /= 10;
        vm.revertToState(snap);
        (uint256 managed, string[] memory v3) = _managerCharge(10, "manager k10");
        managed /= 10;
        vm.snapshotValue("charge standalone per rebalance", standalone);
        vm.snapshotValue("charge report k10 per rebalance", report);
        vm.snapshotValue("charge manager k10 per rebalance", managed);
        assertLe(managed * 2, standalone, "manager <= 0.5 x standalone");
        assertLe(managed * 4, report * 3, "manager <= 0.75 x report");
        _vectorsFile(VECTORS, _concat(_concat(v1, v2), v3));
    }

    /// @notice The per-balancer charge as the fleet grows: it falls while one round holds the whole
    /// fleet, and stops falling once the perform gas limit splits the fleet over several rounds.
    /// forge-config: default.isolate = false
    function test_charge_managerPerRebalanceByFleetSize() public {
        uint256[9] memory ks = [uint256(1), 2, 5, 10, 20, 30, 32, 40, 64];
        uint256[9] memory per;
        for (uint256 t; t < ks.length; ++t) {
            uint256 k = ks[t];
            uint256 snap = vm.snapshotState();
            (uint256 charged,) = _managerCharge(k, "");
            vm.revertToStateAndDelete(snap);
            per[t] = charged / k;
            vm.snapshotValue(string.concat("charge manager k", vm.toString(k), " per rebalance"), per[t]);
        }
        // While one round holds the fleet (k <= 30) every member added lowers the charge per
        // rebalance; at 32 the round splits in two and it rises.
        for (uint256 t = 1; t < 6; ++t) {
            assertLt(per[t], per[t - 1], string.concat("falls up to k ", vm.toString(ks[t])));
        }
        assertGt(per[6], per[5], "rises when the fleet no longer fits one round (k 32)");
    }

    /* ------------------------------------------------------------- HELPERS --- */

    /// @dev One balancer as its own upkeep, one global rebalance.
    function _standaloneCharge() internal returns (uint256, string[] memory) {
        uint256[] memory ids = new uint256[](1);
        ids[0] = _register(address(_standalone()));
        _driftAll();
        return _chargedRound(ids, "standalone balancer, global rebalance");
    }

    /// @dev k balancers as k upkeeps, performed in one report.
    function _reportCharge(uint256 k) internal returns (uint256, string[] memory) {
        uint256[] memory ids = new uint256[](k);
        for (uint256 i; i < k; ++i) {
            ids[i] = _register(address(_standalone()));
        }
        _driftAll();
        return _chargedRound(ids, string.concat(vm.toString(k), " balancers in one report"));
    }

    /// @dev k balancers behind a manager registered as one upkeep; every round the DON performs until
    /// the fleet is done. Returns the total charged and, when `name` is set, the rounds' vectors.
    function _managerCharge(uint256 k, string memory name)
        internal
        returns (uint256 charged, string[] memory lines)
    {
        _fleet(k);
        uint256 id = _registerManager();
        _driftAll();
        uint32[] memory before = _epochs();
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        for (uint256 rounds; rounds < 10; ++rounds) {
            (bool needed,) = _checkUpkeep(id);
            if (!needed) break;
            (uint256 c, string[] memory v) =
                _chargedRound(ids, string.concat(name, ", round ", vm.toString(rounds + 1)));
            charged += c;
            if (bytes(name).length != 0) lines = _concat(lines, v);
        }
        uint32[] memory afterwards = _epochs();
        for (uint256 i; i < k; ++i) {
            assertEq(afterwards[i], before[i] + 1, "every balancer rebalanced once");
        }
    }

    function _standalone() internal returns (IBalancer b) {
        b = _create(IBalancerFactory.Kind.Drift, 0x3, _init(_targets4()));
        _fundAtTargets(b, address(this), 100_000);
        fleet.push(b);
    }

    function _register(address balancer) internal returns (uint256 id) {
        id = _registerUpkeep(balancer, BALANCER_GAS_LIMIT, address(link), FUNDING, admin);
        IBalancer(balancer).setForwarder(registry.getForwarder(id));
    }

    function _registerManager() internal returns (uint256 id) {
        id = _registerUpkeep(address(manager), MANAGER_GAS_LIMIT, address(link), FUNDING, admin);
        manager.setForwarder(registry.getForwarder(id));
    }

    /// @dev One DON round over `ids` (each must need a perform; BillingRecorder's round, with every
    /// touched account made cold just before the transmit). Returns the LINK charged and, when
    /// `name` is set, the round's billing vectors.
    function _chargedRound(uint256[] memory ids, string memory name)
        internal
        returns (uint256 charged, string[] memory lines)
    {
        Round memory r = _round(ids);
        for (uint256 i; i < r.performed.length; ++i) {
            charged += r.performed[i].totalPayment;
        }
        if (bytes(name).length != 0) lines = _performVectors(r, name, name);
    }

    function _beforeTransmit(uint256[] memory ids) internal override {
        _coolEverything(ids);
    }

    function _concat(string[] memory a, string[] memory b) internal pure returns (string[] memory out) {
        out = new string[](a.length + b.length);
        for (uint256 i; i < a.length; ++i) {
            out[i] = a[i];
        }
        for (uint256 i; i < b.length; ++i) {
            out[a.length + i] = b[i];
        }
    }

    function _source(string memory scenario) internal pure override returns (string memory) {
        return string.concat(
            "registry-written: test/gas/AutomationCharges.t.sol, test_charges_managerBeatsStandaloneAndSharedReport, ",
            scenario,
            " (real AutomationRegistry2_3 transmit, every touched account cold)"
        );
    }

    function _coolEverything(uint256[] memory ids) internal {
        vm.cool(address(registry));
        vm.cool(chainModule);
        vm.cool(address(link));
        vm.cool(address(linkUsdFeed));
        vm.cool(address(nativeUsdFeed));
        vm.cool(address(fastGasFeed));
        vm.cool(address(manager));
        for (uint256 i; i < ids.length; ++i) {
            vm.cool(registry.getForwarder(ids[i]));
        }
        for (uint256 i; i < feeds.length; ++i) {
            vm.cool(address(feeds[i]));
        }
        for (uint256 i; i < fleet.length; ++i) {
            vm.cool(address(fleet[i]));
        }
        vm.cool(factory.driftImplementation());
    }
}
