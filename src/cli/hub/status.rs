//! `onebalancer hub status`: what the keeper's store says about its hub — the queue (every
//! request not settled, with why it waits or ended), the pull offers, the last batches, and
//! the P&L (fees earned − gas spent). Reads the store only; sends nothing.

use std::collections::BTreeMap;

use eyre::eyre;
use serde_json::{Value, json};

use super::Format;
use crate::{
    cli::output,
    keeper::{
        config::{HubSettings, KeeperConfig},
        hub::report::{self, amount, eth, fee_texts, gas_wei, signed_eth, symbol},
    },
    model::hub::{pnl::Pnl, units::format_decimal},
    store::{HubBatchRecord, HubBatchState, HubOfferState, HubRequestRecord, HubRequestState},
};

/// Everything `hub status` shows.
struct Status {
    settings: HubSettings,
    chain_id: u64,
    requests: Vec<HubRequestRecord>,
    offers: BTreeMap<&'static str, usize>,
    batches: Vec<HubBatchRecord>,
    shown: usize,
    pnl: Pnl,
}

/// Opens the store `config` names (refusing one that does not exist yet) and reads the hub.
pub(super) async fn run(
    config: &std::path::Path,
    format: Format,
    batches: usize,
) -> eyre::Result<()> {
    let config = KeeperConfig::load(config)?;
    let Some(settings) = config.hub()? else {
        return Err(eyre!(
            "{}: no [hub] section — hub status reads the store of a keeper that runs a hub (see `onebalancer keeper example`)",
            config.file()
        ));
    };
    let store = crate::cli::open_keeper_store(&config).await?;
    let chain_id = config.chain.chain_id;
    let dep = settings.depository;
    let (requests, all) = report::read(&store, chain_id, &settings).await?;
    let mut offers = BTreeMap::new();
    for o in store.hub_offers(chain_id, dep, &[]).await? {
        *offers.entry(o.state.as_str()).or_insert(0) += 1;
    }
    let pnl = report::profit(&settings, &all)?;
    let status = Status {
        settings,
        chain_id,
        requests,
        offers,
        batches: all,
        shown: batches,
        pnl,
    };
    match format {
        Format::Json => output::line(&format!("{:#}", json_of(&status))),
        Format::Table => output::line(&table_of(&status)),
    }
    store.close().await;
    Ok(())
}

/// Why a request is where it is, in words.
fn reason(r: &HubRequestRecord) -> Option<(String, String)> {
    match r.state {
        HubRequestState::Pending => Some(match (&r.skip_code, &r.skip_detail) {
            (Some(c), Some(d)) => (c.clone(), d.clone()),
            _ => (
                "waiting".into(),
                "planned; waiting for its batch window".into(),
            ),
        }),
        HubRequestState::Batched => Some((
            "in_batch".into(),
            format!(
                "in the batch of round {}",
                r.round.map_or("?".into(), |x| x.to_string())
            ),
        )),
        HubRequestState::Cancelled => Some(("cancelled".into(), "cancelled by its user".into())),
        HubRequestState::Expired => Some((
            "expired".into(),
            format!("its deadline {} passed before it was served", r.deadline),
        )),
        HubRequestState::Settled => None,
    }
}

fn json_of(st: &Status) -> Value {
    let s = &st.settings;
    let mut counts = BTreeMap::new();
    for r in &st.requests {
        *counts.entry(r.state.as_str()).or_insert(0usize) += 1;
    }
    let queue: Vec<Value> = st
        .requests
        .iter()
        .filter_map(|r| {
            let (code, detail) = reason(r)?;
            Some(json!({
                "id": r.id.to_string(),
                "user": r.user.to_string(),
                "token": symbol(s, r.token),
                "amount": amount(s, r.token, r.amount),
                "max_fee": amount(s, r.token, r.max_fee),
                "deadline": r.deadline,
                "state": r.state.as_str(),
                "reason": code,
                "detail": detail,
            }))
        })
        .collect();
    let batches: Vec<Value> = st
        .batches
        .iter()
        .take(st.shown)
        .map(|b| {
            let fees: BTreeMap<String, String> = b
                .fees
                .iter()
                .map(|(t, f)| (symbol(s, *t), amount(s, *t, *f)))
                .collect();
            json!({
                "round": b.round.to_string(),
                "state": b.state.as_str(),
                "pushes": b.pushes,
                "pulls": b.pulls,
                "fees": fees,
                "gas_used": b.gas_used,
                "gas_cost_eth": eth(gas_wei(b)),
                "planned_gas_price_gwei": b.planned_gas_price.map(|p| format_decimal(p, 9, 0)),
                "tx": b.tx_hash.map(|h| h.to_string()),
                "block": b.block,
                "reason": b.reason,
            })
        })
        .collect();
    let fees = fee_texts(s, &st.pnl);
    json!({
        "chain_id": st.chain_id,
        "depository": s.depository.to_string(),
        "requests": counts,
        "queue": queue,
        "offers": st.offers,
        "batches": batches,
        "pnl": {
            "fees": fees,
            "fees_eth": eth(st.pnl.fees_wei),
            "gas_eth": eth(st.pnl.gas_wei),
            "net_eth": signed_eth(st.pnl.net_wei),
            "settled_batches": st.batches.iter().filter(|b| b.state == HubBatchState::Settled).count(),
            "failed_batches": st.batches.iter().filter(|b| b.state == HubBatchState::Failed).count(),
        },
    })
}

fn table_of(st: &Status) -> String {
    let s = &st.settings;
    let mut out = format!("hub {} on chain {}\n", s.depository, st.chain_id);
    let count = |state: HubRequestState| st.requests.iter().filter(|r| r.state == state).count();
    out.push_str(&format!(
        "requests: {} pending, {} batched, {} settled, {} cancelled, {} expired\n",
        count(HubRequestState::Pending),
        count(HubRequestState::Batched),
        count(HubRequestState::Settled),
        count(HubRequestState::Cancelled),
        count(HubRequestState::Expired)
    ));
    let queue: Vec<&HubRequestRecord> = st
        .requests
        .iter()
        .filter(|r| r.state != HubRequestState::Settled)
        .collect();
    if !queue.is_empty() {
        out.push_str(&format!(
            "\n{:>6}  {:<10} {:>14}  {:<18} reason\n",
            "id", "state", "amount", "code"
        ));
        for r in queue {
            if let Some((code, detail)) = reason(r) {
                out.push_str(&format!(
                    "{:>6}  {:<10} {:>14}  {:<18} {detail}\n",
                    r.id.to_string(),
                    r.state.as_str(),
                    format!("{} {}", amount(s, r.token, r.amount), symbol(s, r.token)),
                    code
                ));
            }
        }
    }
    let offers: Vec<String> = [
        HubOfferState::Open,
        HubOfferState::Batched,
        HubOfferState::Used,
        HubOfferState::Stale,
    ]
    .iter()
    .filter_map(|k| {
        st.offers
            .get(k.as_str())
            .map(|n| format!("{n} {}", k.as_str()))
    })
    .collect();
    if !offers.is_empty() {
        out.push_str(&format!("\npull offers: {}\n", offers.join(", ")));
    }
    if !st.batches.is_empty() {
        out.push_str(&format!(
            "\n{:>6}  {:<8} {:>6} {:>6} {:>10}  {:<22} fees\n",
            "round", "state", "pushes", "pulls", "gas used", "gas cost (ETH)"
        ));
        for b in st.batches.iter().take(st.shown) {
            let fees: Vec<String> = b
                .fees
                .iter()
                .map(|(t, f)| format!("{} {}", amount(s, *t, *f), symbol(s, *t)))
                .collect();
            let mut line = format!(
                "{:>6}  {:<8} {:>6} {:>6} {:>10}  {:<22} {}",
                b.round.to_string(),
                b.state.as_str(),
                b.pushes,
                b.pulls,
                b.gas_used.map_or("-".into(), |g| g.to_string()),
                eth(gas_wei(b)),
                fees.join(", ")
            );
            if let Some(r) = &b.reason {
                line.push_str(&format!("  ({r})"));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    let fees: Vec<String> = fee_texts(s, &st.pnl)
        .into_iter()
        .map(|(t, f)| format!("{f} {t}"))
        .collect();
    out.push_str(&format!(
        "\nP&L: fees {} (= {} ETH at the configured prices, rounded down) − gas {} ETH = {} ETH",
        if fees.is_empty() {
            "0".into()
        } else {
            fees.join(" + ")
        },
        eth(st.pnl.fees_wei),
        eth(st.pnl.gas_wei),
        signed_eth(st.pnl.net_wei)
    ));
    out
}
