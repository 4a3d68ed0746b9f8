//! `[funding]`: the keeper keeps the upkeeps it serves funded (see `keeper::funding` and
//! `model::funding`), and its checked form, [`FundingSettings`].
//!
//! ```toml
//! [funding]
//! # keystore = "funding-key.json"  # the funding key; password in ONEBALANCER_FUNDING_KEYSTORE_PASSWORD.
//! #                                # Or ONEBALANCER_FUNDING_PRIVATE_KEY. Neither: the keeper's own key.
//! min_balance_multiple = 3         # refill below max(1 month, 3 × the registry's minimum balance)
//! every_secs = 300                 # how often balances are read
//! history_days = 7                 # the measured month's window (a day of history at least)
//! performs_per_day = 24            # the fee model's inputs while there is under a day of history
//! perform_gas = 250000
//! offpeak_percentile = 25          # a top-up that may wait goes at or below this percentile of
//! offpeak_window_blocks = 1024     # the base fees of the last blocks,
//! offpeak_max_wait_secs = 86400    # and never later than this
//! ```

use std::{path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

use super::{KeeperConfig, KeeperConfigError};
use crate::model::offpeak::OffPeak;

/// The most blocks `eth_feeHistory` serves in one call.
pub(super) const MAX_WINDOW_BLOCKS: u64 = 1024;

/// `[funding]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingSection {
    /// The funding key's encrypted keystore (password in
    /// `ONEBALANCER_FUNDING_KEYSTORE_PASSWORD`); without it, `ONEBALANCER_FUNDING_PRIVATE_KEY`,
    /// else the keeper's own key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keystore: Option<PathBuf>,
    /// Refill level = max(1 month, this × the registry's minimum balance).
    #[serde(default = "defaults::min_balance_multiple")]
    pub min_balance_multiple: u32,
    /// Balances are read this often, s.
    #[serde(default = "defaults::every_secs")]
    pub every_secs: u64,
    /// The measured month's window, days.
    #[serde(default = "defaults::history_days")]
    pub history_days: u64,
    /// The fee model's performs a day (under a day of history).
    #[serde(default = "defaults::performs_per_day")]
    pub performs_per_day: u32,
    /// The fee model's gas per perform, its share of the transmit's overhead included.
    #[serde(default = "defaults::perform_gas")]
    pub perform_gas: u64,
    /// A top-up that may wait goes at or below this percentile of recent base fees (1–100).
    #[serde(default = "defaults::offpeak_percentile")]
    pub offpeak_percentile: u8,
    /// The recent base fees: this many blocks (≤ 1024).
    #[serde(default = "defaults::offpeak_window_blocks")]
    pub offpeak_window_blocks: u64,
    /// A top-up never waits longer than this, s.
    #[serde(default = "defaults::offpeak_max_wait_secs")]
    pub offpeak_max_wait_secs: u64,
}

impl Default for FundingSection {
    fn default() -> Self {
        Self {
            keystore: None,
            min_balance_multiple: defaults::min_balance_multiple(),
            every_secs: defaults::every_secs(),
            history_days: defaults::history_days(),
            performs_per_day: defaults::performs_per_day(),
            perform_gas: defaults::perform_gas(),
            offpeak_percentile: defaults::offpeak_percentile(),
            offpeak_window_blocks: defaults::offpeak_window_blocks(),
            offpeak_max_wait_secs: defaults::offpeak_max_wait_secs(),
        }
    }
}

mod defaults {
    pub(super) fn min_balance_multiple() -> u32 {
        3
    }
    pub(super) fn every_secs() -> u64 {
        300
    }
    pub(super) fn history_days() -> u64 {
        7
    }
    pub(super) fn performs_per_day() -> u32 {
        24
    }
    pub(super) fn perform_gas() -> u64 {
        250_000
    }
    pub(super) fn offpeak_percentile() -> u8 {
        25
    }
    pub(super) fn offpeak_window_blocks() -> u64 {
        1024
    }
    pub(super) fn offpeak_max_wait_secs() -> u64 {
        86_400
    }
}

/// `[funding]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingSettings {
    /// The funding keystore, resolved against the config's folder.
    pub keystore: Option<PathBuf>,
    /// See [`FundingSection::min_balance_multiple`].
    pub min_balance_multiple: u32,
    /// How often balances are read.
    pub every: Duration,
    /// The measured month's window, s.
    pub history_secs: u64,
    /// The fee model's performs a day.
    pub performs_per_day: u32,
    /// The fee model's gas per perform.
    pub perform_gas: u64,
    /// Off-peak timing.
    pub offpeak: OffPeak,
    /// Blocks of base fees behind the percentile.
    pub window_blocks: u64,
}

impl KeeperConfig {
    /// `[funding]` checked, if the keeper funds its upkeeps.
    pub fn funding(&self) -> Result<Option<FundingSettings>, KeeperConfigError> {
        let Some(f) = &self.funding else {
            return Ok(None);
        };
        let positive = |field: &str, v: u64, fix: &str| {
            if v == 0 {
                Err(self.invalid(&format!("funding.{field}"), 0, "is zero", fix))
            } else {
                Ok(())
            }
        };
        positive(
            "min_balance_multiple",
            u64::from(f.min_balance_multiple),
            "give at least 1 (default 3: refill below 3 × the registry's minimum balance)",
        )?;
        positive(
            "every_secs",
            f.every_secs,
            "give how often balances are read, s (default 300)",
        )?;
        positive(
            "history_days",
            f.history_days,
            "give the measured month's window in days (default 7)",
        )?;
        positive(
            "performs_per_day",
            u64::from(f.performs_per_day),
            "give the performs a day the fee model assumes before there is history (default 24)",
        )?;
        positive(
            "perform_gas",
            f.perform_gas,
            "give the gas a perform is billed for (default 250000)",
        )?;
        if !(1..=100).contains(&f.offpeak_percentile) {
            return Err(self.invalid(
                "funding.offpeak_percentile",
                f.offpeak_percentile,
                "is outside 1–100",
                "give a percentile of recent base fees (default 25)",
            ));
        }
        if !(1..=MAX_WINDOW_BLOCKS).contains(&f.offpeak_window_blocks) {
            return Err(self.invalid(
                "funding.offpeak_window_blocks",
                f.offpeak_window_blocks,
                "is outside 1–1024 (what eth_feeHistory serves)",
                "give the blocks of base fees to compare with (default 1024)",
            ));
        }
        if self.contracts()?.registry.is_none() {
            return Err(self.invalid(
                "funding",
                "(present)",
                "needs the Automation registry, and no [contracts] registry is known",
                "set [contracts] registry (or manifest), or remove [funding]",
            ));
        }
        Ok(Some(FundingSettings {
            keystore: f.keystore.as_deref().map(|p| self.resolve(p)),
            min_balance_multiple: f.min_balance_multiple,
            every: Duration::from_secs(f.every_secs),
            history_secs: f.history_days.saturating_mul(86_400),
            performs_per_day: f.performs_per_day,
            perform_gas: f.perform_gas,
            offpeak: OffPeak {
                percentile: f.offpeak_percentile,
                max_wait_secs: f.offpeak_max_wait_secs,
            },
            window_blocks: f.offpeak_window_blocks,
        }))
    }
}
