// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";
import {CloneArgs} from "../libraries/CloneArgs.sol";
import {Drift} from "../libraries/Drift.sol";
import {Oracle} from "../libraries/Oracle.sol";
import {BalancerAdmin} from "./BalancerAdmin.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title A balancer's reads: its fixed configuration (clone arguments), prices, values, targets,
/// bundle timing, and the public views over them.
abstract contract BalancerState is BalancerAdmin {
    using CloneArgs for CloneArgs.Config;

    /* ---------------------------------------------------------------- VIEWS --- */

    /// @notice The per-perform state (bundle digest, epoch, last performs, gas estimates).
    function state() external view returns (IBalancer.State memory) {
        return _state;
    }

    /// @notice The Chainlink forwarder allowed to perform.
    function forwarder() external view returns (address) {
        return address(uint160(_forwarderTargets));
    }

    /// @notice The assets, as fixed at creation.
    function assets() external view returns (IBalancer.Asset[] memory out) {
        CloneArgs.Config memory c = _config();
        out = new IBalancer.Asset[](c.n);
        for (uint256 i; i < c.n; ++i) {
            out[i] = IBalancer.Asset({
                token: c.token(i),
                feed: c.feed(i),
                tokenDecimals: uint8(c.tokenDecimals(i)),
                feedDecimals: uint8(c.feedDecimals(i)),
                heartbeat: uint32(c.heartbeat(i)),
                deviationBps: uint16(c.deviationBps(i)),
                stable: c.stableMask >> i & 1 == 1
            });
        }
    }

    /// @notice The 1inch protocol and the EIP-712 domain separator orders are signed under.
    function protocol() external view returns (address protocolAddress, bytes32 domainSeparator) {
        CloneArgs.Config memory c = _config();
        return (c.protocol, c.domainSeparator);
    }

    /// @notice Tracked balances, in asset order.
    function balances() external view returns (uint256[] memory out) {
        uint256 n = _config().n;
        out = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = _balances[i];
        }
    }

    /// @notice Target weights in bps, in asset order.
    function targets() external view returns (uint16[] memory) {
        return _unpackTargets(_config().n);
    }

    /// @notice Portfolio value in USD (18 decimals) at current oracle prices.
    function totalValue() external view returns (uint256) {
        CloneArgs.Config memory c = _config();
        uint256[] memory prices = _readPrices(c, type(uint256).max, msg.data[0:0]);
        (, uint256 total) = _valuesOf(c, prices);
        return total;
    }

    /* ------------------------------------------------------------- INTERNAL --- */

    /// @dev The prices of the assets in `mask`, from their feeds, or from `words` when the upkeep
    /// manager handed on its reads (one word per asset, in asset order).
    function _readPrices(CloneArgs.Config memory c, uint256 mask, bytes calldata words)
        internal
        view
        returns (uint256[] memory prices)
    {
        prices = new uint256[](c.n);
        for (uint256 i; i < c.n; ++i) {
            if (mask >> i & 1 == 1) prices[i] = Oracle.price(c.feed(i), c.heartbeat(i), words, i);
        }
    }

    /// @dev Each read asset's value and, in the same pass, their total.
    function _valuesOf(CloneArgs.Config memory c, uint256[] memory prices)
        internal
        view
        returns (uint256[] memory values, uint256 total)
    {
        uint256 n = c.n;
        values = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 price = prices[i];
            if (price != 0) {
                uint256 v = Drift.value(_balances[i], price, c.decimals(i));
                values[i] = v;
                total += v;
            }
        }
    }

    /// @dev `Drift.depegged` of the stables' prices normalised to USD per whole token (18 decimals),
    /// computed in one pass without the array: whether the highest and lowest differ by more than
    /// `depegBps` of the lowest.
    function _depegged(CloneArgs.Config memory c, uint256[] memory prices, uint256 depegBps)
        internal
        pure
        returns (bool)
    {
        uint256 lo = type(uint256).max;
        uint256 hi = 0;
        uint256 mask = c.stableMask;
        for (uint256 i; i < c.n; ++i) {
            if (mask >> i & 1 == 1) {
                uint256 p = prices[i] * 10 ** (18 - c.feedDecimals(i));
                if (p < lo) lo = p;
                if (p > hi) hi = p;
            }
        }
        return hi > lo && (hi - lo) * Drift.BPS > depegBps * lo;
    }

    function _indexOf(CloneArgs.Config memory c, address token) internal pure returns (uint256 i) {
        i = c.indexOf(token);
        if (i == c.n) revert IBalancer.UnknownAsset(token);
    }

    function _unpackTargets(uint256 n) internal view returns (uint16[] memory t) {
        uint256 packed = _forwarderTargets >> 160;
        if (n > 6) packed |= _targetsHigh << 96;
        t = new uint16[](n);
        // i < n <= 16: the shift and the (bounds-known) store need no checks.
        for (uint256 i; i < n; ++i) {
            uint256 w;
            unchecked {
                w = uint16(packed >> (16 * i));
            }
            assembly ("memory-safe") {
                mstore(add(t, shl(5, add(i, 1))), w)
            }
        }
    }

    function _bundleOpen(IBalancer.State memory s, IBalancer.Params memory p) internal view returns (bool) {
        return s.digest != 0 && block.timestamp <= _expiry(s, p.orderTtl);
    }

    function _expiry(IBalancer.State memory s, uint256 orderTtl) internal pure returns (uint256) {
        uint256 last = s.lastStableAt > s.lastGlobalAt ? s.lastStableAt : s.lastGlobalAt;
        return last + orderTtl;
    }

    /// @dev Whether `period` has passed since `last` (0 = never happened).
    function _elapsed(uint32 last, uint256 period) internal view returns (bool) {
        return last == 0 || block.timestamp >= uint256(last) + period;
    }
}
