//! `sol!` bindings for our own balancer contracts and the test token the devnet demo deploys.
//!
//! Only what Rust calls is declared. The e2e test `bindings_match_artifacts` checks every
//! selector (and the factory's event topic) declared here against the compiled artifact's ABI.
//! `IBalancerFactory.Kind` is an enum in Solidity; the ABI encodes it as `uint8`, so it is
//! declared as `uint8` here (`KIND_DRIFT`, `KIND_TIME`).
#![allow(missing_docs, clippy::too_many_arguments)] // generated items mirror the Solidity names documented in contracts/

use alloy::sol;

/// `IBalancerFactory.Kind.Drift`.
pub const KIND_DRIFT: u8 = 0;
/// `IBalancerFactory.Kind.Time`.
pub const KIND_TIME: u8 = 1;

sol! {
    /// `IBalancer.Params`: bands, slippage, order grid and cooldowns.
    #[derive(Debug, PartialEq, Eq)]
    struct Params {
        uint16 driftBps;
        uint16 clearBps;
        uint16 stableDriftBps;
        uint16 stableClearBps;
        uint16 depegBps;
        uint16 maxSlippageBps;
        uint8 gridLevels;
        uint16 gridSpacingBps;
        uint32 stableCooldown;
        uint32 globalCooldown;
        uint32 orderTtl;
        bool paused;
    }

    /// `IBalancer.BandLimits`: the controller's band limits.
    #[derive(Debug, PartialEq, Eq)]
    struct BandLimits {
        uint16 minDriftBps;
        uint16 maxDriftBps;
        uint16 minStableDriftBps;
        uint16 maxStableDriftBps;
    }

    /// `IBalancer.InitParams`: everything `initialize` sets.
    #[derive(Debug, PartialEq, Eq)]
    struct InitParams {
        address owner;
        address controller;
        address forwarder;
        uint16[] targets;
        Params params;
        BandLimits limits;
        uint48 fillCostUsdE8;
        uint16 dustMarginBps;
        uint32 stableGasEstimate;
        uint32 globalGasEstimate;
        uint32 interval;
        uint16 dustFloorBps;
    }

    /// `IBalancer.Asset`: one asset as fixed at creation.
    #[derive(Debug, PartialEq, Eq)]
    struct Asset {
        address token;
        address feed;
        uint8 tokenDecimals;
        uint8 feedDecimals;
        uint32 heartbeat;
        bool stable;
    }

    /// `IBalancer.State`: the per-perform state.
    #[derive(Debug, PartialEq, Eq)]
    struct BalancerState {
        bytes16 digest;
        uint32 epoch;
        uint32 lastStableAt;
        uint32 lastGlobalAt;
        uint16 stableGas32;
        uint16 globalGas32;
    }

    /// `IBalancerFactory.Protocol`: the 1inch protocol and its EIP-712 domain name and version.
    #[derive(Debug, PartialEq, Eq)]
    struct Protocol {
        address protocol;
        string name;
        string version;
    }

    /// The balancer factory (`contracts/BalancerFactory.sol`).
    #[sol(rpc)]
    contract BalancerFactory {
        constructor(address drift, address time);

        event BalancerCreated(
            address indexed balancer,
            uint8 indexed kind,
            address indexed owner,
            address protocol,
            Asset[] assets
        );

        function create(
            uint8 kind,
            Asset[] assets,
            Protocol protocol,
            address sequencerFeed,
            uint32 sequencerGrace,
            InitParams init
        ) external returns (address balancer);
        function driftImplementation() external view returns (address);
        function timeImplementation() external view returns (address);
    }

    /// A DriftBalancer or TimeBalancer clone (`contracts/interfaces/IBalancer.sol`), plus the
    /// Chainlink `checkUpkeep` (call it with `from = 0x0`: it is `cannotExecute`).
    #[sol(rpc)]
    contract Balancer {
        /// Every perform ends with this (`IBalancer.GasProfile`).
        event GasProfile(
            uint8 paths,
            uint16 bitmap,
            uint32 gasUsed,
            uint32 driftBeforeBps,
            uint32 expectedAfterBps,
            uint8 orderCount
        );

        function fund(address token, uint256 amount) external returns (uint256 shares);
        function balances() external view returns (uint256[] memory);
        function targets() external view returns (uint16[] memory);
        function totalValue() external view returns (uint256);
        function totalShares() external view returns (uint256);
        function state() external view returns (BalancerState memory);
        function params() external view returns (Params memory);
        function assets() external view returns (Asset[] memory);
        function protocol() external view returns (address protocolAddress, bytes32 domainSeparator);
        function owner() external view returns (address);
        function forwarder() external view returns (address);
        function setForwarder(address newForwarder) external;
        function manager() external view returns (address);
        function setManager(address newManager) external;
        function interval() external view returns (uint32);
        function dustFloorBps() external view returns (uint16);
        function checkUpkeep(bytes checkData)
            external
            view
            returns (bool upkeepNeeded, bytes memory performData);
    }

    /// `IUpkeepManager.Config`: the manager's gas reserves, round budget and round size.
    #[derive(Debug, PartialEq, Eq)]
    struct ManagerConfig {
        uint32 performGasReserve;
        uint32 checkGasReserve;
        uint32 roundGasBudget;
        uint8 maxPerRound;
    }

    /// The fleet's upkeep manager (`contracts/UpkeepManager.sol`): one upkeep for many balancers.
    #[sol(rpc)]
    contract UpkeepManager {
        constructor(address owner_, ManagerConfig config_);

        /// One round: performed, failed, deferred, and where the next check starts.
        event RoundPerformed(uint256 performed, uint256 failed, uint256 deferred, uint256 nextCursor);
        /// A balancer's perform reverted (its error data) or was not attempted.
        event BalancerFailed(address indexed balancer, bytes reason);

        function addBalancer(address balancer) external;
        function removeBalancer(address balancer) external;
        function setForwarder(address forwarder_) external;
        function forwarder() external view returns (address);
        function owner() external view returns (address);
        function fleetSize() external view returns (uint256);
        function fleetEpoch() external view returns (uint32);
        function cursor() external view returns (uint16);
        function feeds() external view returns (address[] memory);
        function config() external view returns (ManagerConfig memory);
        function checkUpkeep(bytes checkData)
            external
            returns (bool upkeepNeeded, bytes memory performData);
    }

    /// The test token (`test/utils/TestERC20.sol`): OpenZeppelin ERC-20 with an open `mint`.
    #[sol(rpc)]
    contract TestERC20 {
        constructor(string name_, string symbol_, uint8 decimals_);
        function mint(address to, uint256 amount) external;
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
        function decimals() external view returns (uint8);
        function symbol() external view returns (string memory);
    }
}
