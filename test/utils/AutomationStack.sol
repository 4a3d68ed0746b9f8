// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ArtifactDeployer} from "./ArtifactDeployer.sol";
import {Vm} from "forge-std/Vm.sol";

import {
    IAutomationRegistrar2_3,
    IAutomationRegistry2_3,
    ILinkToken,
    IMockV3Aggregator,
    IWETH9
} from "./ChainlinkInterfaces.sol";

// The real Chainlink Automation 2.3 stack, deployed from the very artifacts script/deploy.rs deploys
// (out/, written because test/deps/ChainlinkAutomation.sol imports them), plus a forge "DON
// simulator": a registry-side checkUpkeep from tx.origin 0 and OCR reports signed by f+1 of the
// configured signers, transmitted by a configured transmitter.
//
// Nothing here imports a Chainlink source. The registry, registrar and their dependencies are pinned
// to solc 0.8.19 and this file to 0.8.30: importing any file those contracts also import compiles it
// twice, and forge then renames that file's artifacts by compiler version (LinkToken.0.8.19.json,
// ...) on a clean build, which breaks every reader of out/<File>.sol/<Name>.json and makes
// deployCode("<File>.sol:<Name>") ambiguous. So the contracts are deployed from their artifacts and
// reached through the ABI-identical interfaces in ChainlinkInterfaces.sol (names and field order as in Chainlink's
// sources; a mismatch fails the calls at once).

/*//////////////////////////////////////////////////////////////
                          THE STACK
//////////////////////////////////////////////////////////////*/

/// @notice Deploys the real Chainlink Automation 2.3 stack configured like Base mainnet, and simulates
/// its DON. Derived tests call `super.setUp()` first.
/// @dev Conditional upkeeps only. The registry's reorg/staleness guard rejects a second report for the
/// same upkeep built in the same block (trigger block < last performed block): `vm.roll` between performs.
abstract contract AutomationStack is ArtifactDeployer {
    /*//////////////////////////////////////////////////////////////
                              CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `ids` and `performDatas` differ in length.
    error ReportLengthMismatch(uint256 ids, uint256 performDatas);
    /// @notice The simulator builds conditional triggers only.
    error UnsupportedTriggerType(uint256 id, uint8 triggerType);
    /// @notice A report needs between 1 and the number of configured signers signatures.
    error BadSignerCount(uint256 requested, uint256 configured);
    /// @notice The registrar did not auto-approve the registration (id 0).
    error RegistrationNotApproved(address target);

    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @dev AutomationRegistryBase2_3.Report; abi.encode of this struct is the raw report.
    struct Report {
        uint256 fastGasWei;
        uint256 linkUSD;
        uint256[] upkeepIds;
        uint256[] gasLimits;
        bytes[] triggers;
        bytes[] performDatas;
    }

    /// @notice Everything `transmit` takes.
    struct SignedReport {
        bytes32[3] reportContext;
        bytes rawReport;
        bytes32[] rs;
        bytes32[] ss;
        bytes32 rawVs;
    }

    /// @notice What the registry's checkUpkeep returned.
    struct CheckResult {
        bool needed;
        bytes performData;
        IAutomationRegistry2_3.UpkeepFailureReason failureReason;
        uint256 gasUsed;
        uint256 gasLimit;
        uint256 fastGasWei;
        uint256 linkUSD;
    }

    /// @notice One `UpkeepPerformed` event.
    struct Performed {
        uint256 id;
        bool success;
        uint96 totalPayment;
        uint256 gasUsed;
        uint256 gasOverhead;
    }

    /*//////////////////////////////////////////////////////////////
                       MARKET AND NETWORK (BASE)
    //////////////////////////////////////////////////////////////*/

    /// @dev Mocked feeds: LINK/USD $20 and native/USD $4,000 (8 decimals), fast gas 1 gwei (0 decimals).
    int256 internal constant LINK_USD = 20e8;
    int256 internal constant NATIVE_USD = 4000e8;
    int256 internal constant FAST_GAS_WEI = 1 gwei;
    /// @dev Gas price of every transaction in these tests. The registry charges
    /// min(tx.gasprice, fastGas x gasCeilingMultiplier); at a gas price of 0 only the flat fee is left.
    /// Caveat: forge 1.7.1 runs each call of an isolated test (isolate = true) with tx.gasprice = 0
    /// whatever vm.txGasPrice says (foundry-rs/foundry#7277); a test that checks what gas costs the
    /// upkeep opts out with `/// forge-config: default.isolate = false`.
    uint256 internal constant TX_GAS_PRICE = 1 gwei;

    /// @dev OCR: 4 nodes tolerating f = 1 faulty one; a report carries f + 1 signatures.
    uint8 internal constant F = 1;
    uint256 internal constant NUM_NODES = 4;
    /// @dev As Chainlink's own 2.3 harness (OCR3 offchain config).
    uint64 internal constant OFFCHAIN_CONFIG_VERSION = 30;

    /// @dev Base mainnet registry 2.3 values (shared/docs/ANCHORS.md).
    uint16 internal constant GAS_CEILING_MULTIPLIER = 5;
    uint32 internal constant MAX_PERFORM_GAS = 5_000_000;
    uint32 internal constant MAX_PERFORM_DATA_SIZE = 2000;
    uint32 internal constant CHECK_GAS_LIMIT = 10_000_000;
    uint32 internal constant MAX_CHECK_DATA_SIZE = 5000;
    uint32 internal constant MAX_REVERT_DATA_SIZE = 5000;
    /// @dev A feed older than this falls back to the fallback prices below (set equal to the feed
    /// prices, except gas), so a test that warps past it keeps LINK/native prices; `_refreshFeeds` resets it.
    uint24 internal constant STALENESS_SECONDS = 90_000;
    uint256 internal constant FALLBACK_GAS_PRICE = 20 gwei;
    uint256 internal constant FALLBACK_LINK_PRICE = 20e8;
    uint256 internal constant FALLBACK_NATIVE_PRICE = 4000e8;

    /// @dev 50% premium on the gas of the perform itself, as on Base.
    uint32 internal constant GAS_FEE_PPB = 500_000_000;
    /// @dev $0.20 per perform = 0.01 LINK at $20. Chainlink documents an extra flat fee of 0.01 LINK per
    /// transaction on Base (and OP) mainnet for registry 2.3 to cover the L1 data fee; ChainModuleBase
    /// charges no L1 fee, so this flat fee stands in for it.
    uint24 internal constant FLAT_FEE_MILLI_CENTS = 20_000;
    /// @dev Kept back at cancellation when an upkeep spent less in its lifetime: $2 either way (our choice).
    uint96 internal constant MIN_SPEND_LINK = 0.1 ether;
    uint96 internal constant MIN_SPEND_WETH = 0.0005 ether;
    /// @dev Minimum funding the registrar accepts: $2 either way (our choice).
    uint256 internal constant MIN_REGISTRATION_LINK = 0.1 ether;
    uint256 internal constant MIN_REGISTRATION_WETH = 0.0005 ether;

    uint8 internal constant CONDITION_TRIGGER = 0;
    uint8 internal constant LOG_TRIGGER = 1;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    ILinkToken internal link;
    IWETH9 internal weth;
    IMockV3Aggregator internal linkUsdFeed;
    IMockV3Aggregator internal nativeUsdFeed;
    IMockV3Aggregator internal fastGasFeed;
    address internal chainModule;
    address internal forwarderLogic;
    IAutomationRegistry2_3 internal registry;
    IAutomationRegistrar2_3 internal registrar;

    address[] internal signers;
    uint256[] internal signerKeys;
    address[] internal transmitters;
    address[] internal payees;
    address internal financeAdmin;
    address internal privilegeManager;

    /// @notice When true the DON has stopped: `_transmit` and `_checkAndPerform` do nothing.
    bool internal donStopped;

    /*//////////////////////////////////////////////////////////////
                                 SETUP
    //////////////////////////////////////////////////////////////*/

    function setUp() public virtual {
        vm.roll(100); // so that block.number - 1, the conditional trigger block, is a real block
        vm.warp(1_750_000_000);
        vm.txGasPrice(TX_GAS_PRICE);

        _deployTokensAndFeeds();
        _deployRegistry();
        _deployRegistrar();
        _configureRegistry();
    }

    function _deployTokensAndFeeds() internal {
        link = ILinkToken(_deployArtifact("LinkToken.sol", "LinkToken", ""));
        link.grantMintRole(address(this));
        weth = IWETH9(_deployArtifact("WETH9.sol", "WETH9", ""));
        linkUsdFeed = IMockV3Aggregator(
            _deployArtifact("MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(8, LINK_USD))
        );
        nativeUsdFeed = IMockV3Aggregator(
            _deployArtifact("MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(8, NATIVE_USD))
        );
        fastGasFeed = IMockV3Aggregator(
            _deployArtifact("MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(0, FAST_GAS_WEI))
        );

        vm.label(address(link), "LINK");
        vm.label(address(weth), "WETH");
        vm.label(address(linkUsdFeed), "LINK/USD feed");
        vm.label(address(nativeUsdFeed), "native/USD feed");
        vm.label(address(fastGasFeed), "fast gas feed");
    }

    /// @dev LogicC -> LogicB -> LogicA -> registry, each constructor reading its config from the next.
    function _deployRegistry() internal {
        chainModule = _deployArtifact("ChainModuleBase.sol", "ChainModuleBase", "");
        forwarderLogic = _deployArtifact("AutomationForwarderLogic.sol", "AutomationForwarderLogic", "");
        address logicC = _deployArtifact(
            "AutomationRegistryLogicC2_3.sol",
            "AutomationRegistryLogicC2_3",
            abi.encode(
                address(link),
                address(linkUsdFeed),
                address(nativeUsdFeed),
                address(fastGasFeed),
                forwarderLogic,
                address(0), // allowedReadOnlyAddress: checkUpkeep only from tx.origin 0, as on chain
                uint8(0), // PayoutMode.ON_CHAIN: NOPs are paid in LINK by the registry
                address(weth)
            )
        );
        address logicB = _deployArtifact(
            "AutomationRegistryLogicB2_3.sol", "AutomationRegistryLogicB2_3", abi.encode(logicC)
        );
        address logicA = _deployArtifact(
            "AutomationRegistryLogicA2_3.sol", "AutomationRegistryLogicA2_3", abi.encode(logicB)
        );
        registry = IAutomationRegistry2_3(
            _deployArtifact("AutomationRegistry2_3.sol", "AutomationRegistry2_3", abi.encode(logicA))
        );

        vm.label(chainModule, "ChainModuleBase");
        vm.label(forwarderLogic, "AutomationForwarderLogic");
        vm.label(logicC, "RegistryLogicC2_3");
        vm.label(logicB, "RegistryLogicB2_3");
        vm.label(logicA, "RegistryLogicA2_3");
        vm.label(address(registry), "AutomationRegistry2_3");
    }

    /// @dev Conditional upkeeps are auto-approved for everyone; log upkeeps need the owner's approval.
    function _deployRegistrar() internal {
        IAutomationRegistrar2_3.InitialTriggerConfig[] memory triggers =
            new IAutomationRegistrar2_3.InitialTriggerConfig[](2);
        triggers[0] = IAutomationRegistrar2_3.InitialTriggerConfig({
            triggerType: CONDITION_TRIGGER,
            autoApproveType: IAutomationRegistrar2_3.AutoApproveType.ENABLED_ALL,
            autoApproveMaxAllowed: type(uint32).max
        });
        triggers[1] = IAutomationRegistrar2_3.InitialTriggerConfig({
            triggerType: LOG_TRIGGER,
            autoApproveType: IAutomationRegistrar2_3.AutoApproveType.DISABLED,
            autoApproveMaxAllowed: 0
        });
        address[] memory tokens = new address[](2);
        tokens[0] = address(link);
        tokens[1] = address(weth);
        uint256[] memory minAmounts = new uint256[](2);
        minAmounts[0] = MIN_REGISTRATION_LINK;
        minAmounts[1] = MIN_REGISTRATION_WETH;
        registrar = IAutomationRegistrar2_3(
            _deployArtifact(
                "AutomationRegistrar2_3.sol",
                "AutomationRegistrar2_3",
                abi.encode(address(link), address(registry), triggers, tokens, minAmounts, address(weth))
            )
        );
        vm.label(address(registrar), "AutomationRegistrar2_3");
    }

    function _configureRegistry() internal {
        for (uint256 i = 0; i < NUM_NODES; ++i) {
            (address signer, uint256 key) = makeAddrAndKey(string.concat("don-signer-", vm.toString(i)));
            signers.push(signer);
            signerKeys.push(key);
            address transmitter = makeAddr(string.concat("don-transmitter-", vm.toString(i)));
            transmitters.push(transmitter);
            payees.push(makeAddr(string.concat("don-payee-", vm.toString(i))));
            vm.deal(transmitter, 10 ether); // transmitters pay for their transactions
        }
        financeAdmin = makeAddr("finance-admin");
        privilegeManager = makeAddr("upkeep-privilege-manager");

        address[] memory registrars = new address[](1);
        registrars[0] = address(registrar);

        address[] memory tokens = new address[](2);
        tokens[0] = address(link);
        tokens[1] = address(weth);
        IAutomationRegistry2_3.BillingConfig[] memory billing = new IAutomationRegistry2_3.BillingConfig[](2);
        billing[0] = IAutomationRegistry2_3.BillingConfig({
            gasFeePPB: GAS_FEE_PPB,
            flatFeeMilliCents: FLAT_FEE_MILLI_CENTS,
            priceFeed: address(linkUsdFeed),
            decimals: 18,
            fallbackPrice: FALLBACK_LINK_PRICE,
            minSpend: MIN_SPEND_LINK
        });
        billing[1] = IAutomationRegistry2_3.BillingConfig({
            gasFeePPB: GAS_FEE_PPB,
            flatFeeMilliCents: FLAT_FEE_MILLI_CENTS,
            priceFeed: address(nativeUsdFeed),
            decimals: 18,
            fallbackPrice: FALLBACK_NATIVE_PRICE,
            minSpend: MIN_SPEND_WETH
        });

        registry.setConfigTypeSafe(
            signers, transmitters, F, _onchainConfig(registrars), OFFCHAIN_CONFIG_VERSION, "", tokens, billing
        );
        registry.setPayees(payees);
    }

    function _onchainConfig(address[] memory registrars)
        internal
        view
        returns (IAutomationRegistry2_3.OnchainConfig memory)
    {
        return IAutomationRegistry2_3.OnchainConfig({
            checkGasLimit: CHECK_GAS_LIMIT,
            maxPerformGas: MAX_PERFORM_GAS,
            maxCheckDataSize: MAX_CHECK_DATA_SIZE,
            transcoder: address(0), // no migrations in tests (migrateUpkeeps reverts TranscoderNotSet)
            reorgProtectionEnabled: true,
            stalenessSeconds: STALENESS_SECONDS,
            maxPerformDataSize: MAX_PERFORM_DATA_SIZE,
            maxRevertDataSize: MAX_REVERT_DATA_SIZE,
            upkeepPrivilegeManager: privilegeManager,
            gasCeilingMultiplier: GAS_CEILING_MULTIPLIER,
            financeAdmin: financeAdmin,
            fallbackGasPrice: FALLBACK_GAS_PRICE,
            fallbackLinkPrice: FALLBACK_LINK_PRICE,
            fallbackNativePrice: FALLBACK_NATIVE_PRICE,
            registrars: registrars,
            chainModule: chainModule
        });
    }

    /*//////////////////////////////////////////////////////////////
                        REGISTRATION AND FUNDING
    //////////////////////////////////////////////////////////////*/

    /// @notice Registers a conditional upkeep through the registrar, paid by `admin` in `billingToken`
    /// (LINK or WETH). A faucet first gives `admin` exactly `amount` of that token.
    function _registerUpkeep(
        address target,
        uint32 gasLimit,
        address billingToken,
        uint96 amount,
        address admin
    ) internal returns (uint256 id) {
        _faucet(billingToken, admin, amount);
        vm.prank(admin);
        ILinkToken(billingToken).approve(address(registrar), amount); // same ERC-20 selector for WETH9
        vm.prank(admin);
        id = registrar.registerUpkeep(_registrationParams(target, gasLimit, billingToken, amount, admin));
        if (id == 0) revert RegistrationNotApproved(target);
    }

    /// @notice Registers a conditional upkeep billed in WETH, paid in native coin: the registrar wraps
    /// `msg.value` (the params' amount is ignored). A faucet first gives `admin` `amountWei`.
    function _registerUpkeepPayingNative(address target, uint32 gasLimit, uint96 amountWei, address admin)
        internal
        returns (uint256 id)
    {
        vm.deal(admin, admin.balance + amountWei);
        vm.prank(admin);
        id = registrar.registerUpkeep{value: amountWei}(
            _registrationParams(target, gasLimit, address(weth), 0, admin)
        );
        if (id == 0) revert RegistrationNotApproved(target);
    }

    function _registrationParams(
        address target,
        uint32 gasLimit,
        address billingToken,
        uint96 amount,
        address admin
    ) internal pure returns (IAutomationRegistrar2_3.RegistrationParams memory) {
        return IAutomationRegistrar2_3.RegistrationParams({
            upkeepContract: target,
            amount: amount,
            adminAddress: admin,
            gasLimit: gasLimit,
            triggerType: CONDITION_TRIGGER,
            billingToken: billingToken,
            name: "onebalancer test upkeep",
            encryptedEmail: "",
            checkData: "",
            triggerConfig: "",
            offchainConfig: ""
        });
    }

    /// @notice Funds a LINK upkeep the ERC-677 way: LINK.transferAndCall(registry, amount, abi.encode(id)),
    /// sent by this contract after the faucet minted it.
    function _fundWithTransferAndCall(uint256 id, uint96 amount) internal {
        link.mint(address(this), amount);
        link.transferAndCall(address(registry), amount, abi.encode(id));
    }

    /// @notice registry.addFunds(id, amount) in the upkeep's billing token, sent by this contract.
    function _addFunds(uint256 id, uint96 amount) internal {
        address token = registry.getBillingToken(id);
        _faucet(token, address(this), amount);
        ILinkToken(token).approve(address(registry), amount);
        registry.addFunds(id, amount);
    }

    /// @notice registry.addFunds{value: amountWei}(id, 0) for a WETH upkeep: the registry wraps it.
    function _addFundsNative(uint256 id, uint96 amountWei) internal {
        vm.deal(address(this), address(this).balance + amountWei);
        registry.addFunds{value: amountWei}(id, 0);
    }

    /// @dev Mints LINK, or wraps freshly dealt ETH into WETH, so every token stays fully backed.
    function _faucet(address token, address to, uint256 amount) internal {
        if (token == address(link)) {
            link.mint(to, amount);
        } else {
            vm.deal(to, to.balance + amount);
            vm.prank(to);
            IWETH9(token).deposit{value: amount}();
        }
    }

    /*//////////////////////////////////////////////////////////////
                             DON SIMULATOR
    //////////////////////////////////////////////////////////////*/

    /// @notice The registry's own checkUpkeep as the DON runs it: an eth_call from tx.origin 0 (any
    /// state the check writes is discarded).
    function _checkUpkeep(uint256 id) internal returns (bool needed, bytes memory performData) {
        CheckResult memory r = _checkUpkeepDetailed(id);
        return (r.needed, r.performData);
    }

    function _checkUpkeepDetailed(uint256 id) internal returns (CheckResult memory r) {
        uint256 snapshot = vm.snapshotState();
        vm.prank(address(0), address(0));
        (r.needed, r.performData, r.failureReason, r.gasUsed, r.gasLimit, r.fastGasWei, r.linkUSD) =
            registry.checkUpkeep(id);
        vm.revertToStateAndDelete(snapshot);
    }

    /// @notice The DON's loop for one round: check every upkeep, put those that need work into one
    /// report with the performData their check returned, transmit it. Returns how many were transmitted.
    function _checkAndPerform(uint256[] memory ids) internal returns (uint256 transmitted) {
        if (donStopped) return 0;
        uint256[] memory due = new uint256[](ids.length);
        bytes[] memory datas = new bytes[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            (bool needed, bytes memory performData) = _checkUpkeep(ids[i]);
            if (needed) {
                due[transmitted] = ids[i];
                datas[transmitted] = performData;
                ++transmitted;
            }
        }
        if (transmitted == 0) return 0;
        assembly ("memory-safe") {
            mstore(due, transmitted)
            mstore(datas, transmitted)
        }
        _transmit(due, datas);
    }

    function _checkAndPerform(uint256 id) internal returns (bool transmitted) {
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        return _checkAndPerform(ids) == 1;
    }

    /// @notice Transmits a report for `ids` with `performDatas`, signed by f + 1 signers, from the first
    /// transmitter. The registry call is the last call made, so `vm.snapshotGasLastCall` measures it.
    /// Does nothing while `donStopped`.
    function _transmit(uint256[] memory ids, bytes[] memory performDatas) internal {
        if (donStopped) return;
        SignedReport memory s = _signedReport(ids, performDatas, F + 1);
        vm.prank(transmitters[0]);
        registry.transmit(s.reportContext, s.rawReport, s.rs, s.ss, s.rawVs);
    }

    function _transmit(uint256 id, bytes memory performData) internal {
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        bytes[] memory datas = new bytes[](1);
        datas[0] = performData;
        _transmit(ids, datas);
    }

    /// @notice A report as the DON builds it (gas limits from the registry, a conditional trigger on the
    /// previous block, prices from the feeds), signed by the first `numSigners` signers.
    function _signedReport(uint256[] memory ids, bytes[] memory performDatas, uint256 numSigners)
        internal
        view
        returns (SignedReport memory s)
    {
        return _signReport(_report(ids, performDatas), numSigners);
    }

    /// @notice `report` encoded and signed by the first `numSigners` signers (a report whose prices or
    /// gas limits a test chose itself).
    function _signReport(Report memory report, uint256 numSigners)
        internal
        view
        returns (SignedReport memory s)
    {
        if (numSigners == 0 || numSigners > signerKeys.length) {
            revert BadSignerCount(numSigners, signerKeys.length);
        }
        s.rawReport = abi.encode(report);
        (,, bytes32 configDigest) = registry.latestConfigDetails();
        s.reportContext = [configDigest, configDigest, configDigest];
        // The registry verifies keccak256(abi.encode(keccak256(report), reportContext)) (no EIP-191 prefix).
        bytes32 digest = keccak256(abi.encode(keccak256(s.rawReport), s.reportContext));
        s.rs = new bytes32[](numSigners);
        s.ss = new bytes32[](numSigners);
        uint256 vs;
        for (uint256 i = 0; i < numSigners; ++i) {
            (uint8 v, bytes32 r, bytes32 sig) = vm.sign(signerKeys[i], digest);
            s.rs[i] = r;
            s.ss[i] = sig;
            vs |= uint256(v - 27) << (248 - 8 * i); // byte i of rawVs holds signature i's v - 27
        }
        s.rawVs = bytes32(vs);
    }

    function _report(uint256[] memory ids, bytes[] memory performDatas)
        internal
        view
        returns (Report memory r)
    {
        uint256 n = ids.length;
        if (performDatas.length != n) revert ReportLengthMismatch(n, performDatas.length);
        r.fastGasWei = _feedAnswer(fastGasFeed);
        r.linkUSD = _feedAnswer(linkUsdFeed);
        r.upkeepIds = ids;
        r.gasLimits = new uint256[](n);
        r.triggers = new bytes[](n);
        r.performDatas = performDatas;
        for (uint256 i = 0; i < n; ++i) {
            uint8 triggerType = registry.getTriggerType(ids[i]);
            if (triggerType != CONDITION_TRIGGER) revert UnsupportedTriggerType(ids[i], triggerType);
            r.gasLimits[i] = registry.getUpkeep(ids[i]).performGas;
            r.triggers[i] = _conditionalTrigger();
        }
    }

    /// @dev AutomationRegistryBase2_3.ConditionalTrigger{blockNum, blockHash} of the previous block.
    function _conditionalTrigger() internal view returns (bytes memory) {
        return abi.encode(uint32(block.number - 1), blockhash(block.number - 1));
    }

    /*//////////////////////////////////////////////////////////////
                           READING THE RESULT
    //////////////////////////////////////////////////////////////*/

    /// @notice The registry's `UpkeepPerformed` events among `logs` (from `vm.getRecordedLogs()`).
    function _performedEvents(Vm.Log[] memory logs) internal view returns (Performed[] memory out) {
        out = new Performed[](logs.length);
        uint256 n;
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (
                l.emitter != address(registry)
                    || l.topics[0] != IAutomationRegistry2_3.UpkeepPerformed.selector
            ) {
                continue;
            }
            (uint96 totalPayment, uint256 gasUsed, uint256 gasOverhead,) =
                abi.decode(l.data, (uint96, uint256, uint256, bytes));
            out[n++] = Performed({
                id: uint256(l.topics[1]),
                success: uint256(l.topics[2]) == 1,
                totalPayment: totalPayment,
                gasUsed: gasUsed,
                gasOverhead: gasOverhead
            });
        }
        assembly ("memory-safe") {
            mstore(out, n)
        }
    }

    /// @notice The registry's `UpkeepCharged` receipts among `logs`.
    function _chargedReceipts(Vm.Log[] memory logs)
        internal
        view
        returns (IAutomationRegistry2_3.PaymentReceipt[] memory out)
    {
        out = new IAutomationRegistry2_3.PaymentReceipt[](logs.length);
        uint256 n;
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (
                l.emitter != address(registry) || l.topics[0] != IAutomationRegistry2_3.UpkeepCharged.selector
            ) {
                continue;
            }
            out[n++] = abi.decode(l.data, (IAutomationRegistry2_3.PaymentReceipt));
        }
        assembly ("memory-safe") {
            mstore(out, n)
        }
    }

    /// @notice Reference implementation of AutomationRegistryBase2_3._calculatePaymentAmount for an
    /// executed perform on this stack (18-decimal billing token, no L1 fee, feeds fresh), in the
    /// upkeep's billing token: gasWei = min(tx.gasprice, fastGas x multiplier);
    /// gas = ceil(gasWei (gasUsed + overhead) nativeUSD / tokenUSD);
    /// premium = ceil((gasWei gasUsed gasFeePPB / 1e9 nativeUSD + flatFeeMilliCents 1e21) / tokenUSD).
    function _expectedCharge(uint256 gasUsed, uint256 gasOverhead, address billingToken, uint256 txGasPrice)
        internal
        view
        returns (uint256 gasCharge, uint256 premium)
    {
        uint256 ceiling = _feedAnswer(fastGasFeed) * GAS_CEILING_MULTIPLIER;
        uint256 gasWei = txGasPrice < ceiling ? txGasPrice : ceiling;
        uint256 nativeUsd = _feedAnswer(nativeUsdFeed);
        uint256 tokenUsd = billingToken == address(link) ? _feedAnswer(linkUsdFeed) : nativeUsd;
        gasCharge = _ceilDiv(gasWei * (gasUsed + gasOverhead) * nativeUsd, tokenUsd);
        premium = _ceilDiv(
            (gasWei * gasUsed * GAS_FEE_PPB * nativeUsd) / 1e9 + uint256(FLAT_FEE_MILLI_CENTS) * 1e21,
            tokenUsd
        );
    }

    /*//////////////////////////////////////////////////////////////
                                 MISC
    //////////////////////////////////////////////////////////////*/

    /// @notice Re-posts the current feed answers with the current timestamp (after a long `vm.warp`).
    function _refreshFeeds() internal {
        linkUsdFeed.updateAnswer(int256(_feedAnswer(linkUsdFeed)));
        nativeUsdFeed.updateAnswer(int256(_feedAnswer(nativeUsdFeed)));
        fastGasFeed.updateAnswer(int256(_feedAnswer(fastGasFeed)));
    }

    function _feedAnswer(IMockV3Aggregator feed) internal view returns (uint256) {
        (, int256 answer,,,) = feed.latestRoundData();
        return uint256(answer);
    }

    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a + b - 1) / b;
    }
}
