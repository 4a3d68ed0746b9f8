//! `--chart`: monthly cost of one DriftBalancer against gas price, one line per scenario, drawn
//! with the project's SVG module ([`crate::cli::svg`]).

use crate::{
    cli::svg::{self, Line, Panel},
    model::fees::{
        assumptions::{Assumptions, Ratio},
        doc_model::ModelError,
        tables::Fees,
        units::approx,
    },
};

const STEPS: u128 = 20;
const COLORS: [&str; 3] = ["#2b8a3e", "#1c7ed6", "#e03131"];

/// The SVG document.
pub(super) fn chart(a: &Assumptions) -> Result<String, ModelError> {
    let mut lines = Vec::new();
    for (i, s) in a.scenarios.iter().enumerate() {
        let mut points = Vec::new();
        for k in 0..=STEPS {
            let g = a.chart_max_gas_wei.saturating_mul(k) / STEPS;
            let fees = Fees::at(a, g, a.premium_ppb, a.stable_gas, a.global_gas)?;
            let m = fees.monthly(Ratio::whole(s.stable), Ratio::whole(s.global))?;
            points.push((approx(g, 9), approx(m, 18)));
        }
        lines.push(Line {
            name: s.name.to_string(),
            color: COLORS.get(i).copied().unwrap_or("black"),
            dashed: false,
            step: false,
            points,
        });
    }
    let baseline = approx(a.gas_price_wei, 9);
    let rules = if baseline <= approx(a.chart_max_gas_wei, 9) {
        vec![(baseline, format!("baseline {} gwei", svg::label(baseline)))]
    } else {
        Vec::new()
    };
    Ok(svg::document(
        "Monthly Automation cost of one DriftBalancer vs gas price",
        &[Panel {
            title: "one line per volatility scenario".into(),
            x_label: "gas price (gwei)".into(),
            y_label: "monthly cost (ETH)".into(),
            lines,
            marks: Vec::new(),
            rules,
        }],
    ))
}
