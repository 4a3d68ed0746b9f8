// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Valuation, drift and trade sizing: pure integer maths shared by checks and performs.
/// @notice Values are USD with 18 decimals, rounded down. Weights and bands are basis points.
/// Drift comparisons are exact (cross-multiplied, no division). Trade sizes round toward zero,
/// so a rebalance never trades more than the rule asks. The Rust core (`src/model/drift`) implements
/// the same rules and reproduces `test/vectors/drift.json` exactly.
///
/// Global view: every non-stable asset is a unit; the stables together are one unit (the slice),
/// whose target is the sum of their targets. A unit u has drift |v_u/V - t_u/1e4|; in integers
/// N_u = |v_u * 1e4 - t_u * V| and driftBps_u = N_u / V.
/// Stable view: stable i has within-slice drift |v_i/S - t_i/T_S|; N_i = |v_i * T_S - t_i * S| and
/// driftBps_i = N_i * 1e4 / (S * T_S).
library Drift {
    uint256 internal constant BPS = 10_000;

    /// @notice Drift summary of one view: the largest N, the sum of all N, and the view's scale
    /// (`V` for the global view, `S * T_S` for the stable view), so driftBps = maxN * unit / scale.
    struct Measure {
        uint256 maxN;
        uint256 sumN;
        uint256 scale;
    }

    /// @notice USD value (18 decimals, rounded down) of `amount` token units at `price`.
    /// @param decimals tokenDecimals + feedDecimals (0..36).
    function value(uint256 amount, uint256 price, uint256 decimals) internal pure returns (uint256) {
        if (decimals >= 18) return Math.mulDiv(amount, price, 10 ** (decimals - 18));
        return amount * price * 10 ** (18 - decimals);
    }

    /// @notice Token units (rounded down) worth `usd` (18 decimals) at `price`.
    function units(uint256 usd, uint256 price, uint256 decimals) internal pure returns (uint256) {
        return Math.mulDiv(usd, 10 ** decimals, price * 1e18);
    }

    /// @notice The stable slice's value S and target T_S.
    function slice(uint256[] memory values, uint16[] memory targets, uint256 stableMask)
        internal
        pure
        returns (uint256 s, uint256 ts)
    {
        for (uint256 i; i < values.length; ++i) {
            if (stableMask >> i & 1 == 1) {
                s += values[i];
                ts += targets[i];
            }
        }
    }

    /// @notice Global drift over units (non-stable assets and the stable slice).
    function globalMeasure(
        uint256[] memory values,
        uint16[] memory targets,
        uint256 stableMask,
        uint256 total
    ) internal pure returns (Measure memory m) {
        m.scale = total;
        // One pass: the non-stable units, and the slice's value and target (as `slice` sums them).
        uint256 s = 0;
        uint256 ts = 0;
        for (uint256 i; i < values.length; ++i) {
            if (stableMask >> i & 1 == 0) {
                _add(m, _absDiff(values[i] * BPS, targets[i] * total));
            } else {
                s += values[i];
                ts += targets[i];
            }
        }
        if (stableMask != 0) _add(m, _absDiff(s * BPS, ts * total));
    }

    /// @notice Within-slice drift of the stables.
    function stableMeasure(uint256[] memory values, uint16[] memory targets, uint256 stableMask)
        internal
        pure
        returns (Measure memory m)
    {
        (uint256 s, uint256 ts) = slice(values, targets, stableMask);
        m.scale = s * ts;
        for (uint256 i; i < values.length; ++i) {
            if (stableMask >> i & 1 == 1) _add(m, _absDiff(values[i] * ts, targets[i] * s) * BPS);
        }
    }

    /// @notice Whether the view's largest drift is strictly past `bandBps`.
    function exceeds(Measure memory m, uint256 bandBps) internal pure returns (bool) {
        return m.maxN > bandBps * m.scale;
    }

    /// @notice The largest drift in bps, rounded down (for events and priorities).
    function maxBps(Measure memory m) internal pure returns (uint256) {
        return m.scale == 0 ? 0 : m.maxN / m.scale;
    }

    /// @notice Where to aim: the clear band, moved inside by the worst slippage effect, so that fills
    /// at their limit prices still end inside the clear band. A fill at limit loses at most
    /// maxSlippage x turnover, and turnover <= sumN / 2 / scale.
    function aimBps(Measure memory m, uint256 clearBps, uint256 maxSlippageBps)
        internal
        pure
        returns (uint256)
    {
        if (m.scale == 0) return clearBps;
        uint256 allowance = Math.ceilDiv(maxSlippageBps * m.sumN, 2 * BPS * m.scale);
        return allowance >= clearBps ? 0 : clearBps - allowance;
    }

    /// @notice The fraction lambda = num/den of the way to target that brings the largest drift to
    /// `aim` bps: 1 - aim/drift. Returns (1, 1) when aim is 0 or the drift is already within aim.
    function lambda(Measure memory m, uint256 aim) internal pure returns (uint256 num, uint256 den) {
        uint256 edge = aim * m.scale;
        if (aim == 0 || m.maxN <= edge) return (1, 1);
        return (m.maxN - edge, m.maxN);
    }

    /// @notice Adds the global path's trades (signed USD values, + = buy) to `deltas`: each
    /// non-stable unit moves lambda of the way to target; the slice moves as one unit, its trade
    /// split across the stables by their targets.
    function addGlobalDeltas(
        int256[] memory deltas,
        uint256[] memory values,
        uint16[] memory targets,
        uint256 stableMask,
        uint256 total,
        uint256 num,
        uint256 den
    ) internal pure {
        uint256 d = den * BPS;
        // One pass: the non-stable trades, and the slice's value and target (as `slice` sums them).
        uint256 s = 0;
        uint256 ts = 0;
        for (uint256 i; i < values.length; ++i) {
            if (stableMask >> i & 1 == 0) {
                deltas[i] += _scaled(targets[i] * total, values[i] * BPS, num, d);
            } else {
                s += values[i];
                ts += targets[i];
            }
        }
        if (stableMask == 0) return;
        int256 sliceDelta = _scaled(ts * total, s * BPS, num, d);
        for (uint256 i; i < values.length; ++i) {
            if (stableMask >> i & 1 == 1) deltas[i] += _share(sliceDelta, targets[i], ts);
        }
    }

    /// @notice Adds the stable path's trades: each stable moves lambda of the way to its
    /// within-slice target; they sum to zero (up to rounding toward zero).
    function addStableDeltas(
        int256[] memory deltas,
        uint256[] memory values,
        uint16[] memory targets,
        uint256 stableMask,
        uint256 num,
        uint256 den
    ) internal pure {
        (uint256 s, uint256 ts) = slice(values, targets, stableMask);
        if (ts == 0) return;
        for (uint256 i; i < values.length; ++i) {
            if (stableMask >> i & 1 == 1) {
                deltas[i] += _scaled(targets[i] * s, values[i] * ts, num, den * ts);
            }
        }
    }

    /// @notice Whether two stables' normalised prices (18 decimals) differ by more than `depegBps`
    /// of the lower one.
    function depegged(uint256[] memory normPrices, uint256 stableMask, uint256 depegBps)
        internal
        pure
        returns (bool)
    {
        uint256 lo = type(uint256).max;
        uint256 hi = 0;
        for (uint256 i; i < normPrices.length; ++i) {
            if (stableMask >> i & 1 == 1) {
                uint256 p = normPrices[i];
                if (p < lo) lo = p;
                if (p > hi) hi = p;
            }
        }
        return hi > lo && (hi - lo) * BPS > depegBps * lo;
    }

    /// @dev (want - have) * num / den, rounded toward zero, as a signed value.
    function _scaled(uint256 want, uint256 have, uint256 num, uint256 den) private pure returns (int256) {
        if (want >= have) return int256(Math.mulDiv(want - have, num, den));
        return -int256(Math.mulDiv(have - want, num, den));
    }

    /// @dev x * part / whole, rounded toward zero.
    function _share(int256 x, uint256 part, uint256 whole) private pure returns (int256) {
        if (x >= 0) return int256(Math.mulDiv(uint256(x), part, whole));
        return -int256(Math.mulDiv(uint256(-x), part, whole));
    }

    function _absDiff(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    function _add(Measure memory m, uint256 n) private pure {
        m.sumN += n;
        if (n > m.maxN) m.maxN = n;
    }
}
