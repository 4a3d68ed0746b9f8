// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAutomationRegistryBilling2_3, IOptimismModuleV2} from "../utils/BillingInterfaces.sol";
import {BillingRecorder} from "../utils/BillingRecorder.sol";
import {IAutomationRegistry2_3} from "../utils/ChainlinkInterfaces.sol";
import {TestERC20} from "../utils/TestERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title The registry -> Rust billing vectors (`test/vectors/billing.json`).
/// @notice Every vector is a charge the real AutomationRegistry2_3 made (UpkeepPerformed +
/// UpkeepCharged of a real transmit) or a minimum balance it returned (getMinBalance), with every
/// input of the 2.3 formula as the registry used it; `src/model/fees` must reproduce each to the wei
/// (`cargo test --lib model::fees`). `test_vectors_matchCommittedFile` regenerates them all and
/// compares them, line by line, with the committed file: a registry, stack or gas change fails here
/// with the vector's name and both lines. To accept a change, regenerate and commit the file:
///     BILLING_VECTORS_WRITE=true forge test --match-path test/integration/BillingVectors.t.sol
/// The file is one JSON array, one vector per line (see `BillingJson`).
/// @dev Every scenario runs inside this one non-isolated test, that is one transaction: storage an
/// earlier round wrote is warm and already dirty, so a repeated perform of the same upkeep measures
/// less gas (1,356 instead of 45,256) than a transaction of its own would. The vectors are exact
/// charges for the gas the registry measured, not gas benchmarks (RealStack.t.sol's isolated
/// snapshots are those).
contract BillingVectorsTest is BillingRecorder {
    using Strings for uint256;

    string internal constant PATH = "test/vectors/billing.json";
    uint32 internal constant GAS_LIMIT = 2_000_000;
    uint32 internal constant SMALL_GAS_LIMIT = 500_000;

    /*//////////////////////////////////////////////////////////////
                              THE FILE
    //////////////////////////////////////////////////////////////*/

    /// @dev Not isolated, so that the registry sees the tx.gasprice each scenario sets (see
    /// BillingRecorder). Each scenario starts from the same freshly set-up stack.
    /// forge-config: default.isolate = false
    function test_vectors_matchCommittedFile() public {
        _vectorsFile(PATH, _allVectors());
    }

    function _allVectors() internal returns (string[] memory all) {
        uint256 fresh = vm.snapshotState();
        all = _next(all, _gasPrices(), fresh);
        all = _next(all, _fastGasFeed(), fresh);
        all = _next(all, _wethBilling(), fresh);
        all = _next(all, _usdPrices(), fresh);
        all = _next(all, _reportSizes(), fresh);
        all = _next(all, _staleFeeds(), fresh);
        all = _next(all, _sixDecimalToken(), fresh);
        all = _next(all, _billingOverrides(), fresh);
        all = _next(all, _opStack(), fresh);
        all = _next(all, _minBalances(), fresh);
    }

    /// @dev Appends `more` (a scenario's vectors, computed before this call) and restores the stack.
    function _next(string[] memory all, string[] memory more, uint256 fresh)
        internal
        returns (string[] memory)
    {
        vm.revertToState(fresh);
        return _cat(all, more);
    }

    /*//////////////////////////////////////////////////////////////
                               SCENARIOS
    //////////////////////////////////////////////////////////////*/

    /// @notice One LINK upkeep at tx gas prices below, at and above the ceiling (fast gas 1 gwei x 5),
    /// and at 0 (only the flat fee is left).
    function _gasPrices() internal returns (string[] memory out) {
        uint256 id = _linkBurner(0, 32, GAS_LIMIT);
        uint256[6] memory prices = [uint256(0.005 gwei), 1 gwei, 3 gwei, 5 gwei, 12 gwei, 0];
        string[6] memory labels = [
            "0.005 gwei",
            "1 gwei",
            "3 gwei",
            "5 gwei, the ceiling",
            "12 gwei, above the ceiling (billed 5 gwei)",
            "0 (only the flat fee)"
        ];
        for (uint256 i = 0; i < prices.length; ++i) {
            vm.txGasPrice(prices[i]);
            string memory name = string.concat("LINK, fast gas 1 gwei x 5, tx.gasprice ", labels[i]);
            out = _cat(out, _performVectors(_round(id), name, "_gasPrices"));
        }
    }

    /// @notice The fast gas feed moves the ceiling: 0.01 gwei (Base-like) and 30 gwei.
    function _fastGasFeed() internal returns (string[] memory out) {
        uint256 id = _linkBurner(0, 32, GAS_LIMIT);
        _setFeeds(LINK_USD, NATIVE_USD, 0.01 gwei);
        vm.txGasPrice(0.005 gwei);
        out = _cat(
            out,
            _performVectors(
                _round(id), "LINK, fast gas 0.01 gwei x 5, tx.gasprice 0.005 gwei", "_fastGasFeed"
            )
        );
        vm.txGasPrice(1 gwei);
        out = _cat(
            out,
            _performVectors(
                _round(id),
                "LINK, fast gas 0.01 gwei x 5, tx.gasprice 1 gwei (billed 0.05 gwei)",
                "_fastGasFeed"
            )
        );
        _setFeeds(LINK_USD, NATIVE_USD, 30 gwei);
        vm.txGasPrice(40 gwei);
        out = _cat(
            out,
            _performVectors(_round(id), "LINK, fast gas 30 gwei x 5, tx.gasprice 40 gwei", "_fastGasFeed")
        );
        vm.txGasPrice(200 gwei);
        out = _cat(
            out,
            _performVectors(
                _round(id),
                "LINK, fast gas 30 gwei x 5, tx.gasprice 200 gwei (billed 150 gwei)",
                "_fastGasFeed"
            )
        );
    }

    /// @notice Billing in wrapped native: the gas part is exactly gasWei x (gasUsed + overhead).
    function _wethBilling() internal returns (string[] memory out) {
        uint256 id = _wethBurner(0, GAS_LIMIT);
        uint256[3] memory prices = [uint256(1 gwei), 0.005 gwei, 12 gwei];
        string[3] memory labels = ["1 gwei", "0.005 gwei", "12 gwei (billed 5 gwei)"];
        for (uint256 i = 0; i < prices.length; ++i) {
            vm.txGasPrice(prices[i]);
            string memory name = string.concat("WETH, fast gas 1 gwei x 5, tx.gasprice ", labels[i]);
            out = _cat(out, _performVectors(_round(id), name, "_wethBilling"));
        }
    }

    /// @notice LINK/USD and native/USD at awkward prices, a LINK and a WETH upkeep in one report.
    function _usdPrices() internal returns (string[] memory out) {
        uint256 l = _linkBurner(0, 32, GAS_LIMIT);
        uint256 w = _wethBurner(0, GAS_LIMIT);
        int256[3] memory linkUsd = [int256(1_357_913_579), 700_000_001, 3_512_345_678];
        int256[3] memory nativeUsd = [int256(246_813_579_000), 100_000_000_001, 301_298_765_432];
        string[3] memory labels = [
            "LINK $13.57913579, native $2,468.13579",
            "LINK $7.00000001, native $1,000.00000001",
            "LINK $35.12345678, native $3,012.98765432"
        ];
        vm.txGasPrice(1 gwei);
        for (uint256 i = 0; i < labels.length; ++i) {
            _setFeeds(linkUsd[i], nativeUsd[i], FAST_GAS_WEI);
            string memory name = string.concat(labels[i], ", LINK and WETH upkeeps in one report");
            out = _cat(out, _performVectors(_round(l, w), name, "_usdPrices"));
        }
    }

    /// @notice Different perform gas (keccak rounds) alone, two and ten upkeeps in one report: the
    /// transmit's overhead is shared.
    function _reportSizes() internal returns (string[] memory out) {
        vm.txGasPrice(1 gwei);
        uint256[3] memory rounds = [uint256(0), 1000, 10_000];
        for (uint256 i = 0; i < rounds.length; ++i) {
            string memory name =
                string.concat("LINK, ", rounds[i].toString(), " keccak rounds, alone in its report");
            out = _cat(
                out, _performVectors(_round(_linkBurner(rounds[i], 32, GAS_LIMIT)), name, "_reportSizes")
            );
        }
        uint256[] memory two = new uint256[](2);
        two[0] = _linkBurner(0, 32, GAS_LIMIT);
        two[1] = _linkBurner(1000, 32, GAS_LIMIT);
        out = _cat(
            out,
            _performVectors(_round(two), "LINK, 0 and 1000 keccak rounds, two in one report", "_reportSizes")
        );
        uint256[] memory ten = new uint256[](10);
        for (uint256 i = 0; i < ten.length; ++i) {
            ten[i] = _linkBurner(300 * i, 32, GAS_LIMIT);
        }
        out = _cat(
            out,
            _performVectors(_round(ten), "LINK, 0 to 2700 keccak rounds, ten in one report", "_reportSizes")
        );
    }

    /// @notice Feeds older than stalenessSeconds: the registry bills at its fallback prices (gas 20 gwei,
    /// LINK $20, native $4,000), here different from the feeds' last answers; then native alone stale.
    function _staleFeeds() internal returns (string[] memory out) {
        uint256 l = _linkBurner(0, 32, SMALL_GAS_LIMIT);
        uint256 w = _wethBurner(0, SMALL_GAS_LIMIT);
        _setFeeds(15e8, 3000e8, 2 gwei);
        vm.warp(block.timestamp + STALENESS_SECONDS + 1);

        vm.txGasPrice(1 gwei);
        Round memory r = _round(l);
        assertEq(r.report.fastGasWei, FALLBACK_GAS_PRICE, "DON reports the fallback gas price");
        assertEq(r.receipts[0].linkUSD, FALLBACK_LINK_PRICE);
        assertEq(r.receipts[0].nativeUSD, FALLBACK_NATIVE_PRICE);
        out = _cat(
            out,
            _performVectors(
                r,
                "all feeds stale (fallback gas 20 gwei, LINK $20, native $4,000), LINK, tx.gasprice 1 gwei",
                "_staleFeeds"
            )
        );
        vm.txGasPrice(150 gwei);
        r = _round(w);
        assertEq(r.receipts[0].billingUSD, FALLBACK_NATIVE_PRICE, "WETH priced at its fallback");
        out = _cat(
            out,
            _performVectors(
                r, "all feeds stale, WETH, tx.gasprice 150 gwei (billed 20 gwei x 5)", "_staleFeeds"
            )
        );
        out = _push(
            out,
            _minBalanceVector(l, "all feeds stale: min balance, conditional, LINK, 500k gas", "_staleFeeds")
        );
        out = _push(
            out,
            _minBalanceVector(w, "all feeds stale: min balance, conditional, WETH, 500k gas", "_staleFeeds")
        );

        linkUsdFeed.updateAnswer(15e8);
        fastGasFeed.updateAnswer(2 gwei);
        vm.txGasPrice(1 gwei);
        r = _round(l, w);
        assertEq(r.receipts[0].linkUSD, 15e8);
        assertEq(r.receipts[0].nativeUSD, FALLBACK_NATIVE_PRICE);
        out = _cat(
            out,
            _performVectors(
                r,
                "native feed stale only (LINK $15, fast gas 2 gwei fresh), LINK and WETH in one report",
                "_staleFeeds"
            )
        );
    }

    /// @notice A 6-decimal USD stablecoin as billing token: both parts round up in its units.
    function _sixDecimalToken() internal returns (string[] memory out) {
        TestERC20 usdc = _addUsdc();
        uint256 id = _ownerRegistered(CONDITION_TRIGGER, address(usdc), SMALL_GAS_LIMIT, 1000e6);
        vm.txGasPrice(0.3 gwei);
        out = _cat(
            out,
            _performVectors(
                _round(id), "6-decimal token at $0.99985, tx.gasprice 0.3 gwei", "_sixDecimalToken"
            )
        );
        vm.txGasPrice(0);
        out = _cat(
            out,
            _performVectors(
                _round(id),
                "6-decimal token at $0.99985, tx.gasprice 0 (only the flat fee)",
                "_sixDecimalToken"
            )
        );
        out = _push(
            out,
            _minBalanceVector(id, "min balance, conditional, 6-decimal token, 500k gas", "_sixDecimalToken")
        );
    }

    /// @notice Per-upkeep billing overrides (set by the privilege manager): no premium or flat fee at all
    /// (issue 5's figures were the gas charge alone), and 20 % with a $0.01 flat fee.
    function _billingOverrides() internal returns (string[] memory out) {
        uint256 a = _linkBurner(0, 32, SMALL_GAS_LIMIT);
        uint256 b = _linkBurner(1000, 32, SMALL_GAS_LIMIT);
        vm.startPrank(privilegeManager);
        billing.setBillingOverrides(a, IAutomationRegistryBilling2_3.BillingOverrides(0, 0));
        billing.setBillingOverrides(b, IAutomationRegistryBilling2_3.BillingOverrides(200_000_000, 1000));
        vm.stopPrank();
        vm.txGasPrice(1 gwei);
        Round memory r = _round(a);
        assertEq(r.receipts[0].premiumInBillingToken, 0, "no premium");
        out = _cat(
            out, _performVectors(r, "override 0 % and no flat fee: the gas charge alone", "_billingOverrides")
        );
        out = _cat(
            out,
            _performVectors(
                _round(a, b), "overrides 0 % / $0 and 20 % / $0.01, two in one report", "_billingOverrides"
            )
        );
        out = _push(
            out,
            _minBalanceVector(
                b, "min balance with override 20 % / $0.01, LINK, 500k gas", "_billingOverrides"
            )
        );
    }

    /// @notice Base as an OP-stack chain: OptimismModuleV2 over the real Fjord GasPriceOracle, L1 base fee
    /// 10 gwei, blob base fee 1 gwei, Base's scalars; the L1 fee is split by calldata weight.
    function _opStack() internal returns (string[] memory out) {
        _setFeeds(LINK_USD, NATIVE_USD, 0.01 gwei);
        IOptimismModuleV2 module = _becomeOpStack(10 gwei, 1 gwei, 2269, 1_055_762, 100);
        uint256 a = _linkBurner(0, 32, SMALL_GAS_LIMIT);
        uint256 b = _linkBurner(0, 1000, SMALL_GAS_LIMIT);
        vm.txGasPrice(0.005 gwei);
        out = _cat(
            out,
            _performVectors(
                _round(a), "OP stack (Fjord L1 fee, coefficient 100 %), LINK, one upkeep", "_opStack"
            )
        );
        module.setL1FeeCalculation(80);
        out = _cat(
            out,
            _performVectors(
                _round(a, b),
                "OP stack, coefficient 80 %: L1 fee split by performData (32 and 1,000 bytes)",
                "_opStack"
            )
        );
        out = _push(
            out,
            _minBalanceVector(
                a, "OP stack: min balance, conditional, LINK, 500k gas, max L1 fee x 5", "_opStack"
            )
        );
    }

    /// @notice Minimum balances on the Base config, then with f = 2 (seven nodes), an Ethereum-like
    /// ceiling multiplier 2 and 5,000-byte performData; and one perform signed by three nodes.
    function _minBalances() internal returns (string[] memory out) {
        uint256 c = _linkBurner(0, 32, SMALL_GAS_LIMIT);
        uint256 w = _wethBurner(0, SMALL_GAS_LIMIT);
        uint256 logId = _ownerRegistered(LOG_TRIGGER, address(link), 200_000, 0);
        uint256 big = _linkBurner(0, 32, MAX_PERFORM_GAS);
        out = _push(
            out, _minBalanceVector(c, "min balance, conditional, LINK, 500k gas, Base config", "_minBalances")
        );
        out = _push(
            out, _minBalanceVector(w, "min balance, conditional, WETH, 500k gas, Base config", "_minBalances")
        );
        out = _push(
            out,
            _minBalanceVector(logId, "min balance, log trigger, LINK, 200k gas, Base config", "_minBalances")
        );
        out = _push(
            out,
            _minBalanceVector(big, "min balance, conditional, LINK, 5M gas (max perform gas)", "_minBalances")
        );

        _setFeeds(1_850_000_000, 350_050_000_000, 2 gwei);
        IAutomationRegistry2_3.OnchainConfig memory cfg = billing.getConfig();
        cfg.gasCeilingMultiplier = 2;
        cfg.maxPerformDataSize = 5000;
        _reconfigure(2, cfg);
        out = _push(
            out,
            _minBalanceVector(
                logId,
                "f = 2, multiplier 2, 5,000-byte performData: min balance, log trigger, LINK, 200k gas",
                "_minBalances"
            )
        );
        out = _push(
            out,
            _minBalanceVector(
                w,
                "f = 2, multiplier 2, 5,000-byte performData: min balance, conditional, WETH, 500k gas",
                "_minBalances"
            )
        );
        vm.txGasPrice(5 gwei);
        out = _cat(
            out,
            _performVectors(
                _round(c),
                "f = 2 (three signatures), fast gas 2 gwei x 2, tx.gasprice 5 gwei (billed 4 gwei)",
                "_minBalances"
            )
        );
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _cat(string[] memory a, string[] memory b) internal pure returns (string[] memory out) {
        out = new string[](a.length + b.length);
        for (uint256 i = 0; i < a.length; ++i) {
            out[i] = a[i];
        }
        for (uint256 i = 0; i < b.length; ++i) {
            out[a.length + i] = b[i];
        }
    }

    function _push(string[] memory a, string memory line) internal pure returns (string[] memory) {
        string[] memory one = new string[](1);
        one[0] = line;
        return _cat(a, one);
    }
}
