// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AutomationStack} from "./AutomationStack.sol";
import {
    IAutomationRegistryBilling2_3,
    IChainModule,
    IGasPriceOracle,
    IL1Block,
    IOptimismModuleV2
} from "./BillingInterfaces.sol";
import {BillingJson} from "./BillingJson.sol";
import {IAutomationRegistry2_3, IMockV3Aggregator} from "./ChainlinkInterfaces.sol";
import {GasBurnerUpkeep} from "./GasBurnerUpkeep.sol";
import {TestERC20} from "./TestERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title BillingRecorder
/// @notice The real registry 2.3 (AutomationStack) with the knobs the billing vectors turn (feeds,
/// gas price, f, gas ceiling multiplier, billing overrides, a 6-decimal billing token, an OP-stack
/// chain module with a Fjord L1 oracle), a DON round that reports the prices the registry's own
/// checkUpkeep returned, and the conversion of what the registry charged into `BillingJson` vectors.
/// @dev Performs must run in a non-isolated test (inline config `isolate = false`, as in
/// RealStack.t.sol): only then does the registry see the tx.gasprice `vm.txGasPrice` sets
/// (AutomationStack, TX_GAS_PRICE).
abstract contract BillingRecorder is AutomationStack {
    using Strings for uint256;

    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice The registry's checkUpkeep said the upkeep needs no perform.
    error UpkeepNotNeeded(uint256 id, IAutomationRegistry2_3.UpkeepFailureReason reason);
    /// @notice An upkeep's balance fell below its charge: the registry clipped the payment, which the
    /// vectors (and the Rust model) do not describe. Fund it more.
    error PaymentClipped(uint256 id);

    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice One transmitted report and what the registry logged for it.
    struct Round {
        uint256[] ids;
        bytes[] performDatas;
        Report report;
        uint256 msgDataLength;
        Performed[] performed;
        IAutomationRegistry2_3.PaymentReceipt[] receipts;
    }

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev AutomationRegistryBase2_3 constants the overhead split and the L1 weights are built from.
    uint256 internal constant ACCOUNTING_FIXED_GAS_OVERHEAD = 51_000;
    uint256 internal constant ACCOUNTING_PER_UPKEEP_GAS_OVERHEAD = 14_900;
    uint256 internal constant TRANSMIT_CALLDATA_FIXED_BYTES_OVERHEAD = 932;
    uint256 internal constant TRANSMIT_CALLDATA_PER_SIGNER_BYTES_OVERHEAD = 64;

    /// @dev OP-stack predeploys (contracts-bedrock Predeploys/Constants).
    address internal constant GAS_PRICE_ORACLE = 0x420000000000000000000000000000000000000F;
    address internal constant L1_BLOCK = 0x4200000000000000000000000000000000000015;
    address internal constant DEPOSITOR = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    IAutomationRegistryBilling2_3 internal billing;
    /// @notice OCR f the registry is configured with now (AutomationStack starts at F).
    uint8 internal currentF;
    address internal upkeepAdmin;

    function setUp() public virtual override {
        super.setUp();
        billing = IAutomationRegistryBilling2_3(address(registry));
        currentF = F;
        upkeepAdmin = makeAddr("billing-upkeep-admin");
    }

    /*//////////////////////////////////////////////////////////////
                               UPKEEPS
    //////////////////////////////////////////////////////////////*/

    /// @notice A conditional GasBurnerUpkeep billed in LINK (registered through the registrar, 100 LINK).
    function _linkBurner(uint256 rounds, uint256 performDataLength, uint32 gasLimit)
        internal
        returns (uint256)
    {
        address target = address(new GasBurnerUpkeep(rounds, performDataLength));
        return _registerUpkeep(target, gasLimit, address(link), 100 ether, upkeepAdmin);
    }

    /// @notice A conditional GasBurnerUpkeep billed in WETH, paid 2 ETH through the registrar.
    function _wethBurner(uint256 rounds, uint32 gasLimit) internal returns (uint256) {
        address target = address(new GasBurnerUpkeep(rounds, 32));
        return _registerUpkeepPayingNative(target, gasLimit, 2 ether, upkeepAdmin);
    }

    /// @notice A GasBurnerUpkeep registered by the owner (any trigger type), funded with `amount` of
    /// `token` minted by `mint(address,uint256)`: TestERC20 or LINK, not WETH.
    function _ownerRegistered(uint8 triggerType, address token, uint32 gasLimit, uint256 amount)
        internal
        returns (uint256 id)
    {
        address target = address(new GasBurnerUpkeep(0, 32));
        id = billing.registerUpkeep(target, gasLimit, upkeepAdmin, triggerType, token, "", "", "");
        if (amount > 0) {
            TestERC20(token).mint(address(this), amount);
            TestERC20(token).approve(address(registry), amount);
            registry.addFunds(id, uint96(amount));
        }
    }

    /*//////////////////////////////////////////////////////////////
                          NETWORK AND REGISTRY
    //////////////////////////////////////////////////////////////*/

    /// @notice Posts new feed answers (8 decimals for USD, wei for fast gas), stamped now.
    function _setFeeds(int256 linkUsd, int256 nativeUsd, int256 fastGasWei) internal {
        linkUsdFeed.updateAnswer(linkUsd);
        nativeUsdFeed.updateAnswer(nativeUsd);
        fastGasFeed.updateAnswer(fastGasWei);
    }

    /// @notice setConfigTypeSafe with the current signers, billing tokens and on-chain config, except
    /// for what `cfg` changes and OCR `f` (adding DON nodes to reach 3f + 1).
    function _reconfigure(uint8 f, IAutomationRegistry2_3.OnchainConfig memory cfg) internal {
        _reconfigure(f, cfg, address(0), IAutomationRegistry2_3.BillingConfig(0, 0, address(0), 0, 0, 0));
    }

    /// @notice As above, also adding `newToken` with `newConfig` as a billing token (if nonzero).
    function _reconfigure(
        uint8 f,
        IAutomationRegistry2_3.OnchainConfig memory cfg,
        address newToken,
        IAutomationRegistry2_3.BillingConfig memory newConfig
    ) internal {
        uint256 nodes = 3 * uint256(f) + 1;
        for (uint256 i = signers.length; i < nodes; ++i) {
            (address signer, uint256 key) = makeAddrAndKey(string.concat("don-signer-", vm.toString(i)));
            signers.push(signer);
            signerKeys.push(key);
            transmitters.push(makeAddr(string.concat("don-transmitter-", vm.toString(i))));
        }
        address[] memory s = new address[](nodes);
        address[] memory t = new address[](nodes);
        for (uint256 i = 0; i < nodes; ++i) {
            (s[i], t[i]) = (signers[i], transmitters[i]);
        }
        address[] memory current = billing.getBillingTokens();
        uint256 n = current.length + (newToken == address(0) ? 0 : 1);
        address[] memory tokens = new address[](n);
        IAutomationRegistry2_3.BillingConfig[] memory configs = new IAutomationRegistry2_3.BillingConfig[](n);
        for (uint256 i = 0; i < current.length; ++i) {
            tokens[i] = current[i];
            configs[i] = registry.getBillingTokenConfig(current[i]);
        }
        if (newToken != address(0)) (tokens[n - 1], configs[n - 1]) = (newToken, newConfig);
        registry.setConfigTypeSafe(s, t, f, cfg, OFFCHAIN_CONFIG_VERSION, "", tokens, configs);
        currentF = f;
    }

    /// @notice Adds a 6-decimal USD stablecoin (and its $0.99985 feed) as a third billing token, fees as
    /// for LINK; returns it.
    function _addUsdc() internal returns (TestERC20 usdc) {
        usdc = new TestERC20("USD Coin Test", "tUSDC", 6);
        address feed =
            _deployArtifact("MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(8, int256(99_985_000)));
        _reconfigure(
            currentF,
            billing.getConfig(),
            address(usdc),
            IAutomationRegistry2_3.BillingConfig({
                gasFeePPB: GAS_FEE_PPB,
                flatFeeMilliCents: FLAT_FEE_MILLI_CENTS,
                priceFeed: feed,
                decimals: 6,
                fallbackPrice: 1e8,
                minSpend: 2e6
            })
        );
    }

    /// @notice Makes this chain an OP-stack chain in the registry's eyes: the real GasPriceOracle
    /// (Fjord) and L1Block code at their predeploy addresses, L1 attributes posted by the depositor
    /// account, and OptimismModuleV2 (L1 fee coefficient `coefficient` %) as the chain module.
    function _becomeOpStack(
        uint256 l1BaseFee,
        uint256 blobBaseFee,
        uint32 baseFeeScalar,
        uint32 blobBaseFeeScalar,
        uint8 coefficient
    ) internal returns (IOptimismModuleV2 module) {
        vm.etch(L1_BLOCK, _runtimeCode("L1Block.sol", "L1Block"));
        vm.etch(GAS_PRICE_ORACLE, _runtimeCode("GasPriceOracle.sol", "GasPriceOracle"));
        // setL1BlockValuesEcotone reads packed calldata: baseFeeScalar, blobBaseFeeScalar (uint32),
        // sequenceNumber, timestamp, number (uint64), basefee, blobBaseFee (uint256), hash, batcherHash.
        bytes memory attributes = abi.encodePacked(
            IL1Block.setL1BlockValuesEcotone.selector,
            baseFeeScalar,
            blobBaseFeeScalar,
            uint64(1),
            uint64(block.timestamp),
            uint64(20_000_000),
            l1BaseFee,
            blobBaseFee,
            bytes32(0),
            bytes32(0)
        );
        vm.startPrank(DEPOSITOR);
        (bool ok,) = L1_BLOCK.call(attributes);
        assertTrue(ok, "L1Block.setL1BlockValuesEcotone");
        IGasPriceOracle(GAS_PRICE_ORACLE).setEcotone();
        IGasPriceOracle(GAS_PRICE_ORACLE).setFjord();
        vm.stopPrank();
        assertTrue(IGasPriceOracle(GAS_PRICE_ORACLE).isFjord());

        module = IOptimismModuleV2(_deployArtifact("OptimismModuleV2.sol", "OptimismModuleV2", ""));
        module.setL1FeeCalculation(coefficient);
        IAutomationRegistry2_3.OnchainConfig memory cfg = billing.getConfig();
        cfg.chainModule = address(module);
        _reconfigure(currentF, cfg);
    }

    /*//////////////////////////////////////////////////////////////
                               DON ROUND
    //////////////////////////////////////////////////////////////*/

    /// @notice One DON round in the next block: the registry's checkUpkeep for every id (each must be
    /// needed), one report with the performData, fast gas and LINK/USD those checks returned (fallback
    /// prices included, as a real DON reports them), signed by f + 1 nodes and transmitted at the
    /// current tx.gasprice. Returns what the registry logged.
    function _round(uint256[] memory ids) internal returns (Round memory r) {
        vm.roll(block.number + 1);
        r.ids = ids;
        r.performDatas = new bytes[](ids.length);
        CheckResult memory c;
        for (uint256 i = 0; i < ids.length; ++i) {
            c = _checkUpkeepDetailed(ids[i]);
            if (!c.needed) revert UpkeepNotNeeded(ids[i], c.failureReason);
            r.performDatas[i] = c.performData;
        }
        r.report = _report(ids, r.performDatas);
        r.report.fastGasWei = c.fastGasWei;
        r.report.linkUSD = c.linkUSD;
        SignedReport memory s = _signReport(r.report, currentF + 1);
        // What the registry requires of msg.data.length (AutomationRegistry2_3.transmit).
        r.msgDataLength = 324 + s.rawReport.length + 64 * s.rs.length;

        _beforeTransmit(ids);
        vm.recordLogs();
        vm.prank(transmitters[0]);
        registry.transmit(s.reportContext, s.rawReport, s.rs, s.ss, s.rawVs);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        r.performed = _performedEvents(logs);
        r.receipts = _chargedReceipts(logs);
        assertEq(r.performed.length, ids.length, "every upkeep performed");
        assertEq(r.receipts.length, ids.length, "every upkeep charged");
        for (uint256 i = 0; i < ids.length; ++i) {
            assertEq(r.performed[i].id, ids[i]);
            assertTrue(r.performed[i].success, "perform succeeded");
            if (registry.getBalance(ids[i]) == 0) revert PaymentClipped(ids[i]);
        }
    }

    /// @notice Runs between building the signed report and transmitting it (nothing by default).
    function _beforeTransmit(uint256[] memory ids) internal virtual {}

    function _round(uint256 id) internal returns (Round memory) {
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        return _round(ids);
    }

    function _round(uint256 a, uint256 b) internal returns (Round memory) {
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (a, b);
        return _round(ids);
    }

    /*//////////////////////////////////////////////////////////////
                          VECTORS FROM A ROUND
    //////////////////////////////////////////////////////////////*/

    /// @notice One perform vector per upkeep of `r`, named `name` (plus "upkeep i of n" when several),
    /// every input as the registry used it: gas and overhead from UpkeepPerformed, prices from the
    /// UpkeepCharged receipt, fast gas from the report, tx.gasprice, fees and decimals from the
    /// billing config (and the upkeep's overrides), the L1 share from the chain module.
    function _performVectors(Round memory r, string memory name, string memory scenario)
        internal
        view
        returns (string[] memory lines)
    {
        uint256 n = r.ids.length;
        lines = new string[](n);
        IAutomationRegistry2_3.OnchainConfig memory cfg = billing.getConfig();
        BillingJson.L1Split memory l1 = _l1Split(r, cfg.chainModule);
        uint256 l1Fee = IChainModule(cfg.chainModule).getCurrentL1Fee(r.msgDataLength);
        for (uint256 i = 0; i < n; ++i) {
            IAutomationRegistry2_3.PaymentReceipt memory receipt = r.receipts[i];
            BillingJson.Perform memory v;
            v.name =
                n == 1 ? name : string.concat(name, ", upkeep ", (i + 1).toString(), " of ", n.toString());
            v.source = _source(scenario);
            v.gasUsed = r.performed[i].gasUsed;
            v.gasOverhead = r.performed[i].gasOverhead;
            if (n == 1) v.split = _split(r);
            if (l1.present) {
                l1.performDataLength = r.performDatas[i].length;
                v.l1 = l1;
                v.l1CostWei = (l1Fee * _calldataWeight(r.performDatas[i].length)) / l1.totalCalldataWeight;
            } else {
                assertEq(l1Fee, 0, "no L1 fee off OP stack");
            }
            v.fastGasWei = r.report.fastGasWei;
            v.gasCeilingMultiplier = cfg.gasCeilingMultiplier;
            v.txGasPrice = tx.gasprice;
            v.linkUsd = receipt.linkUSD;
            v.nativeUsd = receipt.nativeUSD;
            v.token = _token(r.ids[i], receipt.billingToken, receipt.billingUSD);
            v.gasCharge = receipt.gasChargeInBillingToken;
            v.premium = receipt.premiumInBillingToken;
            v.total = r.performed[i].totalPayment;
            v.gasReimbursementJuels = receipt.gasReimbursementInJuels;
            v.premiumJuels = receipt.premiumInJuels;
            _checkPrices(v, r.report.linkUSD, receipt);
            lines[i] = BillingJson.perform(v);
        }
    }

    /// @notice getMinBalance(id) and everything `_getMaxPayment` read for it.
    function _minBalanceVector(uint256 id, string memory name, string memory scenario)
        internal
        view
        returns (string memory)
    {
        IAutomationRegistry2_3.OnchainConfig memory cfg = billing.getConfig();
        BillingJson.MinBalance memory v;
        v.name = name;
        v.source = _source(scenario);
        v.logTrigger = registry.getTriggerType(id) == LOG_TRIGGER;
        v.performGasLimit = registry.getUpkeep(id).performGas;
        v.f = currentF;
        v.maxPerformDataSize = cfg.maxPerformDataSize;
        (v.chainModuleFixedOverhead, v.chainModulePerByteOverhead) =
            IChainModule(cfg.chainModule).getGasOverhead();
        // maxCalldataSize as _getMaxPayment computes it.
        v.moduleMaxL1Fee = IChainModule(cfg.chainModule).getMaxL1Fee(_calldataWeight(cfg.maxPerformDataSize));
        v.fastGasWei = _registryPrice(fastGasFeed, cfg.fallbackGasPrice);
        v.gasCeilingMultiplier = cfg.gasCeilingMultiplier;
        v.linkUsd = _registryPrice(linkUsdFeed, cfg.fallbackLinkPrice);
        v.nativeUsd = _registryPrice(nativeUsdFeed, cfg.fallbackNativePrice);
        address token = registry.getBillingToken(id);
        IAutomationRegistry2_3.BillingConfig memory bc = registry.getBillingTokenConfig(token);
        v.token = _token(id, token, _registryPrice(IMockV3Aggregator(bc.priceFeed), bc.fallbackPrice));
        v.expectedMinBalance = registry.getMinBalance(id);
        assertEq(v.expectedMinBalance, billing.getMinBalanceForUpkeep(id));
        return BillingJson.minBalance(v);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev With one upkeep in the report the tally is exact: gasOverhead = tally + 16 msg.data.length
    /// + 51,000 + 14,900 (AutomationRegistry2_3._handleReport). With several, the registry's division
    /// by their number hides it, and forge's debug trace (which could read it) needs -vvv.
    function _split(Round memory r) internal pure returns (BillingJson.OverheadSplit memory s) {
        s.present = true;
        s.msgDataLength = r.msgDataLength;
        s.upkeepsInReport = 1;
        s.tallyGas = r.performed[0].gasOverhead - ACCOUNTING_PER_UPKEEP_GAS_OVERHEAD - 16 * r.msgDataLength
            - ACCOUNTING_FIXED_GAS_OVERHEAD;
    }

    /// @dev The L1 attributes and weights of an OP-stack round (`present` false on ChainModuleBase).
    function _l1Split(Round memory r, address module) internal view returns (BillingJson.L1Split memory l) {
        if (module == chainModule) return l;
        l.present = true;
        l.l1BaseFee = IL1Block(L1_BLOCK).basefee();
        l.blobBaseFee = IL1Block(L1_BLOCK).blobBaseFee();
        l.baseFeeScalar = IL1Block(L1_BLOCK).baseFeeScalar();
        l.blobBaseFeeScalar = IL1Block(L1_BLOCK).blobBaseFeeScalar();
        l.coefficientPercent = IOptimismModuleV2(module).getL1FeeCoefficient();
        l.msgDataLength = r.msgDataLength;
        l.f = currentF;
        for (uint256 i = 0; i < r.ids.length; ++i) {
            l.totalCalldataWeight += _calldataWeight(r.performDatas[i].length);
        }
    }

    /// @dev performData.length + 932 + 64 (f + 1): an upkeep's L1 weight, and maxCalldataSize.
    function _calldataWeight(uint256 performDataLength) internal view returns (uint256) {
        return performDataLength + TRANSMIT_CALLDATA_FIXED_BYTES_OVERHEAD
            + TRANSMIT_CALLDATA_PER_SIGNER_BYTES_OVERHEAD * (uint256(currentF) + 1);
    }

    /// @dev The billing token's fees as applied to upkeep `id` (its overrides, if enabled).
    function _token(uint256 id, address token, uint256 priceUsd)
        internal
        view
        returns (BillingJson.Token memory t)
    {
        IAutomationRegistry2_3.BillingConfig memory bc = registry.getBillingTokenConfig(token);
        t = BillingJson.Token({
            decimals: bc.decimals,
            gasFeePPB: bc.gasFeePPB,
            flatFeeMilliCents: bc.flatFeeMilliCents,
            priceUsd: priceUsd
        });
        if (billing.getBillingOverridesEnabled(id)) {
            IAutomationRegistryBilling2_3.BillingOverrides memory o = billing.getBillingOverrides(id);
            (t.gasFeePPB, t.flatFeeMilliCents) = (o.gasFeePPB, o.flatFeeMilliCents);
        }
    }

    /// @dev A feed's answer as the registry takes it: the fallback when the answer is not positive, from
    /// the future, or older than stalenessSeconds (AutomationRegistryBase2_3._getFeedData).
    function _registryPrice(IMockV3Aggregator feed, uint256 fallbackPrice) internal view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        uint256 staleness = billing.getConfig().stalenessSeconds;
        bool stale = answer <= 0 || block.timestamp < updatedAt
            || (staleness > 0 && staleness < block.timestamp - updatedAt);
        return stale ? fallbackPrice : uint256(answer);
    }

    /// @dev The prices in the receipt are the ones `_registryPrice` predicts (so min-balance vectors,
    /// which have no receipt, can use it), and LINK/USD is the report's.
    function _checkPrices(
        BillingJson.Perform memory v,
        uint256 reportLinkUsd,
        IAutomationRegistry2_3.PaymentReceipt memory receipt
    ) internal view {
        IAutomationRegistry2_3.OnchainConfig memory cfg = billing.getConfig();
        assertEq(v.linkUsd, reportLinkUsd, "receipt LINK/USD is the report's");
        assertEq(reportLinkUsd, _registryPrice(linkUsdFeed, cfg.fallbackLinkPrice), "LINK/USD");
        assertEq(v.fastGasWei, _registryPrice(fastGasFeed, cfg.fallbackGasPrice), "fast gas");
        assertEq(v.nativeUsd, _registryPrice(nativeUsdFeed, cfg.fallbackNativePrice), "native/USD");
        IAutomationRegistry2_3.BillingConfig memory bc = registry.getBillingTokenConfig(receipt.billingToken);
        assertEq(
            receipt.billingUSD, _registryPrice(IMockV3Aggregator(bc.priceFeed), bc.fallbackPrice), "token"
        );
    }

    /// @notice With BILLING_VECTORS_WRITE=true, writes `lines` to `path` as one JSON array, one vector
    /// per line; otherwise fails, naming the vector and showing both lines, unless the committed
    /// file holds exactly these lines.
    function _vectorsFile(string memory path, string[] memory lines) internal {
        bool write = vm.envOr("BILLING_VECTORS_WRITE", false);
        if (write) vm.writeFile(path, "[\n");
        else _expectLine(path, "[", "opening bracket");
        for (uint256 i = 0; i < lines.length; ++i) {
            string memory l = i + 1 < lines.length ? string.concat(lines[i], ",") : lines[i];
            if (write) vm.writeLine(path, l);
            else _expectLine(path, l, string.concat("vector ", i.toString()));
        }
        if (write) {
            vm.writeLine(path, "]");
        } else {
            _expectLine(path, "]", "closing bracket");
            assertEq(vm.readLine(path), "", string.concat(path, ": lines after the closing bracket"));
        }
        vm.closeFile(path);
    }

    function _expectLine(string memory path, string memory expected, string memory what) internal view {
        assertEq(
            vm.readLine(path),
            expected,
            string.concat(path, " differs from what the registry charges now at ", what)
        );
    }

    function _source(string memory scenario) internal pure virtual returns (string memory) {
        return string.concat(
            "registry-written: test/integration/BillingVectors.t.sol, test_vectors_matchCommittedFile, ",
            scenario,
            " (real AutomationRegistry2_3 transmit/getMinBalance on AutomationStack)"
        );
    }

    /// @dev A contract's runtime code from its artifact (etched at an OP predeploy address).
    function _runtimeCode(string memory file, string memory name) internal view returns (bytes memory) {
        string memory path = string.concat("out/", file, "/", name, ".json");
        if (!vm.exists(path)) revert ArtifactNotBuilt(path);
        return vm.getDeployedCode(string.concat(file, ":", name));
    }
}
