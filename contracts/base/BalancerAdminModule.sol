// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";
import {CloneArgs} from "../libraries/CloneArgs.sol";
import {Drift} from "../libraries/Drift.sol";
import {BalancerState} from "./BalancerState.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title A balancer's admin module — the balancer's cold code: its owner and controller functions
/// and their views, deposits (`fund`, `sync`), and the holders' `claim` of what a failed withdrawal
/// transfer left owed.
/// @notice Deployed once by each balancer implementation and reached only by delegatecall from the
/// balancer's `fallback`, so it runs on the clone's storage (the layout of `BalancerAdmin`, which
/// both inherit) with the caller's `msg.sender`. Called directly it has no owner: every setter
/// reverts `Unauthorized`. It moves cold code out of the balancer (whose runtime code must stay
/// under 22,528 bytes); an admin call pays one more delegatecall (~2,700 gas).
contract BalancerAdminModule is BalancerState, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using CloneArgs for CloneArgs.Config;

    /* ---------------------------------------------------------------- VAULT --- */

    /// @notice Deposits `amount` of `token` and mints shares at the oracle value of the deposit,
    /// against the portfolio valued on what it really holds (a token that rebased below its tracked
    /// balance is synced down first, so a later depositor does not pay for the loss).
    function fund(address token, uint256 amount) external nonReentrant returns (uint256 shares) {
        if (amount == 0) revert IBalancer.ZeroAmount();
        if (uint8(_params >> 184) != 0) revert IBalancer.IsPaused();
        CloneArgs.Config memory c = _config();
        _sync(c);
        uint256 idx = _indexOf(c, token);
        uint256[] memory prices = _readPrices(c, type(uint256).max, msg.data[0:0]);
        (, uint256 total) = _valuesOf(c, prices);
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert IBalancer.FeeOnTransfer(token, amount, received);
        uint256 value = Drift.value(amount, prices[idx], c.decimals(idx));
        uint256 supply = totalShares;
        if (supply == 0) {
            if (value <= DEAD_SHARES) revert IBalancer.DepositTooSmall(value);
            shares = value - DEAD_SHARES;
            sharesOf[address(0)] = DEAD_SHARES;
            supply = DEAD_SHARES;
        } else {
            if (total == 0) revert IBalancer.DepositTooSmall(value);
            shares = value * supply / total;
            if (shares == 0) revert IBalancer.DepositTooSmall(value);
        }
        _balances[idx] += amount.toUint128();
        sharesOf[msg.sender] += shares;
        totalShares = supply + shares;
        emit IBalancer.Funded(msg.sender, token, amount, value, shares);
    }

    /// @notice Lowers every tracked balance to what the balancer really holds for the portfolio
    /// (a negative rebase, a token that took a fee or was seized), so the loss is the holders' before
    /// anyone deposits. Anyone may call it; it never raises a balance (a donation moves no share).
    function sync() external nonReentrant {
        _sync(_config());
    }

    function _sync(CloneArgs.Config memory c) internal {
        uint256 reserves = _reserveMask;
        for (uint256 i; i < c.n; ++i) {
            address t = c.token(i);
            uint256 tracked = _balances[i];
            uint256 held = IERC20(t).balanceOf(address(this));
            // what is owed to holders from refused withdrawals is held, but not the portfolio's
            if (reserves >> i & 1 == 1) {
                uint256 r = _owedTotal[t];
                held = held > r ? held - r : 0;
            }
            if (held >= tracked) continue;
            _balances[i] = uint128(held);
            emit IBalancer.BalanceSynced(t, tracked, held);
        }
    }

    /* -------------------------------------------------------------- HOLDERS --- */

    /// @notice Pays the caller what a failed withdrawal transfer left owed in `token`. The guard's
    /// transient slot is the balancer's own (delegatecall), shared with `fund` and `withdraw`.
    function claim(address token) external nonReentrant returns (uint256 amount) {
        amount = _owed[msg.sender][token];
        if (amount == 0) revert IBalancer.NothingOwed(msg.sender, token);
        delete _owed[msg.sender][token];
        uint256 left = _owedTotal[token] - amount;
        _owedTotal[token] = left;
        if (left == 0) _reserveMask &= ~uint16(1 << _indexOf(_config(), token));
        IERC20(token).safeTransfer(msg.sender, amount);
        emit IBalancer.Claimed(msg.sender, token, amount);
    }

    /// @notice What `account` is owed in `token` from withdrawals whose transfer failed.
    function owed(address account, address token) external view returns (uint256) {
        return _owed[account][token];
    }

    /* ---------------------------------------------------------------- OWNER --- */

    /// @notice Starts a two-step ownership transfer.
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit IBalancer.OwnershipTransferStarted(owner, newOwner);
    }

    /// @notice Completes a two-step ownership transfer.
    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert IBalancer.Unauthorized(msg.sender);
        emit IBalancer.OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        delete pendingOwner;
    }

    /// @notice Sets bands, slippage, grid, cooldowns, order lifetime and pause.
    function setParams(IBalancer.Params calldata p) external onlyOwner {
        _setParams(p);
    }

    /// @notice Pauses or unpauses checks, performs and deposits (withdrawals always work).
    function setPaused(bool paused) external onlyOwner {
        uint256 w = _params & ~(uint256(0xff) << 184) | (paused ? uint256(1) << 184 : 0);
        _params = w;
        emit IBalancer.ParamsUpdated(_unpackParams(w));
    }

    /// @notice Sets the target weights (bps, one per asset, summing to 10,000).
    function setTargets(uint16[] calldata targets) external onlyOwner {
        _setTargets(targets);
    }

    /// @notice Sets the limits inside which the controller may move the trigger bands.
    function setBandLimits(IBalancer.BandLimits calldata l) external onlyOwner {
        _setBandLimits(l);
    }

    /// @notice Sets the dust rule: orders worth less than fillCost x margin are not published.
    function setDust(uint48 fillCostUsdE8, uint16 dustMarginBps) external onlyOwner {
        _setDust(fillCostUsdE8, dustMarginBps);
        emit IBalancer.DustUpdated(fillCostUsdE8, dustMarginBps);
    }

    /// @notice Sets the Chainlink forwarder (`registry.getForwarder(upkeepId)`).
    function setForwarder(address newForwarder) external onlyOwner {
        _setForwarder(newForwarder);
        emit IBalancer.ForwarderUpdated(newForwarder);
    }

    /// @notice Allows or removes a fallback keeper (or an upkeep manager).
    function setFallbackKeeper(address keeper, bool allowed) external onlyOwner {
        isFallbackKeeper[keeper] = allowed;
        emit IBalancer.FallbackKeeperUpdated(keeper, allowed);
    }

    /// @notice Sets the upkeep manager (address 0: none). It may perform like a fallback keeper and
    /// hand on its own reads of this balancer's feeds, which the balancer then trusts as its own.
    function setManager(address newManager) external onlyOwner {
        manager = newManager;
        emit IBalancer.ManagerUpdated(newManager);
    }

    /// @notice Sets the controller.
    function setController(address newController) external onlyOwner {
        controller = newController;
        emit IBalancer.ControllerUpdated(newController);
    }

    /* ----------------------------------------------------------- CONTROLLER --- */

    /// @notice The controller moves the bands inside the owner's limits; clear bands must stay
    /// below their trigger bands.
    function setBands(uint16 driftBps, uint16 clearBps, uint16 stableDriftBps, uint16 stableClearBps)
        external
    {
        if (msg.sender != controller && msg.sender != owner) {
            revert IBalancer.Unauthorized(msg.sender);
        }
        IBalancer.BandLimits memory l = _limits;
        if (msg.sender == controller) {
            _within(driftBps, l.minDriftBps, l.maxDriftBps);
            _within(stableDriftBps, l.minStableDriftBps, l.maxStableDriftBps);
        }
        IBalancer.Params memory p = _unpackParams(_params);
        p.driftBps = driftBps;
        p.clearBps = clearBps;
        p.stableDriftBps = stableDriftBps;
        p.stableClearBps = stableClearBps;
        _setParams(p);
    }

    /* ---------------------------------------------------------------- VIEWS --- */

    /// @notice Current parameters.
    function params() external view returns (IBalancer.Params memory) {
        return _unpackParams(_params);
    }

    /// @notice The controller's band limits.
    function bandLimits() external view returns (IBalancer.BandLimits memory) {
        return _limits;
    }

    /// @notice The dust rule.
    function dust() external view returns (uint48 fillCostUsdE8, uint16 dustMarginBps) {
        uint256 w = _params;
        return (uint48(w >> 192), uint16(w >> 240));
    }
}
