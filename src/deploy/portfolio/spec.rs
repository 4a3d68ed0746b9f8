//! The portfolio spec (`--portfolio FILE`, TOML): the assets and their feeds, the balancers over
//! them, the upkeep managers, and how each is automated. Parsing and every rule that needs no
//! chain live here (pure); [`super::check`] adds the reads.
//!
//! Balancer parameters mirror `IBalancer.InitParams`; every bound is the contract's own
//! (`BalancerFactory._validate`, `BalancerAdmin._checkParams`/`_checkBandLimits`/
//! `_checkCalendar`, `_checkTargets`), so a spec this module accepts is one the factory accepts.

use std::{collections::BTreeMap, path::Path};

use alloy::primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::devnet::demo::spec::{LOP_DOMAIN_NAME, LOP_DOMAIN_VERSION, default_params};

/// The whole spec.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PortfolioSpec {
    /// Where the stack is (default: the manifest's contracts).
    #[serde(default)]
    pub stack: StackSpec,
    /// Assets by name.
    #[serde(default)]
    pub assets: BTreeMap<String, AssetSpec>,
    /// Upkeep managers by name.
    #[serde(default)]
    pub managers: BTreeMap<String, ManagerSpec>,
    /// Balancers by name (created in name order).
    #[serde(default)]
    pub balancers: BTreeMap<String, BalancerSpec>,
}

/// Stack contracts and chain-wide settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StackSpec {
    /// `BalancerFactory` (default: the manifest's `balancer_factory`).
    pub factory: Option<Address>,
    /// The 1inch Limit Order Protocol (default: the manifest's `limit_order_protocol`).
    pub protocol: Option<Address>,
    /// Its EIP-712 domain name (checked by the factory).
    pub protocol_name: String,
    /// Its EIP-712 domain version.
    pub protocol_version: String,
    /// The Automation registry 2.3 (default: the manifest's `registry`).
    pub registry: Option<Address>,
    /// Its registrar (default: the manifest's `registrar`).
    pub registrar: Option<Address>,
    /// L2 sequencer-uptime feed (none on an L1).
    pub sequencer_feed: Option<Address>,
    /// Seconds prices are distrusted after the sequencer comes back.
    pub sequencer_grace_secs: u32,
}

impl Default for StackSpec {
    fn default() -> Self {
        Self {
            factory: None,
            protocol: None,
            protocol_name: LOP_DOMAIN_NAME.into(),
            protocol_version: LOP_DOMAIN_VERSION.into(),
            registry: None,
            registrar: None,
            sequencer_feed: None,
            sequencer_grace_secs: 0,
        }
    }
}

/// One asset: its token and USD price feed (decimals are read from the chain).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    /// ERC-20 token.
    pub token: Address,
    /// Chainlink USD feed (`AggregatorV3Interface`).
    pub feed: Address,
    /// A price older than this many seconds is stale (the feed's heartbeat).
    pub heartbeat_secs: u32,
    /// The feed's deviation threshold in bps (at most 2,000).
    pub deviation_bps: u16,
    /// Part of the stable slice.
    #[serde(default)]
    pub stable: bool,
}

/// Which implementation a balancer clones.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `DriftBalancer`.
    Drift,
    /// `TimeBalancer` (needs a `calendar`).
    Time,
}

/// One balancer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BalancerSpec {
    /// Drift or time.
    pub kind: Kind,
    /// Asset names, in portfolio order.
    pub assets: Vec<String>,
    /// Target weights in bps, one per asset, summing to 10,000.
    pub targets_bps: Vec<u16>,
    /// Owner (default: the deployer).
    #[serde(default)]
    pub owner: Option<Address>,
    /// Controller of the adaptive bands (default: the owner).
    #[serde(default)]
    pub controller: Option<Address>,
    /// Bands, slippage, grid, cooldowns, order TTL.
    #[serde(default)]
    pub params: ParamsSpec,
    /// What the controller may do with the bands.
    #[serde(default)]
    pub limits: LimitsSpec,
    /// Dust rule and first gas estimates.
    #[serde(default)]
    pub costs: CostsSpec,
    /// TimeBalancer calendar.
    #[serde(default)]
    pub calendar: Option<CalendarSpec>,
    /// Served by this manager (named under `[managers]`) instead of its own upkeep.
    #[serde(default)]
    pub manager: Option<String>,
    /// Its own Automation upkeep.
    #[serde(default)]
    pub upkeep: Option<UpkeepSpec>,
}

/// `IBalancer.Params` (defaults: the demo fixture's).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ParamsSpec {
    /// Global trigger band.
    pub drift_bps: u16,
    /// Global clear band (< drift_bps).
    pub clear_bps: u16,
    /// Stable-slice trigger band.
    pub stable_drift_bps: u16,
    /// Stable-slice clear band (< stable_drift_bps).
    pub stable_clear_bps: u16,
    /// Depeg trigger.
    pub depeg_bps: u16,
    /// Largest slippage an order is priced at.
    pub max_slippage_bps: u16,
    /// Stable-to-stable orders per trade (1..8).
    pub grid_levels: u8,
    /// Price step between grid levels.
    pub grid_spacing_bps: u16,
    /// Seconds between stable-path performs.
    pub stable_cooldown_secs: u32,
    /// Seconds between global-path performs.
    pub global_cooldown_secs: u32,
    /// Seconds a published bundle stays fillable.
    pub order_ttl_secs: u32,
}

impl Default for ParamsSpec {
    fn default() -> Self {
        let p = default_params();
        Self {
            drift_bps: p.driftBps,
            clear_bps: p.clearBps,
            stable_drift_bps: p.stableDriftBps,
            stable_clear_bps: p.stableClearBps,
            depeg_bps: p.depegBps,
            max_slippage_bps: p.maxSlippageBps,
            grid_levels: p.gridLevels,
            grid_spacing_bps: p.gridSpacingBps,
            stable_cooldown_secs: p.stableCooldown,
            global_cooldown_secs: p.globalCooldown,
            order_ttl_secs: p.orderTtl,
        }
    }
}

/// `IBalancer.BandLimits`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSpec {
    /// Smallest global band the controller may set.
    pub min_drift_bps: u16,
    /// Largest global band.
    pub max_drift_bps: u16,
    /// Smallest stable band.
    pub min_stable_drift_bps: u16,
    /// Largest stable band.
    pub max_stable_drift_bps: u16,
}

impl Default for LimitsSpec {
    fn default() -> Self {
        Self {
            min_drift_bps: 100,
            max_drift_bps: 500,
            min_stable_drift_bps: 50,
            max_stable_drift_bps: 300,
        }
    }
}

/// Dust rule and first gas estimates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CostsSpec {
    /// What one fill costs a taker, USD with 8 decimals.
    pub fill_cost_usd_e8: u64,
    /// Dust threshold = fill cost × this / 10,000.
    pub dust_margin_bps: u16,
    /// First stable-path gas estimate.
    pub stable_gas_estimate: u32,
    /// First global-path gas estimate.
    pub global_gas_estimate: u32,
}

impl Default for CostsSpec {
    fn default() -> Self {
        Self {
            fill_cost_usd_e8: 50_000_000,
            dust_margin_bps: 20_000,
            stable_gas_estimate: 80_000,
            global_gas_estimate: 130_000,
        }
    }
}

/// TimeBalancer calendar.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// Seconds between calendar rebalances (1 h .. 365 days).
    pub interval_secs: u32,
    /// Skip the calendar rebalance while every drift is below this (at most clear_bps).
    #[serde(default)]
    pub dust_floor_bps: u16,
}

/// One upkeep manager.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ManagerSpec {
    /// Its Chainlink Automation upkeep.
    #[serde(default)]
    pub upkeep: Option<UpkeepSpec>,
    /// Chainlink CRE: the manager's `setKeystone(forwarder, workflow_owner)`.
    #[serde(default)]
    pub keystone: Option<KeystoneSpec>,
    /// Its round configuration (`IUpkeepManager.Config`).
    #[serde(default)]
    pub config: ManagerConfigSpec,
}

/// A manager's `IUpkeepManager.Config`; every field optional.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ManagerConfigSpec {
    /// The perform starts no member when less gas is left (10,000..=2,000,000).
    pub perform_gas_reserve: u32,
    /// The check stops scanning when less gas is left (20,000..=5,000,000).
    pub check_gas_reserve: u32,
    /// A round packs members while their gas estimates fit in this (100,000..=30,000,000);
    /// default: the upkeep's gas limit less [`MANAGER_OWN_GAS`], else 1,300,000.
    pub round_gas_budget: Option<u32>,
    /// At most this many members a round (1..=220).
    pub max_per_round: u8,
    /// Each member's check runs with at most this much gas (50,000..=5,000,000).
    pub member_check_gas: u32,
    /// Blocks a member whose perform failed sits out (1..=65,535).
    pub failure_backoff_blocks: u16,
}

/// Gas a manager's perform needs beside its members' (its own bookkeeping and reserve).
pub const MANAGER_OWN_GAS: u32 = 200_000;
/// The round budget of a manager without an upkeep (CRE) that sets none.
pub const DEFAULT_ROUND_GAS_BUDGET: u32 = 1_300_000;

impl Default for ManagerConfigSpec {
    fn default() -> Self {
        Self {
            perform_gas_reserve: 60_000,
            check_gas_reserve: 300_000,
            round_gas_budget: None,
            max_per_round: 64,
            member_check_gas: 400_000,
            failure_backoff_blocks: 300,
        }
    }
}

impl ManagerSpec {
    /// The round budget: as given, else the upkeep's gas limit less [`MANAGER_OWN_GAS`], else
    /// [`DEFAULT_ROUND_GAS_BUDGET`].
    pub fn round_gas_budget(&self) -> u32 {
        self.config.round_gas_budget.unwrap_or_else(|| {
            self.upkeep.as_ref().map_or(DEFAULT_ROUND_GAS_BUDGET, |u| {
                u.gas_limit.saturating_sub(MANAGER_OWN_GAS)
            })
        })
    }
}

/// An Automation upkeep registration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpkeepSpec {
    /// Billing token.
    pub billing: BillingSpec,
    /// Perform gas limit.
    pub gas_limit: u32,
    /// First funding, in the billing token's smallest units (a decimal string).
    pub funding: U256,
}

/// Billing token of an upkeep.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BillingSpec {
    /// LINK (`transferAndCall` to the registrar).
    Link,
    /// Wrapped native, paid in native coin.
    Native,
}

/// The CRE receiver.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeystoneSpec {
    /// The Keystone forwarder that delivers reports.
    pub forwarder: Address,
    /// The workflow owner the manager accepts reports from.
    pub workflow_owner: Address,
}

/// A spec that cannot be used: names the field, the value and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read portfolio spec {path}: {reason} — check the --portfolio path")]
    Unreadable {
        /// The file.
        path: String,
        /// OS message.
        reason: String,
    },
    /// Malformed TOML or an unknown field.
    #[error("portfolio spec {path}: {reason} — fix that field (see script/portfolio.example.toml)")]
    Parse {
        /// The file.
        path: String,
        /// Parser message.
        reason: String,
    },
    /// A field has an unusable value.
    #[error("portfolio field {field} = {value} is invalid: {fix}")]
    Invalid {
        /// Dotted field name.
        field: String,
        /// The value given.
        value: String,
        /// What to do instead.
        fix: String,
    },
}

impl PortfolioSpec {
    /// Reads and validates a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses and validates TOML text (`origin` names it in errors).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, SpecError> {
        let spec: Self = toml::from_str(text).map_err(|e| SpecError::Parse {
            path: origin.to_string(),
            reason: e.message().to_string()
                + &e.span()
                    .map(|s| format!(" (at byte {})", s.start))
                    .unwrap_or_default(),
        })?;
        spec.validate()?;
        Ok(spec)
    }
}

/// The example spec (`script/portfolio.example.toml`), parsed and validated.
#[cfg(test)]
pub(crate) fn example() -> PortfolioSpec {
    PortfolioSpec::from_toml(
        include_str!("../../../script/portfolio.example.toml"),
        "portfolio.example.toml",
    )
    .unwrap()
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
