//! The portfolio spec's rules that need no chain: the contract's own bounds
//! (`BalancerFactory._validate`, `BalancerAdmin._checkParams`/`_checkBandLimits`/`_checkCalendar`,
//! `_checkTargets`) and the spec's references (assets, managers).

use std::collections::BTreeMap;

use alloy::primitives::Address;

use super::spec::{
    AssetSpec, BalancerSpec, CostsSpec, Kind, LimitsSpec, MANAGER_OWN_GAS, ManagerSpec, ParamsSpec,
    PortfolioSpec, SpecError, UpkeepSpec,
};

/// The factory's largest feed deviation threshold (`BalancerFactory.MAX_DEVIATION_BPS`).
const MAX_DEVIATION_BPS: u16 = 2000;
/// `CloneArgs.MAX_ASSETS`.
const MAX_ASSETS: usize = 16;
const MAX_BAND_BPS: u16 = 5000;
const MAX_SLIPPAGE_BPS: u16 = 500;
const MAX_GRID_LEVELS: u8 = 8;
const MAX_GRID_SPACING_BPS: u16 = 100;
const MAX_COOLDOWN: u32 = 30 * 86_400;
const MIN_ORDER_TTL: u32 = 60;
const MAX_ORDER_TTL: u32 = 86_400;
const MIN_INTERVAL: u32 = 3_600;
const MAX_INTERVAL: u32 = 365 * 86_400;
/// Gas estimates are stored in 32-gas units in a uint16.
const MAX_GAS_ESTIMATE: u32 = 65_535 * 32;

impl PortfolioSpec {
    /// Every rule that needs no chain.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.balancers.is_empty() {
            return Err(invalid(
                "balancers",
                "{}",
                "declare at least one [balancers.<name>] table",
            ));
        }
        let mut tokens = BTreeMap::new();
        for (name, a) in &self.assets {
            a.validate(name)?;
            if let Some(other) = tokens.insert(a.token, name) {
                return Err(invalid(
                    format!("assets.{name}.token"),
                    a.token,
                    &format!("assets.{other} has the same token: give each asset its own token"),
                ));
            }
        }
        for (name, m) in &self.managers {
            if m.upkeep.is_some() && m.keystone.is_some() {
                return Err(invalid(
                    format!("managers.{name}"),
                    "upkeep and keystone",
                    "choose one: an Automation upkeep ([upkeep]) or the CRE receiver ([keystone])",
                ));
            }
            m.validate_config(name)?;
            if let Some(u) = &m.upkeep {
                u.validate(&format!("managers.{name}.upkeep"))?;
                // The manager packs rounds up to its budget of member estimates, plus its own.
                let need = m.round_gas_budget().saturating_add(MANAGER_OWN_GAS);
                if u.gas_limit < need {
                    return Err(invalid(
                        format!("managers.{name}.upkeep.gas_limit"),
                        u.gas_limit,
                        &format!(
                            "a manager's round needs at least {need} (its {}-gas round budget plus {MANAGER_OWN_GAS}): raise it or lower config.round_gas_budget",
                            m.round_gas_budget()
                        ),
                    ));
                }
            }
            if let Some(k) = &m.keystone {
                for (f, a) in [
                    ("forwarder", k.forwarder),
                    ("workflow_owner", k.workflow_owner),
                ] {
                    if a.is_zero() {
                        return Err(invalid(
                            format!("managers.{name}.keystone.{f}"),
                            a,
                            "give the real address (the CRE forwarder of this chain, the workflow's owner)",
                        ));
                    }
                }
            }
        }
        for (name, b) in &self.balancers {
            b.validate(name, self)?;
        }
        Ok(())
    }
}

impl AssetSpec {
    fn validate(&self, name: &str) -> Result<(), SpecError> {
        let field = |f: &str| format!("assets.{name}.{f}");
        if self.token.is_zero() {
            return Err(invalid(
                field("token"),
                self.token,
                "give the token's address on this chain",
            ));
        }
        if self.feed.is_zero() {
            return Err(invalid(
                field("feed"),
                self.feed,
                "give the Chainlink USD feed's address on this chain",
            ));
        }
        if self.heartbeat_secs == 0 {
            return Err(invalid(
                field("heartbeat_secs"),
                0,
                "use the feed's heartbeat in seconds (e.g. 86400 for a daily feed, 3600 for hourly)",
            ));
        }
        if self.deviation_bps > MAX_DEVIATION_BPS {
            return Err(invalid(
                field("deviation_bps"),
                self.deviation_bps,
                "use the feed's deviation threshold, at most 2000 (20 %)",
            ));
        }
        Ok(())
    }
}

impl UpkeepSpec {
    fn validate(&self, at: &str) -> Result<(), SpecError> {
        if self.gas_limit < 10_000 {
            return Err(invalid(
                format!("{at}.gas_limit"),
                self.gas_limit,
                "use at least 10000 (a balancer perform needs ~150000, a manager round more)",
            ));
        }
        if self.funding.bit_len() > 96 {
            return Err(invalid(
                format!("{at}.funding"),
                self.funding,
                "it is a uint96 on-chain: use at most 2^96-1",
            ));
        }
        Ok(())
    }
}

impl BalancerSpec {
    fn validate(&self, name: &str, spec: &PortfolioSpec) -> Result<(), SpecError> {
        let field = |f: &str| format!("balancers.{name}.{f}");
        let n = self.assets.len();
        if n == 0 || n > MAX_ASSETS {
            return Err(invalid(
                field("assets"),
                format!("{n} assets"),
                "list 1 to 16 asset names",
            ));
        }
        for (i, a) in self.assets.iter().enumerate() {
            if !spec.assets.contains_key(a) {
                return Err(invalid(
                    field("assets"),
                    a,
                    "name an asset declared under [assets.<name>]",
                ));
            }
            if self.assets[..i].contains(a) {
                return Err(invalid(field("assets"), a, "list each asset once"));
            }
        }
        if self.targets_bps.len() != n {
            return Err(invalid(
                field("targets_bps"),
                format!("{} targets", self.targets_bps.len()),
                &format!("give exactly one target per asset ({n})"),
            ));
        }
        let sum: u32 = self.targets_bps.iter().map(|&t| u32::from(t)).sum();
        if sum != 10_000 {
            return Err(invalid(
                field("targets_bps"),
                format!("{:?} (sum {sum})", self.targets_bps),
                "targets are basis points of the portfolio: make them sum to exactly 10000",
            ));
        }
        self.params.validate(name)?;
        self.limits.validate(name)?;
        self.costs.validate(name)?;
        match (self.kind, &self.calendar) {
            (Kind::Drift, Some(_)) => {
                return Err(invalid(
                    field("calendar"),
                    "set",
                    "a drift balancer has no calendar: remove it or use kind = \"time\"",
                ));
            }
            (Kind::Time, None) => {
                return Err(invalid(
                    field("calendar"),
                    "missing",
                    "a time balancer needs [calendar] interval_secs (e.g. 86400)",
                ));
            }
            (Kind::Time, Some(c)) => {
                check(
                    field("calendar.interval_secs"),
                    c.interval_secs,
                    MIN_INTERVAL,
                    MAX_INTERVAL,
                )?;
                check(
                    field("calendar.dust_floor_bps"),
                    c.dust_floor_bps,
                    0,
                    self.params.clear_bps,
                )?;
            }
            (Kind::Drift, None) => {}
        }
        for (f, a) in [("owner", self.owner), ("controller", self.controller)] {
            if a.is_some_and(|a| a.is_zero()) {
                return Err(invalid(
                    field(f),
                    Address::ZERO,
                    "give a real address or leave it out (default: the deployer)",
                ));
            }
        }
        match (&self.manager, &self.upkeep) {
            (Some(m), Some(_)) => Err(invalid(
                field("upkeep"),
                "set",
                &format!("it is served by manager {m}: remove its own upkeep or its manager"),
            )),
            (Some(m), None) if !spec.managers.contains_key(m) => Err(invalid(
                field("manager"),
                m,
                "name a manager declared under [managers.<name>]",
            )),
            (None, Some(u)) => u.validate(&field("upkeep")),
            _ => Ok(()),
        }
    }
}

impl ParamsSpec {
    fn validate(&self, name: &str) -> Result<(), SpecError> {
        let f = |f: &str| format!("balancers.{name}.params.{f}");
        check(f("drift_bps"), self.drift_bps, 1, MAX_BAND_BPS)?;
        check(f("clear_bps"), self.clear_bps, 0, self.drift_bps - 1)?;
        check(
            f("stable_drift_bps"),
            self.stable_drift_bps,
            1,
            MAX_BAND_BPS,
        )?;
        let max_clear = self.stable_drift_bps - 1;
        check(f("stable_clear_bps"), self.stable_clear_bps, 0, max_clear)?;
        check(f("depeg_bps"), self.depeg_bps, 1, MAX_BAND_BPS)?;
        check(
            f("max_slippage_bps"),
            self.max_slippage_bps,
            0,
            MAX_SLIPPAGE_BPS,
        )?;
        check(f("grid_levels"), self.grid_levels, 1, MAX_GRID_LEVELS)?;
        let spacing = self.grid_spacing_bps;
        check(f("grid_spacing_bps"), spacing, 0, MAX_GRID_SPACING_BPS)?;
        let stable = self.stable_cooldown_secs;
        check(f("stable_cooldown_secs"), stable, 0, MAX_COOLDOWN)?;
        let global = self.global_cooldown_secs;
        check(f("global_cooldown_secs"), global, 0, MAX_COOLDOWN)?;
        let ttl = self.order_ttl_secs;
        check(f("order_ttl_secs"), ttl, MIN_ORDER_TTL, MAX_ORDER_TTL)
    }
}

impl LimitsSpec {
    fn validate(&self, name: &str) -> Result<(), SpecError> {
        let f = |f: &str| format!("balancers.{name}.limits.{f}");
        check(
            f("min_drift_bps"),
            self.min_drift_bps,
            1,
            self.max_drift_bps,
        )?;
        check(f("max_drift_bps"), self.max_drift_bps, 1, MAX_BAND_BPS)?;
        let (lo, hi) = (self.min_stable_drift_bps, self.max_stable_drift_bps);
        check(f("min_stable_drift_bps"), lo, 1, hi)?;
        check(f("max_stable_drift_bps"), hi, 1, MAX_BAND_BPS)
    }
}

impl CostsSpec {
    fn validate(&self, name: &str) -> Result<(), SpecError> {
        let f = |f: &str| format!("balancers.{name}.costs.{f}");
        let max48 = (1u64 << 48) - 1;
        check(f("fill_cost_usd_e8"), self.fill_cost_usd_e8, 0, max48)?;
        let stable = self.stable_gas_estimate;
        check(f("stable_gas_estimate"), stable, 0, MAX_GAS_ESTIMATE)?;
        let global = self.global_gas_estimate;
        check(f("global_gas_estimate"), global, 0, MAX_GAS_ESTIMATE)
    }
}

/// `value` must lie in [`min`, `max`] (the contract's `_check`).
fn check<T: PartialOrd + std::fmt::Display>(
    field: String,
    value: T,
    min: T,
    max: T,
) -> Result<(), SpecError> {
    if value < min || value > max {
        let fix = format!("the contract accepts {min} to {max}: use a value in that range");
        return Err(invalid(field, value, &fix));
    }
    Ok(())
}

pub(crate) fn invalid(field: impl Into<String>, value: impl ToString, fix: &str) -> SpecError {
    SpecError::Invalid {
        field: field.into(),
        value: value.to_string(),
        fix: fix.into(),
    }
}

impl ManagerSpec {
    /// `ManagerFleet._setConfig`'s bounds (it reverts `InvalidConfig(code, value)` outside them).
    fn validate_config(&self, name: &str) -> Result<(), SpecError> {
        let c = &self.config;
        for (field, value, lo, hi) in [
            (
                "perform_gas_reserve",
                u64::from(c.perform_gas_reserve),
                10_000,
                2_000_000,
            ),
            (
                "check_gas_reserve",
                u64::from(c.check_gas_reserve),
                20_000,
                5_000_000,
            ),
            (
                "round_gas_budget",
                u64::from(self.round_gas_budget()),
                100_000,
                30_000_000,
            ),
            ("max_per_round", u64::from(c.max_per_round), 1, 220),
            (
                "member_check_gas",
                u64::from(c.member_check_gas),
                50_000,
                5_000_000,
            ),
            (
                "failure_backoff_blocks",
                u64::from(c.failure_backoff_blocks),
                1,
                65_535,
            ),
        ] {
            if !(lo..=hi).contains(&value) {
                return Err(invalid(
                    format!("managers.{name}.config.{field}"),
                    value,
                    &format!("the manager accepts {lo}..={hi}"),
                ));
            }
        }
        Ok(())
    }
}
