// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// ABI-identical interfaces of the real Chainlink contracts our tests deploy from their artifacts
// (names and field order as in Chainlink's sources; a mismatch fails the calls at once). Declared
// rather than imported: the registry and registrar are pinned to solc 0.8.19 and our code to 0.8.30,
// and a file compiled by both gets version-suffixed artifacts (X.0.8.19.json) on a clean build.

/// @notice LinkToken (ERC-677, BurnMintERC677) as shared/token/ERC677/LinkToken.sol exposes it.
interface ILinkToken {
    function balanceOf(address account) external view returns (uint256);
    function approve(address spender, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferAndCall(address to, uint256 amount, bytes calldata data) external returns (bool);
    function grantMintRole(address minter) external;
    function mint(address account, uint256 amount) external;
    function decimals() external view returns (uint8);
}

/// @notice WETH9 (vendor/canonical-weth).
interface IWETH9 {
    function balanceOf(address account) external view returns (uint256);
    function approve(address spender, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
    function deposit() external payable;
    function withdraw(uint256 amount) external;
}

/// @notice shared/mocks/MockV3Aggregator.sol.
interface IMockV3Aggregator {
    function decimals() external view returns (uint8);
    function updateAnswer(int256 answer) external;
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @notice The part of AutomationRegistrar2_3 we use (automation/v2_3/AutomationRegistrar2_3.sol).
interface IAutomationRegistrar2_3 {
    enum AutoApproveType {
        DISABLED,
        ENABLED_SENDER_ALLOWLIST,
        ENABLED_ALL
    }

    struct InitialTriggerConfig {
        uint8 triggerType;
        AutoApproveType autoApproveType;
        uint32 autoApproveMaxAllowed;
    }

    /// @dev `billingToken` is `IERC20Metadata` in the source: an address in the ABI.
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

    error InsufficientPayment();
    error InvalidBillingToken();

    function registerUpkeep(RegistrationParams calldata requestParams) external payable returns (uint256);
    function getMinimumRegistrationAmount(address billingToken) external view returns (uint256);
    function typeAndVersion() external view returns (string memory);
}

/// @notice The part of the AutomationRegistry2_3 (+ LogicA/B/C behind its fallback) we use; the full
/// ABI is automation/interfaces/v2_3/IAutomationRegistryMaster2_3.sol.
interface IAutomationRegistry2_3 {
    /// @dev AutomationRegistryBase2_3.UpkeepFailureReason.
    enum UpkeepFailureReason {
        NONE,
        UPKEEP_CANCELLED,
        UPKEEP_PAUSED,
        TARGET_CHECK_REVERTED,
        UPKEEP_NOT_NEEDED,
        PERFORM_DATA_EXCEEDS_LIMIT,
        INSUFFICIENT_BALANCE,
        CALLBACK_REVERTED,
        REVERT_DATA_EXCEEDS_LIMIT,
        REGISTRY_PAUSED
    }

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

    /// @dev IAutomationV21PlusCommon.UpkeepInfoLegacy, what getUpkeep returns.
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

    error ConfigDigestMismatch();
    error DuplicateSigners();
    error IncorrectNumberOfSignatures();
    error InvalidDataLength();
    error OnlyActiveSigners();
    error OnlyActiveTransmitters();
    error OnlySimulatedBackend();
    error RegistryPaused();
    error UpkeepCancelled();

    // owner / config
    function owner() external view returns (address);
    function typeAndVersion() external view returns (string memory);
    function setConfigTypeSafe(
        address[] memory signers,
        address[] memory transmitters,
        uint8 f,
        OnchainConfig memory onchainConfig,
        uint64 offchainConfigVersion,
        bytes memory offchainConfig,
        address[] memory billingTokens,
        BillingConfig[] memory billingConfigs
    ) external;
    function setPayees(address[] calldata payees) external;
    function latestConfigDetails()
        external
        view
        returns (uint32 configCount, uint32 blockNumber, bytes32 configDigest);
    function pause() external;
    function unpause() external;

    // DON
    function transmit(
        bytes32[3] calldata reportContext,
        bytes calldata rawReport,
        bytes32[] calldata rs,
        bytes32[] calldata ss,
        bytes32 rawVs
    ) external;
    /// @dev Not `view` in LogicB: the DON runs it as an eth_call from tx.origin 0.
    function checkUpkeep(uint256 id)
        external
        returns (
            bool upkeepNeeded,
            bytes memory performData,
            UpkeepFailureReason upkeepFailureReason,
            uint256 gasUsed,
            uint256 gasLimit,
            uint256 fastGasWei,
            uint256 linkUSD
        );
    function simulatePerformUpkeep(uint256 id, bytes calldata performData)
        external
        returns (bool success, uint256 gasUsed);

    // upkeep management
    function addFunds(uint256 id, uint96 amount) external payable;
    function cancelUpkeep(uint256 id) external;
    function withdrawFunds(uint256 id, address to) external;
    function pauseUpkeep(uint256 id) external;
    function unpauseUpkeep(uint256 id) external;
    function setUpkeepGasLimit(uint256 id, uint32 gasLimit) external;

    // views
    function getUpkeep(uint256 id) external view returns (UpkeepInfo memory);
    function getBalance(uint256 id) external view returns (uint96);
    function getMinBalance(uint256 id) external view returns (uint96);
    function getForwarder(uint256 id) external view returns (address);
    function getBillingToken(uint256 id) external view returns (address);
    function getBillingTokenConfig(address token) external view returns (BillingConfig memory);
    function getTriggerType(uint256 id) external pure returns (uint8);
    function getNumUpkeeps() external view returns (uint256);
    function getActiveUpkeepIDs(uint256 startIndex, uint256 maxCount) external view returns (uint256[] memory);
    function getReserveAmount(address billingToken) external view returns (uint256);
    function getTransmitterInfo(address query)
        external
        view
        returns (bool active, uint8 index, uint96 balance, uint96 lastCollected, address payee);
    function supportsBillingToken(address token) external view returns (bool);
}
