// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";
import {BalancerAdmin} from "./BalancerAdmin.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title A balancer's admin module: its owner and controller functions and their views, and the
/// holders' `claim` of what a failed withdrawal transfer left owed — the balancer's cold code.
/// @notice Deployed once by each balancer implementation and reached only by delegatecall from the
/// balancer's `fallback`, so it runs on the clone's storage (the layout of `BalancerAdmin`, which
/// both inherit) with the caller's `msg.sender`. Called directly it has no owner: every setter
/// reverts `Unauthorized`. It moves cold code out of the balancer (whose runtime code must stay
/// under 22,528 bytes); an admin call pays one more delegatecall (~2,700 gas).
contract BalancerAdminModule is BalancerAdmin, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /* -------------------------------------------------------------- HOLDERS --- */

    /// @notice Pays the caller what a failed withdrawal transfer left owed in `token`. The guard's
    /// transient slot is the balancer's own (delegatecall), shared with `fund` and `withdraw`.
    function claim(address token) external nonReentrant returns (uint256 amount) {
        amount = _owed[msg.sender][token];
        if (amount == 0) revert IBalancer.NothingOwed(msg.sender, token);
        delete _owed[msg.sender][token];
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
