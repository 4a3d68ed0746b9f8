//! The budget's core tables: per-upkeep fees, Drift and Time balancers per scenario, fleets,
//! funding buffers and sensitivity. Amounts are integers (wei, juels, micro-USD) and serialize as
//! decimal strings, so `--format json` is exact and stable.

use serde::Serialize;

use super::{
    amount,
    assumptions::{Assumptions, Ratio, Scenario},
    discrepancies::{Discrepancy, discrepancies},
    doc_model::{
        ModelError, annual, gas_equivalent_ppb, monthly, scale, upkeep_fee_wei, wei_to_juels,
        wei_to_usd_micros,
    },
    extras::{self, Extras},
};

/// Every table of `onebalancer budget`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// The inputs, exact.
    pub assumptions: AssumptionsRow,
    /// Fee per perform for each path.
    pub per_upkeep: Vec<UpkeepRow>,
    /// DriftBalancer per scenario.
    pub drift: Vec<ScenarioRow>,
    /// TimeBalancer per scenario (globals on its schedule).
    pub time: Vec<ScenarioRow>,
    /// Fleets.
    pub fleets: Vec<FleetRow>,
    /// Sensitivity shortcuts applied to the Base Case.
    pub sensitivity: Vec<SensitivityRow>,
    /// Min balance, posting, sponsored gas, rails, savings, USD, gain.
    #[serde(flatten)]
    pub extras: Extras,
    /// Where the document's arithmetic or model is wrong.
    pub discrepancies: Vec<Discrepancy>,
}

/// The inputs as integers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssumptionsRow {
    /// Gas price, wei.
    #[serde(with = "amount")]
    pub gas_price_wei: u128,
    /// Overhead gas.
    #[serde(with = "amount")]
    pub overhead_gas: u128,
    /// Premium, ppb.
    #[serde(with = "amount")]
    pub premium_ppb: u128,
    /// Wei per LINK.
    #[serde(with = "amount")]
    pub link_price_wei: u128,
    /// Micro-USD per ETH.
    #[serde(with = "amount")]
    pub eth_usd_micros: u128,
}

/// One perform path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpkeepRow {
    /// "stable" or "global".
    pub path: &'static str,
    /// Perform gas.
    #[serde(with = "amount")]
    pub gas_used: u128,
    /// `(gasUsed + overhead) × (1 + premium)`, as an exact decimal.
    pub gas_equivalent: String,
    /// Fee, wei.
    #[serde(with = "amount")]
    pub fee_wei: u128,
    /// Fee, juels (rounded up).
    #[serde(with = "amount")]
    pub fee_juels: u128,
}

/// One balancer in one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioRow {
    /// "Low Vol", "Base Case", "High Vol".
    pub scenario: &'static str,
    /// Stable rebalances per month.
    pub stable_per_month: String,
    /// Global rebalances per month (a fraction for TimeBalancer: 30 / interval).
    pub global_per_month: String,
    /// Monthly cost, wei (rounded up once).
    #[serde(with = "amount")]
    pub monthly_wei: u128,
    /// Annual = 12 × monthly, wei.
    #[serde(with = "amount")]
    pub annual_wei: u128,
    /// Monthly cost in juels.
    #[serde(with = "amount")]
    pub monthly_juels: u128,
    /// Fund this much (buffer months × monthly), wei.
    #[serde(with = "amount")]
    pub fund_wei: u128,
    /// Refill when the balance falls to this, wei.
    #[serde(with = "amount")]
    pub refill_wei: u128,
    /// Monthly cost, micro-USD.
    #[serde(with = "amount")]
    pub monthly_usd_micros: u128,
}

/// A fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetRow {
    /// Description.
    pub fleet: String,
    /// Balancers in it.
    #[serde(with = "amount")]
    pub balancers: u128,
    /// Monthly, wei.
    #[serde(with = "amount")]
    pub monthly_wei: u128,
    /// Annual, wei.
    #[serde(with = "amount")]
    pub annual_wei: u128,
    /// Buffer to fund, wei.
    #[serde(with = "amount")]
    pub fund_wei: u128,
    /// Refill threshold, wei.
    #[serde(with = "amount")]
    pub refill_wei: u128,
}

/// A sensitivity case on the single Base Case DriftBalancer and the Base fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SensitivityRow {
    /// What changed.
    pub case: String,
    /// The factor on every figure, as an exact fraction.
    pub factor: String,
    /// Base Case monthly, wei.
    #[serde(with = "amount")]
    pub monthly_wei: u128,
    /// Base fleet monthly, wei.
    #[serde(with = "amount")]
    pub fleet_monthly_wei: u128,
}

/// `n` or `n/d` (reduced).
pub fn show_ratio(r: Ratio) -> String {
    let g = gcd(r.num, r.den).max(1);
    if r.den / g == 1 {
        (r.num / g).to_string()
    } else {
        format!("{}/{}", r.num / g, r.den / g)
    }
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Per-perform fees at the given gas price and premium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fees {
    /// Stable perform fee, wei.
    pub stable: u128,
    /// Global perform fee, wei.
    pub global: u128,
}

impl Fees {
    /// Fees for `a`'s perform gas at `gas_price_wei` and `premium_ppb`, with `stable_gas`
    /// / `global_gas` overridable for the savings chain.
    pub fn at(
        a: &Assumptions,
        gas_price_wei: u128,
        premium_ppb: u128,
        stable_gas: u128,
        global_gas: u128,
    ) -> Result<Self, ModelError> {
        Ok(Self {
            stable: upkeep_fee_wei(gas_price_wei, stable_gas, a.overhead_gas, premium_ppb)?,
            global: upkeep_fee_wei(gas_price_wei, global_gas, a.overhead_gas, premium_ppb)?,
        })
    }

    /// The baseline fees of `a`.
    pub fn baseline(a: &Assumptions) -> Result<Self, ModelError> {
        Self::at(
            a,
            a.gas_price_wei,
            a.premium_ppb,
            a.stable_gas,
            a.global_gas,
        )
    }

    /// Monthly cost of `stable` + `global` performs.
    pub fn monthly(&self, stable: Ratio, global: Ratio) -> Result<u128, ModelError> {
        monthly(&[(stable, self.stable), (global, self.global)])
    }
}

fn scenario_row(
    a: &Assumptions,
    s: &Scenario,
    global: Ratio,
    fees: &Fees,
) -> Result<ScenarioRow, ModelError> {
    let m = fees.monthly(Ratio::whole(s.stable), global)?;
    Ok(ScenarioRow {
        scenario: s.name,
        stable_per_month: s.stable.to_string(),
        global_per_month: show_ratio(global),
        monthly_wei: m,
        annual_wei: annual(m)?,
        monthly_juels: wei_to_juels(m, a.link_price_wei)?,
        fund_wei: scale(m, Ratio::whole(a.fund_months))?,
        refill_wei: scale(m, Ratio::whole(a.refill_months))?,
        monthly_usd_micros: wei_to_usd_micros(m, a.eth_usd_micros)?,
    })
}

fn fleet_row(
    a: &Assumptions,
    fleet: String,
    members: &[(u128, u128)],
) -> Result<FleetRow, ModelError> {
    let lines: Vec<(Ratio, u128)> = members
        .iter()
        .map(|(n, m)| (Ratio::whole(*n), *m))
        .collect();
    let m = monthly(&lines)?;
    Ok(FleetRow {
        fleet,
        balancers: members.iter().map(|(n, _)| n).sum(),
        monthly_wei: m,
        annual_wei: annual(m)?,
        fund_wei: scale(m, Ratio::whole(a.fund_months))?,
        refill_wei: scale(m, Ratio::whole(a.refill_months))?,
    })
}

impl Budget {
    /// Builds every table from validated assumptions.
    pub fn build(a: &Assumptions) -> Result<Self, ModelError> {
        let fees = Fees::baseline(a)?;
        let per_upkeep = [
            ("stable", a.stable_gas, fees.stable),
            ("global", a.global_gas, fees.global),
        ]
        .into_iter()
        .map(|(path, gas, fee)| {
            Ok(UpkeepRow {
                path,
                gas_used: gas,
                gas_equivalent: super::units::exact(
                    gas_equivalent_ppb(gas, a.overhead_gas, a.premium_ppb),
                    9,
                ),
                fee_wei: fee,
                fee_juels: wei_to_juels(fee, a.link_price_wei)?,
            })
        })
        .collect::<Result<Vec<_>, ModelError>>()?;
        let drift = a
            .scenarios
            .iter()
            .map(|s| scenario_row(a, s, Ratio::whole(s.global), &fees))
            .collect::<Result<Vec<_>, _>>()?;
        let time = a
            .scenarios
            .iter()
            .map(|s| scenario_row(a, s, a.time_globals, &fees))
            .collect::<Result<Vec<_>, _>>()?;

        let mut fleets = Vec::new();
        for row in &drift {
            fleets.push(fleet_row(
                a,
                format!("All {} (DriftBalancer)", row.scenario),
                &[(a.fleet_size, row.monthly_wei)],
            )?);
        }
        let (drift_base, drift_low, time_low) = (
            drift.get(1).map_or(0, |r| r.monthly_wei),
            drift.first().map_or(0, |r| r.monthly_wei),
            time.first().map_or(0, |r| r.monthly_wei),
        );
        fleets.push(fleet_row(
            a,
            format!(
                "Mixed {} Drift Base + {} Time Low (weekly globals)",
                a.mixed_drift_base, a.mixed_time_low
            ),
            &[
                (a.mixed_drift_base, drift_base),
                (a.mixed_time_low, time_low),
            ],
        )?);
        fleets.push(fleet_row(
            a,
            format!(
                "Mixed {} Drift Base + {} Drift Low (the document's figure)",
                a.mixed_drift_base, a.mixed_time_low
            ),
            &[
                (a.mixed_drift_base, drift_base),
                (a.mixed_time_low, drift_low),
            ],
        )?);

        let base = a.scenarios[1];
        let sens =
            |case: String, factor: Ratio, fees: Fees| -> Result<SensitivityRow, ModelError> {
                let m = fees.monthly(Ratio::whole(base.stable), Ratio::whole(base.global))?;
                Ok(SensitivityRow {
                    case,
                    factor: show_ratio(factor),
                    monthly_wei: m,
                    fleet_monthly_wei: scale(m, Ratio::whole(a.fleet_size))?,
                })
            };
        let gas_up = scale(a.gas_price_wei, a.gas_factor)?;
        let sensitivity = vec![
            sens("baseline".into(), Ratio::whole(1), fees)?,
            sens(
                format!("gas price × {}", show_ratio(a.gas_factor)),
                a.gas_factor,
                Fees::at(a, gas_up, a.premium_ppb, a.stable_gas, a.global_gas)?,
            )?,
            sens(
                format!(
                    "premium {} % → {} %",
                    super::units::exact(a.premium_ppb, 7),
                    super::units::exact(a.alt_premium_ppb, 7)
                ),
                Ratio {
                    num: super::units::PPB + a.alt_premium_ppb,
                    den: super::units::PPB + a.premium_ppb,
                },
                Fees::at(
                    a,
                    a.gas_price_wei,
                    a.alt_premium_ppb,
                    a.stable_gas,
                    a.global_gas,
                )?,
            )?,
        ];

        Ok(Self {
            assumptions: AssumptionsRow {
                gas_price_wei: a.gas_price_wei,
                overhead_gas: a.overhead_gas,
                premium_ppb: a.premium_ppb,
                link_price_wei: a.link_price_wei,
                eth_usd_micros: a.eth_usd_micros,
            },
            extras: extras::build(a, &fees, &drift, &fleets)?,
            per_upkeep,
            drift,
            time,
            fleets,
            sensitivity,
            discrepancies: discrepancies(),
        })
    }
}
