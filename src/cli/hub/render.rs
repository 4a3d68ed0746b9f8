//! What `hub` prints: the quote and the plan, as a table or as JSON. Pure string building; the
//! caller prints through `cli::output`.
//!
//! JSON amounts are decimal strings of whole tokens, exact (every significant digit of the base
//! units, at least two decimals): `"1041.50"`, `"11.666725"`.

use alloy::primitives::U256;
use serde_json::{Map, Value, json};

use crate::{
    cli::output::group,
    model::hub::{
        Decision, ExecuteReason, HubConfig, Plan, PlanInput, Quote, SkipReason, TokenId,
        units::format_decimal,
    },
};

/// A quote and what it was computed from.
pub(crate) struct QuoteView<'a> {
    pub(crate) quote: &'a Quote,
    pub(crate) config: &'a HubConfig,
    pub(crate) decimals: u8,
    pub(crate) gas_gwei: &'a str,
    pub(crate) native_price: &'a str,
    /// The gas price came from the node (`--rpc-url`).
    pub(crate) live: bool,
    /// The hub's reserve of the token, when read.
    pub(crate) reserve: Option<U256>,
}

fn amt(v: U256, decimals: u8) -> String {
    format_decimal(v, decimals, 2)
}

fn percent(bps: u32) -> String {
    format_decimal(U256::from(bps), 2, 0)
}

fn count(n: u64) -> String {
    group(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The quote as one JSON object.
pub(crate) fn quote_json(v: &QuoteView<'_>) -> String {
    let (q, d) = (v.quote, v.decimals);
    let out = json!({
        "amount": amt(q.amount, d),
        "token_decimals": d,
        "gas_price_gwei": v.gas_gwei,
        "native_price": v.native_price,
        "batch_size": q.batch_size,
        "batch_gas": q.batch_gas,
        "gas_units": q.fee.gas_units,
        "fee_bps": v.config.fee_bps,
        "gas_buffer_bps": v.config.gas_buffer_bps,
        "hub_fee": amt(q.fee.hub_fee, d),
        "miner_fee": amt(q.fee.miner_fee, d),
        "buffer": amt(q.fee.buffer, d),
        "total_fee": amt(q.total_fee, d),
        "total": amt(q.total, d),
        "soft_limit": amt(q.soft_limit, d),
        "below_soft_limit": q.below_soft_limit(),
        "gas_price_source": if v.live { "node" } else { "flag" },
        "reserve": v.reserve.map(|r| amt(r, d)),
        "reserve_covers": v.reserve.map(|r| r >= q.amount),
    });
    format!("{out:#}")
}

/// The quote as a table.
pub(crate) fn quote_table(v: &QuoteView<'_>) -> String {
    let (q, d, c) = (v.quote, v.decimals, v.config);
    let rows = [
        ("amount", amt(q.amount, d), String::new()),
        (
            &*format!("hub fee ({} %)", percent(c.fee_bps)),
            amt(q.fee.hub_fee, d),
            "the hub's profit".to_string(),
        ),
        (
            "miner fee",
            amt(q.fee.miner_fee, d),
            format!(
                "{} gas × {} gwei × {}",
                count(q.fee.gas_units),
                v.gas_gwei,
                v.native_price
            ),
        ),
        (
            &*format!("gas buffer ({} %)", percent(c.gas_buffer_bps)),
            amt(q.fee.buffer, d),
            "of the miner fee".to_string(),
        ),
        (
            "total",
            amt(q.total, d),
            format!("fees {}", amt(q.total_fee, d)),
        ),
    ]
    .map(|(a, b, c)| (a.to_string(), b, c));
    let mut out = format!(
        "hub quote: batch of {} ({} gas), the request as its biggest operation\n",
        q.batch_size,
        count(q.batch_gas)
    );
    for (label, value, note) in rows {
        let row = format!("{label:<20} {value:>14}  {note}");
        out.push_str(row.trim_end());
        out.push('\n');
    }
    let soft = if q.below_soft_limit() {
        "the amount is below it: the planner skips it at this gas price"
    } else {
        "the amount is above it"
    };
    out.push_str(&format!(
        "{:<20} {:>14}  {soft}",
        "soft limit",
        amt(q.soft_limit, d)
    ));
    if let Some(r) = v.reserve {
        let covers = if r >= q.amount {
            "covers the amount"
        } else {
            "does not cover the amount: the planner skips it as unaffordable"
        };
        out.push_str(&format!(
            "\n{:<20} {:>14}  {covers}",
            "hub reserve",
            amt(r, d)
        ));
    }
    if v.live {
        out.push_str("\n(gas price read from the node)");
    }
    out
}

fn decimals_of(input: &PlanInput, token: &TokenId) -> u8 {
    input.tokens.get(token).map_or(0, |t| t.decimals)
}

fn decision_text(d: &Decision) -> String {
    match d {
        Decision::Execute(ExecuteReason::SizeThreshold {
            operations,
            threshold,
        }) => {
            format!("execute now: {operations} operations ≥ threshold {threshold}")
        }
        Decision::Execute(ExecuteReason::WindowElapsed {
            waited_secs,
            window_secs,
        }) => format!(
            "execute now: the oldest planned request has waited {waited_secs} s ≥ window {window_secs} s"
        ),
        Decision::Wait { until } => format!("wait: plan again at {until} (or on new requests)"),
        Decision::Nothing => "nothing to execute: no request can be served".to_string(),
    }
}

fn decision_json(d: &Decision) -> Value {
    match d {
        Decision::Execute(ExecuteReason::SizeThreshold {
            operations,
            threshold,
        }) => json!({
            "action": "execute", "reason": "size_threshold",
            "operations": operations, "threshold": threshold,
        }),
        Decision::Execute(ExecuteReason::WindowElapsed {
            waited_secs,
            window_secs,
        }) => json!({
            "action": "execute", "reason": "window_elapsed",
            "waited_secs": waited_secs, "window_secs": window_secs,
        }),
        Decision::Wait { until } => json!({ "action": "wait", "until": until }),
        Decision::Nothing => json!({ "action": "nothing" }),
    }
}

/// A skip reason's values (as amount strings) and its sentence.
fn reason_parts(r: &SkipReason, d: u8) -> (Vec<(&'static str, Value)>, String) {
    let a = |v: &U256| json!(amt(*v, d));
    let values = match r {
        SkipReason::BelowMinAmount { min } => vec![("min_amount", a(min))],
        SkipReason::OverMaxAmount { max } => vec![("max_amount", a(max))],
        SkipReason::BelowSoftLimit { soft_limit } => vec![("soft_limit", a(soft_limit))],
        SkipReason::BatchFull { max_operations } => {
            vec![("max_operations", json!(max_operations))]
        }
        SkipReason::OverUserCap { cap, already } | SkipReason::OverIntervalCap { cap, already } => {
            vec![("cap", a(cap)), ("already", a(already))]
        }
        SkipReason::Unaffordable { reserve_left } => vec![("reserve_left", a(reserve_left))],
        SkipReason::FeeAboveMax { fee, max_fee } => {
            vec![("fee", a(fee)), ("max_fee", a(max_fee))]
        }
    };
    (values, r.describe(d))
}

/// The plan as one JSON object.
pub(crate) fn plan_json(p: &Plan, input: &PlanInput) -> String {
    let operations: Vec<Value> = p
        .operations
        .iter()
        .map(|o| {
            let d = decimals_of(input, &o.token);
            json!({
                "request": o.request.0, "user": o.user.to_string(), "token": o.token.0,
                "amount": amt(o.amount, d), "gas_units": o.fee.gas_units,
                "hub_fee": amt(o.fee.hub_fee, d), "miner_fee": amt(o.fee.miner_fee, d),
                "buffer": amt(o.fee.buffer, d), "total_fee": amt(o.total_fee, d),
                "user_pays": amt(o.amount.saturating_add(o.total_fee), d),
            })
        })
        .collect();
    let skipped: Vec<Value> = p
        .skipped
        .iter()
        .map(|s| {
            let d = decimals_of(input, &s.token);
            let (fields, detail) = reason_parts(&s.reason, d);
            let mut m = Map::new();
            m.insert("request".into(), json!(s.request.0));
            m.insert("user".into(), json!(s.user.to_string()));
            m.insert("token".into(), json!(s.token.0));
            m.insert("amount".into(), json!(amt(s.amount, d)));
            m.insert("reason".into(), json!(s.reason.code()));
            for (k, v) in fields {
                m.insert(k.into(), v);
            }
            m.insert("detail".into(), json!(detail));
            Value::Object(m)
        })
        .collect();
    let totals: Map<String, Value> = p
        .totals
        .iter()
        .map(|(id, t)| {
            let d = decimals_of(input, id);
            let v = json!({
                "reserve_before": amt(t.reserve_before, d), "reserves_out": amt(t.reserves_out, d),
                "reserve_after": amt(t.reserve_after, d), "hub_fees": amt(t.hub_fees, d),
                "miner_fees": amt(t.miner_fees, d), "buffers": amt(t.buffers, d),
                "fees": amt(t.fees, d), "user_debits": amt(t.user_debits, d),
                "soft_limit": amt(t.soft_limit, d),
            });
            (id.0.clone(), v)
        })
        .collect();
    let out = json!({
        "execute": p.executes(),
        "decision": decision_json(&p.decision),
        "batch_gas": p.batch_gas,
        "operations": operations,
        "skipped": skipped,
        "totals": totals,
    });
    format!("{out:#}")
}

/// The plan as tables.
pub(crate) fn plan_table(p: &Plan, input: &PlanInput) -> String {
    let mut out = format!("decision: {}\n", decision_text(&p.decision));
    out.push_str(&format!(
        "batch: {} operations, {} gas\n",
        p.operations.len(),
        count(p.batch_gas)
    ));
    if !p.operations.is_empty() {
        out.push_str(&format!(
            "\n{:<3} {:<16} {:<42} {:<6} {:>14} {:>12} {:>12} {:>12} {:>12}\n",
            "#",
            "request",
            "user",
            "token",
            "amount",
            "hub fee",
            "miner fee",
            "buffer",
            "total fee"
        ));
        for (i, o) in p.operations.iter().enumerate() {
            let d = decimals_of(input, &o.token);
            out.push_str(&format!(
                "{:<3} {:<16} {:<42} {:<6} {:>14} {:>12} {:>12} {:>12} {:>12}\n",
                i + 1,
                o.request.0,
                o.user.to_string(),
                o.token.0,
                amt(o.amount, d),
                amt(o.fee.hub_fee, d),
                amt(o.fee.miner_fee, d),
                amt(o.fee.buffer, d),
                amt(o.total_fee, d),
            ));
        }
    }
    if !p.skipped.is_empty() {
        out.push_str(&format!(
            "\nskipped\n{:<16} {:<42} {:<6} {:>14}  reason\n",
            "request", "user", "token", "amount"
        ));
        for s in &p.skipped {
            let d = decimals_of(input, &s.token);
            let (_, detail) = reason_parts(&s.reason, d);
            out.push_str(&format!(
                "{:<16} {:<42} {:<6} {:>14}  {}: {detail}\n",
                s.request.0,
                s.user.to_string(),
                s.token.0,
                amt(s.amount, d),
                s.reason.code()
            ));
        }
    }
    out.push('\n');
    for (id, t) in &p.totals {
        let d = decimals_of(input, id);
        out.push_str(&format!(
            "{id}: reserve {} → {} (out {}); fees {} = hub {} + miner {} + buffer {}; users pay {}; soft limit {}\n",
            amt(t.reserve_before, d),
            amt(t.reserve_after, d),
            amt(t.reserves_out, d),
            amt(t.fees, d),
            amt(t.hub_fees, d),
            amt(t.miner_fees, d),
            amt(t.buffers, d),
            amt(t.user_debits, d),
            amt(t.soft_limit, d),
        ));
    }
    out.trim_end().to_string()
}
