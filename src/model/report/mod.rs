//! The telemetry report's arithmetic (`onebalancer report`): pure functions over what the
//! keeper's store recorded — performs, fills, registry charges, top-ups, band decisions.
//!
//! - **Charges** are measured (the registry's `UpkeepCharged`: gas charge + premium) and
//!   modelled with [`calculate_payment_amount`] from the same inputs the registry billed on
//!   (gas used and overhead from `UpkeepPerformed`, the transmit's gas price and fast gas, the
//!   prices in the receipt, the billing config at the block). Both are exact integers in the
//!   billing token's base units; only their relative difference is a float.
//! - **Fills** are valued at the balancer's oracle prices of their block ([`usd_value`], 18
//!   decimals, rounded down) and compared in bp of what the balancer gave ([`vs_oracle_bps`],
//!   rounded toward zero; positive means the balancer received more than the oracle value).
//! - **Cost per month** is the charges over the window's span scaled to 30 days, and the
//!   **7-day projection** the charges of the last 7 days (or of the span, when shorter) scaled
//!   to 7 days; both rounded up (an operator budgets against them).

mod summary;
#[cfg(test)]
mod tests;

pub use summary::{Figures, Performed, Summary, TargetFigures, Window, summarize};

use std::collections::BTreeMap;

use alloy::primitives::{Address, I256, U256};
use serde::Serialize;

use crate::model::fees::registry::{
    BillingToken, ChargeError, PaymentParams, calculate_payment_amount,
};

/// Seconds in the report's month (30 days, as the fee model's).
pub const MONTH_SECS: u64 = 30 * 86_400;
/// Seconds in the rolling projection's window.
pub const WEEK_SECS: u64 = 7 * 86_400;

/// One registry charge with the inputs it was billed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// Block of the transmit.
    pub block: u64,
    /// Its timestamp, s.
    pub at_s: u64,
    /// The upkeep.
    pub upkeep_id: U256,
    /// The balancer or manager it performs.
    pub target: Address,
    /// The billing token.
    pub token: Address,
    /// Measured: `gasChargeInBillingToken`.
    pub gas_charge: U256,
    /// Measured: `premiumInBillingToken`.
    pub premium: U256,
    /// `UpkeepPerformed.gasUsed`.
    pub gas_used: U256,
    /// `UpkeepPerformed.gasOverhead`.
    pub gas_overhead: U256,
    /// The transmit's effective gas price, wei.
    pub tx_gas_price: U256,
    /// The report's `fastGasWei`.
    pub fast_gas_wei: U256,
    /// The registry's `gasCeilingMultiplier` at the block.
    pub gas_ceiling_multiplier: u16,
    /// LINK/USD, 8 decimals (the receipt's).
    pub link_usd: U256,
    /// Native/USD, 8 decimals (the receipt's).
    pub native_usd: U256,
    /// The billing token's USD price, 8 decimals (the receipt's).
    pub billing_usd: U256,
    /// The billing token's decimals.
    pub decimals: u8,
    /// Its premium, ppb (the upkeep's override when enabled).
    pub gas_fee_ppb: u32,
    /// Its flat fee, milli-cents (the upkeep's override when enabled).
    pub flat_fee_milli_cents: u32,
}

impl Charge {
    /// What the registry took from the upkeep's balance.
    pub fn measured(&self) -> U256 {
        self.gas_charge.saturating_add(self.premium)
    }

    /// The fee model's inputs: the same the registry billed on (no L1 fee: an L1 chain).
    pub fn params(&self) -> PaymentParams {
        PaymentParams {
            gas_limit: self.gas_used,
            gas_overhead: self.gas_overhead,
            l1_cost_wei: U256::ZERO,
            fast_gas_wei: self.fast_gas_wei,
            gas_ceiling_multiplier: self.gas_ceiling_multiplier,
            tx_gas_price: Some(self.tx_gas_price),
            link_usd: self.link_usd,
            native_usd: self.native_usd,
            token: BillingToken {
                decimals: self.decimals,
                gas_fee_ppb: self.gas_fee_ppb,
                flat_fee_milli_cents: self.flat_fee_milli_cents,
                price_usd: self.billing_usd,
            },
        }
    }

    /// What the core fee model charges for the same inputs.
    pub fn modelled(&self) -> Result<U256, ChargeError> {
        calculate_payment_amount(&self.params())?.total()
    }
}

/// One perform, from a balancer's `OrdersPublished`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Perform {
    /// The balancer.
    pub target: Address,
    /// Who sent it (`chainlink`, `keeper`, `cre`, `other`).
    pub source: String,
    /// The paths run: 1 stable, 2 global, 3 both.
    pub paths: u8,
    /// Gas the balancer measured for it.
    pub gas_used: u64,
    /// Drift before, bps.
    pub drift_before_bps: u32,
    /// Where its orders aim, bps.
    pub expected_after_bps: u32,
    /// Its block.
    pub block: u64,
}

/// One fill, valued at the oracle when the keeper could.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fill {
    /// The balancer.
    pub balancer: Address,
    /// Its block.
    pub block: u64,
    /// Against the oracle, bp of what the balancer gave (`None`: its order was published
    /// before the keeper watched, or its feeds could not be read).
    pub vs_oracle_bps: Option<i64>,
}

/// A token amount's USD value, 18 decimals, rounded down: `amount × answer × 10^(18 − feed −
/// token)` with the scale applied exactly. `None` for a non-positive answer or an overflow.
pub fn usd_value(
    amount: U256,
    answer: I256,
    feed_decimals: u8,
    token_decimals: u8,
) -> Option<U256> {
    if answer <= I256::ZERO {
        return None;
    }
    let price = answer.into_raw();
    let raw = amount.checked_mul(price)?;
    let shift = 18i32 - i32::from(feed_decimals) - i32::from(token_decimals);
    let ten = U256::from(10u8);
    if shift >= 0 {
        raw.checked_mul(ten.checked_pow(U256::from(shift.unsigned_abs()))?)
    } else {
        Some(raw / ten.checked_pow(U256::from(shift.unsigned_abs()))?)
    }
}

/// `(got − gave) × 10,000 / gave`, rounded toward zero; `None` when `gave` is zero.
pub fn vs_oracle_bps(gave_usd: U256, got_usd: U256) -> Option<i64> {
    if gave_usd.is_zero() {
        return None;
    }
    let (diff, negative) = if got_usd >= gave_usd {
        (got_usd - gave_usd, false)
    } else {
        (gave_usd - got_usd, true)
    };
    let bps = diff.checked_mul(U256::from(10_000u32))? / gave_usd;
    let bps = i64::try_from(bps).ok()?;
    Some(if negative { -bps } else { bps })
}

/// `amount` over `span_secs` scaled to `to_secs`, rounded up; `None` for an empty span.
pub fn scale_rate(amount: U256, span_secs: u64, to_secs: u64) -> Option<U256> {
    if span_secs == 0 {
        return None;
    }
    Some(
        amount
            .checked_mul(U256::from(to_secs))?
            .div_ceil(U256::from(span_secs)),
    )
}

/// `|modelled − measured| / measured`, percent (0 when both are 0; `None` when only measured is).
pub fn error_pct(measured: U256, modelled: U256) -> Option<f64> {
    if measured.is_zero() {
        return modelled.is_zero().then_some(0.0);
    }
    let diff = if modelled > measured {
        modelled - measured
    } else {
        measured - modelled
    };
    Some(f64::from(diff) / f64::from(measured) * 100.0)
}

/// Charges of one billing token, measured and modelled.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TokenCharges {
    /// Charges counted.
    pub count: u64,
    /// Sum measured, base units.
    #[serde(serialize_with = "decimal")]
    pub measured: U256,
    /// Sum modelled, base units.
    #[serde(serialize_with = "decimal")]
    pub modelled: U256,
    /// Charges the model could not follow (the registry would have reverted): not summed.
    pub unmodelled: u64,
    /// `|modelled − measured| / measured`, percent.
    pub error_pct: Option<f64>,
    /// Cost per 30 days at the window's rate, base units (rounded up).
    #[serde(serialize_with = "opt_decimal")]
    pub per_month: Option<U256>,
    /// The next 7 days at the last 7 days' rate, base units (rounded up).
    #[serde(serialize_with = "opt_decimal")]
    pub next_7d: Option<U256>,
}

/// Sums `charges` by billing token; `now_s` ends the window that began at `since_s`.
pub fn charges_by_token(
    charges: &[&Charge],
    since_s: u64,
    now_s: u64,
) -> BTreeMap<Address, TokenCharges> {
    let mut out: BTreeMap<Address, TokenCharges> = BTreeMap::new();
    let week_from = now_s.saturating_sub(WEEK_SECS).max(since_s);
    let mut week: BTreeMap<Address, U256> = BTreeMap::new();
    let mut first: BTreeMap<Address, u64> = BTreeMap::new();
    for c in charges {
        let t = out.entry(c.token).or_default();
        t.count += 1;
        t.measured = t.measured.saturating_add(c.measured());
        match c.modelled() {
            Ok(m) => t.modelled = t.modelled.saturating_add(m),
            Err(_) => t.unmodelled += 1,
        }
        if c.at_s >= week_from {
            let w = week.entry(c.token).or_default();
            *w = w.saturating_add(c.measured());
        }
        let f = first.entry(c.token).or_insert(c.at_s);
        *f = (*f).min(c.at_s);
    }
    for (token, t) in &mut out {
        t.error_pct = error_pct(t.measured, t.modelled);
        // The window starts at the first charge when `--since` reaches further back.
        let start = first.get(token).copied().unwrap_or(since_s).max(since_s);
        t.per_month = scale_rate(t.measured, now_s.saturating_sub(start), MONTH_SECS);
        let week_start = week_from.max(start);
        t.next_7d = scale_rate(
            week.get(token).copied().unwrap_or_default(),
            now_s.saturating_sub(week_start),
            WEEK_SECS,
        );
    }
    out
}

/// Performs of one path set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PathStats {
    /// Performs.
    pub performs: u64,
    /// Their average gas.
    pub avg_gas: f64,
}

/// Fills of a balancer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FillStats {
    /// Fills.
    pub fills: u64,
    /// Fills valued at the oracle.
    pub quoted: u64,
    /// Their average against the oracle, bp (positive: better than the oracle).
    pub avg_vs_oracle_bps: Option<f64>,
}

/// What a balancer's performs show.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PerformStats {
    /// Performs.
    pub performs: u64,
    /// By who sent them.
    pub by_source: BTreeMap<String, u64>,
    /// By the paths run (`stable`, `global`, `stable+global`).
    pub by_path: BTreeMap<String, PathStats>,
    /// Gas per 1 bp of drift the performs' orders aim to remove.
    pub gas_per_bp: Option<f64>,
    /// The average drift at trigger, bps.
    pub avg_drift_at_trigger_bps: Option<f64>,
}

/// The name of a path set.
pub fn path_name(paths: u8) -> &'static str {
    match paths & 3 {
        1 => "stable",
        2 => "global",
        3 => "stable+global",
        _ => "none",
    }
}

/// Aggregates performs.
pub fn perform_stats<'a>(performs: impl IntoIterator<Item = &'a Perform>) -> PerformStats {
    let mut out = PerformStats::default();
    let (mut gas, mut reduced, mut drift) = (0u128, 0u128, 0u128);
    let mut gas_by_path: BTreeMap<String, u128> = BTreeMap::new();
    for p in performs {
        out.performs += 1;
        *out.by_source.entry(p.source.clone()).or_default() += 1;
        let name = path_name(p.paths).to_owned();
        out.by_path.entry(name.clone()).or_default().performs += 1;
        *gas_by_path.entry(name).or_default() += u128::from(p.gas_used);
        gas += u128::from(p.gas_used);
        reduced += u128::from(p.drift_before_bps.saturating_sub(p.expected_after_bps));
        drift += u128::from(p.drift_before_bps);
    }
    for (name, s) in &mut out.by_path {
        let g = gas_by_path.get(name).copied().unwrap_or(0);
        s.avg_gas = g as f64 / s.performs.max(1) as f64;
    }
    out.gas_per_bp = (reduced > 0).then(|| gas as f64 / reduced as f64);
    out.avg_drift_at_trigger_bps = (out.performs > 0).then(|| drift as f64 / out.performs as f64);
    out
}

/// Aggregates fills.
pub fn fill_stats<'a>(fills: impl IntoIterator<Item = &'a Fill>) -> FillStats {
    let mut out = FillStats::default();
    let mut sum = 0i128;
    for f in fills {
        out.fills += 1;
        if let Some(b) = f.vs_oracle_bps {
            out.quoted += 1;
            sum += i128::from(b);
        }
    }
    out.avg_vs_oracle_bps = (out.quoted > 0).then(|| sum as f64 / out.quoted as f64);
    out
}

fn decimal<S: serde::Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

fn opt_decimal<S: serde::Serializer>(v: &Option<U256>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&v.to_string()),
        None => s.serialize_none(),
    }
}
