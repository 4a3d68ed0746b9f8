// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title A hub depository: entities' ERC-20 reserves, hub–user accounts holding collateral, and
/// the hub's batch settlement of its users' top-up requests.
/// @notice Every entity (a hub or a user) holds a **reserve** per token. A hub and a user share an
/// **account** per token whose **collateral** backs their off-chain balances: `hubShare` of it is
/// the hub's, the rest the user's. A user asks its hub for a top-up (`requestRebalance`: amount,
/// the largest fee it accepts, a deadline); the hub serves many requests in one `settleBatch`:
/// each **push** (reserve → collateral) moves the amount from the hub's reserve into the account,
/// on the user's side, and the fee from the user's reserve to the hub's, in one step that also
/// clears the request. Before its pushes, a batch may **pull** (collateral → reserve) the hub's own
/// free share out of accounts, each authorised by the user's EIP-712 signature (pull before push).
interface IHubDepository {
    /* ---------------------------------------------------------------- TYPES --- */

    /// @notice One top-up of a batch: the request's fields (checked against its commitment) and the
    /// fee the hub charges (at most `maxFee`).
    struct Push {
        uint256 id;
        address user;
        address token;
        uint256 amount;
        uint256 maxFee;
        uint64 deadline;
        uint256 fee;
    }

    /// @notice One token's change in an account: first `shareDelta` moves collateral between the
    /// sides (+: to the hub; the collateral is unchanged), then `pull` leaves the puller's share for
    /// the puller's reserve. Both conserve value.
    struct Diff {
        address token;
        int256 shareDelta;
        uint256 pull;
    }

    /// @notice A settlement the counterparty signed: account (hub, user), its nonce, the diffs.
    struct Pull {
        address user;
        uint256 nonce;
        Diff[] diffs;
        bytes signature;
    }

    /* --------------------------------------------------------------- ERRORS --- */

    /// @notice Zero amount.
    error ZeroAmount();
    /// @notice `token` delivered `received` of `amount` (fee-on-transfer tokens are not supported).
    error FeeOnTransfer(address token, uint256 amount, uint256 received);
    /// @notice `entity` holds `reserve` of `token`, less than `amount`.
    error ReserveTooLow(address entity, address token, uint256 reserve, uint256 amount);
    /// @notice A request's deadline `deadline` is not in the future.
    error DeadlinePassed(uint64 deadline);
    /// @notice The caller `caller` is not the account's hub or user.
    error NotAParty(address caller);
    /// @notice An account, or a request, of `entity` with itself.
    error SelfAccount(address entity);
    /// @notice An account's collateral would pass 2^128 - 1: `collateral`.
    error CollateralOverflow(uint256 collateral);
    /// @notice No open request `id` with these fields (never made, cancelled, settled, or another
    /// caller's).
    error UnknownRequest(uint256 id);
    /// @notice The batch's round `round` is not the hub's next, `expected` (a retried batch).
    error StaleRound(uint256 round, uint256 expected);
    /// @notice The batch holds `count` operations of `kind` (0 pulls, 1 pushes, 2 diffs of a pull),
    /// more than `max`.
    error BatchTooLarge(uint8 kind, uint256 count, uint256 max);
    /// @notice Operation `index` (pulls first, then pushes) names an unknown, cancelled or settled
    /// request, or one of another hub.
    error OpUnknownRequest(uint256 index, uint256 id);
    /// @notice Operation `index`'s request expired at `deadline`.
    error OpExpired(uint256 index, uint64 deadline);
    /// @notice Operation `index` charges `fee`, above the request's `maxFee`.
    error OpFeeAboveMax(uint256 index, uint256 fee, uint256 maxFee);
    /// @notice Operation `index`: `entity`'s reserve of `token` is `reserve`, less than `needed`.
    error OpReserveTooLow(uint256 index, address entity, address token, uint256 reserve, uint256 needed);
    /// @notice Operation `index`'s nonce is `nonce`; the account's next is `expected`.
    error OpBadNonce(uint256 index, uint256 nonce, uint256 expected);
    /// @notice Operation `index`'s signature is not the counterparty's over its settlement.
    error OpBadSignature(uint256 index);
    /// @notice Operation `index` (diff `diff`) would leave a side's share outside the collateral, or
    /// pull more than the puller's share (`share`): `pull`.
    error OpShareExceeded(uint256 index, uint256 diff, uint256 share, uint256 pull);

    /* --------------------------------------------------------------- EVENTS --- */

    /// @notice `entity` deposited `amount` of `token` into its reserve.
    event Deposited(address indexed entity, address indexed token, uint256 amount);
    /// @notice `entity` withdrew `amount` of `token` from its reserve.
    event Withdrawn(address indexed entity, address indexed token, uint256 amount);
    /// @notice `funder` (the hub or the user) moved `amount` of its reserve into the account
    /// (hub, user), on its own side.
    event AccountFunded(
        address indexed hub, address indexed user, address indexed token, address funder, uint256 amount
    );
    /// @notice `user` asks `hub` to move `amount` of `token` into their account, for at most
    /// `maxFee` (paid from the user's reserve), before `deadline`.
    event RebalanceRequested(
        uint256 indexed id,
        address indexed user,
        address indexed hub,
        address token,
        uint256 amount,
        uint256 maxFee,
        uint64 deadline
    );
    /// @notice The user cancelled request `id`.
    event RequestCancelled(uint256 indexed id);
    /// @notice Request `id` was served: its amount moved from the hub's reserve into the account,
    /// `fee` from the user's reserve to the hub's.
    event RebalanceSettled(uint256 indexed id, uint256 fee);
    /// @notice A settlement of account (hub, user) at `nonce` applied `diffs`; `puller` received the
    /// pulls in its reserve.
    event Settled(address indexed hub, address indexed user, uint256 nonce, address puller, Diff[] diffs);
    /// @notice `hub`'s batch `round` settled `pulls` pulls and `pushes` pushes.
    event BatchSettled(address indexed hub, uint256 indexed round, uint256 pulls, uint256 pushes);

    /* ------------------------------------------------------------ FUNCTIONS --- */

    /// @notice Deposits `amount` of `token` into the caller's reserve.
    function deposit(address token, uint256 amount) external;
    /// @notice Withdraws `amount` of `token` from the caller's reserve.
    function withdraw(address token, uint256 amount) external;
    /// @notice The caller (the account's hub or its user) moves `amount` of its reserve into the
    /// account (hub, user), on its own side. A user's own deposit never serves a request.
    function fundAccount(address hub, address user, address token, uint256 amount) external;
    /// @notice Asks `hub` for a top-up of `amount` of `token`, for at most `maxFee`, until
    /// `deadline` (a future timestamp). Returns the request's id.
    function requestRebalance(address hub, address token, uint256 amount, uint256 maxFee, uint64 deadline)
        external
        returns (uint256 id);
    /// @notice The request's user cancels it (its fields, as requested).
    function cancelRequest(
        uint256 id,
        address hub,
        address token,
        uint256 amount,
        uint256 maxFee,
        uint64 deadline
    ) external;
    /// @notice The hub settles `round` (its next): first every pull, then every push; the whole
    /// batch reverts on any invalid operation, naming its index.
    function settleBatch(uint256 round, Pull[] calldata pulls, Push[] calldata pushes) external;
    /// @notice The user applies a settlement of its account with `hub` that the hub signed (pulling
    /// the user's own share into the user's reserve).
    function settle(address hub, uint256 nonce, Diff[] calldata diffs, bytes calldata hubSignature) external;

    /// @notice `entity`'s reserve of `token`.
    function reserveOf(address entity, address token) external view returns (uint256);
    /// @notice The account's collateral of `token` and the hub's share of it.
    function accountOf(address hub, address user, address token)
        external
        view
        returns (uint256 collateral, uint256 hubShare);
    /// @notice The account's next settlement nonce.
    function nonceOf(address hub, address user) external view returns (uint256);
    /// @notice `hub`'s next batch round.
    function roundOf(address hub) external view returns (uint256);
    /// @notice Request `id`'s commitment (0 when not open).
    function commitmentOf(uint256 id) external view returns (bytes32);
    /// @notice The id the next request gets.
    function nextRequestId() external view returns (uint256);
    /// @notice The EIP-712 digest the counterparty signs for a settlement of (hub, user) at `nonce`
    /// whose pulls go to `puller`.
    function settlementDigest(address hub, address user, address puller, uint256 nonce, Diff[] calldata diffs)
        external
        view
        returns (bytes32);
}
