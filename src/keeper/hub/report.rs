//! The hub in numbers, from the store: requests by state, skip reasons, batches, and the P&L
//! (fees earned − gas spent). `onebalancer hub status` prints it; the devnet's summary holds it.

use std::collections::BTreeMap;

use alloy::primitives::{Address, I256, U256};
use serde::{Deserialize, Serialize};

use crate::{
    keeper::config::HubSettings,
    model::hub::{
        HubResult, TokenId,
        pnl::{self, BatchResult, Pnl, Valuation},
        units::format_decimal,
    },
    store::{HubBatchRecord, HubBatchState, HubRequestRecord, HubRequestState, Store, StoreError},
};

/// The hub's numbers (amounts as decimal strings of whole tokens or ETH).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubSummary {
    /// Requests by state (`pending`, `batched`, `settled`, `cancelled`, `expired`).
    pub requests: BTreeMap<String, u64>,
    /// Pending requests by the reason the last plan left them out.
    pub skipped: BTreeMap<String, u64>,
    /// Batches settled.
    pub batches_settled: u64,
    /// Batches failed (their requests went back to pending).
    pub batches_failed: u64,
    /// Pushes settled.
    pub pushes: u64,
    /// Pulls applied.
    pub pulls: u64,
    /// Most pushes in one settled batch.
    pub largest_batch: u64,
    /// Fees earned per token symbol.
    pub fees: BTreeMap<String, String>,
    /// The fees' worth in ETH at the configured prices (rounded down).
    pub fees_eth: String,
    /// Gas spent, ETH.
    pub gas_eth: String,
    /// fees − gas, ETH.
    pub net_eth: String,
}

/// The symbol of `token`, or its address when it is not served.
pub fn symbol(s: &HubSettings, token: Address) -> String {
    s.token(token)
        .map_or_else(|| token.to_string(), |t| t.symbol.clone())
}

/// `v` base units of `token` as whole tokens, or base units when it is not served.
pub fn amount(s: &HubSettings, token: Address, v: U256) -> String {
    match s.token(token) {
        Some(t) => format_decimal(v, t.decimals, 2),
        None => format!("{v} (base units)"),
    }
}

/// Wei as ETH.
pub fn eth(wei: U256) -> String {
    format_decimal(wei, 18, 6)
}

/// Signed wei as ETH.
pub fn signed_eth(wei: I256) -> String {
    let (sign, abs) = wei.into_sign_and_abs();
    let text = eth(abs);
    if sign.is_negative() && !abs.is_zero() {
        format!("-{text}")
    } else {
        text
    }
}

/// Gas used × effective price of a mined batch transaction, wei.
pub fn gas_wei(b: &HubBatchRecord) -> U256 {
    match (b.gas_used, b.gas_price) {
        (Some(g), Some(p)) => U256::from(g).saturating_mul(p),
        _ => U256::ZERO,
    }
}

/// The P&L over `batches`: a settled one's fees, and the gas of every one mined.
pub fn profit(s: &HubSettings, batches: &[HubBatchRecord]) -> HubResult<Pnl> {
    let results: Vec<BatchResult> = batches
        .iter()
        .map(|b| BatchResult {
            fees: if b.state == HubBatchState::Settled {
                b.fees
                    .iter()
                    .map(|(a, f)| (TokenId(symbol(s, *a)), *f))
                    .collect()
            } else {
                BTreeMap::new()
            },
            gas_wei: gas_wei(b),
        })
        .collect();
    let valuations = s
        .tokens
        .iter()
        .map(|t| {
            let v = Valuation {
                decimals: t.decimals,
                price: t.native_price,
            };
            (TokenId(t.symbol.clone()), v)
        })
        .collect();
    pnl::pnl(&results, &valuations)
}

/// Fees per symbol as whole tokens.
pub fn fee_texts(s: &HubSettings, p: &Pnl) -> BTreeMap<String, String> {
    p.fees
        .iter()
        .map(|(t, f)| {
            let text = match s.tokens.iter().find(|k| k.symbol == t.0) {
                Some(k) => format_decimal(*f, k.decimals, 2),
                None => format!("{f} (base units)"),
            };
            (t.0.clone(), text)
        })
        .collect()
}

/// Summarises `requests` and `batches`.
pub fn summarize(
    s: &HubSettings,
    requests: &[HubRequestRecord],
    batches: &[HubBatchRecord],
) -> HubResult<HubSummary> {
    let mut out = HubSummary::default();
    for r in requests {
        *out.requests
            .entry(r.state.as_str().to_string())
            .or_default() += 1;
        if r.state == HubRequestState::Pending
            && let Some(code) = &r.skip_code
        {
            *out.skipped.entry(code.clone()).or_default() += 1;
        }
    }
    for b in batches {
        match b.state {
            HubBatchState::Settled => {
                out.batches_settled += 1;
                out.pushes += u64::from(b.pushes);
                out.pulls += u64::from(b.pulls);
                out.largest_batch = out.largest_batch.max(u64::from(b.pushes));
            }
            HubBatchState::Failed => out.batches_failed += 1,
            HubBatchState::Planned | HubBatchState::Sent => {}
        }
    }
    let p = profit(s, batches)?;
    out.fees = fee_texts(s, &p);
    out.fees_eth = eth(p.fees_wei);
    out.gas_eth = eth(p.gas_wei);
    out.net_eth = signed_eth(p.net_wei);
    Ok(out)
}

/// Reads the store and summarises the hub of `s`.
pub async fn read(
    store: &Store,
    chain_id: u64,
    s: &HubSettings,
) -> Result<(Vec<HubRequestRecord>, Vec<HubBatchRecord>), StoreError> {
    let requests = store.hub_requests(chain_id, s.depository, &[]).await?;
    let batches = store.hub_batches(chain_id, s.depository, u32::MAX).await?;
    Ok((requests, batches))
}
