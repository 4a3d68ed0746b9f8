//! The budget as text tables (amounts shown exactly, in ETH, LINK and USD).

use crate::model::fees::{
    Budget,
    units::{exact, rounded},
};

fn eth(wei: u128) -> String {
    exact(wei, 18)
}

fn link(juels: u128) -> String {
    rounded(juels, 18, 6)
}

fn usd(micros: u128) -> String {
    format!("${}", rounded(micros, 6, 2))
}

fn pct(ppm: i128) -> String {
    let sign = if ppm < 0 { "−" } else { "+" };
    format!("{sign}{} %", exact(ppm.unsigned_abs(), 4))
}

fn title(out: &mut Vec<String>, t: &str) {
    out.push(String::new());
    out.push(format!("== {t}"));
}

/// All tables, one line per element.
pub(super) fn render(b: &Budget) -> Vec<String> {
    let a = &b.assumptions;
    let mut o = vec![format!(
        "Assumptions: gas {} gwei, overhead {} gas, premium {} %, 1 LINK = {} ETH, 1 ETH = ${}",
        exact(a.gas_price_wei, 9),
        a.overhead_gas,
        exact(a.premium_ppb, 7),
        eth(a.link_price_wei),
        exact(a.eth_usd_micros, 6)
    )];
    o.push(
        "Money is exact (integers in wei/juels); every division rounds up, against the payer."
            .into(),
    );

    title(&mut o, "Per-upkeep fee");
    o.push(format!(
        "{:<8} {:>10} {:>14} {:>22} {:>12}",
        "path", "gas", "gas-equiv", "fee (ETH)", "fee (LINK)"
    ));
    for r in &b.per_upkeep {
        o.push(format!(
            "{:<8} {:>10} {:>14} {:>22} {:>12}",
            r.path,
            r.gas_used,
            r.gas_equivalent,
            eth(r.fee_wei),
            link(r.fee_juels)
        ));
    }

    for (name, rows) in [
        ("DriftBalancer (single)", &b.drift),
        ("TimeBalancer (single, globals every interval)", &b.time),
    ] {
        title(&mut o, name);
        o.push(format!(
            "{:<10} {:>7} {:>7} {:>22} {:>22} {:>12} {:>9}",
            "scenario", "stable", "global", "monthly (ETH)", "annual (ETH)", "LINK/month", "USD/mo"
        ));
        for r in rows.iter() {
            o.push(format!(
                "{:<10} {:>7} {:>7} {:>22} {:>22} {:>12} {:>9}",
                r.scenario,
                r.stable_per_month,
                r.global_per_month,
                eth(r.monthly_wei),
                eth(r.annual_wei),
                link(r.monthly_juels),
                usd(r.monthly_usd_micros)
            ));
        }
    }

    title(
        &mut o,
        "Fleets (monthly, annual = 12 × monthly, buffer: fund / refill)",
    );
    for r in &b.fleets {
        o.push(format!("{} [{} balancers]", r.fleet, r.balancers));
        o.push(format!(
            "    monthly {} ETH, annual {} ETH, fund {} ETH, refill at {} ETH",
            eth(r.monthly_wei),
            eth(r.annual_wei),
            eth(r.fund_wei),
            eth(r.refill_wei)
        ));
    }
    let base = b.drift.get(1);
    if let Some(r) = base {
        o.push(format!(
            "Single Base Case: fund {} ETH ({} LINK), refill at {} ETH",
            eth(r.fund_wei),
            link(r.monthly_juels.saturating_mul(2)),
            eth(r.refill_wei)
        ));
    }

    title(&mut o, "Sensitivity (Base Case)");
    for r in &b.sensitivity {
        o.push(format!(
            "{:<22} × {:<6} single {:>22} ETH   fleet {:>22} ETH",
            r.case,
            r.factor,
            eth(r.monthly_wei),
            eth(r.fleet_monthly_wei)
        ));
    }

    let e = &b.extras;
    title(
        &mut o,
        "Minimum balance (the document's illustration: fast gas × gas limit × multiplier)",
    );
    o.push(format!(
        "{} ETH; 10–20× for multi-day coverage: {} – {} ETH",
        eth(e.min_balance.required_wei),
        eth(e.min_balance.coverage_low_wei),
        eth(e.min_balance.coverage_high_wei)
    ));

    for (name, rows) in [
        ("Order posting (optional, own transactions)", &e.posting),
        ("Sponsored gas (optional)", &e.sponsored),
    ] {
        title(&mut o, name);
        o.push(format!(
            "{:<28} {:>8} {:>6} {:>12} {:>14} {:>16}",
            "item", "gas", "count", "gas/month", "gas only ETH", "+premium ETH"
        ));
        for r in rows.iter() {
            o.push(format!(
                "{:<28} {:>8} {:>6} {:>12} {:>14} {:>16}",
                r.item,
                r.gas,
                r.count,
                r.monthly_gas,
                eth(r.gas_only_wei),
                eth(r.with_premium_wei)
            ));
        }
    }

    title(&mut o, "Payment rail (cheaper wins)");
    for r in &e.rails {
        o.push(format!(
            "{:<16} LINK {} (= {} ETH)  native {} ETH  → {}",
            r.item,
            link(r.link_juels),
            eth(r.link_as_wei),
            eth(r.native_wei),
            r.cheaper
        ));
    }

    for (name, rows) in [
        (
            "Savings chain (document: × on the whole fee)",
            &e.savings_document,
        ),
        ("Savings chain (exact: perform gas only)", &e.savings_exact),
    ] {
        title(&mut o, name);
        for r in rows.iter() {
            o.push(format!(
                "{:<46} {:>22} ETH  step {:>10}  total {:>10}",
                r.step,
                eth(r.monthly_wei),
                pct(r.step_change_ppm),
                pct(r.total_change_ppm)
            ));
        }
    }
    for r in &e.fleet_savings {
        o.push(format!(
            "Fleet, {}: {} → {} ETH/month, saves {} ETH",
            r.method,
            eth(r.before_wei),
            eth(r.after_wei),
            eth(r.saved_wei)
        ));
    }

    title(&mut o, "USD (monthly)");
    for r in &e.usd {
        o.push(format!("{:<72} {:>12}", r.item, usd(r.usd_micros)));
    }
    o.push(format!(
        "Gain: recovered {} per month vs Base Case automation {} → {}×",
        usd(e.gain.gain_usd_micros),
        usd(e.gain.automation_usd_micros),
        exact(e.gain.multiple_x100, 2)
    ));

    title(&mut o, "Discrepancies in the economics document");
    for (i, d) in b.discrepancies.iter().enumerate() {
        o.push(format!(
            "{}. [{}] document: {}",
            i + 1,
            d.section,
            d.document
        ));
        o.push(format!("    correct: {}", d.correct));
        o.push(format!("    why: {}", d.explanation));
    }
    o
}
