//! The hub job: the keeper serving a `HubDepository` as its hub — it indexes its users'
//! top-up requests, plans batches with `model::hub`, sends one `settleBatch` at a time through
//! the keeper's transaction manager, and reconciles each from its transaction and the logs.
//!
//! ```text
//!  depository logs ─► collect (cursor hub/<dep>) ─► store: requests, offers
//!                                                        │
//!  head, reserves, gas price (every gas_refresh) ─► strategy: plan + pulls ─► skips → store
//!                                                        │ execute now?
//!                                  execute: simulate → record batch → TxManager.submit
//!                                                        │
//!                    TxManager.tick (the engine's) ─► reconcile: settled | released
//! ```
//!
//! Every step is idempotent against the store, so a keeper killed at any point resumes where
//! it stopped: requests are recorded once; a batch is written (with its requests marked
//! batched) before its transaction exists; the transaction is the manager's, keyed by the
//! batch's round, and the depository refuses a round twice. "Now" is the later of the head's
//! timestamp and the wall clock (the window waits on it); expiry uses the head's timestamp,
//! as the contract does.

mod collect;
mod execute;
pub mod offers;
pub mod report;
pub mod strategy;

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    transports::TransportError,
};
use tokio::sync::watch;

pub use collect::Indexed;
pub use execute::Reconciled;

use crate::{
    chain::{
        ours::hub::HubDepository::{self, HubDepositoryInstance},
        tx::{TxError, TxManager},
    },
    keeper::config::HubSettings,
    model::hub::{Decision, HubError},
    store::{HubOfferState, HubRequestState, Store, StoreError},
};

/// How long a request the simulation refused stays out of the plans.
const REJECTED_FOR: Duration = Duration::from_secs(60);

/// Why the hub job cannot go on (each step is retried on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum HubJobError {
    /// The node.
    #[error("{what} failed: {reason} — check the RPC endpoint; retried on the next poll")]
    Rpc {
        /// What was read or sent.
        what: String,
        /// The node's answer.
        reason: String,
    },
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The transaction manager.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// The planner refused its input.
    #[error("the hub planner refused its input: {0} — check [hub]")]
    Plan(#[from] HubError),
    /// The depository is not where the configuration says.
    #[error(
        "hub.depository = {address} has no code on chain {chain_id} — deploy the HubDepository (onebalancer deploy) or fix the address"
    )]
    NoDepository {
        /// The address.
        address: Address,
        /// The chain.
        chain_id: u64,
    },
    /// A fresh store, a depository with requests already, and nowhere said to start reading.
    #[error(
        "the depository {address} already holds {requests} requests, and neither the store nor hub.from_block says where to start reading them — set hub.from_block to the depository's deployment block (the deploy manifest's contracts.hub_depository.block), so no request is missed"
    )]
    FromBlockNeeded {
        /// The depository.
        address: Address,
        /// Requests made so far (`nextRequestId`).
        requests: U256,
    },
    /// The store and the plan disagree (a bug: report it).
    #[error("hub job: {0} (a bug: report it)")]
    Inconsistent(String),
}

impl HubJobError {
    pub(crate) fn rpc(what: String, e: &TransportError) -> Self {
        Self::Rpc {
            what,
            reason: e.to_string(),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing to send.
    Idle,
    /// The open batch's transaction is not final.
    Waiting {
        /// Its round.
        round: U256,
    },
    /// Requests are planned, but the batch waits for its window (unix s).
    Wait {
        /// When it is due.
        until: u64,
    },
    /// A batch went out.
    Sent {
        /// Its round.
        round: U256,
        /// Pushes.
        pushes: usize,
        /// Pulls.
        pulls: usize,
        /// The attempt's hash, when broadcast.
        tx: Option<B256>,
    },
    /// The simulation refused the batch; what it named is set aside.
    Refused {
        /// The decoded revert.
        reason: String,
    },
}

/// One step's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// The head it ran at.
    pub head: u64,
    /// What the logs brought.
    pub indexed: Indexed,
    /// Requests that expired.
    pub expired: u64,
    /// What became of the open batch.
    pub reconciled: Reconciled,
    /// What it did.
    pub step: Step,
}

/// The keeper's hub job (see the module doc).
pub struct HubJob {
    chain_id: u64,
    hub: Address,
    settings: HubSettings,
    reader: DynProvider,
    txm: Arc<TxManager>,
    store: Store,
    gas_margin_percent: u32,
    gas: Option<(U256, Instant)>,
    rejected: HashMap<U256, String>,
    rejected_at: HashMap<U256, Instant>,
}

impl std::fmt::Debug for HubJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubJob")
            .field("hub", &self.hub)
            .field("depository", &self.settings.depository)
            .finish()
    }
}

impl HubJob {
    /// The job of the transaction manager's key as the hub of `settings.depository`: checks the
    /// depository's code and sets the log cursor on a fresh store: `hub.from_block`, else the
    /// head — refused when the depository already has requests (they would be missed).
    pub async fn start(
        reader: DynProvider,
        txm: Arc<TxManager>,
        store: Store,
        chain_id: u64,
        settings: HubSettings,
        gas_margin_percent: u32,
    ) -> Result<Self, HubJobError> {
        let dep = settings.depository;
        let code = reader
            .get_code_at(dep)
            .await
            .map_err(|e| HubJobError::rpc(format!("eth_getCode({dep})"), &e))?;
        if code.is_empty() {
            return Err(HubJobError::NoDepository {
                address: dep,
                chain_id,
            });
        }
        let name = collect::cursor_name(dep);
        if store.cursor(chain_id, &name).await?.is_none() {
            let start = match settings.from_block {
                Some(b) => b.saturating_sub(1),
                None => {
                    // Starting at the head would miss any request made before it.
                    let made = HubDepository::new(dep, &reader)
                        .nextRequestId()
                        .call()
                        .await
                        .map_err(|e| HubJobError::Rpc {
                            what: format!("nextRequestId() of {dep}"),
                            reason: e.to_string(),
                        })?;
                    // Ids start at 1: `nextRequestId − 1` requests were made.
                    let made = made.saturating_sub(U256::from(1u8));
                    if !made.is_zero() {
                        return Err(HubJobError::FromBlockNeeded {
                            address: dep,
                            requests: made,
                        });
                    }
                    reader
                        .get_block_number()
                        .await
                        .map_err(|e| HubJobError::rpc("eth_blockNumber".into(), &e))?
                }
            };
            store.set_cursor(chain_id, &name, start).await?;
        }
        Ok(Self {
            chain_id,
            hub: txm.sender(),
            settings,
            reader,
            txm,
            store,
            gas_margin_percent,
            gas: None,
            rejected: HashMap::new(),
            rejected_at: HashMap::new(),
        })
    }

    /// The hub's address (the transaction manager's key).
    pub fn hub(&self) -> Address {
        self.hub
    }

    fn depository(&self) -> HubDepositoryInstance<&DynProvider> {
        HubDepository::new(self.settings.depository, &self.reader)
    }

    /// Steps every `poll` until `stop` turns true ([`crate::keeper::polling`]).
    pub async fn run(self, poll: Duration, stop: watch::Receiver<bool>) {
        tracing::info!(hub = %self.hub, depository = %self.settings.depository, "hub job running");
        crate::keeper::polling::run(self, poll, Duration::ZERO, stop).await;
    }

    /// One pass: index, expire, reconcile, then plan and maybe send.
    pub async fn step(&mut self) -> Result<StepReport, HubJobError> {
        let block = self
            .reader
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| HubJobError::rpc("eth_getBlockByNumber(latest)".into(), &e))?
            .ok_or_else(|| HubJobError::Rpc {
                what: "eth_getBlockByNumber(latest)".into(),
                reason: "no block".into(),
            })?;
        let (head, chain_now) = (block.header.number, block.header.timestamp);
        let indexed = self.index(head).await?;
        let dep = self.settings.depository;
        let expired = self.store.hub_expire(self.chain_id, dep, chain_now).await?;
        let reconciled = self.reconcile().await?;
        let report = |step| StepReport {
            head,
            indexed,
            expired,
            reconciled: reconciled.clone(),
            step,
        };
        if let Reconciled::Waiting { round } = reconciled {
            return Ok(report(Step::Waiting { round }));
        }
        let now = chain_now.max(wall_clock());
        let step = self.plan_and_send(now, head).await?;
        Ok(report(step))
    }

    async fn plan_and_send(&mut self, now: u64, head: u64) -> Result<Step, HubJobError> {
        let dep = self.settings.depository;
        let pending = self
            .store
            .hub_requests(self.chain_id, dep, &[HubRequestState::Pending])
            .await?;
        if pending.is_empty() {
            return Ok(Step::Idle);
        }
        let gas_price = self.gas_price().await?;
        let mut reserves = BTreeMap::new();
        let mut served = BTreeMap::new();
        let since = now.saturating_sub(self.settings.interval_secs);
        for t in &self.settings.tokens {
            let r = self
                .depository()
                .reserveOf(self.hub, t.address)
                .call()
                .await
                .map_err(|e| HubJobError::Rpc {
                    what: format!("reserveOf({}, {})", self.hub, t.address),
                    reason: e.to_string(),
                })?;
            reserves.insert(t.address, r);
            let s = self
                .store
                .hub_served_since(self.chain_id, dep, t.address, since)
                .await?;
            served.insert(t.address, s);
        }
        let offers = self.usable_offers().await?;
        let expired_rejects: Vec<U256> = self
            .rejected_at
            .iter()
            .filter(|(_, at)| at.elapsed() >= REJECTED_FOR)
            .map(|(id, _)| *id)
            .collect();
        for id in expired_rejects {
            self.rejected.remove(&id);
            self.rejected_at.remove(&id);
        }
        let rejected: BTreeMap<U256, String> =
            self.rejected.iter().map(|(k, v)| (*k, v.clone())).collect();
        let planned = strategy::plan_batch(&strategy::HubInputs {
            now,
            gas_price,
            settings: &self.settings,
            reserves: &reserves,
            served: &served,
            pending: &pending,
            offers: &offers,
            rejected: &rejected,
        })?;
        let skips: Vec<(U256, String, String)> = planned
            .skips
            .iter()
            .map(|s| (s.id, s.code.clone(), s.detail.clone()))
            .collect();
        self.store.hub_set_skips(self.chain_id, dep, &skips).await?;
        match planned.plan.decision {
            Decision::Nothing => Ok(Step::Idle),
            Decision::Wait { until } => Ok(Step::Wait { until }),
            Decision::Execute(_) => {
                let step = self.send(&planned, &pending, head).await?;
                if let Step::Refused { .. } = &step {
                    let now = Instant::now();
                    for id in self.rejected.keys() {
                        self.rejected_at.entry(*id).or_insert(now);
                    }
                }
                Ok(step)
            }
        }
    }

    /// The gas price behind fees and the soft limit, read again every `gas_refresh`.
    async fn gas_price(&mut self) -> Result<U256, HubJobError> {
        if let Some((p, at)) = self.gas
            && at.elapsed() < self.settings.gas_refresh
        {
            return Ok(p);
        }
        let p = self
            .reader
            .get_gas_price()
            .await
            .map_err(|e| HubJobError::rpc("eth_gasPrice".into(), &e))?;
        let p = U256::from(p);
        tracing::info!(gas_price_wei = %p, "hub gas price refreshed (fees and the soft limit follow it)");
        self.gas = Some((p, Instant::now()));
        Ok(p)
    }

    /// Open offers at their account's current nonce; the others become stale.
    async fn usable_offers(&self) -> Result<Vec<crate::store::HubPullOffer>, HubJobError> {
        let dep = self.settings.depository;
        let open = self
            .store
            .hub_offers(self.chain_id, dep, &[HubOfferState::Open])
            .await?;
        let mut out = Vec::with_capacity(open.len());
        let mut nonces: BTreeMap<Address, U256> = BTreeMap::new();
        for o in open.into_iter().filter(|o| o.hub == self.hub) {
            let current = match nonces.get(&o.user) {
                Some(n) => *n,
                None => {
                    let n = self
                        .depository()
                        .nonceOf(self.hub, o.user)
                        .call()
                        .await
                        .map_err(|e| HubJobError::Rpc {
                            what: format!("nonceOf({}, {})", self.hub, o.user),
                            reason: e.to_string(),
                        })?;
                    nonces.insert(o.user, n);
                    n
                }
            };
            if o.nonce == current {
                out.push(o);
            } else {
                let reason = format!("signed at nonce {}; the account is at {current}", o.nonce);
                self.store
                    .hub_offer_stale(self.chain_id, dep, self.hub, o.user, o.nonce, &reason)
                    .await?;
            }
        }
        Ok(out)
    }
}

fn wall_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl crate::keeper::polling::PollJob for HubJob {
    const NAME: &'static str = "hub";
    type Report = StepReport;
    type Error = HubJobError;

    async fn step(&mut self) -> Result<Self::Report, Self::Error> {
        HubJob::step(self).await
    }
}
