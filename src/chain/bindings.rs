//! `sol!` bindings for the third-party contracts the deployer and keeper talk to.
//!
//! Only the functions Rust calls are declared. The e2e test `bindings_match_artifacts` checks
//! every selector declared here against the compiled artifact's ABI, so a binding cannot drift
//! from the contract it binds.
#![allow(missing_docs, clippy::too_many_arguments)] // generated items mirror the Solidity names documented upstream

use alloy::sol;

sol! {
    /// Multicall3 (mds1/multicall), canonical at 0xcA11bde05977b3631167028862bE2a173976CA11.
    #[sol(rpc)]
    contract Multicall3 {
        struct Call3 {
            address target;
            bool allowFailure;
            bytes callData;
        }
        struct Result {
            bool success;
            bytes returnData;
        }
        function getChainId() external view returns (uint256 chainid);
        function getBlockNumber() external view returns (uint256 blockNumber);
        function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData);
    }

    /// Chainlink's test price feed: the only mock we deploy (the feed the tests and devnet drive).
    #[sol(rpc)]
    contract MockV3Aggregator {
        constructor(uint8 _decimals, int256 _initialAnswer);
        function decimals() external view returns (uint8);
        function latestAnswer() external view returns (int256);
        function latestRoundData()
            external
            view
            returns (
                uint80 roundId,
                int256 answer,
                uint256 startedAt,
                uint256 updatedAt,
                uint80 answeredInRound
            );
        function updateAnswer(int256 _answer) external;
    }

    /// Chainlink's ERC-677 LINK token.
    #[sol(rpc)]
    contract LinkToken {
        function grantMintRole(address minter) external;
        function mint(address account, uint256 amount) external;
        function balanceOf(address account) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
        function transferAndCall(address to, uint256 amount, bytes data) external returns (bool);
        function transfer(address to, uint256 amount) external returns (bool);
    }

    /// Canonical WETH9.
    #[sol(rpc)]
    contract WETH9 {
        function deposit() external payable;
        function balanceOf(address account) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
    }

    /// Constructor of `AutomationRegistryLogicC2_3`.
    contract AutomationRegistryLogicC2_3 {
        constructor(
            address link,
            address linkUSDFeed,
            address nativeUSDFeed,
            address fastGasFeed,
            address automationForwarderLogic,
            address allowedReadOnlyAddress,
            uint8 payoutMode,
            address wrappedNativeTokenAddress
        );
    }

    /// Constructor of `AutomationRegistryLogicB2_3`.
    contract AutomationRegistryLogicB2_3 {
        constructor(address logicC);
    }

    /// Constructor of `AutomationRegistryLogicA2_3`.
    contract AutomationRegistryLogicA2_3 {
        constructor(address logicB);
    }

    /// The Chainlink Automation registry 2.3 (main contract plus its logic A/B/C fallbacks).
    #[sol(rpc)]
    contract AutomationRegistry2_3 {
        struct OnchainConfig {
            uint32 checkGasLimit;
            uint32 maxPerformGas;
            uint32 maxCheckDataSize;
            address transcoder;
            bool reorgProtectionEnabled;
            uint24 stalenessSeconds;
            uint32 maxPerformDataSize;
            uint32 maxRevertDataSize;
            address upkeepPrivilegeManager;
            uint16 gasCeilingMultiplier;
            address financeAdmin;
            uint256 fallbackGasPrice;
            uint256 fallbackLinkPrice;
            uint256 fallbackNativePrice;
            address[] registrars;
            address chainModule;
        }

        struct BillingConfig {
            uint32 gasFeePPB;
            uint24 flatFeeMilliCents;
            address priceFeed;
            uint8 decimals;
            uint256 fallbackPrice;
            uint96 minSpend;
        }

        /// `IAutomationV21PlusCommon.UpkeepInfoLegacy`, what `getUpkeep` returns.
        struct UpkeepInfo {
            address target;
            uint32 performGas;
            bytes checkData;
            uint96 balance;
            address admin;
            uint64 maxValidBlocknumber;
            uint32 lastPerformedBlockNumber;
            uint96 amountSpent;
            bool paused;
            bytes offchainConfig;
        }

        /// `AutomationRegistryBase2_3.BillingOverrides`: an upkeep's own premium and flat fee.
        struct BillingOverrides {
            uint32 gasFeePPB;
            uint24 flatFeeMilliCents;
        }

        /// `AutomationRegistryBase2_3.HotVars` (`chainModule` is an `IChainModule`).
        struct HotVars {
            uint96 totalPremium;
            uint32 latestEpoch;
            uint24 stalenessSeconds;
            uint16 gasCeilingMultiplier;
            uint8 f;
            bool paused;
            bool reentrancyGuard;
            bool reorgProtectionEnabled;
            address chainModule;
        }

        /// `AutomationRegistryBase2_3.PaymentReceipt` (`billingToken` is an `IERC20`).
        struct PaymentReceipt {
            uint96 gasChargeInBillingToken;
            uint96 premiumInBillingToken;
            uint96 gasReimbursementInJuels;
            uint96 premiumInJuels;
            address billingToken;
            uint96 linkUSD;
            uint96 nativeUSD;
            uint96 billingUSD;
        }

        event UpkeepRegistered(uint256 indexed id, uint32 performGas, address admin);
        event FundsAdded(uint256 indexed id, address indexed from, uint96 amount);
        event UpkeepPerformed(
            uint256 indexed id,
            bool indexed success,
            uint96 totalPayment,
            uint256 gasUsed,
            uint256 gasOverhead,
            bytes trigger
        );
        event UpkeepCharged(uint256 indexed id, PaymentReceipt receipt);
        event StaleUpkeepReport(uint256 indexed id, bytes trigger);
        event ReorgedUpkeepReport(uint256 indexed id, bytes trigger);
        event CancelledUpkeepReport(uint256 indexed id, bytes trigger);

        constructor(address logicA);

        function setConfigTypeSafe(
            address[] signers,
            address[] transmitters,
            uint8 f,
            OnchainConfig onchainConfig,
            uint64 offchainConfigVersion,
            bytes offchainConfig,
            address[] billingTokens,
            BillingConfig[] billingConfigs
        ) external;
        function latestConfigDetails()
            external
            view
            returns (uint32 configCount, uint32 blockNumber, bytes32 configDigest);
        function getConfig() external view returns (OnchainConfig memory);
        function getBillingTokens() external view returns (address[] memory);
        function getForwarder(uint256 upkeepID) external view returns (address);
        function supportsBillingToken(address token) external view returns (bool);
        function typeAndVersion() external view returns (string memory);
        function owner() external view returns (address);

        // The DON's side: the check it simulates (LogicB; not `view`, run it as an eth_call
        // from tx.origin 0 — the legacy one-argument overload) and the report it transmits.
        function checkUpkeep(uint256 id)
            external
            returns (
                bool upkeepNeeded,
                bytes memory performData,
                uint8 upkeepFailureReason,
                uint256 gasUsed,
                uint256 gasLimit,
                uint256 fastGasWei,
                uint256 linkUSD
            );
        function transmit(
            bytes32[3] calldata reportContext,
            bytes calldata rawReport,
            bytes32[] calldata rs,
            bytes32[] calldata ss,
            bytes32 rawVs
        ) external;
        function getHotVars() external view returns (HotVars memory);
        function getSignerInfo(address query) external view returns (bool active, uint8 index);
        function getTransmitterInfo(address query)
            external
            view
            returns (bool active, uint8 index, uint96 balance, uint96 lastCollected, address payee);
        function getLinkAddress() external view returns (address);
        function getWrappedNativeTokenAddress() external view returns (address);
        function getLinkUSDFeedAddress() external view returns (address);
        function getNativeUSDFeedAddress() external view returns (address);
        function getFastGasFeedAddress() external view returns (address);

        // Upkeeps.
        function getNumUpkeeps() external view returns (uint256);
        function getActiveUpkeepIDs(uint256 startIndex, uint256 maxCount)
            external
            view
            returns (uint256[] memory);
        function getUpkeep(uint256 id) external view returns (UpkeepInfo memory upkeepInfo);
        function getTriggerType(uint256 upkeepId) external pure returns (uint8);
        function getBillingToken(uint256 upkeepID) external view returns (address);
        function getBillingTokenConfig(address token) external view returns (BillingConfig memory);
        function getBillingOverrides(uint256 upkeepID) external view returns (BillingOverrides memory);
        function getBillingOverridesEnabled(uint256 upkeepID) external view returns (bool);
        function getBalance(uint256 id) external view returns (uint96 balance);
        function getMinBalance(uint256 id) external view returns (uint96);
        function getMaxPaymentForGas(uint256 id, uint8 triggerType, uint32 gasLimit, address billingToken)
            external
            view
            returns (uint96 maxPayment);
        function addFunds(uint256 id, uint96 amount) external payable;
        function cancelUpkeep(uint256 id) external;
        function pauseUpkeep(uint256 id) external;
    }

    /// The Chainlink Automation registrar 2.3.
    #[sol(rpc)]
    contract AutomationRegistrar2_3 {
        struct InitialTriggerConfig {
            uint8 triggerType;
            uint8 autoApproveType;
            uint32 autoApproveMaxAllowed;
        }

        constructor(
            address LINKAddress,
            address registry,
            InitialTriggerConfig[] triggerConfigs,
            address[] billingTokens,
            uint256[] minRegistrationFees,
            address wrappedNativeToken
        );

        /// `billingToken` is an `IERC20Metadata` in the source: an address in the ABI.
        struct RegistrationParams {
            address upkeepContract;
            uint96 amount;
            address adminAddress;
            uint32 gasLimit;
            uint8 triggerType;
            address billingToken;
            string name;
            bytes encryptedEmail;
            bytes checkData;
            bytes triggerConfig;
            bytes offchainConfig;
        }

        event RegistrationApproved(bytes32 indexed hash, string displayName, uint256 indexed upkeepId);

        function registerUpkeep(RegistrationParams requestParams) external payable returns (uint256);
        function getMinimumRegistrationAmount(address billingToken) external view returns (uint256);
        function typeAndVersion() external view returns (string memory);
    }

    /// The 1inch Limit Order Protocol v4 (`OrderLib.Order`: addresses and traits are `uint256`
    /// value types in the ABI).
    #[sol(rpc)]
    contract LimitOrderProtocol {
        #[derive(Debug, PartialEq, Eq)]
        struct Order {
            uint256 salt;
            uint256 maker;
            uint256 receiver;
            uint256 makerAsset;
            uint256 takerAsset;
            uint256 makingAmount;
            uint256 takingAmount;
            uint256 makerTraits;
        }
        constructor(address _weth);
        function DOMAIN_SEPARATOR() external view returns (bytes32);
        function owner() external view returns (address);
        function hashOrder(Order calldata order) external view returns (bytes32);
        function fillContractOrder(
            Order calldata order,
            bytes calldata signature,
            uint256 amount,
            uint256 takerTraits
        ) external returns (uint256 makingAmount, uint256 takingAmount, bytes32 orderHash);
        function fillContractOrderArgs(
            Order calldata order,
            bytes calldata signature,
            uint256 amount,
            uint256 takerTraits,
            bytes calldata args
        ) external returns (uint256 makingAmount, uint256 takingAmount, bytes32 orderHash);
    }
}

sol! {
    /// `AutomationRegistryBase2_3.Report`: `abi.encode` of this struct is the raw report a
    /// transmit carries.
    #[derive(Debug, PartialEq, Eq)]
    struct Report {
        uint256 fastGasWei;
        uint256 linkUSD;
        uint256[] upkeepIds;
        uint256[] gasLimits;
        bytes[] triggers;
        bytes[] performDatas;
    }
}
