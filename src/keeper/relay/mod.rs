//! The relay job: every bundle the served balancers publish goes to every configured order sink
//! — the 1inch Orderbook API and generic webhooks — so that takers who never read our events see
//! the orders.
//!
//! ```text
//!  OrdersPublished logs ─► collect (cursor `relay`) ─► model::relay payloads ─► store: one
//!                                                      pending row per (sink, order hash)
//!  store: due rows ─► expired? (head's timestamp ≥ expiry) ─► finished `expired`, not sent
//!                  └► count the try ─► POST ─► 2xx delivered | 4xx refused (answer kept)
//!                                          └► 5xx, 408, 429, timeout: again after the backoff,
//!                                             `failed` after max_attempts
//! ```
//!
//! Every row is recorded before its first POST and finished exactly once, so a keeper killed
//! at any point sends each order to each sink once after its restart — except an order whose
//! POST was in flight at the kill: it is sent again (its try was counted first), and sinks tell
//! the two apart by the order hash (the 1inch API keys orders by it; webhooks get it in the body
//! and as `Idempotency-Key`). The payload is stored with the row: a restart sends the same bytes.

mod collect;
mod send;

use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256},
    providers::{DynProvider, Provider},
    transports::TransportError,
};
use tokio::sync::watch;

pub use send::Sent;

use crate::{
    keeper::config::{MissingToken, RelaySettings},
    model::drift::DriftError,
    store::{Store, StoreError},
};

/// The store cursor's name.
pub const CURSOR: &str = "relay";

/// Why the relay cannot start or go on (a step's error is logged and the step retried).
#[derive(Debug, thiserror::Error)]
pub enum RelayJobError {
    /// The node.
    #[error("{what} failed: {reason} — check the RPC endpoint; retried on the next poll")]
    Rpc {
        /// What was read.
        what: String,
        /// The node's answer.
        reason: String,
    },
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sink's token is not in the environment.
    #[error(transparent)]
    Token(#[from] MissingToken),
    /// The HTTP client cannot be built.
    #[error("cannot build the relay's HTTP client: {0} — check the system's TLS setup")]
    Client(String),
    /// A published order cannot be rebuilt (a bug, or a balancer of another version).
    #[error("the bundle of {balancer} epoch {epoch} cannot be rebuilt: {source}")]
    Bundle {
        /// The balancer.
        balancer: Address,
        /// Its epoch.
        epoch: u32,
        /// Why.
        source: DriftError,
    },
    /// A payload cannot be written as JSON (a bug).
    #[error("relay payload: {0} (a bug: report it)")]
    Json(String),
}

impl RelayJobError {
    fn rpc(what: String, e: &TransportError) -> Self {
        Self::Rpc {
            what,
            reason: e.to_string(),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepReport {
    /// The head read.
    pub head: u64,
    /// Bundles seen.
    pub bundles: u64,
    /// Rows recorded (orders × sinks).
    pub recorded: u64,
    /// What the sends did.
    pub sent: Sent,
}

/// A balancer the relay serves: its tokens, and its protocol once read.
#[derive(Debug, Clone)]
struct Maker {
    tokens: Vec<Address>,
    protocol: Option<(Address, B256)>,
}

/// The relay job (see the module doc).
pub struct RelayJob {
    chain_id: u64,
    reader: DynProvider,
    store: Store,
    settings: RelaySettings,
    tokens: Vec<Option<String>>,
    http: reqwest::Client,
    makers: BTreeMap<Address, Maker>,
}

impl std::fmt::Debug for RelayJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sinks: Vec<&str> = self
            .settings
            .sinks
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        f.debug_struct("RelayJob")
            .field("sinks", &sinks)
            .field("balancers", &self.makers.len())
            .finish()
    }
}

impl RelayJob {
    /// The job relaying the bundles of `balancers` (address, tokens in asset order) to the
    /// configured sinks; `env` gives the sinks' tokens. On a fresh store the cursor starts at
    /// `relay.from_block`, else at the head.
    pub async fn start(
        reader: DynProvider,
        store: Store,
        chain_id: u64,
        settings: RelaySettings,
        balancers: impl IntoIterator<Item = (Address, Vec<Address>)>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, RelayJobError> {
        let tokens = settings.tokens(env)?;
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|e| RelayJobError::Client(e.to_string()))?;
        if store.cursor(chain_id, CURSOR).await?.is_none() {
            let start = match settings.from_block {
                Some(b) => b.saturating_sub(1),
                None => reader
                    .get_block_number()
                    .await
                    .map_err(|e| RelayJobError::rpc("eth_blockNumber".into(), &e))?,
            };
            store.set_cursor(chain_id, CURSOR, start).await?;
        }
        let makers = balancers
            .into_iter()
            .map(|(a, tokens)| {
                (
                    a,
                    Maker {
                        tokens,
                        protocol: None,
                    },
                )
            })
            .collect();
        Ok(Self {
            chain_id,
            reader,
            store,
            settings,
            tokens,
            http,
            makers,
        })
    }

    /// The sinks' names.
    pub fn sinks(&self) -> Vec<String> {
        self.settings.sinks.iter().map(|s| s.name.clone()).collect()
    }

    /// Steps every `poll` until `stop` turns true ([`crate::keeper::polling`]).
    pub async fn run(self, poll: Duration, stop: watch::Receiver<bool>) {
        tracing::info!(sinks = ?self.sinks(), balancers = self.makers.len(), "relay job running");
        crate::keeper::polling::run(self, poll, Duration::ZERO, stop).await;
    }

    /// One pass: record the new bundles, then send what is due.
    pub async fn step(&mut self) -> Result<StepReport, RelayJobError> {
        let block = self
            .reader
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| RelayJobError::rpc("eth_getBlockByNumber(latest)".into(), &e))?
            .ok_or_else(|| RelayJobError::Rpc {
                what: "eth_getBlockByNumber(latest)".into(),
                reason: "no block".into(),
            })?;
        let (head, chain_now) = (block.header.number, block.header.timestamp);
        let (bundles, recorded) = self.collect(head).await?;
        let sent = self.send_due(chain_now).await?;
        Ok(StepReport {
            head,
            bundles,
            recorded,
            sent,
        })
    }
}

/// Unix milliseconds now.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl crate::keeper::polling::PollJob for RelayJob {
    const NAME: &'static str = "relay";
    type Report = StepReport;
    type Error = RelayJobError;

    async fn step(&mut self) -> Result<Self::Report, Self::Error> {
        RelayJob::step(self).await
    }
}
