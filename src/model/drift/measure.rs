//! Drift measures, triggers, aim and lambda (`Drift.globalMeasure` … `Drift.lambda`).
//!
//! Global view: every non-stable asset is a unit and the stables together are one unit (the
//! slice) with target T_S = the sum of their targets. A unit's N = |v * 1e4 - t * V| and its
//! drift in bps is N / V. Stable view: stable i has N_i = |v_i * T_S - t_i * S| * 1e4 and drift
//! N_i / (S * T_S) bps. Comparisons are exact (cross-multiplied).

use alloy::primitives::U256;

use super::{
    DriftError,
    math::{abs_diff, add, bps, ceil_div, mul},
};

/// One view's drift summary: the largest N, the sum of all N, and the view's scale (V for the
/// global view, S * T_S for the stable view), so drift bps = N / scale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    /// Largest N.
    pub max_n: U256,
    /// Sum of every unit's N.
    pub sum_n: U256,
    /// The view's scale.
    pub scale: U256,
}

impl Measure {
    fn push(&mut self, n: U256) -> Result<(), DriftError> {
        self.sum_n = add(self.sum_n, n, "measure: sum of N")?;
        if n > self.max_n {
            self.max_n = n;
        }
        Ok(())
    }

    /// Whether the largest drift is **strictly** past `band_bps` (drift == band does not trigger).
    pub fn exceeds(&self, band_bps: u16) -> Result<bool, DriftError> {
        Ok(self.max_n > mul(U256::from(band_bps), self.scale, "exceeds: band * scale")?)
    }

    /// The largest drift in bps, **rounded down** (0 for an empty view).
    pub fn max_bps(&self) -> U256 {
        if self.scale.is_zero() {
            U256::ZERO
        } else {
            self.max_n / self.scale
        }
    }

    /// Where a rebalance aims: `clear_bps` less the worst slippage effect,
    /// `ceil(slippage * sumN / (2 * 1e4 * scale))` (**rounded up**, so the aim errs inside),
    /// floored at 0. An empty view aims at `clear_bps`.
    pub fn aim_bps(&self, clear_bps: u16, max_slippage_bps: u16) -> Result<U256, DriftError> {
        let clear = U256::from(clear_bps);
        if self.scale.is_zero() {
            return Ok(clear);
        }
        let num = mul(
            U256::from(max_slippage_bps),
            self.sum_n,
            "aim: slippage * sumN",
        )?;
        let den = mul(U256::from(2 * super::BPS), self.scale, "aim: 2e4 * scale")?;
        let allowance = ceil_div(num, den, "aim")?;
        Ok(if allowance >= clear {
            U256::ZERO
        } else {
            clear - allowance
        })
    }

    /// lambda = num/den = 1 - aim/drift, the fraction of the way to target that brings the
    /// largest drift to `aim` bps. (1, 1) when `aim` is 0 (to target); (0, 1) when the drift is
    /// already within the aim (nothing to do).
    pub fn lambda(&self, aim: U256) -> Result<(U256, U256), DriftError> {
        if aim.is_zero() {
            return Ok((U256::from(1u8), U256::from(1u8)));
        }
        let edge = mul(aim, self.scale, "lambda: aim * scale")?;
        if self.max_n <= edge {
            return Ok((U256::ZERO, U256::from(1u8)));
        }
        Ok((self.max_n - edge, self.max_n))
    }
}

/// Whether asset `i` is in `mask`.
pub(crate) fn is_stable(mask: u16, i: usize) -> bool {
    i < 16 && mask >> i & 1 == 1
}

/// The stable slice's value S and target T_S.
pub fn slice(
    values: &[U256],
    targets: &[u16],
    stable_mask: u16,
) -> Result<(U256, U256), DriftError> {
    let (mut s, mut ts) = (U256::ZERO, U256::ZERO);
    for (i, (v, t)) in values.iter().zip(targets).enumerate() {
        if is_stable(stable_mask, i) {
            s = add(s, *v, "slice value")?;
            ts += U256::from(*t);
        }
    }
    Ok((s, ts))
}

/// The global view over the units (non-stables and the slice), at portfolio value `total`.
pub fn global_measure(
    values: &[U256],
    targets: &[u16],
    stable_mask: u16,
    total: U256,
) -> Result<Measure, DriftError> {
    let mut m = Measure {
        scale: total,
        ..Measure::default()
    };
    for (i, (v, t)) in values.iter().zip(targets).enumerate() {
        if !is_stable(stable_mask, i) {
            let have = mul(*v, bps(), "global measure: v * 1e4")?;
            let want = mul(U256::from(*t), total, "global measure: t * V")?;
            m.push(abs_diff(have, want))?;
        }
    }
    if stable_mask != 0 {
        let (s, ts) = slice(values, targets, stable_mask)?;
        let have = mul(s, bps(), "global measure: S * 1e4")?;
        let want = mul(ts, total, "global measure: T_S * V")?;
        m.push(abs_diff(have, want))?;
    }
    Ok(m)
}

/// The within-slice view of the stables.
pub fn stable_measure(
    values: &[U256],
    targets: &[u16],
    stable_mask: u16,
) -> Result<Measure, DriftError> {
    let (s, ts) = slice(values, targets, stable_mask)?;
    let mut m = Measure {
        scale: mul(s, ts, "stable measure: S * T_S")?,
        ..Measure::default()
    };
    for (i, (v, t)) in values.iter().zip(targets).enumerate() {
        if is_stable(stable_mask, i) {
            let have = mul(*v, ts, "stable measure: v * T_S")?;
            let want = mul(U256::from(*t), s, "stable measure: t * S")?;
            m.push(mul(abs_diff(have, want), bps(), "stable measure: N * 1e4")?)?;
        }
    }
    Ok(m)
}

/// Whether two stables' normalised prices (18 decimals) differ by **strictly** more than
/// `depeg_bps` of the lower one.
pub fn depegged(
    norm_prices: &[U256],
    stable_mask: u16,
    depeg_bps: u16,
) -> Result<bool, DriftError> {
    let (mut lo, mut hi) = (U256::MAX, U256::ZERO);
    for (i, p) in norm_prices.iter().enumerate() {
        if is_stable(stable_mask, i) {
            lo = lo.min(*p);
            hi = hi.max(*p);
        }
    }
    if hi <= lo {
        return Ok(false);
    }
    Ok(mul(hi - lo, bps(), "depeg: spread * 1e4")?
        > mul(U256::from(depeg_bps), lo, "depeg: band * lo")?)
}
