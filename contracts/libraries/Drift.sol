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
        return stableMeasure(values, targets, stableMask, s, ts);
    }

    /// @notice Within-slice drift of the stables, given the slice's value `s` and target `ts` (`slice`).
    function stableMeasure(
        uint256[] memory values,
        uint16[] memory targets,
        uint256 stableMask,
        uint256 s,
        uint256 ts
    ) internal pure returns (Measure memory m) {
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
    /// `aim` bps: 1 - aim/drift. (1, 1) when aim is 0 (to target); (0, 1) when the drift is already
    /// within the aim (nothing to do).
    function lambda(Measure memory m, uint256 aim) internal pure returns (uint256 num, uint256 den) {
        if (aim == 0) return (1, 1);
        uint256 edge = aim * m.scale;
        if (m.maxN <= edge) return (0, 1);
        return (m.maxN - edge, m.maxN);
    }

    /// @notice Adds the global path's trades (signed USD values, + = buy) of the non-stable units to
    /// `deltas` and returns the slice's trade with the slice's value S and target T_S: each unit moves lambda of the way to target, rounded
    /// toward zero. The slice's trade is shared across the stables by `addSliceDeltas`.
    function addGlobalDeltas(
        int256[] memory deltas,
        uint256[] memory values,
        uint16[] memory targets,
        uint256 stableMask,
        uint256 total,
        uint256 num,
        uint256 den
    ) internal pure returns (int256 sliceDelta, uint256 s, uint256 ts) {
        uint256 d = den * BPS;
        // One pass: the non-stable trades, and the slice's value and target (as `slice` sums them).
        for (uint256 i; i < values.length; ++i) {
            if (stableMask >> i & 1 == 0) {
                deltas[i] += _scaled(targets[i] * total, values[i] * BPS, num, d);
            } else {
                s += values[i];
                ts += targets[i];
            }
        }
        if (stableMask != 0) sliceDelta = _scaled(ts * total, s * BPS, num, d);
    }

    /// @notice Adds the stables' trades, given the slice's value `s` and target `ts` (`slice`):
    /// the slice's new value S' = S + sliceDelta is shared so that
    /// each stable's within-slice weight moves mu = num/den of the way to its within-slice target
    /// (mu = 0 when the stable path does not run: the slice keeps its proportions). New values are
    /// rounded down and never negative, so no stable is ever asked to sell more than it holds. With
    /// no stable holdings the slice buys by target; with stable targets summing to 0 it sells by
    /// holdings.
    function addSliceDeltas(
        int256[] memory deltas,
        uint256[] memory values,
        uint16[] memory targets,
        uint256 stableMask,
        uint256 s,
        uint256 ts,
        int256 sliceDelta,
        uint256 num,
        uint256 den
    ) internal pure {
        if (sliceDelta == 0 && num == 0) return; // neither path moves the stables
        uint256 sNew = sliceDelta >= 0 ? s + uint256(sliceDelta) : s - uint256(-sliceDelta);
        for (uint256 i; i < values.length; ++i) {
            if (stableMask >> i & 1 == 0) continue;
            uint256 vNew;
            if (s == 0) {
                vNew = ts == 0 ? 0 : Math.mulDiv(sNew, targets[i], ts);
            } else if (ts == 0 || num == 0) {
                vNew = Math.mulDiv(sNew, values[i], s); // the slice keeps its proportions
            } else {
                vNew = Math.mulDiv(sNew, values[i] * ts * (den - num) + targets[i] * s * num, s * ts * den);
            }
            deltas[i] += int256(vNew) - int256(values[i]);
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

    function _absDiff(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    function _add(Measure memory m, uint256 n) private pure {
        m.sumN += n;
        if (n > m.maxN) m.maxN = n;
    }
}
