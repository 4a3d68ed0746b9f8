// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";
import {CloneArgs} from "../libraries/CloneArgs.sol";
import {Drift} from "../libraries/Drift.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title A balancer's storage, roles and bounds-checked configuration, shared by the balancer and its
/// admin module (`BalancerAdminModule`, reached by delegatecall): one storage layout for both.
/// @notice Roles: the owner (two-step transfer) configures everything; the controller (the keeper's
/// adaptive-band role) may move the trigger bands only inside owner-set limits; the Chainlink
/// forwarder and allow-listed fallback keepers may perform upkeeps.
abstract contract BalancerAdmin {
    uint256 internal constant MAX_BAND_BPS = 5000;
    uint256 internal constant MAX_SLIPPAGE_BPS = 500;
    uint256 internal constant MAX_GRID_LEVELS = 8;
    uint256 internal constant MAX_GRID_SPACING_BPS = 100;
    uint256 internal constant MAX_COOLDOWN = 30 days;
    uint256 internal constant MIN_ORDER_TTL = 60;
    uint256 internal constant MAX_ORDER_TTL = 1 days;
    uint256 internal constant MIN_INTERVAL = 1 hours;
    uint256 internal constant MAX_INTERVAL = 365 days;
    /// @notice Shares locked forever by the first deposit (defence in depth against share inflation).
    uint256 public constant DEAD_SHARES = 1000;
    /// @notice The delay of changes that can move holders' value, until the owner sets another.
    uint32 public constant DEFAULT_CHANGE_DELAY = 2 days;
    uint256 internal constant MIN_CHANGE_DELAY = 1 days;
    uint256 internal constant MAX_CHANGE_DELAY = 30 days;
    /// @dev How long an announced change stays applicable once due; later it must be announced again.
    uint256 internal constant CHANGE_GRACE = 14 days;

    /* -------------------------------------------------------------- STORAGE --- */

    IBalancer.State internal _state;
    /// @dev The Params and the dust rule, packed so a perform reads them in one cold slot. Bits:
    /// driftBps 0, clearBps 16, stableDriftBps 32, stableClearBps 48, depegBps 64, maxSlippageBps 80
    /// (16 each), gridLevels 96 and gridSpacingBps 104 (8 each), stableCooldown 112, globalCooldown
    /// 136, orderTtl 160 (24 each), paused 184, fillCostUsdE8 192 (48), dustMarginBps 240 (16). Every
    /// field is bounds-checked before it is packed, so none is truncated.
    uint256 internal _params;
    /// @dev The forwarder (bits 0..159) and the targets of assets 0..5 (bits 160..255): a perform of up
    /// to six assets reads its performer check and its targets in one cold slot.
    uint256 internal _forwarderTargets;
    /// @dev The targets of assets 6..15 (bits 0..159); read only when there are more than six assets.
    /// Target weights are in bps, 16 bits per asset.
    uint256 internal _targetsHigh;
    /// @dev Tracked balances: what the portfolio owns, updated on fund, withdraw and fill. Tokens sent
    /// to the balancer any other way are not counted (no donation can move a share's value).
    uint128[16] internal _balances;
    /// @notice Total shares outstanding.
    uint256 public totalShares;
    /// @notice Shares held by each account.
    mapping(address account => uint256) public sharesOf;
    /// @notice The owner.
    address public owner;
    bool internal _initialized;
    /// @dev Who may deposit; packed with `owner`, which every owner call reads.
    IBalancer.DepositorMode internal _depositorMode;
    /// @dev Seconds a change that can move holders' value waits (0: `DEFAULT_CHANGE_DELAY`).
    uint32 internal _changeDelay;
    /// @notice The proposed next owner (two-step transfer).
    address public pendingOwner;
    /// @notice The controller role (adaptive bands).
    address public controller;
    IBalancer.BandLimits internal _limits;
    /// @notice TimeBalancer: seconds between calendar rebalances.
    uint32 public interval;
    /// @notice TimeBalancer: the calendar rebalance is skipped when every drift is below this.
    uint16 public dustFloorBps;
    /// @notice Fallback keepers allowed to perform besides the forwarder.
    mapping(address keeper => bool) public isFallbackKeeper;
    /// @notice The upkeep manager allowed to perform with the feed reads it hands on.
    address public manager;
    /// @dev Bit i set while someone is owed asset i (`_owedTotal` of its token is not 0); packed with
    /// `manager`, so a withdrawal learns in one slot which tokens hold a reserve.
    uint16 internal _reserveMask;
    /// @dev Withdrawal transfers that failed (frozen or blacklisted tokens), set aside per holder and
    /// token, out of the tracked balances, until claimed (`BalancerAdminModule.claim`).
    mapping(address holder => mapping(address token => uint256)) internal _owed;
    /// @dev The sum of `_owed` per token: held by the balancer, but not the portfolio's.
    mapping(address token => uint256) internal _owedTotal;
    /// @notice Depositors allowed in allow-list mode.
    mapping(address account => bool) public isDepositor;
    /// @dev Announced changes (keccak256 of the call data) and when each applies.
    mapping(bytes32 id => uint256 eta) internal _pendingChanges;
    /// @dev The share supply when the current bundle was published (bits 32..255), recorded by the
    /// first deposit or withdrawal after it, with that bundle's epoch (bits 0..31). A fill then takes
    /// its order's part for the shares still outstanding (`_fillable`).
    uint256 internal _bundleSupply;

    /* ------------------------------------------------------------ MODIFIERS --- */

    modifier onlyOwner() {
        if (msg.sender != owner) revert IBalancer.Unauthorized(msg.sender);
        _;
    }

    /* ------------------------------------------------------------- INTERNAL --- */

    function _setParams(IBalancer.Params memory p) internal {
        _checkParams(p);
        _writeParams(p);
    }

    /// @dev Reverts `InvalidParam(code, value)` unless every field is inside its bounds.
    function _checkParams(IBalancer.Params memory p) internal pure {
        _check(0, p.driftBps, 1, MAX_BAND_BPS);
        _check(1, p.clearBps, 0, p.driftBps - 1);
        _check(2, p.stableDriftBps, 1, MAX_BAND_BPS);
        _check(3, p.stableClearBps, 0, p.stableDriftBps - 1);
        _check(4, p.depegBps, 1, MAX_BAND_BPS);
        _check(5, p.maxSlippageBps, 0, MAX_SLIPPAGE_BPS);
        _check(6, p.gridLevels, 1, MAX_GRID_LEVELS);
        _check(7, p.gridSpacingBps, 0, MAX_GRID_SPACING_BPS);
        _check(8, p.stableCooldown, 0, MAX_COOLDOWN);
        _check(9, p.globalCooldown, 0, MAX_COOLDOWN);
        _check(10, p.orderTtl, MIN_ORDER_TTL, MAX_ORDER_TTL);
    }

    /// @dev Packs checked Params into `_params` (the dust rule's bits are kept).
    function _writeParams(IBalancer.Params memory p) internal {
        _params = _params & ~uint256(type(uint192).max) | uint256(p.driftBps) | uint256(p.clearBps) << 16
            | uint256(p.stableDriftBps) << 32 | uint256(p.stableClearBps) << 48 | uint256(p.depegBps) << 64
            | uint256(p.maxSlippageBps) << 80 | uint256(p.gridLevels) << 96 | uint256(p.gridSpacingBps) << 104
            | uint256(p.stableCooldown) << 112 | uint256(p.globalCooldown) << 136 | uint256(p.orderTtl) << 160
            | (p.paused ? uint256(1) << 184 : 0);
        emit IBalancer.ParamsUpdated(p);
    }

    /// @dev The Params of a packed `_params` word.
    function _unpackParams(uint256 w) internal pure returns (IBalancer.Params memory p) {
        p.driftBps = uint16(w);
        p.clearBps = uint16(w >> 16);
        p.stableDriftBps = uint16(w >> 32);
        p.stableClearBps = uint16(w >> 48);
        p.depegBps = uint16(w >> 64);
        p.maxSlippageBps = uint16(w >> 80);
        p.gridLevels = uint8(w >> 96);
        p.gridSpacingBps = uint8(w >> 104);
        p.stableCooldown = uint24(w >> 112);
        p.globalCooldown = uint24(w >> 136);
        p.orderTtl = uint24(w >> 160);
        p.paused = uint8(w >> 184) != 0;
    }

    /// @dev The dust threshold of a packed `_params` word: fillCost (8 decimals) x margin, in USD with
    /// 18 decimals.
    function _dustUsd(uint256 w) internal pure returns (uint256) {
        // At most 2^48 x 1e10 x 2^16 < 2^98: no overflow.
        unchecked {
            return uint256(uint48(w >> 192)) * 1e10 * uint16(w >> 240) / 10_000;
        }
    }

    function _setDust(uint48 fillCostUsdE8, uint16 dustMarginBps) internal {
        _params = _params & type(uint192).max | uint256(fillCostUsdE8) << 192 | uint256(dustMarginBps) << 240;
    }

    function _setForwarder(address newForwarder) internal {
        _forwarderTargets = _forwarderTargets & ~uint256(type(uint160).max) | uint160(newForwarder);
    }

    function _setTargets(uint16[] calldata t) internal {
        uint256 packed = _checkTargets(t);
        _forwarderTargets = uint160(_forwarderTargets) | packed << 160;
        if (t.length > 6) _targetsHigh = packed >> 96;
        emit IBalancer.TargetsUpdated(t);
    }

    /// @dev Reverts `InvalidTargets` unless there is one target per asset and they sum to 10,000;
    /// returns them packed, 16 bits each.
    function _checkTargets(uint16[] calldata t) internal view returns (uint256 packed) {
        uint256 sum = 0;
        for (uint256 i; i < t.length; ++i) {
            sum += t[i];
            packed |= uint256(t[i]) << (16 * i);
        }
        if (t.length != _config().n || sum != Drift.BPS) revert IBalancer.InvalidTargets(t.length, sum);
    }

    function _config() internal view returns (CloneArgs.Config memory) {
        return CloneArgs.decode(Clones.fetchCloneArgs(address(this)));
    }

    function _setBandLimits(IBalancer.BandLimits memory l) internal {
        _checkBandLimits(l);
        _limits = l;
        emit IBalancer.BandLimitsUpdated(l);
    }

    function _checkBandLimits(IBalancer.BandLimits memory l) internal pure {
        _check(11, l.minDriftBps, 1, l.maxDriftBps);
        _check(12, l.maxDriftBps, l.minDriftBps, MAX_BAND_BPS);
        _check(13, l.minStableDriftBps, 1, l.maxStableDriftBps);
        _check(14, l.maxStableDriftBps, l.minStableDriftBps, MAX_BAND_BPS);
    }

    /// @dev Before the share supply changes: the first change since the open bundle was published
    /// records the supply it was sized for.
    function _noteSupply(uint256 supply) internal {
        IBalancer.State memory s = _state;
        if (s.digest != 0 && uint32(_bundleSupply) != s.epoch) _bundleSupply = supply << 32 | s.epoch;
    }

    /// @dev What a fill of an order of bundle `epoch` selling `making` must take: all of it, or, after
    /// withdrawals, its part for the shares still outstanding (rounded down).
    function _fillable(uint256 making, uint32 epoch) internal view returns (uint256) {
        uint256 b = _bundleSupply;
        if (uint32(b) != epoch) return making;
        uint256 sized = b >> 32;
        uint256 supply = totalShares;
        return supply >= sized ? making : making * supply / sized;
    }

    /// @dev Stores and checks the TimeBalancer's calendar (the dust floor may not pass the clear band).
    function _setCalendar(uint32 interval_, uint16 dustFloorBps_) internal {
        _checkCalendar(interval_, dustFloorBps_);
        interval = interval_;
        dustFloorBps = dustFloorBps_;
        emit IBalancer.CalendarUpdated(interval_, dustFloorBps_);
    }

    function _checkCalendar(uint32 interval_, uint16 dustFloorBps_) internal view {
        _check(15, interval_, MIN_INTERVAL, MAX_INTERVAL);
        _check(16, dustFloorBps_, 0, uint16(_params >> 16));
    }

    function _check(uint8 code, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert IBalancer.InvalidParam(code, value);
    }

    function _within(uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert IBalancer.OutsideLimits(value, min, max);
    }
}
