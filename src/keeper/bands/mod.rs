//! The adaptive-bands job: for every balancer whose `controller()` is the keeper, every
//! `every_secs` (weekly by default) it proposes the next global trigger and clear bands with
//! `model::bands` from what the store saw since the last decision, and submits them with the
//! balancer's `setBands` through the keeper's transaction manager.
//!
//! ```text
//!  engine scans ─► drift samples (every sample_secs): drift, band, forecast volatility ─┐
//!  performs (drift at trigger), base fees of the last blocks ──────────────────────────┤
//!  balancer: params(), bandLimits() ─► model::bands::propose ─► record (hold | change) ─┘
//!                                               change ─► TxManager.submit(setBands)
//! ```
//!
//! The owner's limits are the balancer's own `bandLimits()`: the proposal is clamped inside
//! them, and the contract refuses a controller outside them anyway (`OutsideLimits`). The
//! stable bands are kept (clamped into their limits). Every decision — a hold too — is written
//! with its reason and observations before anything is sent (store `band_changes`), under the
//! work key `bands/<chain>/<balancer>/<n>`, at most one open per balancer.

mod reconcile;

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    primitives::{Address, Bytes},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use serde::Serialize;
use tokio::sync::watch;

use crate::{
    chain::{
        ours::Balancer,
        tx::{Submitted, TxError, TxManager, error::classify},
    },
    keeper::config::BandSettings,
    model::bands::{self, BandLimits, BandState, Bands, Observations, Reason},
    store::{BandChangeRecord, BandChangeState, NewBandChange, Store, StoreError, TxKind},
};

/// Why a bands step failed (retried on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum BandsJobError {
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
}

fn rpc(what: impl Into<String>) -> impl FnOnce(alloy::contract::Error) -> BandsJobError {
    let what = what.into();
    move |e| BandsJobError::Rpc {
        what,
        reason: e.to_string(),
    }
}

/// A balancer the keeper controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controlled {
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: Address,
}

/// What a proposal was decided on (stored as JSON with it).
#[derive(Debug, Clone, Serialize)]
pub struct Observed {
    /// Samples in the window.
    pub samples: usize,
    /// Share of them beyond the trigger band, %.
    pub time_beyond_band_pct: f64,
    /// The forecasts' latest annualised volatility.
    pub realised_vol: f64,
    /// Global drift at each perform in the window, bps.
    pub drift_at_trigger_bps: Vec<u32>,
    /// The latest base fee against the window's median, gwei.
    pub gas_now_gwei: f64,
    /// The window's median base fee, gwei.
    pub gas_median_gwei: f64,
    /// The owner's limits, `min/max/minStable/maxStable`.
    pub limits: String,
}

/// What one balancer's turn did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// Not due yet, or no samples yet.
    Waiting,
    /// A hold was recorded.
    Held(String),
    /// A change was sent.
    Sent(String),
    /// A change is open already.
    Open,
}

/// The adaptive-bands job.
pub struct BandsJob {
    reader: DynProvider,
    txm: Arc<TxManager>,
    store: Store,
    chain_id: u64,
    balancers: Vec<Controlled>,
    settings: BandSettings,
    gas_margin_percent: u32,
}

impl std::fmt::Debug for BandsJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BandsJob")
            .field("balancers", &self.balancers.len())
            .finish()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The four bands as stored: `drift/clear/stableDrift/stableClear`.
fn four(b: [u16; 4]) -> String {
    format!("{}/{}/{}/{}", b[0], b[1], b[2], b[3])
}

impl BandsJob {
    /// The job for `candidates`: those whose `controller()` is the keeper's address.
    pub async fn start(
        reader: DynProvider,
        txm: Arc<TxManager>,
        store: Store,
        chain_id: u64,
        candidates: Vec<Controlled>,
        settings: BandSettings,
        gas_margin_percent: u32,
    ) -> Result<Self, BandsJobError> {
        let keeper = txm.sender();
        let mut balancers = Vec::new();
        for c in candidates {
            let controller = Balancer::new(c.address, &reader)
                .controller()
                .call()
                .await
                .map_err(rpc(format!("{}.controller()", c.name)))?;
            if controller == keeper {
                balancers.push(c);
            } else {
                tracing::info!(balancer = %c.name, %controller, "bands: not its controller; left alone");
            }
        }
        Ok(Self {
            reader,
            txm,
            store,
            chain_id,
            balancers,
            settings,
            gas_margin_percent,
        })
    }

    /// The balancers it controls.
    pub fn balancers(&self) -> &[Controlled] {
        &self.balancers
    }

    /// Steps every `poll` until `stop` turns true ([`crate::keeper::polling`]).
    pub async fn run(self, poll: Duration, stop: watch::Receiver<bool>) {
        tracing::info!(
            balancers = self.balancers.len(),
            every_s = self.settings.every.as_secs(),
            "bands job running"
        );
        crate::keeper::polling::run(self, poll, Duration::from_secs(1), stop).await;
    }

    /// Reconciles open changes, then gives every balancer that is due its turn.
    pub async fn step(&self) -> Result<Vec<Turn>, BandsJobError> {
        self.reconcile().await?;
        let history = self.store.band_changes(self.chain_id).await?;
        let mut turns = Vec::with_capacity(self.balancers.len());
        for b in &self.balancers {
            turns.push(self.turn(b, &history).await?);
        }
        Ok(turns)
    }

    async fn turn(
        &self,
        b: &Controlled,
        history: &[BandChangeRecord],
    ) -> Result<Turn, BandsJobError> {
        let mine: Vec<&BandChangeRecord> = history
            .iter()
            .filter(|c| c.change.target == b.address)
            .collect();
        if mine
            .iter()
            .any(|c| matches!(c.state, BandChangeState::Planned | BandChangeState::Sent))
        {
            return Ok(Turn::Open);
        }
        let now = unix_now();
        let every = self.settings.every.as_secs();
        // The window: since the last decision, else since the first sample.
        let since = match mine.last() {
            Some(last) => u64::try_from(last.created_at_ms / 1000).unwrap_or(0),
            None => {
                let all = self
                    .store
                    .drift_samples(self.chain_id, b.address, 0)
                    .await?;
                match all.first() {
                    Some(s) => s.at_s,
                    None => return Ok(Turn::Waiting),
                }
            }
        };
        if now < since.saturating_add(every) {
            return Ok(Turn::Waiting);
        }
        let samples = self
            .store
            .drift_samples(self.chain_id, b.address, since)
            .await?;
        let Some(vol) = samples.iter().rev().find_map(|s| s.vol_annual) else {
            return Ok(Turn::Waiting);
        };
        let beyond = samples
            .iter()
            .filter(|s| s.drift_bps > u64::from(s.band_bps))
            .count();
        let time_beyond = 100.0 * beyond as f64 / samples.len().max(1) as f64;
        let since_ms = i64::try_from(since.saturating_mul(1000)).unwrap_or(i64::MAX);
        let at_trigger = self
            .store
            .drift_at_triggers(self.chain_id, b.address, since_ms)
            .await?;
        let fees = self
            .reader
            .get_fee_history(1024, BlockNumberOrTag::Latest, &[])
            .await
            .map_err(|e| BandsJobError::Rpc {
                what: "eth_feeHistory(1024)".into(),
                reason: e.to_string(),
            })?;
        let gas: Vec<f64> = fees
            .base_fee_per_gas
            .iter()
            .map(|w| *w as f64 / 1e9)
            .collect();

        let bal = Balancer::new(b.address, &self.reader);
        let p = bal
            .params()
            .call()
            .await
            .map_err(rpc(format!("{}.params()", b.name)))?;
        let current = [p.driftBps, p.clearBps, p.stableDriftBps, p.stableClearBps];
        let l = bal
            .bandLimits()
            .call()
            .await
            .map_err(rpc(format!("{}.bandLimits()", b.name)))?;
        let base = mine
            .iter()
            .rev()
            .find(|c| c.state == BandChangeState::Confirmed)
            .map_or(u32::from(p.driftBps), |c| c.change.base_trigger_bps);
        let state = BandState {
            base_trigger_bps: base,
            active: Bands {
                trigger_bps: u32::from(p.driftBps),
                clear_bps: u32::from(p.clearBps),
            },
        };
        let limits = BandLimits {
            min_trigger_bps: u32::from(l.minDriftBps),
            max_trigger_bps: u32::from(l.maxDriftBps),
            min_gap_bps: self.settings.min_gap_bps,
            max_step_bps: self.settings.max_step_bps,
        };
        let obs = Observations {
            realised_vol: vol,
            drift_at_trigger_bps: &at_trigger,
            time_beyond_band_pct: time_beyond,
            gas_prices: &gas,
        };
        let mut sorted = gas.clone();
        sorted.sort_by(f64::total_cmp);
        let observed = Observed {
            samples: samples.len(),
            time_beyond_band_pct: time_beyond,
            realised_vol: vol,
            drift_at_trigger_bps: at_trigger.clone(),
            gas_now_gwei: gas.last().copied().unwrap_or(0.0),
            gas_median_gwei: sorted.get(sorted.len() / 2).copied().unwrap_or(0.0),
            limits: format!(
                "{}/{}/{}/{}",
                l.minDriftBps, l.maxDriftBps, l.minStableDriftBps, l.maxStableDriftBps
            ),
        };
        let observations = serde_json::to_string(&observed).unwrap_or_else(|_| "{}".into());
        let proposal = match bands::propose(&state, &limits, &self.settings.policy, &obs) {
            Ok(p) => p,
            Err(e) => {
                // The owner's limits cannot take the policy: recorded as a hold with the reason.
                let reason = format!("refused: {e}");
                tracing::warn!(balancer = %b.name, %reason, "bands: no proposal");
                self.store
                    .band_decision(&NewBandChange {
                        chain_id: self.chain_id,
                        target: b.address,
                        change: false,
                        reason: reason.clone(),
                        old_bands: four(current),
                        new_bands: four(current),
                        base_trigger_bps: base,
                        observations,
                    })
                    .await?;
                return Ok(Turn::Held(reason));
            }
        };
        let reason = match (proposal.base, proposal.gas_spike) {
            (_, true) => "gas_spike",
            (Reason::Calm, _) => "calm",
            (Reason::TrackingError, _) => "tracking_error",
            (Reason::GasSpike, _) => "gas_spike",
            (Reason::Hold, _) => "hold",
        };
        let new = proposal.state.active;
        // The stable bands are kept, brought inside their limits.
        let stable = p.stableDriftBps.clamp(
            l.minStableDriftBps,
            l.maxStableDriftBps.max(l.minStableDriftBps),
        );
        let stable_clear = p.stableClearBps.min(stable.saturating_sub(1));
        let (trigger, clear) = (
            u16::try_from(new.trigger_bps).unwrap_or(u16::MAX),
            u16::try_from(new.clear_bps).unwrap_or(u16::MAX),
        );
        let new_four = four([trigger, clear, stable, stable_clear]);
        let change = new_four != four(current);
        let Some(record) = self
            .store
            .band_decision(&NewBandChange {
                chain_id: self.chain_id,
                target: b.address,
                change,
                reason: reason.into(),
                old_bands: four(current),
                new_bands: new_four.clone(),
                base_trigger_bps: proposal.state.base_trigger_bps,
                observations,
            })
            .await?
        else {
            return Ok(Turn::Open);
        };
        if !change {
            tracing::info!(balancer = %b.name, bands = new_four, reason, "bands held");
            return Ok(Turn::Held(reason.into()));
        }
        let Some(work) = record.work.clone() else {
            return Ok(Turn::Held(reason.into()));
        };
        let call = Balancer::setBandsCall {
            driftBps: trigger,
            clearBps: clear,
            stableDriftBps: stable,
            stableClearBps: stable_clear,
        };
        let data = Bytes::from(call.abi_encode());
        let request = TransactionRequest::default()
            .with_from(self.txm.sender())
            .with_to(b.address)
            .with_input(data.clone());
        let estimate = match self.reader.estimate_gas(request).await {
            Ok(g) => g,
            Err(e) => {
                let why = format!("setBands would revert: {}", classify(&e));
                self.store
                    .band_change_finished(
                        record.id,
                        BandChangeState::Failed,
                        None,
                        None,
                        Some(&why),
                    )
                    .await?;
                tracing::warn!(balancer = %b.name, %why, "band change not sent");
                return Ok(Turn::Held(why));
            }
        };
        let head = self
            .reader
            .get_block_number()
            .await
            .map_err(|e| BandsJobError::Rpc {
                what: "eth_blockNumber".into(),
                reason: e.to_string(),
            })?;
        let submitted = self
            .txm
            .submit(crate::chain::tx::Request {
                work,
                to: b.address,
                data,
                value: alloy::primitives::U256::ZERO,
                gas_limit: estimate
                    .saturating_mul(100 + u64::from(self.gas_margin_percent))
                    .div_ceil(100),
                label: format!("setBands {} ({reason})", b.name),
                block: head,
                kind: TxKind::SetBands,
            })
            .await?;
        match submitted {
            Submitted::Sent { .. } | Submitted::Queued { .. } => {
                self.store.band_change_sent(record.id).await?;
                tracing::info!(balancer = %b.name, from = four(current), to = new_four, reason, "band change sent");
                Ok(Turn::Sent(reason.into()))
            }
            Submitted::Refused { .. } => Ok(Turn::Open),
        }
    }
}

impl crate::keeper::polling::PollJob for BandsJob {
    const NAME: &'static str = "bands";
    type Report = Vec<Turn>;
    type Error = BandsJobError;

    async fn step(&mut self) -> Result<Self::Report, Self::Error> {
        BandsJob::step(self).await
    }
}
