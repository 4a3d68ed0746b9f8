//! Validated, exact assumptions: the config turned into integers (wei, ppb, micro-USD, gas) and
//! rationals, with every bad value rejected by a [`ConfigError`] that names field, value and fix.

use super::{
    config::{BudgetConfig, Counts},
    parse::{ConfigError, invalid},
    units::{Decimal, GWEI, PPB},
};

/// Highest gas price accepted, gwei: anything above is a typo (wei for gwei?), not a market.
pub const MAX_GAS_GWEI: u128 = 10_000;
/// Highest gas per transaction accepted (a generous block gas limit).
pub const MAX_GAS: u64 = 60_000_000;
/// Highest count per month (or fleet size) accepted.
pub const MAX_COUNT: u64 = 10_000_000;

/// A non-negative rational `num / den`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    /// Numerator.
    pub num: u128,
    /// Denominator (never zero).
    pub den: u128,
}

impl Ratio {
    /// `n / 1`.
    pub const fn whole(n: u128) -> Self {
        Self { num: n, den: 1 }
    }
}

/// A volatility scenario's counts per 30-day month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// "Low Vol", "Base Case", "High Vol".
    pub name: &'static str,
    /// Stable-only rebalances per month.
    pub stable: u128,
    /// Drift-triggered global rebalances per month.
    pub global: u128,
}

/// Everything the tables need, exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumptions {
    /// Gas price, wei.
    pub gas_price_wei: u128,
    /// Overhead gas per perform.
    pub overhead_gas: u128,
    /// Premium, ppb (2e8 = 20 %).
    pub premium_ppb: u128,
    /// Wei per LINK.
    pub link_price_wei: u128,
    /// Micro-USD per ETH.
    pub eth_usd_micros: u128,
    /// Stable perform gas.
    pub stable_gas: u128,
    /// Global perform gas.
    pub global_gas: u128,
    /// Low, Base, High.
    pub scenarios: [Scenario; 3],
    /// TimeBalancer global rebalances per 30-day month (30 / interval days).
    pub time_globals: Ratio,
    /// Homogeneous fleet size.
    pub fleet_size: u128,
    /// Mixed fleet: DriftBalancers at Base Case.
    pub mixed_drift_base: u128,
    /// Mixed fleet: TimeBalancers at Low Vol.
    pub mixed_time_low: u128,
    /// Fund this many months.
    pub fund_months: u128,
    /// Refill at this many months.
    pub refill_months: u128,
    /// Min-balance illustration: gas limit.
    pub min_gas_limit: u128,
    /// Min-balance illustration: fast gas, wei.
    pub min_fast_gas_wei: u128,
    /// Min-balance illustration: multiplier.
    pub min_multiplier: Ratio,
    /// Coverage multiples (low, high).
    pub coverage: (u128, u128),
    /// Sensitivity: gas factor.
    pub gas_factor: Ratio,
    /// Sensitivity: alternative premium, ppb.
    pub alt_premium_ppb: u128,
    /// Posting: (stable gas, count, global gas, count).
    pub posting: [(u128, u128); 2],
    /// Sponsored: (fund gas, count), (withdraw gas, count).
    pub sponsored: [(u128, u128); 2],
    /// Premium paying in LINK, ppb.
    pub link_premium_ppb: u128,
    /// Premium paying in native, ppb.
    pub native_premium_ppb: u128,
    /// Savings: stable count after the cooldown.
    pub stable_after: u128,
    /// Savings: off-peak gas price, wei.
    pub gas_after_wei: u128,
    /// Savings: perform-gas cut as a fraction.
    pub perform_cut: Ratio,
    /// Gain: portfolio, micro-USD.
    pub portfolio_micros: u128,
    /// Gain: recovered basis points as a fraction of 10,000.
    pub recovered_bps: Ratio,
    /// Chart: highest gas price, wei.
    pub chart_max_gas_wei: u128,
}

fn gas_price(field: &str, d: Decimal) -> Result<u128, ConfigError> {
    let fix = "write a gas price in gwei above 0 and at most 10000, e.g. 0.30";
    if d.negative {
        return Err(invalid(field, d, "is negative", fix));
    }
    if d.is_zero() {
        return Err(invalid(field, d, "is zero", fix));
    }
    let wei = d.to_scaled(9).ok_or_else(|| {
        invalid(
            field,
            d,
            "is finer than 1 wei (more than 9 decimals of gwei)",
            fix,
        )
    })?;
    if wei > MAX_GAS_GWEI * GWEI {
        return Err(invalid(field, d, "gwei is absurd (above 10,000 gwei)", fix));
    }
    Ok(wei)
}

fn premium(field: &str, d: Decimal) -> Result<u128, ConfigError> {
    let fix =
        "write a premium percent from 0 up to (not including) 100, e.g. 20 (Ethereum) or 50 (Base)";
    if d.negative {
        return Err(invalid(field, d, "is negative", fix));
    }
    let ppb = d
        .to_scaled(7)
        .ok_or_else(|| invalid(field, d, "has more than 7 decimals (finer than 1 ppb)", fix))?;
    if ppb >= PPB {
        return Err(invalid(field, d, "% is at or above 100 %", fix));
    }
    Ok(ppb)
}

fn positive(field: &str, d: Decimal, decimals: u32, fix: &str) -> Result<u128, ConfigError> {
    if d.negative {
        return Err(invalid(field, d, "is negative", fix));
    }
    if d.is_zero() {
        return Err(invalid(field, d, "is zero", fix));
    }
    let v = d.to_scaled(decimals).ok_or_else(|| {
        invalid(
            field,
            d,
            &format!("has more than {decimals} decimals or is too large"),
            fix,
        )
    })?;
    if v == 0 {
        return Err(invalid(field, d, "is zero", fix));
    }
    Ok(v)
}

fn ratio(field: &str, d: Decimal, allow_zero: bool, fix: &str) -> Result<Ratio, ConfigError> {
    if d.negative {
        return Err(invalid(field, d, "is negative", fix));
    }
    if d.is_zero() && !allow_zero {
        return Err(invalid(field, d, "is zero", fix));
    }
    let den = d
        .denominator()
        .ok_or_else(|| invalid(field, d, "has too many decimals", fix))?;
    Ok(Ratio {
        num: d.mantissa,
        den,
    })
}

fn gas(field: &str, v: u64, allow_zero: bool) -> Result<u128, ConfigError> {
    if v > MAX_GAS {
        return Err(invalid(
            field,
            v,
            "gas is above 60,000,000 (more than a block)",
            "check the unit: gas, not wei",
        ));
    }
    if v == 0 && !allow_zero {
        return Err(invalid(
            field,
            v,
            "is zero",
            "write the gas a transaction uses, e.g. 140000",
        ));
    }
    Ok(u128::from(v))
}

fn count(field: &str, v: u64) -> Result<u128, ConfigError> {
    if v > MAX_COUNT {
        return Err(invalid(
            field,
            v,
            "is absurd (above 10,000,000)",
            "write a count per 30-day month",
        ));
    }
    Ok(u128::from(v))
}

fn scenario(name: &'static str, key: &str, c: Counts) -> Result<Scenario, ConfigError> {
    Ok(Scenario {
        name,
        stable: count(&format!("scenarios.{key}.stable"), c.stable)?,
        global: count(&format!("scenarios.{key}.global"), c.global)?,
    })
}

impl BudgetConfig {
    /// Checks every value and converts it to exact integers.
    pub fn validate(&self) -> Result<Assumptions, ConfigError> {
        let premium_ppb = premium("premium_percent", self.premium_percent)?;
        let rail = |field: &str, d: Option<Decimal>| match d {
            Some(d) => premium(field, d),
            None => Ok(premium_ppb),
        };
        let interval = ratio(
            "time_balancer.interval_days",
            self.time_balancer.interval_days,
            false,
            "write the days between time-driven rebalances, e.g. 7",
        )?;
        let cut = ratio(
            "savings.perform_gas_cut_percent",
            self.savings.perform_gas_cut_percent,
            true,
            "write a percent from 0 to 100, e.g. 5",
        )?;
        if cut.num > cut.den.saturating_mul(100) {
            return Err(invalid(
                "savings.perform_gas_cut_percent",
                self.savings.perform_gas_cut_percent,
                "is above 100 %",
                "write a percent from 0 to 100, e.g. 5",
            ));
        }
        let mb = &self.min_balance;
        Ok(Assumptions {
            gas_price_wei: gas_price("gas_price_gwei", self.gas_price_gwei)?,
            overhead_gas: gas("overhead_gas", self.overhead_gas, true)?,
            premium_ppb,
            link_price_wei: positive(
                "link_price_eth",
                self.link_price_eth,
                18,
                "write the price of 1 LINK in ETH, e.g. 0.00035",
            )?,
            eth_usd_micros: positive(
                "eth_usd",
                self.eth_usd,
                6,
                "write the ETH price in USD, e.g. 2000",
            )?,
            stable_gas: gas("perform_gas.stable", self.perform_gas.stable, false)?,
            global_gas: gas("perform_gas.global", self.perform_gas.global, false)?,
            scenarios: [
                scenario("Low Vol", "low", self.scenarios.low)?,
                scenario("Base Case", "base", self.scenarios.base)?,
                scenario("High Vol", "high", self.scenarios.high)?,
            ],
            time_globals: Ratio {
                num: interval.den.checked_mul(30).ok_or_else(|| {
                    invalid(
                        "time_balancer.interval_days",
                        self.time_balancer.interval_days,
                        "has too many decimals",
                        "write whole or decimal days, e.g. 7 or 3.5",
                    )
                })?,
                den: interval.num,
            },
            fleet_size: count("fleet.size", self.fleet.size)?,
            mixed_drift_base: count("fleet.mixed_drift_base", self.fleet.mixed_drift_base)?,
            mixed_time_low: count("fleet.mixed_time_low", self.fleet.mixed_time_low)?,
            fund_months: count("buffer.fund_months", self.buffer.fund_months)?,
            refill_months: count("buffer.refill_months", self.buffer.refill_months)?,
            min_gas_limit: gas("min_balance.gas_limit", mb.gas_limit, false)?,
            min_fast_gas_wei: gas_price("min_balance.fast_gas_gwei", mb.fast_gas_gwei)?,
            min_multiplier: ratio(
                "min_balance.multiplier",
                mb.multiplier,
                false,
                "write a multiplier above 0, e.g. 1.3",
            )?,
            coverage: (
                count("min_balance.coverage_low", mb.coverage_low)?,
                count("min_balance.coverage_high", mb.coverage_high)?,
            ),
            gas_factor: ratio(
                "sensitivity.gas_factor",
                self.sensitivity.gas_factor,
                false,
                "write a factor above 0, e.g. 2",
            )?,
            alt_premium_ppb: premium(
                "sensitivity.premium_percent",
                self.sensitivity.premium_percent,
            )?,
            posting: [
                (
                    gas("posting.stable_gas", self.posting.stable_gas, true)?,
                    count("posting.stable_count", self.posting.stable_count)?,
                ),
                (
                    gas("posting.global_gas", self.posting.global_gas, true)?,
                    count("posting.global_count", self.posting.global_count)?,
                ),
            ],
            sponsored: [
                (
                    gas("sponsored.fund_gas", self.sponsored.fund_gas, true)?,
                    count("sponsored.fund_count", self.sponsored.fund_count)?,
                ),
                (
                    gas("sponsored.withdraw_gas", self.sponsored.withdraw_gas, true)?,
                    count("sponsored.withdraw_count", self.sponsored.withdraw_count)?,
                ),
            ],
            link_premium_ppb: rail(
                "rails.link_premium_percent",
                self.rails.link_premium_percent,
            )?,
            native_premium_ppb: rail(
                "rails.native_premium_percent",
                self.rails.native_premium_percent,
            )?,
            stable_after: count(
                "savings.stable_count_after",
                self.savings.stable_count_after,
            )?,
            gas_after_wei: gas_price(
                "savings.gas_price_gwei_after",
                self.savings.gas_price_gwei_after,
            )?,
            perform_cut: Ratio {
                num: cut.num,
                den: cut.den.saturating_mul(100),
            },
            portfolio_micros: positive(
                "gain.portfolio_usd",
                self.gain.portfolio_usd,
                6,
                "write the portfolio size in USD, e.g. 500000",
            )?,
            recovered_bps: {
                let r = ratio(
                    "gain.recovered_bps",
                    self.gain.recovered_bps,
                    true,
                    "write basis points, e.g. 5",
                )?;
                Ratio {
                    num: r.num,
                    den: r.den.saturating_mul(10_000),
                }
            },
            chart_max_gas_wei: gas_price("chart.max_gas_gwei", self.chart.max_gas_gwei)?,
        })
    }
}
