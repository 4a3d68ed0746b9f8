//! `report --format table`.

use std::fmt::Write;

use alloy::primitives::{Address, U256};

use super::ReportData;
use crate::{cli::output, model::report::Figures};

/// Rows of the top-up and band-change histories shown (the newest).
const HISTORY_ROWS: usize = 10;

fn opt(v: Option<f64>, digits: usize, unit: &str) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.digits$}{unit}"))
}

fn short(a: Address) -> String {
    let s = a.to_string();
    format!("{}…{}", &s[..6], &s[s.len() - 4..])
}

impl ReportData {
    fn tokens(&self, amount: U256, token: Address) -> String {
        match self.decimals.get(&token) {
            Some(&d) => output::amount(amount, d),
            None => format!("{amount} base units"),
        }
    }
}

fn figures_lines(s: &mut String, d: &ReportData, f: &Figures, indent: &str) {
    let p = &f.performs;
    let sources: Vec<String> = p
        .by_source
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let paths: Vec<String> = p
        .by_path
        .iter()
        .map(|(k, v)| format!("{k} {} × {:.0} gas", v.performs, v.avg_gas))
        .collect();
    let _ = writeln!(
        s,
        "{indent}performs {} ({}); paths: {}; {} gas per bp; drift at trigger {}",
        p.performs,
        if sources.is_empty() {
            "none".into()
        } else {
            sources.join(", ")
        },
        if paths.is_empty() {
            "none".into()
        } else {
            paths.join(", ")
        },
        opt(p.gas_per_bp, 0, ""),
        opt(p.avg_drift_at_trigger_bps, 1, " bps"),
    );
    let _ = writeln!(
        s,
        "{indent}fills {} ({} valued at the oracle): average {} against the oracle",
        f.fills.fills,
        f.fills.quoted,
        opt(f.fills.avg_vs_oracle_bps, 2, " bp"),
    );
    for (token, t) in &f.charges {
        let _ = writeln!(
            s,
            "{indent}charges in {}: {} measured {} · modelled {} · error {} · per month {} · next 7 days {}",
            short(*token),
            t.count,
            d.tokens(t.measured, *token),
            d.tokens(t.modelled, *token),
            opt(t.error_pct, 4, " %"),
            t.per_month
                .map_or_else(|| "–".into(), |v| d.tokens(v, *token)),
            t.next_7d
                .map_or_else(|| "–".into(), |v| d.tokens(v, *token)),
        );
    }
}

/// The tables.
pub(super) fn render(d: &ReportData) -> String {
    let mut s = String::new();
    let window = if d.window.since_s == 0 {
        "everything recorded".to_string()
    } else {
        format!("the last {} s", d.window.now_s - d.window.since_s)
    };
    let _ = writeln!(
        s,
        "report: chain {}, {window}{}",
        d.chain_id,
        d.through_block
            .map_or_else(String::new, |b| format!(", logs read through block {b}"))
    );
    let _ = writeln!(s, "fleet:");
    figures_lines(&mut s, d, &d.summary.fleet, "  ");
    for t in &d.summary.targets {
        let _ = writeln!(s, "{} ({}):", d.name(t.address), short(t.address));
        figures_lines(&mut s, d, &t.figures, "  ");
    }
    let _ = writeln!(s, "top-ups: {}", d.fundings.len());
    for f in d.fundings.iter().rev().take(HISTORY_ROWS) {
        let n = &f.funding;
        let _ = writeln!(
            s,
            "  upkeep {} #{} {}: +{} (balance {} below {}, month {} {}, {}){}",
            n.upkeep_id,
            f.seq,
            f.state.as_str(),
            d.tokens(n.amount, n.token),
            d.tokens(n.balance_before, n.token),
            d.tokens(n.refill_at, n.token),
            d.tokens(n.month, n.token),
            n.month_source,
            n.timing,
            f.block
                .map_or_else(String::new, |b| format!(" at block {b}")),
        );
    }
    let _ = writeln!(s, "band changes: {}", d.bands.len());
    for b in d.bands.iter().rev().take(HISTORY_ROWS) {
        let _ = writeln!(
            s,
            "  {} #{} {} ({}): {} -> {}{}",
            d.name(b.change.target),
            b.seq,
            b.state.as_str(),
            b.change.reason,
            b.change.old_bands,
            b.change.new_bands,
            b.block
                .map_or_else(String::new, |k| format!(" at block {k}")),
        );
    }
    s.trim_end().to_string()
}
