// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";

/// @title A balancer's storage, roles and bounds-checked configuration.
/// @notice Roles: the owner (two-step transfer) configures everything; the controller (the keeper's
/// adaptive-band role) may move the trigger bands only inside owner-set limits; the Chainlink
/// forwarder and allow-listed fallback keepers may perform upkeeps.
abstract contract BalancerAdmin is IBalancer {
    uint256 internal constant MAX_BAND_BPS = 5000;
    uint256 internal constant MAX_SLIPPAGE_BPS = 500;
    uint256 internal constant MAX_GRID_LEVELS = 8;
    uint256 internal constant MAX_GRID_SPACING_BPS = 100;
    uint256 internal constant MAX_COOLDOWN = 30 days;
    uint256 internal constant MIN_ORDER_TTL = 60;
    uint256 internal constant MAX_ORDER_TTL = 1 days;

    /* -------------------------------------------------------------- STORAGE --- */

    State internal _state;
    Params internal _params;
    /// @dev Target weights in bps, 16 bits per asset (asset i at bits 16i..16i+15).
    uint256 internal _targets;
    address internal _forwarder;
    uint48 internal _fillCostUsdE8;
    uint16 internal _dustMarginBps;
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
    /// @notice The proposed next owner (two-step transfer).
    address public pendingOwner;
    /// @notice The controller role (adaptive bands).
    address public controller;
    BandLimits internal _limits;
    /// @notice TimeBalancer: seconds between calendar rebalances.
    uint32 public interval;
    /// @notice TimeBalancer: the calendar rebalance is skipped when every drift is below this.
    uint16 public dustFloorBps;
    /// @notice Fallback keepers allowed to perform besides the forwarder.
    mapping(address keeper => bool) public isFallbackKeeper;

    /* ------------------------------------------------------------ MODIFIERS --- */

    modifier onlyOwner() {
        if (msg.sender != owner) revert Unauthorized(msg.sender);
        _;
    }

    /* ---------------------------------------------------------------- OWNER --- */

    /// @notice Starts a two-step ownership transfer.
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner, newOwner);
    }

    /// @notice Completes a two-step ownership transfer.
    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert Unauthorized(msg.sender);
        emit OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        delete pendingOwner;
    }

    /// @notice Sets bands, slippage, grid, cooldowns, order lifetime and pause.
    function setParams(Params calldata p) external onlyOwner {
        _setParams(p);
    }

    /// @notice Pauses or unpauses checks, performs and deposits (withdrawals always work).
    function setPaused(bool paused) external onlyOwner {
        _params.paused = paused;
        emit ParamsUpdated(_params);
    }

    /// @notice Sets the target weights (bps, one per asset, summing to 10,000).
    function setTargets(uint16[] calldata targets) external onlyOwner {
        _setTargets(targets);
    }

    /// @notice Sets the limits inside which the controller may move the trigger bands.
    function setBandLimits(BandLimits calldata l) external onlyOwner {
        _setBandLimits(l);
    }

    /// @notice Sets the dust rule: orders worth less than fillCost x margin are not published.
    function setDust(uint48 fillCostUsdE8, uint16 dustMarginBps) external onlyOwner {
        _fillCostUsdE8 = fillCostUsdE8;
        _dustMarginBps = dustMarginBps;
        emit DustUpdated(fillCostUsdE8, dustMarginBps);
    }

    /// @notice Sets the Chainlink forwarder (`registry.getForwarder(upkeepId)`).
    function setForwarder(address newForwarder) external onlyOwner {
        _forwarder = newForwarder;
        emit ForwarderUpdated(newForwarder);
    }

    /// @notice Allows or removes a fallback keeper (or an upkeep manager).
    function setFallbackKeeper(address keeper, bool allowed) external onlyOwner {
        isFallbackKeeper[keeper] = allowed;
        emit FallbackKeeperUpdated(keeper, allowed);
    }

    /// @notice Sets the controller.
    function setController(address newController) external onlyOwner {
        controller = newController;
        emit ControllerUpdated(newController);
    }

    /* ----------------------------------------------------------- CONTROLLER --- */

    /// @notice The controller moves the bands inside the owner's limits; clear bands must stay
    /// below their trigger bands.
    function setBands(uint16 driftBps, uint16 clearBps, uint16 stableDriftBps, uint16 stableClearBps)
        external
    {
        if (msg.sender != controller && msg.sender != owner) revert Unauthorized(msg.sender);
        BandLimits memory l = _limits;
        if (msg.sender == controller) {
            _within(driftBps, l.minDriftBps, l.maxDriftBps);
            _within(stableDriftBps, l.minStableDriftBps, l.maxStableDriftBps);
        }
        Params memory p = _params;
        p.driftBps = driftBps;
        p.clearBps = clearBps;
        p.stableDriftBps = stableDriftBps;
        p.stableClearBps = stableClearBps;
        _setParams(p);
    }

    /* ---------------------------------------------------------------- VIEWS --- */

    /// @notice Current parameters.
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @notice The controller's band limits.
    function bandLimits() external view returns (BandLimits memory) {
        return _limits;
    }

    /// @notice The per-perform state (bundle digest, epoch, last performs, gas estimates).
    function state() external view returns (State memory) {
        return _state;
    }

    /// @notice The Chainlink forwarder allowed to perform.
    function forwarder() external view returns (address) {
        return _forwarder;
    }

    /// @notice The dust rule.
    function dust() external view returns (uint48 fillCostUsdE8, uint16 dustMarginBps) {
        return (_fillCostUsdE8, _dustMarginBps);
    }

    /* ------------------------------------------------------------- INTERNAL --- */

    function _setParams(Params memory p) internal {
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
        _params = p;
        emit ParamsUpdated(p);
    }

    function _setTargets(uint16[] calldata targets) internal virtual;

    function _setBandLimits(BandLimits memory l) internal {
        _check(11, l.minDriftBps, 1, l.maxDriftBps);
        _check(12, l.maxDriftBps, l.minDriftBps, MAX_BAND_BPS);
        _check(13, l.minStableDriftBps, 1, l.maxStableDriftBps);
        _check(14, l.maxStableDriftBps, l.minStableDriftBps, MAX_BAND_BPS);
        _limits = l;
        emit BandLimitsUpdated(l);
    }

    function _check(uint8 code, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert InvalidParam(code, value);
    }

    function _within(uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert OutsideLimits(value, min, max);
    }
}
