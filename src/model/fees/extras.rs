//! The document's secondary tables: the minimum-balance illustration, order posting, sponsored
//! gas, the payment-rail choice, the savings chain (the document's shortcut and the exact model),
//! USD illustrations and the gain comparison.

use serde::Serialize;

use super::{
    amount,
    assumptions::{Assumptions, Ratio},
    doc_model::{
        ModelError, change_ppm, juels_to_wei, scale, upkeep_fee_wei, wei_to_juels,
        wei_to_usd_micros,
    },
    tables::{Fees, FleetRow, ScenarioRow},
};

/// The secondary tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extras {
    /// The document's minimum-balance illustration.
    pub min_balance: MinBalanceRow,
    /// Optional on-chain order posting.
    pub posting: Vec<GasRow>,
    /// Optional sponsored gas.
    pub sponsored: Vec<GasRow>,
    /// LINK vs native per perform path and for the Base Case month.
    pub rails: Vec<RailRow>,
    /// Savings chain with the document's `× 0.95` shortcut.
    pub savings_document: Vec<SavingsRow>,
    /// Savings chain with the cut applied to perform gas only (overhead unchanged).
    pub savings_exact: Vec<SavingsRow>,
    /// The same chains on the homogeneous Base fleet.
    pub fleet_savings: Vec<FleetSavingsRow>,
    /// USD illustrations.
    pub usd: Vec<UsdRow>,
    /// The gain comparison.
    pub gain: GainRow,
}

/// `fastGas × gasLimit × multiplier` and its coverage range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MinBalanceRow {
    /// The illustration's buffer, wei (rounded up).
    #[serde(with = "amount")]
    pub required_wei: u128,
    /// × coverage low.
    #[serde(with = "amount")]
    pub coverage_low_wei: u128,
    /// × coverage high.
    #[serde(with = "amount")]
    pub coverage_high_wei: u128,
}

/// A gas line (posting or sponsored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GasRow {
    /// What.
    pub item: &'static str,
    /// Gas per transaction.
    #[serde(with = "amount")]
    pub gas: u128,
    /// Transactions per month.
    #[serde(with = "amount")]
    pub count: u128,
    /// Gas per month.
    #[serde(with = "amount")]
    pub monthly_gas: u128,
    /// Cost as plain gas (own transactions pay no Automation premium), wei.
    #[serde(with = "amount")]
    pub gas_only_wei: u128,
    /// Cost with the premium applied (the document's "same premium logic"), wei.
    #[serde(with = "amount")]
    pub with_premium_wei: u128,
}

/// One payment-rail comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RailRow {
    /// What is paid for.
    pub item: String,
    /// Paying in LINK, juels (rounded up).
    #[serde(with = "amount")]
    pub link_juels: u128,
    /// That LINK amount in wei at the LINK price (rounded up).
    #[serde(with = "amount")]
    pub link_as_wei: u128,
    /// Paying in native, wei.
    #[serde(with = "amount")]
    pub native_wei: u128,
    /// "LINK", "native" or "either", from the exact costs before the juel rounding.
    pub cheaper: &'static str,
}

/// A savings step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsRow {
    /// The lever.
    pub step: String,
    /// Monthly after this step, wei.
    #[serde(with = "amount")]
    pub monthly_wei: u128,
    /// Change vs the previous step, ppm.
    pub step_change_ppm: i128,
    /// Change vs baseline, ppm.
    pub total_change_ppm: i128,
}

/// Fleet-level savings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetSavingsRow {
    /// Which chain.
    pub method: &'static str,
    /// Fleet monthly before, wei.
    #[serde(with = "amount")]
    pub before_wei: u128,
    /// Fleet monthly after, wei.
    #[serde(with = "amount")]
    pub after_wei: u128,
    /// Saved per month, wei.
    #[serde(with = "amount")]
    pub saved_wei: u128,
}

/// A USD figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsdRow {
    /// What.
    pub item: String,
    /// Wei.
    #[serde(with = "amount")]
    pub wei: u128,
    /// Micro-USD (rounded up).
    #[serde(with = "amount")]
    pub usd_micros: u128,
}

/// The gain comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GainRow {
    /// Recovered performance per month, micro-USD.
    #[serde(with = "amount")]
    pub gain_usd_micros: u128,
    /// Base Case automation per month, micro-USD.
    #[serde(with = "amount")]
    pub automation_usd_micros: u128,
    /// gain / automation, hundredths (rounded down).
    #[serde(with = "amount")]
    pub multiple_x100: u128,
}

fn gas_rows(
    a: &Assumptions,
    items: [(&'static str, (u128, u128)); 2],
) -> Result<Vec<GasRow>, ModelError> {
    let mut rows = Vec::new();
    let mut totals = (0u128, 0u128, 0u128);
    for (item, (gas, count)) in items {
        let monthly_gas = gas.saturating_mul(count);
        let gas_only = upkeep_fee_wei(a.gas_price_wei, monthly_gas, 0, 0)?;
        let with_premium = upkeep_fee_wei(a.gas_price_wei, monthly_gas, 0, a.premium_ppb)?;
        totals = (
            totals.0.saturating_add(monthly_gas),
            totals.1.saturating_add(gas_only),
            totals.2.saturating_add(with_premium),
        );
        rows.push(GasRow {
            item,
            gas,
            count,
            monthly_gas,
            gas_only_wei: gas_only,
            with_premium_wei: with_premium,
        });
    }
    rows.push(GasRow {
        item: "TOTAL",
        gas: 0,
        count: 0,
        monthly_gas: totals.0,
        gas_only_wei: totals.1,
        with_premium_wei: totals.2,
    });
    Ok(rows)
}

fn rail(a: &Assumptions, item: String, gas_units: &[(u128, u128)]) -> Result<RailRow, ModelError> {
    // gas_units: (gas incl. overhead per perform, performs)
    let (mut link_wei_exact, mut native) = (0u128, 0u128);
    for (gas, n) in gas_units {
        let l = upkeep_fee_wei(a.gas_price_wei, *gas, 0, a.link_premium_ppb)?;
        let x = upkeep_fee_wei(a.gas_price_wei, *gas, 0, a.native_premium_ppb)?;
        link_wei_exact = link_wei_exact.saturating_add(l.saturating_mul(*n));
        native = native.saturating_add(x.saturating_mul(*n));
    }
    let link_juels = wei_to_juels(link_wei_exact, a.link_price_wei)?;
    let link_as_wei = juels_to_wei(link_juels, a.link_price_wei)?;
    // Compare the exact costs: the juel rounding (at most 1 juel) must not pick the rail.
    let cheaper = match link_wei_exact.cmp(&native) {
        std::cmp::Ordering::Less => "LINK",
        std::cmp::Ordering::Greater => "native",
        std::cmp::Ordering::Equal => "either",
    };
    Ok(RailRow {
        item,
        link_juels,
        link_as_wei,
        native_wei: native,
        cheaper,
    })
}

fn chain(steps: Vec<(String, u128)>) -> Vec<SavingsRow> {
    let base = steps.first().map_or(0, |s| s.1);
    let mut prev = base;
    steps
        .into_iter()
        .map(|(step, m)| {
            let row = SavingsRow {
                step,
                monthly_wei: m,
                step_change_ppm: change_ppm(prev, m),
                total_change_ppm: change_ppm(base, m),
            };
            prev = m;
            row
        })
        .collect()
}

/// Builds the secondary tables.
pub fn build(
    a: &Assumptions,
    fees: &Fees,
    drift: &[ScenarioRow],
    fleets: &[FleetRow],
) -> Result<Extras, ModelError> {
    let required = scale(
        a.min_fast_gas_wei.saturating_mul(a.min_gas_limit),
        a.min_multiplier,
    )?;
    let min_balance = MinBalanceRow {
        required_wei: required,
        coverage_low_wei: required.saturating_mul(a.coverage.0),
        coverage_high_wei: required.saturating_mul(a.coverage.1),
    };
    let posting = gas_rows(
        a,
        [
            ("Batch stable order posting", a.posting[0]),
            ("Global multi-order posting", a.posting[1]),
        ],
    )?;
    let sponsored = gas_rows(
        a,
        [
            ("User fund()", a.sponsored[0]),
            ("User withdraw()", a.sponsored[1]),
        ],
    )?;

    let base = a.scenarios[1];
    let (st, gl) = (a.stable_gas + a.overhead_gas, a.global_gas + a.overhead_gas);
    let rails = vec![
        rail(a, "stable perform".into(), &[(st, 1)])?,
        rail(a, "global perform".into(), &[(gl, 1)])?,
        rail(
            a,
            "Base Case month".into(),
            &[(st, base.stable), (gl, base.global)],
        )?,
    ];

    let whole = Ratio::whole;
    let base_m = fees.monthly(whole(base.stable), whole(base.global))?;
    let step1 = fees.monthly(whole(a.stable_after), whole(base.global))?;
    let off_peak = Fees::at(
        a,
        a.gas_after_wei,
        a.premium_ppb,
        a.stable_gas,
        a.global_gas,
    )?;
    let step2 = off_peak.monthly(whole(a.stable_after), whole(base.global))?;
    let keep = Ratio {
        num: a.perform_cut.den.saturating_sub(a.perform_cut.num),
        den: a.perform_cut.den,
    };
    let shortcut = scale(step2, keep)?;
    let cut_fees = Fees::at(
        a,
        a.gas_after_wei,
        a.premium_ppb,
        scale(a.stable_gas, keep)?,
        scale(a.global_gas, keep)?,
    )?;
    let exact = cut_fees.monthly(whole(a.stable_after), whole(base.global))?;
    let s1 = format!("stable {} → {}", base.stable, a.stable_after);
    let s2 = format!(
        "gas {} → {} gwei",
        super::units::exact(a.gas_price_wei, 9),
        super::units::exact(a.gas_after_wei, 9)
    );
    let pct = super::units::exact(
        a.perform_cut.num.saturating_mul(100_000_000) / a.perform_cut.den.max(1),
        6,
    );
    let savings_document = chain(vec![
        ("baseline".into(), base_m),
        (s1.clone(), step1),
        (s2.clone(), step2),
        (
            format!("× (1 − {pct} %) on the whole fee (document)"),
            shortcut,
        ),
    ]);
    let savings_exact = chain(vec![
        ("baseline".into(), base_m),
        (s1, step1),
        (s2, step2),
        (format!("perform gas − {pct} %, overhead unchanged"), exact),
    ]);
    let n = a.fleet_size;
    let fleet_savings = [
        ("document (× on the whole fee)", shortcut),
        ("exact (perform gas only)", exact),
    ]
    .into_iter()
    .map(|(method, after)| {
        let before = base_m.saturating_mul(n);
        let after = after.saturating_mul(n);
        FleetSavingsRow {
            method,
            before_wei: before,
            after_wei: after,
            saved_wei: before.saturating_sub(after),
        }
    })
    .collect();

    let mut usd = Vec::new();
    for row in drift {
        usd.push(UsdRow {
            item: format!("Single DriftBalancer, {}", row.scenario),
            wei: row.monthly_wei,
            usd_micros: wei_to_usd_micros(row.monthly_wei, a.eth_usd_micros)?,
        });
    }
    for row in fleets {
        usd.push(UsdRow {
            item: format!("Fleet: {}", row.fleet),
            wei: row.monthly_wei,
            usd_micros: wei_to_usd_micros(row.monthly_wei, a.eth_usd_micros)?,
        });
    }
    let automation = wei_to_usd_micros(base_m, a.eth_usd_micros)?;
    let gain_usd = scale(a.portfolio_micros, a.recovered_bps)?;
    let gain = GainRow {
        gain_usd_micros: gain_usd,
        automation_usd_micros: automation,
        multiple_x100: gain_usd
            .saturating_mul(100)
            .checked_div(automation)
            .unwrap_or(0),
    };
    Ok(Extras {
        min_balance,
        posting,
        sponsored,
        rails,
        savings_document,
        savings_exact,
        fleet_savings,
        usd,
        gain,
    })
}
