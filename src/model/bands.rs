//! Band controller: propose the next (trigger, clear) drift bands from what the balancer has
//! lived through, within limits the owner sets.
//!
//! **The rule.** The controller keeps a *base* trigger band and an *active* one (what the
//! contract uses). On each update:
//! 1. *Tracking error first.* If the mean drift at trigger exceeds the active trigger by more than
//!    `max_overshoot_bps`, or the share of time spent beyond the band exceeds
//!    `max_time_beyond_pct`, the base trigger narrows by one step.
//! 2. *Otherwise, calm widens.* If realised volatility is below `calm_vol`, the base trigger widens
//!    by one step (fewer, cheaper rebalances while little moves).
//! 3. *Gas spikes raise it temporarily.* If the latest gas price exceeds `gas_spike_multiple` × the
//!    median of the gas history, the active trigger aims at base + `spike_premium_bps`; otherwise
//!    it aims at the base, so it returns once gas is back to normal.
//! 4. The active trigger moves toward its aim by at most `max_step_bps`; the clear band aims at
//!    trigger − `gap_bps` (at least the owner's `min_gap_bps`), also moving at most one step.
//!    Everything is clamped to `[min_trigger_bps, max_trigger_bps]`, and clear ≤ trigger −
//!    `min_gap_bps`, so clear is always below trigger.
//!
//! Outputs are integer bp and the rule is deterministic. A state already outside the limits
//! (the owner just tightened them) is first brought inside: limits win over the step bound.

use serde::Serialize;

/// Drift bands, bp: rebalance at `trigger_bps`, trade back to `clear_bps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bands {
    /// Trigger band.
    pub trigger_bps: u32,
    /// Clear band (below the trigger).
    pub clear_bps: u32,
}

/// The owner's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BandLimits {
    /// Lowest trigger.
    pub min_trigger_bps: u32,
    /// Highest trigger.
    pub max_trigger_bps: u32,
    /// Least distance between trigger and clear.
    pub min_gap_bps: u32,
    /// Largest change of either band per update.
    pub max_step_bps: u32,
}

/// How the controller reacts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BandPolicy {
    /// Realised annual volatility below which the base band widens.
    pub calm_vol: f64,
    /// Mean drift at trigger above the trigger, bp, beyond which the band narrows.
    pub max_overshoot_bps: f64,
    /// Share of time beyond the band, %, beyond which the band narrows.
    pub max_time_beyond_pct: f64,
    /// A gas price above this multiple of the median is a spike.
    pub gas_spike_multiple: f64,
    /// Temporary raise of the trigger during a spike, bp.
    pub spike_premium_bps: u32,
    /// Wanted distance between trigger and clear, bp.
    pub gap_bps: u32,
}

impl Default for BandPolicy {
    fn default() -> Self {
        Self {
            calm_vol: 0.3,
            max_overshoot_bps: 25.0,
            max_time_beyond_pct: 1.0,
            gas_spike_multiple: 3.0,
            spike_premium_bps: 100,
            gap_bps: 25,
        }
    }
}

/// What happened since the last update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observations<'a> {
    /// Realised annual volatility (e.g. the EWMA estimate).
    pub realised_vol: f64,
    /// Global drift at each trigger, bp.
    pub drift_at_trigger_bps: &'a [u32],
    /// Share of time the drift spent beyond the trigger band, %.
    pub time_beyond_band_pct: f64,
    /// Gas prices, oldest first; the last is now.
    pub gas_prices: &'a [f64],
}

/// The controller's state: the base band and the active (possibly gas-raised) one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BandState {
    /// Trigger without any gas premium.
    pub base_trigger_bps: u32,
    /// The bands the contract uses.
    pub active: Bands,
}

/// Why the bands moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Reason {
    /// Nothing to do.
    Hold,
    /// Calm market: base widened.
    Calm,
    /// Tracking error: base narrowed.
    TrackingError,
    /// Gas spike: active raised above base.
    GasSpike,
}

/// A proposal: the next state and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// The next state.
    pub state: BandState,
    /// The base band's reason.
    pub base: Reason,
    /// Whether a gas spike is in force.
    pub gas_spike: bool,
}

/// Invalid limits, policy or observations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BandError {
    /// A field out of range.
    #[error("{field} = {value} is out of range — {expected}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
}

fn bad(field: &'static str, value: impl ToString, expected: &'static str) -> BandError {
    BandError::OutOfRange {
        field,
        value: value.to_string(),
        expected,
    }
}

impl BandLimits {
    /// Checks the limits are usable with `policy`.
    pub fn validate(&self, policy: &BandPolicy) -> Result<(), BandError> {
        if self.min_gap_bps == 0 {
            return Err(bad(
                "min_gap_bps",
                0,
                "at least 1 bp, so clear stays below trigger",
            ));
        }
        if self.max_trigger_bps < self.min_trigger_bps || self.max_trigger_bps > 10_000 {
            return Err(bad(
                "max_trigger_bps",
                self.max_trigger_bps,
                "at least min_trigger_bps and at most 10000",
            ));
        }
        if self.min_trigger_bps < self.min_gap_bps.max(policy.gap_bps) {
            return Err(bad(
                "min_trigger_bps",
                self.min_trigger_bps,
                "at least the gap between trigger and clear",
            ));
        }
        if self.max_step_bps == 0 {
            return Err(bad("max_step_bps", 0, "at least 1 bp"));
        }
        Ok(())
    }
}

fn finite_non_negative(field: &'static str, x: f64) -> Result<f64, BandError> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(bad(field, x, "a finite number, 0 or more"))
    }
}

/// Median of a non-empty list of finite numbers.
fn median(xs: &[f64]) -> Option<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    match v.len() {
        0 => None,
        n if n % 2 == 1 => v.get(mid).copied(),
        _ => Some((v.get(mid - 1)? + v.get(mid)?) / 2.0),
    }
}

/// Moves `from` toward `to` by at most `step`.
fn toward(from: u32, to: u32, step: u32) -> u32 {
    if to > from {
        from.saturating_add(step).min(to)
    } else {
        from.saturating_sub(step).max(to)
    }
}

/// The next bands (see the module doc for the rule).
pub fn propose(
    state: &BandState,
    limits: &BandLimits,
    policy: &BandPolicy,
    obs: &Observations<'_>,
) -> Result<Proposal, BandError> {
    limits.validate(policy)?;
    finite_non_negative("realised_vol", obs.realised_vol)?;
    finite_non_negative("time_beyond_band_pct", obs.time_beyond_band_pct)?;
    finite_non_negative("calm_vol", policy.calm_vol)?;
    finite_non_negative("max_overshoot_bps", policy.max_overshoot_bps)?;
    finite_non_negative("max_time_beyond_pct", policy.max_time_beyond_pct)?;
    finite_non_negative("gas_spike_multiple", policy.gas_spike_multiple)?;
    for g in obs.gas_prices {
        finite_non_negative("gas_prices", *g)?;
    }
    let (lo, hi, step) = (
        limits.min_trigger_bps,
        limits.max_trigger_bps,
        limits.max_step_bps,
    );
    let active = state.active.trigger_bps.clamp(lo, hi);
    let base = state.base_trigger_bps.clamp(lo, hi);

    // 1–2. The base band: tracking error narrows, calm widens.
    let overshoot = if obs.drift_at_trigger_bps.is_empty() {
        0.0
    } else {
        let sum: f64 = obs.drift_at_trigger_bps.iter().map(|d| f64::from(*d)).sum();
        sum / obs.drift_at_trigger_bps.len() as f64 - f64::from(active)
    };
    let (base, reason) = if overshoot > policy.max_overshoot_bps
        || obs.time_beyond_band_pct > policy.max_time_beyond_pct
    {
        (base.saturating_sub(step).max(lo), Reason::TrackingError)
    } else if obs.realised_vol < policy.calm_vol {
        (base.saturating_add(step).min(hi), Reason::Calm)
    } else {
        (base, Reason::Hold)
    };

    // 3. Gas: a spike aims the active band above the base; otherwise it returns to the base.
    let spike = match (obs.gas_prices.last(), median(obs.gas_prices)) {
        (Some(now), Some(m)) => *now > policy.gas_spike_multiple * m,
        _ => false,
    };
    let aim = if spike {
        base.saturating_add(policy.spike_premium_bps).min(hi)
    } else {
        base
    };

    // 4. Step-bounded moves, clear below trigger.
    let trigger = toward(active, aim, step).clamp(lo, hi);
    let gap = limits.min_gap_bps.max(policy.gap_bps);
    let prev_clear = state
        .active
        .clear_bps
        .min(active.saturating_sub(limits.min_gap_bps));
    let clear = toward(prev_clear, trigger.saturating_sub(gap), step)
        .min(trigger.saturating_sub(limits.min_gap_bps));
    Ok(Proposal {
        state: BandState {
            base_trigger_bps: base,
            active: Bands {
                trigger_bps: trigger,
                clear_bps: clear,
            },
        },
        base: reason,
        gas_spike: spike,
    })
}

#[cfg(test)]
#[path = "bands_tests.rs"]
mod tests;
