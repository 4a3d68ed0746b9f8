// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";
import {CloneArgs} from "../libraries/CloneArgs.sol";
import {Drift} from "../libraries/Drift.sol";
import {Oracle} from "../libraries/Oracle.sol";
import {OrderBook} from "../libraries/OrderBook.sol";
import {BalancerState} from "./BalancerState.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title A balancer's admin module — the balancer's cold code: its owner and controller functions
/// and their views, deposits (`fund`, `fundInKind`, `sync`), and the holders' `claim` of what a
/// failed withdrawal transfer left owed.
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
    /// When others hold shares, the deposit is valued less its spread (`depositSpreadBps`: the feeds
    /// may lag the market by their deviation thresholds, so the deposit's value and the portfolio's
    /// may each be off by that much), and it may not push a path past its band or grow a rebalance
    /// already due (`DepositWouldDrift`): a deposit can never buy shares below their worth, nor make
    /// the portfolio trade for its depositor to fill. Deposit in kind (`fundInKind`) to pay neither.
    function fund(address token, uint256 amount) external nonReentrant returns (uint256 shares) {
        if (amount == 0) revert IBalancer.ZeroAmount();
        if (uint8(_params >> 184) != 0) revert IBalancer.IsPaused();
        _onlyDepositor();
        CloneArgs.Config memory c = _config();
        _sync(c);
        uint256 idx = _indexOf(c, token);
        if (c.sequencerFeed != address(0)) {
            Oracle.checkSequencer(c.sequencerFeed, c.sequencerGrace, msg.data[0:0], 0);
        }
        uint256[] memory prices = _readPrices(c, type(uint256).max, msg.data[0:0]);
        (uint256[] memory values, uint256 total) = _valuesOf(c, prices);
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
            uint256 priced = value;
            if (supply > sharesOf[msg.sender] + DEAD_SHARES) {
                _checkDrift(c, values, total, idx, value);
                priced = value * (Drift.BPS - _spreadBps(c, idx)) / Drift.BPS;
            }
            shares = priced * supply / total;
            if (shares == 0) revert IBalancer.DepositTooSmall(value);
            _noteSupply(supply);
        }
        _balances[idx] += amount.toUint128();
        sharesOf[msg.sender] += shares;
        totalShares = supply + shares;
        emit IBalancer.Funded(msg.sender, token, amount, value, shares);
    }

    /// @notice Deposits every asset in proportion to the tracked balances, for `shares`: asset i's
    /// amount is its tracked balance x shares / supply, rounded up. No oracle is read and no spread is
    /// charged: the portfolio's composition does not change, so no price can be wrong.
    function fundInKind(uint256 shares, uint256[] calldata maxAmounts)
        external
        nonReentrant
        returns (uint256[] memory amounts)
    {
        if (shares == 0) revert IBalancer.ZeroAmount();
        if (uint8(_params >> 184) != 0) revert IBalancer.IsPaused();
        _onlyDepositor();
        CloneArgs.Config memory c = _config();
        if (maxAmounts.length != c.n) revert IBalancer.InvalidAmounts(maxAmounts.length, c.n);
        uint256 supply = totalShares;
        if (supply == 0) revert IBalancer.NoSharesYet();
        _sync(c);
        amounts = new uint256[](c.n);
        for (uint256 i; i < c.n; ++i) {
            uint256 a = Math.mulDiv(_balances[i], shares, supply, Math.Rounding.Ceil);
            if (a > maxAmounts[i]) revert IBalancer.InKindAboveMax(c.token(i), a, maxAmounts[i]);
            if (a == 0) continue;
            IERC20 t = IERC20(c.token(i));
            uint256 before = t.balanceOf(address(this));
            t.safeTransferFrom(msg.sender, address(this), a);
            uint256 received = t.balanceOf(address(this)) - before;
            if (received != a) revert IBalancer.FeeOnTransfer(address(t), a, received);
            _balances[i] += a.toUint128();
            amounts[i] = a;
        }
        _noteSupply(supply);
        sharesOf[msg.sender] += shares;
        totalShares = supply + shares;
        emit IBalancer.FundedInKind(msg.sender, shares, amounts);
    }

    /// @notice The spread a single-asset deposit of `token` pays when others hold shares: its feed's
    /// deviation threshold plus the largest of the other feeds'.
    function depositSpreadBps(address token) external view returns (uint256) {
        CloneArgs.Config memory c = _config();
        return _spreadBps(c, _indexOf(c, token));
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
        _checkParams(p);
        if (_mayApply()) _writeParams(p);
    }

    /// @notice Pauses or unpauses checks, performs and deposits (withdrawals always work).
    function setPaused(bool paused) external onlyOwner {
        uint256 w = _params & ~(uint256(0xff) << 184) | (paused ? uint256(1) << 184 : 0);
        _params = w;
        emit IBalancer.ParamsUpdated(_unpackParams(w));
    }

    /// @notice Sets the target weights (bps, one per asset, summing to 10,000).
    function setTargets(uint16[] calldata targets) external onlyOwner {
        _checkTargets(targets);
        if (_mayApply()) _setTargets(targets);
    }

    /// @notice Sets the limits inside which the controller may move the trigger bands.
    function setBandLimits(IBalancer.BandLimits calldata l) external onlyOwner {
        _checkBandLimits(l);
        if (_mayApply()) _setBandLimits(l);
    }

    /// @notice Sets the dust rule: orders worth less than fillCost x margin are not published.
    function setDust(uint48 fillCostUsdE8, uint16 dustMarginBps) external onlyOwner {
        if (!_mayApply()) return;
        _setDust(fillCostUsdE8, dustMarginBps);
        emit IBalancer.DustUpdated(fillCostUsdE8, dustMarginBps);
    }

    /// @notice Sets the Chainlink forwarder (`registry.getForwarder(upkeepId)`).
    function setForwarder(address newForwarder) external onlyOwner {
        if (!_mayApply()) return;
        _setForwarder(newForwarder);
        emit IBalancer.ForwarderUpdated(newForwarder);
    }

    /// @notice Allows or removes a fallback keeper (or an upkeep manager).
    function setFallbackKeeper(address keeper, bool allowed) external onlyOwner {
        if (!_mayApply()) return;
        isFallbackKeeper[keeper] = allowed;
        emit IBalancer.FallbackKeeperUpdated(keeper, allowed);
    }

    /// @notice Sets the upkeep manager (address 0: none). It may perform like a fallback keeper and
    /// hand on its own reads of this balancer's feeds, which the balancer then trusts as its own.
    function setManager(address newManager) external onlyOwner {
        if (!_mayApply()) return;
        manager = newManager;
        emit IBalancer.ManagerUpdated(newManager);
    }

    /// @notice TimeBalancer: sets the calendar interval and the dust floor below which it is skipped.
    function setCalendar(uint32 interval_, uint16 dustFloorBps_) external onlyOwner {
        if (interval == 0) revert IBalancer.NoCalendar();
        _checkCalendar(interval_, dustFloorBps_);
        if (_mayApply()) _setCalendar(interval_, dustFloorBps_);
    }

    /// @notice Sets who may deposit. Immediate: no mode takes anything from a holder (withdrawals
    /// always work), and while anyone but the owner can hold shares every change that can move their
    /// value waits `changeDelay()`.
    function setDepositorMode(IBalancer.DepositorMode mode) external onlyOwner {
        _depositorMode = mode;
        emit IBalancer.DepositorModeUpdated(mode);
    }

    /// @notice Allows or removes a depositor (allow-list mode).
    function setDepositor(address account, bool allowed) external onlyOwner {
        isDepositor[account] = allowed;
        emit IBalancer.DepositorUpdated(account, allowed);
    }

    /// @notice Sets the delay of changes that can move holders' value (1 to 30 days; delayed itself).
    function setChangeDelay(uint32 delay) external onlyOwner {
        _check(17, delay, MIN_CHANGE_DELAY, MAX_CHANGE_DELAY);
        if (!_mayApply()) return;
        _changeDelay = delay;
        emit IBalancer.ChangeDelayUpdated(delay);
    }

    /// @notice Withdraws the announced change `id`.
    function cancelChange(bytes32 id) external onlyOwner {
        if (_pendingChanges[id] == 0) revert IBalancer.NoPendingChange(id);
        delete _pendingChanges[id];
        emit IBalancer.ChangeCancelled(id);
    }

    /// @notice Sets the controller.
    function setController(address newController) external onlyOwner {
        controller = newController;
        emit IBalancer.ControllerUpdated(newController);
    }

    /* ----------------------------------------------------------- CONTROLLER --- */

    /// @notice The controller moves the bands inside the owner's limits, at once; clear bands must stay
    /// below their trigger bands. The owner may also go outside the limits: a change that waits
    /// `changeDelay()` while others can hold shares (as `setParams`).
    function setBands(uint16 driftBps, uint16 clearBps, uint16 stableDriftBps, uint16 stableClearBps)
        external
    {
        if (msg.sender != controller && msg.sender != owner) {
            revert IBalancer.Unauthorized(msg.sender);
        }
        IBalancer.BandLimits memory l = _limits;
        bool inside = driftBps >= l.minDriftBps && driftBps <= l.maxDriftBps
            && stableDriftBps >= l.minStableDriftBps && stableDriftBps <= l.maxStableDriftBps;
        if (msg.sender == controller && !inside) {
            _within(driftBps, l.minDriftBps, l.maxDriftBps);
            _within(stableDriftBps, l.minStableDriftBps, l.maxStableDriftBps);
        }
        IBalancer.Params memory p = _unpackParams(_params);
        p.driftBps = driftBps;
        p.clearBps = clearBps;
        p.stableDriftBps = stableDriftBps;
        p.stableClearBps = stableClearBps;
        _checkParams(p);
        if (!inside && !_mayApply()) return;
        _writeParams(p);
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

    /// @notice Who may deposit.
    function depositorMode() external view returns (IBalancer.DepositorMode) {
        return _depositorMode;
    }

    /// @notice Seconds a change that can move holders' value waits once announced.
    function changeDelay() external view returns (uint32) {
        return _delay();
    }

    /// @notice When the announced change `id` applies (0: none pending).
    function pendingChange(bytes32 id) external view returns (uint256) {
        return _pendingChanges[id];
    }

    /// @notice The extension of every order of this balancer (its amount getters are the balancer).
    function extension() external view returns (bytes memory) {
        return OrderBook.extension(address(this));
    }

    /// @notice What a fill of a current-bundle order selling `makingAmount` must take now.
    function fillableAmount(uint256 makingAmount) external view returns (uint256) {
        return _fillable(makingAmount, _state.epoch);
    }

    /* ------------------------------------------------------------- INTERNAL --- */

    /// @dev Whether the change in this call's data may apply now. While only the owner can hold shares:
    /// yes (and any announcement of the same call is void). Otherwise the first call announces it
    /// (`ChangeAnnounced`, keyed by keccak256 of the call data) and returns false; the same call applies
    /// it once `changeDelay()` has passed (reverting `ChangeNotReady` before), within `CHANGE_GRACE`
    /// after that; later it is announced afresh, so an old announcement cannot surprise new holders.
    function _mayApply() internal returns (bool) {
        bytes32 id = keccak256(msg.data);
        uint256 eta = _pendingChanges[id];
        if (!_othersCanHold()) {
            if (eta != 0) delete _pendingChanges[id];
            return true;
        }
        if (eta == 0 || block.timestamp > eta + CHANGE_GRACE) {
            eta = block.timestamp + _delay();
            _pendingChanges[id] = eta;
            emit IBalancer.ChangeAnnounced(id, msg.data, eta);
            return false;
        }
        if (block.timestamp < eta) revert IBalancer.ChangeNotReady(id, eta);
        delete _pendingChanges[id];
        emit IBalancer.ChangeApplied(id);
        return true;
    }

    /// @dev Whether anyone but the owner can hold shares: another depositor mode, or shares held by
    /// others (kept from an earlier mode).
    function _othersCanHold() internal view returns (bool) {
        if (_depositorMode != IBalancer.DepositorMode.OwnerOnly) return true;
        uint256 supply = totalShares;
        return supply != 0 && supply > sharesOf[owner] + DEAD_SHARES;
    }

    function _delay() internal view returns (uint32) {
        uint32 d = _changeDelay;
        return d == 0 ? DEFAULT_CHANGE_DELAY : d;
    }

    function _onlyDepositor() internal view {
        if (msg.sender == owner) return;
        IBalancer.DepositorMode mode = _depositorMode;
        if (mode == IBalancer.DepositorMode.Open) return;
        if (mode == IBalancer.DepositorMode.AllowList && isDepositor[msg.sender]) return;
        revert IBalancer.NotADepositor(msg.sender);
    }

    /// @dev Deviation threshold of asset `idx` plus the largest of the others' (bps).
    function _spreadBps(CloneArgs.Config memory c, uint256 idx) internal pure returns (uint256) {
        uint256 others = 0;
        for (uint256 i; i < c.n; ++i) {
            uint256 d = c.deviationBps(i);
            if (i != idx && d > others) others = d;
        }
        return c.deviationBps(idx) + others;
    }

    /// @dev Refuses a single-asset deposit of `value` (USD) in asset `idx` that would leave a path
    /// past its band with a larger largest drift or a larger total imbalance than before (what sizes
    /// the trade). The global band is the TimeBalancer's dust floor: its calendar trades any drift
    /// above it to target. The stable path is checked for a stable's deposit.
    function _checkDrift(
        CloneArgs.Config memory c,
        uint256[] memory values,
        uint256 total,
        uint256 idx,
        uint256 value
    ) internal view {
        uint256 w = _params;
        uint16[] memory t = _unpackTargets(c.n);
        uint256 mask = c.stableMask;
        uint256[] memory grown = new uint256[](c.n);
        for (uint256 i; i < c.n; ++i) {
            grown[i] = values[i];
        }
        grown[idx] += value;
        uint256 band = interval != 0 ? dustFloorBps : uint16(w);
        _compare(
            2,
            Drift.globalMeasure(values, t, mask, total),
            Drift.globalMeasure(grown, t, mask, total + value),
            band
        );
        if (mask >> idx & 1 == 1) {
            _compare(
                1, Drift.stableMeasure(values, t, mask), Drift.stableMeasure(grown, t, mask), uint16(w >> 32)
            );
        }
    }

    function _compare(uint8 path, Drift.Measure memory b, Drift.Measure memory a, uint256 band)
        internal
        pure
    {
        if (!Drift.exceeds(a, band)) return;
        if (_gt(a.maxN, b.scale, b.maxN, a.scale) || a.sumN > b.sumN) {
            revert IBalancer.DepositWouldDrift(path, Drift.maxBps(b), Drift.maxBps(a), band);
        }
    }

    /// @dev x1 * x2 > y1 * y2, in 512 bits.
    function _gt(uint256 x1, uint256 x2, uint256 y1, uint256 y2) internal pure returns (bool) {
        (uint256 xh, uint256 xl) = Math.mul512(x1, x2);
        (uint256 yh, uint256 yl) = Math.mul512(y1, y2);
        return xh > yh || (xh == yh && xl > yl);
    }
}
