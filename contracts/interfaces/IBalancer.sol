// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILimitOrderProtocol} from "./ILimitOrderProtocol.sol";

/// @title A keeper-driven portfolio rebalancer: types, errors and events.
/// @notice Every state change emits an event carrying what an off-chain reader needs.
interface IBalancer {
    /* ---------------------------------------------------------------- TYPES --- */

    /// @notice Bands, slippage, order grid and cooldowns: one storage slot, read by every perform.
    /// @dev Bands are in basis points of portfolio value (global path) or of stable-slice value (stable path).
    struct Params {
        uint16 driftBps; // global trigger band: a unit drifting past it triggers the global path
        uint16 clearBps; // global clear band (< driftBps): a rebalance trades to its edge
        uint16 stableDriftBps; // within-slice trigger band
        uint16 stableClearBps; // within-slice clear band (< stableDriftBps)
        uint16 depegBps; // two stables' prices diverging past this triggers the stable path
        uint16 maxSlippageBps; // every order is priced at the oracle value less at most this
        uint8 gridLevels; // stable-to-stable trades are split into this many orders (1..8)
        uint16 gridSpacingBps; // price step between grid levels
        uint32 stableCooldown; // seconds between two stable-path performs
        uint32 globalCooldown; // seconds between two global-path performs
        uint32 orderTtl; // seconds a published bundle stays fillable
        bool paused;
    }

    /// @notice Limits the owner sets on what the controller may do with the bands.
    struct BandLimits {
        uint16 minDriftBps;
        uint16 maxDriftBps;
        uint16 minStableDriftBps;
        uint16 maxStableDriftBps;
    }

    /// @notice Everything `initialize` sets. `targets[i]` is asset i's target weight in bps.
    struct InitParams {
        address owner;
        address controller;
        address forwarder;
        uint16[] targets;
        Params params;
        BandLimits limits;
        uint48 fillCostUsdE8; // what one fill costs a taker in gas, in USD with 8 decimals
        uint16 dustMarginBps; // dust threshold = fillCostUsd x dustMarginBps / 10_000
        uint32 stableGasEstimate; // first per-path gas estimates (then learnt from each perform's gasUsed)
        uint32 globalGasEstimate;
        uint32 interval; // TimeBalancer only: seconds between calendar rebalances
        uint16 dustFloorBps; // TimeBalancer only: skip the calendar rebalance below this drift
    }

    /// @notice One asset of the portfolio, as fixed at creation (clone immutable arguments).
    struct Asset {
        address token;
        address feed; // Chainlink AggregatorV3Interface, USD price
        uint8 tokenDecimals;
        uint8 feedDecimals;
        uint32 heartbeat; // a price older than this is stale
        uint16 deviationBps; // the feed's deviation threshold: how far its answer may lag the market
        bool stable;
    }

    /// @notice Who may deposit. Whenever anyone but the owner can hold shares (not `OwnerOnly`, or
    /// shares held by others), changes that can move holders' value wait `changeDelay()`.
    enum DepositorMode {
        OwnerOnly,
        AllowList,
        Open
    }

    /// @notice A published order, as `OrdersPublished` carries it: the rest of the 1inch order follows
    /// from the balancer (see `OrderBook`): maker = the balancer, receiver 0, the assets from the salt's
    /// indices, makerTraits = HAS_EXTENSION | PRE_INTERACTION_CALL | expiry << 80 | nonce << 120.
    struct PublishedOrder {
        uint256 salt;
        uint256 makingAmount;
        uint256 takingAmount; // the floor at the perform's prices; a fill pays the price at fill time
    }

    /// @notice The per-perform state: one slot, written once per perform.
    /// @dev `digest` authorises the current bundle (first 16 bytes of keccak256 of its order hashes);
    /// gas estimates are in units of 32 gas.
    struct State {
        bytes16 digest;
        uint32 epoch;
        uint32 lastStableAt;
        uint32 lastGlobalAt;
        uint16 stableGas32;
        uint16 globalGas32;
    }

    /// @notice What a perform would do: built identically by `checkUpkeep` and `performUpkeep`.
    struct Plan {
        uint8 paths; // PATH_STABLE | PATH_GLOBAL
        uint16 bitmap; // assets taking part in at least one order
        uint32 driftBeforeBps; // largest drift of the paths run (global bps, or slice bps)
        uint32 expectedAfterBps; // where the paths run aim (the clear-band edge, or 0 for a full rebalance)
        ILimitOrderProtocol.Order[] orders;
        bytes32[] hashes; // EIP-712 hash of each order under the configured protocol domain
    }

    /* --------------------------------------------------------------- ERRORS --- */

    /// @notice `caller` may not perform upkeeps (not the forwarder, the manager or a fallback keeper).
    error UnauthorizedPerformer(address caller);
    /// @notice `caller` lacks the role this function needs.
    error Unauthorized(address caller);
    /// @notice performData was not produced by `checkUpkeep` (wrong length or flags).
    error InvalidPerformData(uint256 length, uint256 word);
    /// @notice performData was computed against epoch `given`; the state is at `current`.
    error StaleEpoch(uint32 given, uint32 current);
    /// @notice None of the paths in performData is needed any more (re-validated from fresh state).
    error UpkeepNotNeeded(uint8 requestedPaths);
    /// @notice A published bundle is still fillable until `expiry`.
    error BundleOpen(uint64 expiry);
    /// @notice The balancer is paused.
    error IsPaused();
    /// @notice The feed answered `answer` (zero or negative).
    error InvalidPrice(address feed, int256 answer);
    /// @notice The feed's last update at `updatedAt` is older than its heartbeat.
    error StalePrice(address feed, uint256 updatedAt, uint256 heartbeat);
    /// @notice The L2 sequencer-uptime feed reports the sequencer down.
    error SequencerDown(address feed);
    /// @notice The sequencer came back at `startedAt`; prices are trusted after the grace period.
    error SequencerGracePeriod(address feed, uint256 startedAt, uint256 grace);
    /// @notice `token` is not an asset of this portfolio.
    error UnknownAsset(address token);
    /// @notice Zero amount or zero shares.
    error ZeroAmount();
    /// @notice The deposit would mint no shares (value `value` too small).
    error DepositTooSmall(uint256 value);
    /// @notice `account` holds `balance` shares, fewer than `shares`.
    error InsufficientShares(address account, uint256 balance, uint256 shares);
    /// @notice `account` is owed nothing in `token`.
    error NothingOwed(address account, address token);
    /// @notice `token` delivered `received` of `amount` (fee-on-transfer tokens are not supported).
    error FeeOnTransfer(address token, uint256 amount, uint256 received);
    /// @notice Targets sum to `sum`, not 10,000, or their count `count` is not the asset count.
    error InvalidTargets(uint256 count, uint256 sum);
    /// @notice A parameter is outside its bounds: `code` names it (see `Params` field order).
    error InvalidParam(uint8 code, uint256 value);
    /// @notice The controller may set `value` only inside [`min`, `max`].
    error OutsideLimits(uint256 value, uint256 min, uint256 max);
    /// @notice Already initialised.
    error AlreadyInitialized();
    /// @notice The fill's order is not part of the current bundle (epoch `orderEpoch`, current `epoch`).
    error NotCurrentBundle(uint32 orderEpoch, uint32 epoch);
    /// @notice Only the configured Limit Order Protocol may call this.
    error OnlyProtocol(address caller);
    /// @notice The fill's order is not this balancer's own (its maker is `maker`).
    error NotOurOrder(address maker);
    /// @notice There is no open bundle to cancel (the current epoch is `epoch`).
    error NoOpenBundle(uint32 epoch);
    /// @notice A fill must take exactly `expected` (the order's part for the shares still outstanding),
    /// not `makingAmount`.
    error FillAmountMismatch(uint256 makingAmount, uint256 expected);
    /// @notice `account` may not deposit (depositor mode and allow-list).
    error NotADepositor(address account);
    /// @notice A single-asset deposit would push `path` (1 stable, 2 global) past its band `bandBps`, or
    /// grow a rebalance already due: drift `beforeBps` -> `afterBps`. Deposit in kind (`fundInKind`),
    /// or another asset.
    error DepositWouldDrift(uint8 path, uint256 beforeBps, uint256 afterBps, uint256 bandBps);
    /// @notice An in-kind deposit needs shares outstanding to be proportional to; deposit with `fund`.
    error NoSharesYet();
    /// @notice `amounts` has `length` entries, not one per asset (`count`).
    error InvalidAmounts(uint256 length, uint256 count);
    /// @notice The in-kind deposit needs `amount` of `token`, above the caller's `max`.
    error InKindAboveMax(address token, uint256 amount, uint256 max);
    /// @notice The announced change `id` applies from `eta`.
    error ChangeNotReady(bytes32 id, uint256 eta);
    /// @notice No change `id` is pending.
    error NoPendingChange(bytes32 id);
    /// @notice This balancer has no calendar (a DriftBalancer).
    error NoCalendar();

    /* --------------------------------------------------------------- EVENTS --- */

    /// @notice The balancer was initialised.
    event Initialized(address indexed owner, address controller, address forwarder, uint16[] targets);
    /// @notice `user` deposited `amount` of `token` worth `value` (USD, 18 decimals) for `shares`.
    event Funded(address indexed user, address indexed token, uint256 amount, uint256 value, uint256 shares);
    /// @notice `user` burnt `shares` and received `amounts` (in asset order), in kind. An asset whose
    /// transfer failed shows 0 here and is owed instead (`WithdrawalOwed`).
    event Withdrawn(address indexed user, uint256 shares, uint256[] amounts);
    /// @notice Paying `amount` of `token` to `user` failed (a frozen or blacklisted token): it is set
    /// aside for them, out of the portfolio, until they `claim` it.
    event WithdrawalOwed(address indexed user, address indexed token, uint256 amount);
    /// @notice `token`'s tracked balance was lowered from `tracked` to `held`, what the balancer
    /// really holds for the portfolio (a negative rebase or a loss).
    event BalanceSynced(address indexed token, uint256 tracked, uint256 held);
    /// @notice `user` was paid `amount` of `token` they were owed.
    event Claimed(address indexed user, address indexed token, uint256 amount);
    /// @notice A perform published a bundle, and this is all it reports: the paths it ran, the gas it
    /// measured (learnt per path), the largest drift of those paths before and where they aim, and the
    /// orders. Takers fill them with `fillContractOrderArgs`, passing `abi.encode(hashes)` (all hashes
    /// of the bundle, in order) as the signature and `extension()` as the order's extension; each fill
    /// is priced at the feeds at fill time (`getTakingAmount`). The assets an order trades are the
    /// salt's indices (`OrderBook`), so the bundle's asset bitmap and order count follow from `orders`.
    event OrdersPublished(
        uint32 indexed epoch,
        uint64 expiry,
        uint8 paths,
        uint32 gasUsed,
        uint32 driftBeforeBps,
        uint32 expectedAfterBps,
        PublishedOrder[] orders
    );
    /// @notice A fill of the current bundle moved `makingAmount` of `makerAsset` out for `takingAmount` in.
    event Filled(bytes32 indexed orderHash, address makerAsset, uint256 makingAmount, uint256 takingAmount);
    /// @notice The owner cancelled the open bundle of `epoch`.
    event BundleCancelled(uint32 indexed epoch);
    /// @notice `user` deposited `amounts` (in asset order), in kind, for `shares`.
    event FundedInKind(address indexed user, uint256 shares, uint256[] amounts);
    /// @notice The depositor mode changed.
    event DepositorModeUpdated(DepositorMode mode);
    /// @notice `account` was allowed or removed as a depositor (allow-list mode).
    event DepositorUpdated(address indexed account, bool allowed);
    /// @notice A change that can move holders' value (the call `data`) applies from `eta`; holders who
    /// disagree can withdraw before then.
    event ChangeAnnounced(bytes32 indexed id, bytes data, uint256 eta);
    /// @notice The announced change `id` was applied.
    event ChangeApplied(bytes32 indexed id);
    /// @notice The owner withdrew the announced change `id`.
    event ChangeCancelled(bytes32 indexed id);
    /// @notice The delay of changes that can move holders' value changed.
    event ChangeDelayUpdated(uint32 delay);
    /// @notice Bands, slippage, grid, cooldowns or pause changed.
    event ParamsUpdated(Params params);
    /// @notice The controller's band limits changed.
    event BandLimitsUpdated(BandLimits limits);
    /// @notice Target weights changed.
    event TargetsUpdated(uint16[] targets);
    /// @notice The dust rule changed.
    event DustUpdated(uint48 fillCostUsdE8, uint16 dustMarginBps);
    /// @notice The Chainlink forwarder changed.
    event ForwarderUpdated(address forwarder);
    /// @notice A fallback keeper was allowed or removed.
    event FallbackKeeperUpdated(address indexed keeper, bool allowed);
    event ManagerUpdated(address manager);
    /// @notice TimeBalancer: the calendar interval or dust floor changed.
    event CalendarUpdated(uint32 interval, uint16 dustFloorBps);
    /// @notice The controller changed.
    event ControllerUpdated(address controller);
    /// @notice Ownership transfer started (two-step).
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice Ownership transferred.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /* ------------------------------------------------------------ FUNCTIONS --- */

    /// @notice Called once by the factory in the transaction that creates the clone.
    function initialize(InitParams calldata ip) external;
    /// @notice Deposits `amount` of `token`; mints shares at the oracle value of the deposit, less the
    /// deposit spread (`depositSpreadBps`) when others hold shares.
    function fund(address token, uint256 amount) external returns (uint256 shares);
    /// @notice Deposits every asset in proportion to the tracked balances (rounded up) for `shares`;
    /// no oracle and no spread. Each amount must be at most `maxAmounts[i]`.
    function fundInKind(uint256 shares, uint256[] calldata maxAmounts)
        external
        returns (uint256[] memory amounts);
    /// @notice The spread a single-asset deposit of `token` pays when others hold shares: its feed's
    /// deviation threshold plus the largest of the others'.
    function depositSpreadBps(address token) external view returns (uint256);
    /// @notice Burns `shares`; pays their pro-rata part of every tracked balance in kind. An asset
    /// whose transfer fails does not stop the others: it is owed to the caller (`owed`, `claim`).
    function withdraw(uint256 shares) external returns (uint256[] memory amounts);
    /// @notice Anyone: lowers every tracked balance to what is really held (never raises one).
    function sync() external;
    /// @notice Pays the caller what a failed withdrawal transfer left owed in `token`; reverts with
    /// the token's error (and keeps it owed) while the transfer still fails.
    function claim(address token) external returns (uint256 amount);
    /// @notice What `account` is owed in `token` from withdrawals whose transfer failed.
    function owed(address account, address token) external view returns (uint256);
    /// @notice Starts a two-step ownership transfer.
    function transferOwnership(address newOwner) external;
    /// @notice Completes a two-step ownership transfer.
    function acceptOwnership() external;
    /// @notice Owner: bands, slippage, grid, cooldowns, order lifetime and pause.
    function setParams(Params calldata p) external;
    /// @notice Owner: pause or unpause checks, performs, deposits and fills.
    function setPaused(bool paused) external;
    /// @notice Owner: cancel the open bundle (its orders can no longer be filled).
    function cancelBundle() external;
    /// @notice Owner: who may deposit.
    function setDepositorMode(DepositorMode mode) external;
    /// @notice Owner: allow or remove a depositor (allow-list mode).
    function setDepositor(address account, bool allowed) external;
    /// @notice Owner: the delay of changes that can move holders' value (delayed itself).
    function setChangeDelay(uint32 delay) external;
    /// @notice Owner: withdraws the announced change `id`.
    function cancelChange(bytes32 id) external;
    /// @notice TimeBalancer, owner: the calendar interval and dust floor.
    function setCalendar(uint32 interval, uint16 dustFloorBps) external;
    /// @notice Owner: target weights in bps, one per asset, summing to 10,000.
    function setTargets(uint16[] calldata targets) external;
    /// @notice Owner: the limits for the controller's bands.
    function setBandLimits(BandLimits calldata l) external;
    /// @notice Owner: the dust rule.
    function setDust(uint48 fillCostUsdE8, uint16 dustMarginBps) external;
    /// @notice Owner: the Chainlink forwarder.
    function setForwarder(address newForwarder) external;
    /// @notice Owner: allow or remove a fallback keeper (or upkeep manager).
    function setFallbackKeeper(address keeper, bool allowed) external;
    function setManager(address newManager) external;
    /// @notice Owner: the controller.
    function setController(address newController) external;
    /// @notice Controller (inside the owner's limits) or owner: the four bands.
    function setBands(uint16 driftBps, uint16 clearBps, uint16 stableDriftBps, uint16 stableClearBps) external;

    /// @notice Shares the first deposit locks forever (held by address 0).
    function DEAD_SHARES() external view returns (uint256);
    /// @notice Total shares outstanding.
    function totalShares() external view returns (uint256);
    /// @notice Shares of `account`.
    function sharesOf(address account) external view returns (uint256);
    /// @notice The owner.
    function owner() external view returns (address);
    /// @notice The pending owner.
    function pendingOwner() external view returns (address);
    /// @notice The controller.
    function controller() external view returns (address);
    /// @notice Whether `keeper` may perform besides the forwarder.
    function isFallbackKeeper(address keeper) external view returns (bool);
    function manager() external view returns (address);
    /// @notice TimeBalancer: the calendar interval (0 for a DriftBalancer).
    function interval() external view returns (uint32);
    /// @notice TimeBalancer: the calendar dust floor.
    function dustFloorBps() external view returns (uint16);
    /// @notice Current parameters.
    function params() external view returns (Params memory);
    /// @notice The controller's band limits.
    function bandLimits() external view returns (BandLimits memory);
    /// @notice The per-perform state.
    function state() external view returns (State memory);
    /// @notice The Chainlink forwarder.
    function forwarder() external view returns (address);
    /// @notice The dust rule.
    function dust() external view returns (uint48 fillCostUsdE8, uint16 dustMarginBps);
    /// @notice Tracked balances, in asset order.
    function balances() external view returns (uint256[] memory);
    /// @notice Target weights in bps, in asset order.
    function targets() external view returns (uint16[] memory);
    /// @notice Portfolio value in USD (18 decimals) at current oracle prices.
    function totalValue() external view returns (uint256);
    /// @notice The assets, as fixed at creation.
    function assets() external view returns (Asset[] memory);
    /// @notice The 1inch protocol and the EIP-712 domain separator orders are signed under.
    function protocol() external view returns (address protocolAddress, bytes32 domainSeparator);
    /// @notice The depositor mode.
    function depositorMode() external view returns (DepositorMode);
    /// @notice Whether `account` is on the depositor allow-list.
    function isDepositor(address account) external view returns (bool);
    /// @notice Seconds a change that can move holders' value waits once announced.
    function changeDelay() external view returns (uint32);
    /// @notice When the announced change `id` (keccak256 of its call data) applies; 0 if none.
    function pendingChange(bytes32 id) external view returns (uint256 eta);
    /// @notice The 1inch order extension of every order of this balancer: its making- and taking-amount
    /// getters are the balancer itself.
    function extension() external view returns (bytes memory);
    /// @notice The making amount a fill of a current-bundle order selling `makingAmount` must take now:
    /// its part for the shares still outstanding since the perform (withdrawals shrink it).
    function fillableAmount(uint256 makingAmount) external view returns (uint256);
}
