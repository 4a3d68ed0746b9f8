// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IHubDepository} from "./interfaces/IHubDepository.sol";
import {HubSettlement} from "./libraries/HubSettlement.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title HubDepository: reserves, hub–user collateral accounts, and batched top-ups with fees.
/// @notice See `IHubDepository`. A top-up moves the amount from the hub's reserve into the
/// account on the user's side and the fee from the user's reserve to the hub's **in one step,
/// together with clearing the request**: no fee without its top-up, and a user's own
/// `fundAccount` never serves a request. A request is stored as one word, the hash of its
/// fields, which the hub passes back; a cancelled, settled or other hub's request matches no
/// word. Each batch names the hub's next round, so a retried batch is refused before it moves
/// anything. Settlements (pulls) are EIP-712 signed by the counterparty over (chain id, this
/// depository, hub, user, puller, nonce, diffs), with a per-account nonce at full width.
contract HubDepository is IHubDepository, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Most pulls, pushes and diffs per pull in one batch.
    uint256 public constant MAX_PULLS = 32;
    uint256 public constant MAX_PUSHES = 256;
    uint256 public constant MAX_DIFFS = 32;

    mapping(address entity => mapping(address token => uint256)) internal _reserves;
    /// @dev Account words (`HubSettlement`): collateral | hubShare << 128.
    mapping(address hub => mapping(address user => mapping(address token => uint256))) internal _accounts;
    mapping(address hub => mapping(address user => uint256)) internal _nonces;
    mapping(address hub => uint256) internal _rounds;
    mapping(uint256 id => bytes32) internal _requests;
    uint256 internal _nextRequestId = 1;

    constructor() EIP712("onebalancer HubDepository", "1") {}

    /* ------------------------------------------------------------- RESERVES --- */

    /// @inheritdoc IHubDepository
    function deposit(address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert FeeOnTransfer(token, amount, received);
        _reserves[msg.sender][token] += amount;
        emit Deposited(msg.sender, token, amount);
    }

    /// @inheritdoc IHubDepository
    function withdraw(address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _debit(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, token, amount);
    }

    /// @inheritdoc IHubDepository
    function fundAccount(address hub, address user, address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (msg.sender != hub && msg.sender != user) revert NotAParty(msg.sender);
        if (hub == user) revert SelfAccount(hub);
        _debit(msg.sender, token, amount);
        (uint256 collateral, uint256 hubShare) = HubSettlement.unpack(_accounts[hub][user][token]);
        collateral += amount;
        if (msg.sender == hub) hubShare += amount;
        _accounts[hub][user][token] = _packChecked(collateral, hubShare);
        emit AccountFunded(hub, user, token, msg.sender, amount);
    }

    /* ------------------------------------------------------------- REQUESTS --- */

    /// @inheritdoc IHubDepository
    function requestRebalance(address hub, address token, uint256 amount, uint256 maxFee, uint64 deadline)
        external
        returns (uint256 id)
    {
        if (amount == 0) revert ZeroAmount();
        // a hub serving itself would pay its own fee from a reserve the batch holds in memory
        if (hub == msg.sender) revert SelfAccount(hub);
        if (deadline <= block.timestamp) revert DeadlinePassed(deadline);
        id = _nextRequestId++;
        _requests[id] = HubSettlement.commitment(msg.sender, hub, token, amount, maxFee, deadline);
        emit RebalanceRequested(id, msg.sender, hub, token, amount, maxFee, deadline);
    }

    /// @inheritdoc IHubDepository
    function cancelRequest(
        uint256 id,
        address hub,
        address token,
        uint256 amount,
        uint256 maxFee,
        uint64 deadline
    ) external {
        bytes32 c = HubSettlement.commitment(msg.sender, hub, token, amount, maxFee, deadline);
        if (c != _requests[id]) revert UnknownRequest(id);
        delete _requests[id];
        emit RequestCancelled(id);
    }

    /* --------------------------------------------------------------- BATCHES --- */

    /// @inheritdoc IHubDepository
    function settleBatch(uint256 round, Pull[] calldata pulls, Push[] calldata pushes) external nonReentrant {
        uint256 expected = _rounds[msg.sender];
        if (round != expected) revert StaleRound(round, expected);
        if (pulls.length > MAX_PULLS) revert BatchTooLarge(0, pulls.length, MAX_PULLS);
        if (pushes.length > MAX_PUSHES) revert BatchTooLarge(1, pushes.length, MAX_PUSHES);
        _rounds[msg.sender] = expected + 1;
        // pull before push: what the pulls return to the hub's reserve funds the pushes
        for (uint256 i; i < pulls.length; ++i) {
            Pull calldata p = pulls[i];
            _settle(i, msg.sender, p.user, msg.sender, p.nonce, p.diffs, p.signature);
        }
        _push(pulls.length, pushes);
        emit BatchSettled(msg.sender, round, pulls.length, pushes.length);
    }

    /// @inheritdoc IHubDepository
    function settle(address hub, uint256 nonce, Diff[] calldata diffs, bytes calldata hubSignature)
        external
        nonReentrant
    {
        _settle(0, hub, msg.sender, msg.sender, nonce, diffs, hubSignature);
    }

    /* ---------------------------------------------------------------- VIEWS --- */

    /// @inheritdoc IHubDepository
    function reserveOf(address entity, address token) external view returns (uint256) {
        return _reserves[entity][token];
    }

    /// @inheritdoc IHubDepository
    function accountOf(address hub, address user, address token)
        external
        view
        returns (uint256 collateral, uint256 hubShare)
    {
        return HubSettlement.unpack(_accounts[hub][user][token]);
    }

    /// @inheritdoc IHubDepository
    function nonceOf(address hub, address user) external view returns (uint256) {
        return _nonces[hub][user];
    }

    /// @inheritdoc IHubDepository
    function roundOf(address hub) external view returns (uint256) {
        return _rounds[hub];
    }

    /// @inheritdoc IHubDepository
    function commitmentOf(uint256 id) external view returns (bytes32) {
        return _requests[id];
    }

    /// @inheritdoc IHubDepository
    function nextRequestId() external view returns (uint256) {
        return _nextRequestId;
    }

    /// @inheritdoc IHubDepository
    function settlementDigest(address hub, address user, address puller, uint256 nonce, Diff[] calldata diffs)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(HubSettlement.structHash(hub, user, puller, nonce, diffs));
    }

    /* ------------------------------------------------------------- INTERNAL --- */

    /// @dev The pushes of a batch, operations `base` onwards. The hub's reserve of the current
    /// token is kept in memory across a run of pushes in that token and written once per run.
    function _push(uint256 base, Push[] calldata pushes) internal {
        address hub = msg.sender;
        address token = address(0); // the run's token (none yet)
        uint256 reserve = 0; // the hub's reserve of it, in memory
        for (uint256 j; j < pushes.length; ++j) {
            Push calldata q = pushes[j];
            uint256 index = base + j;
            if (q.token != token) {
                if (token != address(0)) _reserves[hub][token] = reserve;
                token = q.token;
                reserve = _reserves[hub][token];
            }
            bytes32 c = HubSettlement.commitment(q.user, hub, q.token, q.amount, q.maxFee, q.deadline);
            if (_requests[q.id] != c || c == bytes32(0)) revert OpUnknownRequest(index, q.id);
            if (block.timestamp > q.deadline) revert OpExpired(index, q.deadline);
            if (q.fee > q.maxFee) revert OpFeeAboveMax(index, q.fee, q.maxFee);
            delete _requests[q.id];
            // the user pays the fee, the hub the amount; the request is cleared in the same step
            uint256 userReserve = _reserves[q.user][token];
            if (userReserve < q.fee) revert OpReserveTooLow(index, q.user, token, userReserve, q.fee);
            reserve += q.fee;
            if (reserve < q.amount) revert OpReserveTooLow(index, hub, token, reserve, q.amount);
            unchecked {
                _reserves[q.user][token] = userReserve - q.fee;
                reserve -= q.amount;
            }
            (uint256 collateral, uint256 hubShare) = HubSettlement.unpack(_accounts[hub][q.user][token]);
            _accounts[hub][q.user][token] = _packChecked(collateral + q.amount, hubShare);
            emit RebalanceSettled(q.id, q.fee);
        }
        if (token != address(0)) _reserves[hub][token] = reserve;
    }

    /// @dev Applies a settlement of (hub, user) at `nonce` signed by the puller's counterparty;
    /// operation `index` for the errors.
    function _settle(
        uint256 index,
        address hub,
        address user,
        address puller,
        uint256 nonce,
        Diff[] calldata diffs,
        bytes calldata signature
    ) internal {
        if (diffs.length > MAX_DIFFS) revert BatchTooLarge(2, diffs.length, MAX_DIFFS);
        uint256 expected = _nonces[hub][user];
        if (nonce != expected) revert OpBadNonce(index, nonce, expected);
        _nonces[hub][user] = expected + 1;
        address signer = puller == hub ? user : hub;
        bytes32 digest = _hashTypedDataV4(HubSettlement.structHash(hub, user, puller, nonce, diffs));
        if (!SignatureChecker.isValidSignatureNow(signer, digest, signature)) revert OpBadSignature(index);
        _applyDiffs(index, hub, user, puller, diffs);
        emit Settled(hub, user, nonce, puller, diffs);
    }

    /// @dev The diffs of a verified settlement, in order.
    function _applyDiffs(uint256 index, address hub, address user, address puller, Diff[] calldata diffs)
        internal
    {
        mapping(address token => uint256) storage accounts = _accounts[hub][user];
        bool hubPulls = puller == hub;
        for (uint256 k; k < diffs.length; ++k) {
            Diff calldata d = diffs[k];
            (uint256 out, bool ok, uint256 share) =
                HubSettlement.apply_(accounts[d.token], d.shareDelta, d.pull, hubPulls);
            if (!ok) revert OpShareExceeded(index, k, share, d.pull);
            accounts[d.token] = out;
            if (d.pull != 0) _reserves[puller][d.token] += d.pull;
        }
    }

    function _debit(address entity, address token, uint256 amount) internal {
        uint256 r = _reserves[entity][token];
        if (r < amount) revert ReserveTooLow(entity, token, r, amount);
        unchecked {
            _reserves[entity][token] = r - amount;
        }
    }

    /// @dev An account word; the collateral must fit 128 bits (the hub's share is at most it).
    function _packChecked(uint256 collateral, uint256 hubShare) internal pure returns (uint256) {
        if (collateral > type(uint128).max) revert CollateralOverflow(collateral);
        return HubSettlement.pack(collateral, hubShare);
    }
}
