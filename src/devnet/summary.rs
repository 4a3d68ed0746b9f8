//! The devnet's closing summary: who performed what, what the keeper refused or sent in vain,
//! whether any epoch traded twice, gas, charges and fills — printed, and written as JSON to
//! `summary.json` beside the manifest.

use std::{collections::BTreeMap, path::Path};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

use crate::{
    devnet::{hub::HubUsersStats, taker::TakerStats},
    keeper::hub::report::HubSummary,
    store::{FailureStage, Source, StoreSummary, TxState},
};

/// The summary file's name, beside the manifest.
pub const FILE_NAME: &str = "summary.json";

/// What a devnet run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevnetSummary {
    /// Seconds the jobs ran.
    pub seconds: u64,
    /// Balancer performs by who sent them: `chainlink` (the registry), `keeper`, `cre`,
    /// `other`. A fleet round counts each member it performed.
    pub performs_by_source: BTreeMap<String, u64>,
    /// Fleet rounds by who sent them.
    pub rounds_by_source: BTreeMap<String, u64>,
    /// Work the keeper decided but never sent: refused by the store (already in flight or done)
    /// or found not needed by its simulation (someone performed first).
    pub duplicates_refused: u64,
    /// Keeper transactions that reached the chain and reverted (a perform raced and lost).
    pub duplicates_reverted: u64,
    /// Epochs traded more than once (must be 0).
    pub double_trades: u64,
    /// Fills of the demo's orders.
    pub fills: u64,
    /// Gas the performs used inside the balancers (their `OrdersPublished` gasUsed).
    pub perform_gas: u64,
    /// What the registry charged, per billing token symbol, in token units (decimal text).
    pub charges: BTreeMap<String, String>,
    /// The keeper's transactions.
    pub keeper: KeeperCounts,
    /// Upkeep top-ups the keeper's funding job decided, by state.
    #[serde(default)]
    pub top_ups: BTreeMap<String, u64>,
    /// The simulated DON.
    pub don: DonCounts,
    /// The taker.
    pub taker: TakerCounts,
    /// The keeper's store.
    pub store: String,
    /// The keeper's metrics endpoint, if it listened.
    pub metrics: Option<String>,
    /// The hub the keeper ran, and its simulated users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<HubCounts>,
}

/// The devnet's hub.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubCounts {
    /// Requests the simulated users made.
    pub user_requests: u64,
    /// Requests they cancelled.
    pub user_cancels: u64,
    /// Pulls they signed and handed over.
    pub user_offers: u64,
    /// What the hub did, from the keeper's store.
    #[serde(flatten)]
    pub hub: HubSummary,
}

/// The keeper's own transactions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeeperCounts {
    /// The keeper's address.
    pub address: String,
    /// Transactions by final state (`pending` for those still open).
    pub txs: BTreeMap<String, u64>,
    /// Attempts signed.
    pub attempts: u64,
    /// Replacements.
    pub replacements: u64,
    /// Cancels.
    pub cancels: u64,
}

/// The simulated DON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DonCounts {
    /// Rounds run.
    pub rounds: u64,
    /// Upkeeps performed.
    pub performs: u64,
    /// `--chaos` outages.
    pub outages: u64,
}

/// The taker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakerCounts {
    /// Orders filled.
    pub fills: u64,
    /// Times an order was left because it was not worth filling then.
    pub unprofitable: u64,
    /// Fills that failed.
    pub failed: u64,
}

impl DevnetSummary {
    /// The summary from the keeper's store and the jobs' counts; `symbol` names billing tokens.
    pub fn new(
        seconds: u64,
        store: &StoreSummary,
        keeper: Address,
        don: DonCounts,
        taker: TakerStats,
        symbol: impl Fn(Address) -> String,
        locations: (String, Option<String>),
    ) -> Self {
        let by_source = |m: &BTreeMap<Source, u64>| {
            let mut out: BTreeMap<String, u64> = Source::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), 0))
                .collect();
            for (s, n) in m {
                out.insert(s.as_str().to_string(), *n);
            }
            out
        };
        let not_needed: u64 = store
            .failures
            .iter()
            .filter(|(stage, _, _)| *stage == FailureStage::Simulate)
            .map(|(_, _, n)| n)
            .sum();
        let state = |s: TxState| store.keeper_txs.get(&s).copied().unwrap_or(0);
        Self {
            seconds,
            performs_by_source: by_source(&store.performs_by_source),
            rounds_by_source: by_source(&store.rounds_by_source),
            duplicates_refused: store.duplicates_refused + not_needed,
            duplicates_reverted: state(TxState::Reverted),
            double_trades: store.double_trades,
            fills: store.fills,
            perform_gas: store.gas_used,
            charges: store
                .charges
                .iter()
                .map(|(t, a)| (symbol(*t), crate::cli::output::amount(*a, 18)))
                .collect(),
            keeper: KeeperCounts {
                address: format!("{keeper}"),
                txs: store
                    .keeper_txs
                    .iter()
                    .map(|(s, n)| (s.as_str().to_string(), *n))
                    .collect(),
                attempts: store.attempts,
                replacements: store.replacements,
                cancels: store.cancels,
            },
            top_ups: store
                .top_ups
                .iter()
                .map(|(s, n)| (s.as_str().to_string(), *n))
                .collect(),
            don,
            taker: TakerCounts {
                fills: taker.fills,
                unprofitable: taker.unprofitable,
                failed: taker.failed,
            },
            store: locations.0,
            metrics: locations.1,
            hub: None,
        }
    }

    /// With the hub's numbers and its users' counts.
    pub fn with_hub(mut self, hub: HubSummary, users: HubUsersStats) -> Self {
        self.hub = Some(HubCounts {
            user_requests: users.requests,
            user_cancels: users.cancels,
            user_offers: users.offers,
            hub,
        });
        self
    }

    /// Writes the summary as pretty JSON to `path`.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(path, text)
    }

    /// The summary for people, one line per subject.
    pub fn lines(&self) -> Vec<String> {
        let join = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = vec![
            format!("summary after {} s:", self.seconds),
            format!("  performs by source: {}", join(&self.performs_by_source)),
            format!("  fleet rounds by source: {}", join(&self.rounds_by_source)),
            format!(
                "  keeper: {} transactions ({}), {} attempts, {} replacements, {} cancels",
                self.keeper.txs.values().sum::<u64>(),
                join(&self.keeper.txs),
                self.keeper.attempts,
                self.keeper.replacements,
                self.keeper.cancels
            ),
            format!(
                "  duplicates: {} refused before sending, {} sent and reverted on chain; epochs traded twice: {}",
                self.duplicates_refused, self.duplicates_reverted, self.double_trades
            ),
            format!(
                "  gas in performs: {}; charged: {}",
                self.perform_gas,
                if self.charges.is_empty() {
                    "nothing".to_string()
                } else {
                    self.charges
                        .iter()
                        .map(|(k, v)| format!("{v} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            format!("  upkeep top-ups: {}", join(&self.top_ups)),
            format!(
                "  fills: {} (taker: {} filled, {} left unprofitable, {} failed)",
                self.fills, self.taker.fills, self.taker.unprofitable, self.taker.failed
            ),
            format!(
                "  DON: {} rounds, {} performs, {} outages",
                self.don.rounds, self.don.performs, self.don.outages
            ),
            format!(
                "  store {}; metrics {}",
                self.store,
                self.metrics.as_deref().unwrap_or("off")
            ),
        ];
        if let Some(h) = &self.hub {
            let fees: Vec<String> = h.hub.fees.iter().map(|(k, v)| format!("{v} {k}")).collect();
            out.insert(
                out.len() - 1,
                format!(
                    "  hub: users made {} requests ({} cancelled, {} pulls signed); {} batches settled ({} pushes, {} pulls, largest {}), {} failed; requests {}; skipped now {}",
                    h.user_requests,
                    h.user_cancels,
                    h.user_offers,
                    h.hub.batches_settled,
                    h.hub.pushes,
                    h.hub.pulls,
                    h.hub.largest_batch,
                    h.hub.batches_failed,
                    join(&h.hub.requests),
                    if h.hub.skipped.is_empty() { "none".into() } else { join(&h.hub.skipped) }
                ),
            );
            out.insert(
                out.len() - 1,
                format!(
                    "  hub P&L: fees {} (= {} ETH) − gas {} ETH = {} ETH",
                    if fees.is_empty() {
                        "0".into()
                    } else {
                        fees.join(" + ")
                    },
                    h.hub.fees_eth,
                    h.hub.gas_eth,
                    h.hub.net_eth
                ),
            );
        }
        out
    }
}
