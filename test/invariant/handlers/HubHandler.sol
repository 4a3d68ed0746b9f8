// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {HubDepository} from "../../../contracts/HubDepository.sol";
import {IHubDepository} from "../../../contracts/interfaces/IHubDepository.sol";
import {TestERC20} from "../../utils/TestERC20.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

/// @title HubHandler
/// @notice Drives a depository through random deposits, withdrawals, account fundings, requests,
/// cancellations, time, batches (with operations that must fail mixed in), signed pulls and
/// replayed signatures, keeping a ghost ledger of every reserve and account.
contract HubHandler is CommonBase, StdCheats, StdUtils {
    HubDepository public immutable dep;
    TestERC20[] internal tokens;
    address public immutable hub;
    address[] internal users;
    uint256[] internal keys;

    struct Req {
        IHubDepository.Push p;
        bool open; // not cancelled, not settled
        bool cancelled;
    }

    Req[] internal reqs;

    /// @notice Ghost ledgers: what each reserve and account must hold.
    mapping(address => mapping(address => uint256)) public ghostReserve;
    mapping(address => mapping(address => uint256)) public ghostCollateral; // user => token
    mapping(address => mapping(address => uint256)) public ghostHubShare; // user => token
    mapping(address => uint256) public deposited;
    mapping(address => uint256) public withdrawn;

    /// @notice Set when something that must fail did not.
    bool public settledCancelledOrExpired;
    bool public replaySucceeded;
    bool public feeWithoutTopUp;
    uint256 public pushes;
    uint256 public pulls;
    uint256 public refusedBatches;
    uint256 public replaysTried;

    /// @dev The last spent settlement (one diff), replayed later.
    address internal spentUser;
    uint256 internal spentNonce;
    IHubDepository.Diff internal spentDiff;
    bytes internal spentSig;
    bool internal haveSpent;

    constructor(
        HubDepository dep_,
        TestERC20[] memory tokens_,
        address hub_,
        address[] memory users_,
        uint256[] memory keys_
    ) {
        dep = dep_;
        hub = hub_;
        for (uint256 i; i < tokens_.length; ++i) {
            tokens.push(tokens_[i]);
        }
        for (uint256 i; i < users_.length; ++i) {
            users.push(users_[i]);
            keys.push(keys_[i]);
        }
    }

    /* -------------------------------------------------------------- ACTIONS --- */

    function deposit(uint256 who, uint256 t, uint256 amount) external {
        address a = _actor(who);
        TestERC20 token = tokens[t % tokens.length];
        amount = bound(amount, 1, 1e30);
        token.mint(a, amount);
        vm.startPrank(a);
        token.approve(address(dep), amount);
        dep.deposit(address(token), amount);
        vm.stopPrank();
        ghostReserve[a][address(token)] += amount;
        deposited[address(token)] += amount;
    }

    function withdraw(uint256 who, uint256 t, uint256 amount) external {
        address a = _actor(who);
        address token = address(tokens[t % tokens.length]);
        uint256 r = ghostReserve[a][token];
        if (r == 0) return;
        amount = bound(amount, 1, r);
        vm.prank(a);
        dep.withdraw(token, amount);
        ghostReserve[a][token] -= amount;
        withdrawn[token] += amount;
    }

    function fundAccount(uint256 u, uint256 t, uint256 amount, bool asHub) external {
        address user = users[u % users.length];
        address token = address(tokens[t % tokens.length]);
        address funder = asHub ? hub : user;
        uint256 r = ghostReserve[funder][token];
        if (r == 0) return;
        amount = bound(amount, 1, r);
        vm.prank(funder);
        dep.fundAccount(hub, user, token, amount);
        ghostReserve[funder][token] -= amount;
        ghostCollateral[user][token] += amount;
        if (asHub) ghostHubShare[user][token] += amount;
    }

    function request(uint256 u, uint256 t, uint256 amount, uint256 maxFee, uint256 ttl) external {
        address user = users[u % users.length];
        address token = address(tokens[t % tokens.length]);
        amount = bound(amount, 1, 1e24);
        maxFee = bound(maxFee, 0, 1e22);
        uint64 deadline = uint64(block.timestamp + bound(ttl, 1, 2 hours));
        vm.prank(user);
        uint256 id = dep.requestRebalance(hub, token, amount, maxFee, deadline);
        reqs.push(
            Req({
                p: IHubDepository.Push({
                    id: id,
                    user: user,
                    token: token,
                    amount: amount,
                    maxFee: maxFee,
                    deadline: deadline,
                    fee: 0
                }),
                open: true,
                cancelled: false
            })
        );
    }

    function cancel(uint256 k) external {
        if (reqs.length == 0) return;
        Req storage r = reqs[k % reqs.length];
        if (!r.open) return;
        vm.prank(r.p.user);
        dep.cancelRequest(r.p.id, hub, r.p.token, r.p.amount, r.p.maxFee, r.p.deadline);
        r.open = false;
        r.cancelled = true;
    }

    /// @notice Time passes; the hub's keeper then settles what it finds (as after its window).
    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 1 hours));
        this.settle(secs, uint8(secs), secs >> 8);
    }

    /// @notice The hub settles up to 5 requests picked by `mask` at fees `feeSeed` sets. A batch
    /// holding a cancelled, settled or expired request must revert whole.
    function settle(uint256 start, uint8 mask, uint256 feeSeed) external {
        if (reqs.length == 0) this.request(start, feeSeed, feeSeed, feeSeed >> 128, start);
        mask |= 1;
        IHubDepository.Push[] memory ps = new IHubDepository.Push[](5);
        uint256 n;
        bool mustFail;
        for (uint256 i; i < 5; ++i) {
            if (mask >> i & 1 == 0) continue;
            Req storage r = reqs[(start % reqs.length + i) % reqs.length];
            IHubDepository.Push memory p = r.p;
            p.fee = p.maxFee == 0 ? 0 : (feeSeed >> (i * 8)) % (p.maxFee + 1);
            bool dup;
            for (uint256 j; j < n; ++j) {
                if (ps[j].id == p.id) dup = true;
            }
            if (dup) continue;
            if (!r.open || block.timestamp > p.deadline) mustFail = true;
            ps[n++] = p;
        }
        assembly ("memory-safe") {
            mstore(ps, n)
        }
        if (n == 0) return;
        uint256 round = dep.roundOf(hub);
        vm.prank(hub);
        try dep.settleBatch(round, new IHubDepository.Pull[](0), ps) {
            if (mustFail) settledCancelledOrExpired = true;
            for (uint256 i; i < n; ++i) {
                _book(ps[i]);
            }
            // each charged fee came with its top-up: every account is what the ledger says
            for (uint256 i; i < n; ++i) {
                (uint256 actual,) = dep.accountOf(hub, ps[i].user, ps[i].token);
                if (actual != ghostCollateral[ps[i].user][ps[i].token]) feeWithoutTopUp = true;
            }
        } catch {
            ++refusedBatches;
        }
    }

    /// @notice A user moves `share` of its collateral to the hub's side (paying the hub off chain)
    /// and signs the hub's pull of `pull` of it; the hub pulls in a batch.
    function pull(uint256 u, uint256 t, uint256 share, uint256 amount) external {
        uint256 i = u % users.length;
        address user = users[i];
        address token = address(tokens[t % tokens.length]);
        uint256 collateral = ghostCollateral[user][token];
        uint256 hubShare = ghostHubShare[user][token];
        share = bound(share, 0, collateral - hubShare);
        amount = bound(amount, 0, hubShare + share);
        IHubDepository.Diff[] memory d = new IHubDepository.Diff[](1);
        d[0] = IHubDepository.Diff({token: token, shareDelta: int256(share), pull: amount});
        uint256 nonce = dep.nonceOf(hub, user);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], dep.settlementDigest(hub, user, hub, nonce, d));
        IHubDepository.Pull[] memory ps = new IHubDepository.Pull[](1);
        ps[0] =
            IHubDepository.Pull({user: user, nonce: nonce, diffs: d, signature: abi.encodePacked(r, s, v)});
        uint256 round = dep.roundOf(hub);
        vm.prank(hub);
        dep.settleBatch(round, ps, new IHubDepository.Push[](0));
        ghostHubShare[user][token] = hubShare + share - amount;
        ghostCollateral[user][token] = collateral - amount;
        ghostReserve[hub][token] += amount;
        ++pulls;
        (spentUser, spentNonce, spentDiff, spentSig) = (user, nonce, d[0], ps[0].signature);
        haveSpent = true;
    }

    /// @notice Replays the last spent settlement: as is (its nonce is spent), for another user's
    /// account, and on another chain id. Each must fail.
    function replay(uint256 other, bool otherChain) external {
        if (!haveSpent) return;
        IHubDepository.Pull[] memory ps = new IHubDepository.Pull[](1);
        IHubDepository.Diff[] memory d = new IHubDepository.Diff[](1);
        d[0] = spentDiff;
        ps[0] = IHubDepository.Pull({user: spentUser, nonce: spentNonce, diffs: d, signature: spentSig});
        address victim = users[other % users.length];
        if (victim != spentUser) {
            ps[0].user = victim;
            ps[0].nonce = dep.nonceOf(hub, victim);
        }
        uint256 id = block.chainid;
        if (otherChain) {
            vm.chainId(id + 1);
            ps[0].nonce = dep.nonceOf(hub, ps[0].user);
        }
        ++replaysTried;
        uint256 round = dep.roundOf(hub);
        vm.prank(hub);
        try dep.settleBatch(round, ps, new IHubDepository.Push[](0)) {
            // a zero-effect diff replayed on its own account at a fresh nonce is the only way this
            // could pass, and the nonce is spent, so any success is a replay
            replaySucceeded = true;
        } catch {}
        vm.chainId(id);
    }

    /* -------------------------------------------------------------- HELPERS --- */

    function _book(IHubDepository.Push memory p) internal {
        for (uint256 k; k < reqs.length; ++k) {
            if (reqs[k].p.id == p.id) reqs[k].open = false;
        }
        ghostReserve[hub][p.token] = ghostReserve[hub][p.token] + p.fee - p.amount;
        ghostReserve[p.user][p.token] -= p.fee;
        ghostCollateral[p.user][p.token] += p.amount;
        ++pushes;
    }

    function _actor(uint256 who) internal view returns (address) {
        uint256 k = who % (users.length + 1);
        return k == users.length ? hub : users[k];
    }

    function actorCount() external view returns (uint256) {
        return users.length + 1;
    }

    function actorAt(uint256 k) external view returns (address) {
        return _actor(k);
    }

    function userCount() external view returns (uint256) {
        return users.length;
    }

    function userAt(uint256 k) external view returns (address) {
        return users[k];
    }

    function tokenCount() external view returns (uint256) {
        return tokens.length;
    }

    function tokenAt(uint256 k) external view returns (TestERC20) {
        return tokens[k];
    }
}
