//! The funding job: keeps every upkeep the keeper serves funded (`[funding]` in keeper.toml).
//!
//! ```text
//!  every `every_secs`: registry (balance, minimum, billing token, cancelled) ─┐
//!   store: charges of the last `history_days` (a day at least) ─► month ─────┤ model::funding
//!     else the fee model (registry 2.3 charge × performs_per_day × 30) ───────┘   decide, cover
//!   funding wallet (LINK, native) ─► cover: urgent first; what it cannot pay → alert
//!   base fees of the last blocks ─► model::offpeak: may it wait? ─► record → TxManager.submit
//!  every poll: reconcile the open top-ups from their transactions (own TxManager: tick it)
//! ```
//!
//! A top-up is recorded before its transaction exists, keyed `fund/<chain>/<registry>/<id>/<n>`
//! with at most one open per upkeep, so a keeper killed anywhere never funds one need twice.
//! LINK upkeeps are paid with LINK's `transferAndCall(registry, amount, abi.encode(id))`,
//! wrapped-native ones with `addFunds{value: amount}(id, amount)`. A cancelled upkeep is never
//! topped up. The funding key may differ from the performing key; it then has its own
//! transaction manager (its own nonces) on the same store.

mod history;
mod key;
mod read;
mod send;

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};
use tokio::sync::watch;

pub use key::{FUNDING_KEY_ENV, FUNDING_PASSWORD_ENV, FundingKeyError, load_funding_signer};
pub(crate) use send::{TopUpCheck, still_needed};

use crate::{
    chain::{
        bindings::AutomationRegistry2_3,
        tx::{TxError, TxManager},
    },
    keeper::{config::FundingSettings, metrics::names},
    model::{
        funding::{self, Decision, Payment, TopUp, UpkeepFunds, Wallet},
        offpeak::{self, GoReason, Timing},
    },
    store::{FundingEnd, FundingRecord, FundingState, Store, StoreError, TxRecord, TxState},
};

/// Gas a top-up may use (`transferAndCall` into the registry ≈ 70k, `addFunds` ≈ 60k), for the
/// wallet's coverage; the transaction's own limit comes from `eth_estimateGas`.
pub const TOPUP_GAS: u64 = 150_000;

/// Why a funding step failed (retried on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum FundingJobError {
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
    /// The transaction manager.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// The fee model refused its inputs.
    #[error("the fee model refused the registry's inputs: {0} — check the registry's feeds")]
    Model(String),
    /// `model::funding` refused.
    #[error(transparent)]
    Funding(#[from] funding::FundingError),
}

/// An upkeep the keeper serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// Its target's name.
    pub name: String,
    /// Its id.
    pub id: U256,
}

/// What one upkeep's check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The upkeep.
    pub id: U256,
    /// Its balance.
    pub balance: U256,
    /// The projected month and where it came from.
    pub month: (U256, &'static str),
    /// What the job did: `cancelled`, `enough`, `open` (a top-up in flight), `waiting`,
    /// `sent`, `unpaid` (the wallet cannot), `unsupported_token`.
    pub outcome: &'static str,
}

/// The funding job.
pub struct FundingJob {
    reader: DynProvider,
    txm: Arc<TxManager>,
    own_txm: bool,
    store: Store,
    chain_id: u64,
    registry: Address,
    link: Address,
    wrapped_native: Address,
    upkeeps: Vec<Served>,
    settings: FundingSettings,
    gas_margin_percent: u32,
    due_since: HashMap<U256, u64>,
    /// The last (balance, minimum, month, refill level) recorded per upkeep (`upkeep_samples`).
    sampled: HashMap<U256, [U256; 4]>,
    last_round: Option<Instant>,
}

impl std::fmt::Debug for FundingJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FundingJob")
            .field("registry", &self.registry)
            .field("funder", &self.txm.sender())
            .field("upkeeps", &self.upkeeps.len())
            .finish()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl FundingJob {
    /// The job for `upkeeps` on `registry`, paying from `txm`'s key (`own_txm`: the job ticks
    /// that manager itself; otherwise the keeper's engine does).
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        reader: DynProvider,
        txm: Arc<TxManager>,
        own_txm: bool,
        store: Store,
        chain_id: u64,
        registry: Address,
        upkeeps: Vec<Served>,
        settings: FundingSettings,
        gas_margin_percent: u32,
    ) -> Result<Self, FundingJobError> {
        let r = AutomationRegistry2_3::new(registry, &reader);
        let link = r
            .getLinkAddress()
            .call()
            .await
            .map_err(|e| FundingJobError::Rpc {
                what: format!("registry {registry} getLinkAddress()"),
                reason: e.to_string(),
            })?;
        let wrapped_native =
            r.getWrappedNativeTokenAddress()
                .call()
                .await
                .map_err(|e| FundingJobError::Rpc {
                    what: format!("registry {registry} getWrappedNativeTokenAddress()"),
                    reason: e.to_string(),
                })?;
        Ok(Self {
            reader,
            txm,
            own_txm,
            store,
            chain_id,
            registry,
            link,
            wrapped_native,
            upkeeps,
            settings,
            gas_margin_percent,
            due_since: HashMap::new(),
            sampled: HashMap::new(),
            last_round: None,
        })
    }

    /// The funding key.
    pub fn funder(&self) -> Address {
        self.txm.sender()
    }

    /// Steps every `poll` until `stop` turns true ([`crate::keeper::polling`]).
    pub async fn run(self, poll: Duration, stop: watch::Receiver<bool>) {
        tracing::info!(funder = %self.funder(), upkeeps = self.upkeeps.len(), "funding job running");
        crate::keeper::polling::run(self, poll, Duration::ZERO, stop).await;
    }

    /// One poll: tick its own transaction manager, reconcile open top-ups, and every
    /// `every_secs` check every upkeep. Returns the upkeeps checked (empty between rounds).
    pub async fn step(&mut self) -> Result<Vec<Checked>, FundingJobError> {
        let head = self
            .reader
            .get_block_number()
            .await
            .map_err(|e| FundingJobError::Rpc {
                what: "eth_blockNumber".into(),
                reason: e.to_string(),
            })?;
        if self.own_txm {
            let check = TopUpCheck {
                reader: self.reader.clone(),
                from: self.funder(),
            };
            for e in self.txm.tick(head, &check).await? {
                tracing::debug!(event = ?e, "funding transaction");
            }
        }
        self.reconcile().await?;
        if self
            .last_round
            .is_some_and(|t| t.elapsed() < self.settings.every)
        {
            return Ok(Vec::new());
        }
        self.last_round = Some(Instant::now());
        self.round(head).await
    }

    /// Ends every open top-up whose transaction has ended.
    async fn reconcile(&self) -> Result<(), FundingJobError> {
        for f in self.store.fundings_open(self.chain_id).await? {
            let txs = self.store.txs_for_work(&f.work).await?;
            let Some(tx) = txs.iter().max_by_key(|t| t.id) else {
                self.end(
                    &f,
                    FundingState::Failed,
                    None,
                    "never sent: the keeper stopped between deciding and sending",
                )
                .await?;
                continue;
            };
            match tx.state {
                TxState::Pending => {
                    if f.state == FundingState::Planned {
                        self.store.funding_sent(f.id).await?;
                    }
                }
                TxState::Confirmed => self.end(&f, FundingState::Confirmed, Some(tx), "").await?,
                other => {
                    let why = format!("its transaction ended {}", other.as_str());
                    self.end(&f, FundingState::Failed, Some(tx), &why).await?;
                }
            }
        }
        Ok(())
    }

    async fn end(
        &self,
        f: &FundingRecord,
        state: FundingState,
        tx: Option<&TxRecord>,
        reason: &str,
    ) -> Result<(), FundingJobError> {
        let end = FundingEnd {
            state,
            tx_hash: tx.and_then(|t| t.final_hash),
            block: tx.and_then(|t| t.final_block),
            gas_used: tx.and_then(|t| t.gas_used),
            reason: (!reason.is_empty()).then(|| reason.to_string()),
        };
        self.store.funding_finished(f.id, &end).await?;
        let id = f.funding.upkeep_id;
        match state {
            FundingState::Confirmed => {
                tracing::info!(upkeep = %id, amount = %f.funding.amount, target = %f.funding.target, tx = ?end.tx_hash, "upkeep topped up");
            }
            _ => tracing::warn!(upkeep = %id, %reason, "top-up failed"),
        }
        Ok(())
    }

    /// Checks every upkeep and sends the top-ups that are due, covered, and not waiting.
    async fn round(&mut self, head: u64) -> Result<Vec<Checked>, FundingJobError> {
        let open: Vec<U256> = self
            .store
            .fundings_open(self.chain_id)
            .await?
            .iter()
            .map(|f| f.funding.upkeep_id)
            .collect();
        let mut checked = Vec::new();
        let mut due = Vec::new();
        for u in self.upkeeps.clone() {
            let s = read::upkeep(&self.reader, self.registry, u.id).await?;
            let native = s.token == self.wrapped_native;
            if !native && s.token != self.link {
                tracing::warn!(upkeep = %u.id, token = %s.token, "upkeep billed in a token the funding job does not pay (only LINK and wrapped native)");
                checked.push(Checked {
                    id: u.id,
                    balance: s.balance,
                    month: (U256::ZERO, "none"),
                    outcome: "unsupported_token",
                });
                continue;
            }
            if s.cancelled {
                self.due_since.remove(&u.id);
                checked.push(Checked {
                    id: u.id,
                    balance: s.balance,
                    month: (U256::ZERO, "none"),
                    outcome: "cancelled",
                });
                continue;
            }
            let (month, source) = self.month(u.id, s.token).await?;
            let funds = UpkeepFunds {
                balance: s.balance,
                min_balance: s.min_balance,
                month,
                cancelled: false,
            };
            let mut c = Checked {
                id: u.id,
                balance: s.balance,
                month: (month, source.as_str()),
                outcome: "enough",
            };
            let decision = funding::decide(&funds, self.settings.min_balance_multiple)?;
            if let Decision::Enough { refill_at } | Decision::TopUp(TopUp { refill_at, .. }) =
                decision
            {
                self.sample(head, s.token, u.id, &funds, refill_at).await?;
            }
            match decision {
                Decision::Cancelled => c.outcome = "cancelled",
                Decision::Enough { .. } => {
                    self.due_since.remove(&u.id);
                }
                Decision::TopUp(t) => {
                    if open.contains(&u.id) {
                        c.outcome = "open";
                    } else {
                        due.push((u.clone(), s, funds, source, t, native));
                    }
                }
            }
            checked.push(c);
        }
        if due.is_empty() {
            metrics::gauge!(names::FUNDING_SHORT, "token" => "LINK").set(0.0);
            metrics::gauge!(names::FUNDING_SHORT, "token" => "native").set(0.0);
            return Ok(checked);
        }

        let funder = self.funder();
        let (juels, wei) = read::wallet(&self.reader, self.link, funder).await?;
        let gas_price = self
            .reader
            .get_gas_price()
            .await
            .map_err(|e| FundingJobError::Rpc {
                what: "eth_gasPrice".into(),
                reason: e.to_string(),
            })?;
        let gas_wei = U256::from(TOPUP_GAS) * U256::from(gas_price) * U256::from(2u8);
        let payments: Vec<Payment> = due
            .iter()
            .map(|(_, _, _, _, t, native)| Payment {
                in_link: !native,
                amount: t.amount,
                gas_wei,
                below_minimum: t.below_minimum,
            })
            .collect();
        let coverage = funding::cover(
            Wallet {
                link: juels,
                native: wei,
            },
            &payments,
        );
        let whole = |v: U256| f64::from(v) / 1e18;
        metrics::gauge!(names::FUNDING_SHORT, "token" => "LINK").set(whole(coverage.link_short));
        metrics::gauge!(names::FUNDING_SHORT, "token" => "native")
            .set(whole(coverage.native_short));
        if !coverage.uncovered.is_empty() {
            let ids: Vec<String> = coverage
                .uncovered
                .iter()
                .map(|&i| due[i].0.id.to_string())
                .collect();
            tracing::warn!(
                funder = %funder,
                link_short = %coverage.link_short,
                native_short_wei = %coverage.native_short,
                upkeeps = %ids.join(","),
                "funding wallet cannot cover the next round of top-ups: fund {funder} with the LINK and native coin named"
            );
            for &i in &coverage.uncovered {
                if let Some(c) = checked.iter_mut().find(|c| c.id == due[i].0.id) {
                    c.outcome = "unpaid";
                }
            }
        }

        let (window, next_base) =
            read::base_fees(&self.reader, self.settings.window_blocks).await?;
        let now = unix_now();
        for &i in &coverage.covered {
            let (u, s, funds, source, t, native) = &due[i];
            let urgent = !t.deferrable;
            let since = *self.due_since.entry(u.id).or_insert(now);
            let timing = offpeak::timing(
                &self.settings.offpeak,
                urgent,
                since,
                now,
                next_base,
                &window,
            );
            let reason = match timing {
                Timing::Wait {
                    threshold,
                    deadline,
                } => {
                    tracing::info!(upkeep = %u.id, base_fee = next_base, threshold, deadline, "top-up waits for off-peak gas");
                    if let Some(c) = checked.iter_mut().find(|c| c.id == u.id) {
                        c.outcome = "waiting";
                    }
                    continue;
                }
                Timing::Go(GoReason::Urgent) if !t.below_minimum => "now",
                Timing::Go(r) => r.as_str(),
            };
            let sent = self
                .send(
                    head, u, s.token, *native, funds, *source, t, reason, next_base,
                )
                .await?;
            if sent {
                self.due_since.remove(&u.id);
                metrics::counter!(names::TOPUPS, "token" => if *native { "native" } else { "LINK" }, "timing" => reason).increment(1);
                if let Some(c) = checked.iter_mut().find(|c| c.id == u.id) {
                    c.outcome = "sent";
                }
            }
        }
        Ok(checked)
    }
}

impl crate::keeper::polling::PollJob for FundingJob {
    const NAME: &'static str = "funding";
    type Report = Vec<Checked>;
    type Error = FundingJobError;

    async fn step(&mut self) -> Result<Self::Report, Self::Error> {
        FundingJob::step(self).await
    }
}
