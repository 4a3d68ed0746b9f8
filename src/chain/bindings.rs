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
        function getChainId() external view returns (uint256 chainid);
        function getBlockNumber() external view returns (uint256 blockNumber);
    }

    /// Chainlink's test price feed: the only mock we deploy (the feed the tests and devnet drive).
    #[sol(rpc)]
    contract MockV3Aggregator {
        constructor(uint8 _decimals, int256 _initialAnswer);
        function decimals() external view returns (uint8);
        function latestAnswer() external view returns (int256);
        function updateAnswer(int256 _answer) external;
    }

    /// Chainlink's ERC-677 LINK token.
    #[sol(rpc)]
    contract LinkToken {
        function grantMintRole(address minter) external;
        function mint(address account, uint256 amount) external;
        function balanceOf(address account) external view returns (uint256);
        function transferAndCall(address to, uint256 amount, bytes data) external returns (bool);
    }

    /// Canonical WETH9.
    #[sol(rpc)]
    contract WETH9 {
        function deposit() external payable;
        function balanceOf(address account) external view returns (uint256);
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

        function getMinimumRegistrationAmount(address billingToken) external view returns (uint256);
        function typeAndVersion() external view returns (string memory);
    }

    /// The 1inch Limit Order Protocol v4.
    #[sol(rpc)]
    contract LimitOrderProtocol {
        constructor(address _weth);
        function DOMAIN_SEPARATOR() external view returns (bytes32);
        function owner() external view returns (address);
    }
}
