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
    /// @notice The upkeep manager allowed to perform with the feed reads it hands on.
    address public manager;

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
        uint256 w = _params & ~(uint256(0xff) << 184) | (paused ? uint256(1) << 184 : 0);
        _params = w;
        emit ParamsUpdated(_unpackParams(w));
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
        _setDust(fillCostUsdE8, dustMarginBps);
        emit DustUpdated(fillCostUsdE8, dustMarginBps);
    }

    /// @notice Sets the Chainlink forwarder (`registry.getForwarder(upkeepId)`).
    function setForwarder(address newForwarder) external onlyOwner {
        _setForwarder(newForwarder);
        emit ForwarderUpdated(newForwarder);
    }

    /// @notice Allows or removes a fallback keeper (or an upkeep manager).
    function setFallbackKeeper(address keeper, bool allowed) external onlyOwner {
        isFallbackKeeper[keeper] = allowed;
        emit FallbackKeeperUpdated(keeper, allowed);
    }

    /// @notice Sets the upkeep manager (address 0: none). It may perform like a fallback keeper and
    /// hand on its own reads of this balancer's feeds, which the balancer then trusts as its own.
    function setManager(address newManager) external onlyOwner {
        manager = newManager;
        emit ManagerUpdated(newManager);
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
        Params memory p = _unpackParams(_params);
        p.driftBps = driftBps;
        p.clearBps = clearBps;
        p.stableDriftBps = stableDriftBps;
        p.stableClearBps = stableClearBps;
        _setParams(p);
    }

    /* ---------------------------------------------------------------- VIEWS --- */

    /// @notice Current parameters.
    function params() external view returns (Params memory) {
        return _unpackParams(_params);
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
        return address(uint160(_forwarderTargets));
    }

    /// @notice The dust rule.
    function dust() external view returns (uint48 fillCostUsdE8, uint16 dustMarginBps) {
        uint256 w = _params;
        return (uint48(w >> 192), uint16(w >> 240));
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
        _params = _params & ~uint256(type(uint192).max) | uint256(p.driftBps) | uint256(p.clearBps) << 16
            | uint256(p.stableDriftBps) << 32 | uint256(p.stableClearBps) << 48 | uint256(p.depegBps) << 64
            | uint256(p.maxSlippageBps) << 80 | uint256(p.gridLevels) << 96 | uint256(p.gridSpacingBps) << 104
            | uint256(p.stableCooldown) << 112 | uint256(p.globalCooldown) << 136 | uint256(p.orderTtl) << 160
            | (p.paused ? uint256(1) << 184 : 0);
        emit ParamsUpdated(p);
    }

    /// @dev The Params of a packed `_params` word.
    function _unpackParams(uint256 w) internal pure returns (Params memory p) {
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
