//! `[bands]`: the keeper adapts the trigger and clear bands of every balancer whose controller it
//! is (see `keeper::bands` and `model::bands`), and its checked form, [`BandSettings`].
//!
//! ```toml
//! [bands]
//! every_secs = 604800         # a proposal per balancer this often (weekly)
//! min_gap_bps = 25            # least distance between trigger and clear
//! max_step_bps = 50           # largest change of either band per proposal
//! calm_vol = 0.3              # below this realised volatility the band widens
//! max_overshoot_bps = 25      # mean drift at trigger above the band beyond which it narrows
//! max_time_beyond_pct = 1.0   # share of samples beyond the band beyond which it narrows
//! gas_spike_multiple = 3.0    # a base fee above this × the median is a spike
//! spike_premium_bps = 100     # the trigger's temporary raise during a spike
//! gap_bps = 25                # wanted distance between trigger and clear
//! ```
//!
//! The owner's limits are the balancer's own (`bandLimits()`, checked again by the contract).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{KeeperConfig, KeeperConfigError};
use crate::model::bands::BandPolicy;

/// `[bands]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandsSection {
    /// A proposal per balancer this often, s.
    #[serde(default = "defaults::every_secs")]
    pub every_secs: u64,
    /// Least distance between trigger and clear, bps.
    #[serde(default = "defaults::min_gap_bps")]
    pub min_gap_bps: u32,
    /// Largest change of either band per proposal, bps.
    #[serde(default = "defaults::max_step_bps")]
    pub max_step_bps: u32,
    /// See [`BandPolicy::calm_vol`].
    #[serde(default = "defaults::calm_vol")]
    pub calm_vol: f64,
    /// See [`BandPolicy::max_overshoot_bps`].
    #[serde(default = "defaults::max_overshoot_bps")]
    pub max_overshoot_bps: f64,
    /// See [`BandPolicy::max_time_beyond_pct`].
    #[serde(default = "defaults::max_time_beyond_pct")]
    pub max_time_beyond_pct: f64,
    /// See [`BandPolicy::gas_spike_multiple`].
    #[serde(default = "defaults::gas_spike_multiple")]
    pub gas_spike_multiple: f64,
    /// See [`BandPolicy::spike_premium_bps`].
    #[serde(default = "defaults::spike_premium_bps")]
    pub spike_premium_bps: u32,
    /// See [`BandPolicy::gap_bps`].
    #[serde(default = "defaults::gap_bps")]
    pub gap_bps: u32,
}

impl Default for BandsSection {
    fn default() -> Self {
        Self {
            every_secs: defaults::every_secs(),
            min_gap_bps: defaults::min_gap_bps(),
            max_step_bps: defaults::max_step_bps(),
            calm_vol: defaults::calm_vol(),
            max_overshoot_bps: defaults::max_overshoot_bps(),
            max_time_beyond_pct: defaults::max_time_beyond_pct(),
            gas_spike_multiple: defaults::gas_spike_multiple(),
            spike_premium_bps: defaults::spike_premium_bps(),
            gap_bps: defaults::gap_bps(),
        }
    }
}

mod defaults {
    use crate::model::bands::BandPolicy;

    pub(super) fn every_secs() -> u64 {
        7 * 86_400
    }
    pub(super) fn min_gap_bps() -> u32 {
        25
    }
    pub(super) fn max_step_bps() -> u32 {
        50
    }
    pub(super) fn calm_vol() -> f64 {
        BandPolicy::default().calm_vol
    }
    pub(super) fn max_overshoot_bps() -> f64 {
        BandPolicy::default().max_overshoot_bps
    }
    pub(super) fn max_time_beyond_pct() -> f64 {
        BandPolicy::default().max_time_beyond_pct
    }
    pub(super) fn gas_spike_multiple() -> f64 {
        BandPolicy::default().gas_spike_multiple
    }
    pub(super) fn spike_premium_bps() -> u32 {
        BandPolicy::default().spike_premium_bps
    }
    pub(super) fn gap_bps() -> u32 {
        BandPolicy::default().gap_bps
    }
}

/// `[bands]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct BandSettings {
    /// A proposal per balancer this often.
    pub every: Duration,
    /// Least distance between trigger and clear, bps.
    pub min_gap_bps: u32,
    /// Largest change per proposal, bps.
    pub max_step_bps: u32,
    /// How the controller reacts.
    pub policy: BandPolicy,
}

impl KeeperConfig {
    /// `[bands]` checked, if the keeper adapts bands.
    pub fn bands(&self) -> Result<Option<BandSettings>, KeeperConfigError> {
        let Some(b) = &self.bands else {
            return Ok(None);
        };
        for (field, v, fix) in [
            (
                "every_secs",
                b.every_secs,
                "give seconds between proposals (default 604800, a week)",
            ),
            (
                "min_gap_bps",
                u64::from(b.min_gap_bps),
                "give at least 1 bp (default 25)",
            ),
            (
                "max_step_bps",
                u64::from(b.max_step_bps),
                "give at least 1 bp (default 50)",
            ),
        ] {
            if v == 0 {
                return Err(self.invalid(&format!("bands.{field}"), 0, "is zero", fix));
            }
        }
        for (field, v) in [
            ("calm_vol", b.calm_vol),
            ("max_overshoot_bps", b.max_overshoot_bps),
            ("max_time_beyond_pct", b.max_time_beyond_pct),
            ("gas_spike_multiple", b.gas_spike_multiple),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(self.invalid(
                    &format!("bands.{field}"),
                    v,
                    "is not a finite number of 0 or more",
                    "give a number such as the default (`onebalancer keeper example`)",
                ));
            }
        }
        if b.gap_bps < b.min_gap_bps {
            return Err(self.invalid(
                "bands.gap_bps",
                b.gap_bps,
                &format!("is below bands.min_gap_bps = {}", b.min_gap_bps),
                "give a wanted gap at least the least gap",
            ));
        }
        Ok(Some(BandSettings {
            every: Duration::from_secs(b.every_secs),
            min_gap_bps: b.min_gap_bps,
            max_step_bps: b.max_step_bps,
            policy: BandPolicy {
                calm_vol: b.calm_vol,
                max_overshoot_bps: b.max_overshoot_bps,
                max_time_beyond_pct: b.max_time_beyond_pct,
                gas_spike_multiple: b.gas_spike_multiple,
                spike_premium_bps: b.spike_premium_bps,
                gap_bps: b.gap_bps,
            },
        }))
    }
}
