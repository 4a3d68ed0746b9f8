//! What `report` reads from the store, summarised, and its JSON form.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use serde_json::{Map, Value, json};

use crate::{
    keeper::config::KeeperConfig,
    model::report::{Charge, Figures, Fill, Performed, Summary, Window, summarize},
    store::{BandChangeRecord, DriftSample, FundingRecord, Store, UpkeepSample},
};

/// Everything the report shows.
pub(crate) struct ReportData {
    /// The chain.
    pub chain_id: u64,
    /// The window.
    pub window: Window,
    /// The last block the keeper's log reader recorded.
    pub through_block: Option<u64>,
    /// Target names from the config.
    pub names: BTreeMap<Address, String>,
    /// Performs (with the manager that performed them).
    pub performs: Vec<Performed>,
    /// Fills.
    pub fills: Vec<Fill>,
    /// Figures per target and for the fleet.
    pub summary: Summary,
    /// Top-ups.
    pub fundings: Vec<FundingRecord>,
    /// Band decisions.
    pub bands: Vec<BandChangeRecord>,
    /// Drift samples per balancer.
    pub drift: BTreeMap<Address, Vec<DriftSample>>,
    /// Upkeep readings.
    pub upkeeps: Vec<UpkeepSample>,
    /// Registry charges.
    pub charges: Vec<Charge>,
    /// Billing token decimals (from the charges).
    pub decimals: BTreeMap<Address, u8>,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reads the store for `chain_id` over the last `span` seconds (everything without one).
pub(crate) async fn read(
    store: &Store,
    chain_id: u64,
    config: Option<&KeeperConfig>,
    span: Option<u64>,
) -> eyre::Result<ReportData> {
    let now_s = unix_now();
    let since_s = span.map_or(0, |s| now_s.saturating_sub(s));
    let since_ms = i64::try_from(since_s.saturating_mul(1000)).unwrap_or(i64::MAX);
    let window = Window { since_s, now_s };
    let names = match config {
        Some(c) => c.target_names()?,
        None => BTreeMap::new(),
    };
    // The cursor first: every log at or below it is recorded (it moves after its range is), so
    // what is read below, cut at it, is consistent even while a keeper writes.
    let through_block = store.cursor(chain_id, "logs").await?;
    let upto = |block: u64| through_block.is_none_or(|t| block <= t);
    let performs: Vec<Performed> = store
        .report_performs(chain_id, since_ms)
        .await?
        .into_iter()
        .filter(|p| upto(p.perform.block))
        .map(|p| (p.perform, p.via))
        .collect();
    let members: BTreeMap<Address, Address> = performs
        .iter()
        .filter_map(|(p, via)| via.map(|v| (p.target, v)))
        .collect();
    let mut fills = store.report_fills(chain_id, since_ms).await?;
    fills.retain(|f| upto(f.block));
    let mut charges = store.report_charges(chain_id, since_s).await?;
    charges.retain(|c| upto(c.block));
    let summary = summarize(&performs, &fills, &charges, &members, window);
    let mut drift = BTreeMap::new();
    for t in store.sampled_targets(chain_id, since_s).await? {
        drift.insert(t, store.drift_samples(chain_id, t, since_s).await?);
    }
    let decimals = charges.iter().map(|c| (c.token, c.decimals)).collect();
    Ok(ReportData {
        chain_id,
        window,
        through_block,
        names,
        fundings: store.fundings(chain_id, since_ms).await?,
        bands: store
            .band_changes(chain_id)
            .await?
            .into_iter()
            .filter(|b| b.created_at_ms >= since_ms)
            .collect(),
        upkeeps: store.upkeep_samples(chain_id, since_s).await?,
        performs,
        fills,
        charges,
        summary,
        drift,
        decimals,
    })
}

fn by_token(
    f: &Figures,
    pick: impl Fn(&crate::model::report::TokenCharges) -> Option<U256>,
) -> Value {
    let mut m = Map::new();
    for (token, t) in &f.charges {
        m.insert(
            token.to_string(),
            pick(t).map_or(Value::Null, |v| Value::String(v.to_string())),
        );
    }
    Value::Object(m)
}

/// A target's or the fleet's figures as JSON, with the charge comparison's named keys.
fn figures(f: &Figures) -> Value {
    json!({
        "performs": f.performs,
        "fills": f.fills,
        "charges": f.charges.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<Map<_, _>>(),
        "charges_measured": by_token(f, |t| Some(t.measured)),
        "charges_modelled": by_token(f, |t| Some(t.modelled)),
        "charge_model_error_pct": f.charge_model_error_pct(),
        "cost_per_month": by_token(f, |t| t.per_month),
        "projection_7d": by_token(f, |t| t.next_7d),
    })
}

impl ReportData {
    /// The target's name (its address when the config gives none).
    pub(crate) fn name(&self, a: Address) -> String {
        self.names.get(&a).cloned().unwrap_or_else(|| a.to_string())
    }

    /// The JSON document.
    pub(crate) fn json(&self) -> Value {
        let targets: Vec<Value> = self
            .summary
            .targets
            .iter()
            .map(|t| {
                let mut v = figures(&t.figures);
                if let Value::Object(m) = &mut v {
                    m.insert("address".into(), json!(t.address.to_string()));
                    m.insert("name".into(), json!(self.name(t.address)));
                }
                v
            })
            .collect();
        let fundings: Vec<Value> = self
            .fundings
            .iter()
            .map(|f| {
                let n = &f.funding;
                json!({
                    "upkeep_id": n.upkeep_id.to_string(),
                    "seq": f.seq,
                    "state": f.state.as_str(),
                    "token": n.token.to_string(),
                    "native": n.native,
                    "amount": n.amount.to_string(),
                    "balance_before": n.balance_before.to_string(),
                    "min_balance": n.min_balance.to_string(),
                    "month": n.month.to_string(),
                    "month_source": n.month_source,
                    "refill_at": n.refill_at.to_string(),
                    "target": n.target.to_string(),
                    "timing": n.timing,
                    "tx_hash": f.tx_hash.map(|h| h.to_string()),
                    "block": f.block,
                    "created_at_ms": f.created_at_ms,
                })
            })
            .collect();
        let bands: Vec<Value> = self
            .bands
            .iter()
            .map(|b| {
                json!({
                    "target": b.change.target.to_string(),
                    "name": self.name(b.change.target),
                    "seq": b.seq,
                    "state": b.state.as_str(),
                    "reason": b.change.reason,
                    "old_bands": b.change.old_bands,
                    "new_bands": b.change.new_bands,
                    "base_trigger_bps": b.change.base_trigger_bps,
                    "tx_hash": b.tx_hash.map(|h| h.to_string()),
                    "block": b.block,
                    "created_at_ms": b.created_at_ms,
                })
            })
            .collect();
        json!({
            "chain_id": self.chain_id,
            "since_s": self.window.since_s,
            "now_s": self.window.now_s,
            "through_block": self.through_block,
            "fleet": figures(&self.summary.fleet),
            "targets": targets,
            "fundings": fundings,
            "band_changes": bands,
        })
    }
}
