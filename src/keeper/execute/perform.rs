//! The perform executor: simulate from the keeper's own address, estimate, then hand the
//! transaction to the manager ([`crate::chain::tx`]) under the work's idempotency key.
//!
//! A perform that reverts in simulation is not sent: its decoded custom error is logged,
//! counted and stored (`StaleEpoch` when someone performed the epoch first, `BundleOpen`,
//! `UpkeepNotNeeded`, …). A manager catches its members' failures, so its simulation cannot
//! revert for them: the keeper simulates the round with `eth_simulateV1` and sends nothing when
//! the round would perform no member (every member already done, or every member failing).
//! The same simulation decides, before each replacement, whether the work is still needed
//! ([`SimulateCheck`]).

use std::{future::Future, pin::Pin, sync::Arc};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::{
        TransactionRequest,
        simulate::{SimBlock, SimulatePayload},
    },
    sol_types::{SolCall, SolEvent},
};

use crate::{
    chain::{
        ours::{Balancer, UpkeepManager},
        revert::{self, Decoded},
        tx::{self, Request, SendErrorKind, Submitted, TxManager, Validity, WorkCheck},
    },
    keeper::{config::TargetKind, metrics, strategy::perform::Decision},
    model::gas,
    store::{FailureRecord, FailureStage, Store, TxKind, TxRecord},
};

/// What the executor did with a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Persisted and broadcast.
    Sent {
        /// The transaction's id in the store.
        tx_id: i64,
        /// The attempt's hash.
        hash: B256,
    },
    /// Persisted; the broadcast is retried from the store.
    Queued {
        /// The transaction's id in the store.
        tx_id: i64,
        /// The node's answer.
        error: SendErrorKind,
    },
    /// The work already has a transaction (in flight or done): nothing sent.
    Duplicate {
        /// Whether that transaction is still in flight (else it is done).
        in_flight: bool,
    },
    /// The simulation reverted or would perform nothing: nothing sent.
    NotNeeded {
        /// Why (the decoded revert, or the round's outcome).
        reason: String,
    },
    /// The estimate, the store or a read failed: nothing sent, decided again later.
    Failed {
        /// What failed.
        error: String,
    },
}

/// Simulates, estimates and submits performs.
pub struct PerformExecutor {
    reader: DynProvider,
    txm: Arc<TxManager>,
    store: Store,
    chain_id: u64,
    gas_margin_percent: u32,
}

impl std::fmt::Debug for PerformExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerformExecutor")
            .field("keeper", &self.txm.sender())
            .field("chain_id", &self.chain_id)
            .finish()
    }
}

impl PerformExecutor {
    /// An executor sending through `txm`.
    pub fn new(
        reader: DynProvider,
        txm: Arc<TxManager>,
        store: Store,
        chain_id: u64,
        gas_margin_percent: u32,
    ) -> Self {
        Self {
            reader,
            txm,
            store,
            chain_id,
            gas_margin_percent,
        }
    }

    /// The transaction manager.
    pub fn txm(&self) -> &Arc<TxManager> {
        &self.txm
    }

    /// Carries out `d` on `target` (a `kind`, needing `reserve` gas beyond its use) at `head`.
    pub async fn perform(
        &self,
        target: Address,
        kind: TargetKind,
        reserve: u64,
        label: &str,
        d: &Decision,
        head: u64,
    ) -> Outcome {
        let keeper = self.txm.sender();
        let data = Bytes::from(
            Balancer::performUpkeepCall {
                performData: d.perform_data.clone(),
            }
            .abi_encode(),
        );
        let used = match simulate(&self.reader, keeper, target, kind, &data).await {
            Sim::Ok(gas) => gas,
            Sim::Reverted(e) => {
                metrics::error("simulate", &e.name);
                self.fail(
                    FailureStage::Simulate,
                    target,
                    head,
                    &e.name,
                    &e.to_string(),
                )
                .await;
                tracing::info!(target = label, work = d.work, error = %e, "perform reverts in simulation; not sent");
                return Outcome::NotNeeded {
                    reason: e.to_string(),
                };
            }
            Sim::Nothing(reason) => {
                metrics::error("simulate", "RoundPerformsNothing");
                self.fail(
                    FailureStage::Simulate,
                    target,
                    head,
                    "RoundPerformsNothing",
                    &reason,
                )
                .await;
                tracing::info!(target = label, work = d.work, %reason, "round would perform nothing; not sent");
                return Outcome::NotNeeded { reason };
            }
            Sim::Rpc(kind) => {
                metrics::error("rpc", &kind.name());
                return Outcome::Failed {
                    error: format!("simulating the perform: {kind}"),
                };
            }
        };
        let estimate = self
            .reader
            .estimate_gas(
                TransactionRequest::default()
                    .with_from(keeper)
                    .with_to(target)
                    .with_input(data.clone()),
            )
            .await;
        let estimate = match estimate {
            Ok(g) => g,
            Err(e) => {
                let kind = tx::error::classify(&e);
                metrics::error("estimate", &kind.name());
                self.fail(
                    FailureStage::Estimate,
                    target,
                    head,
                    &kind.name(),
                    &kind.to_string(),
                )
                .await;
                return Outcome::Failed {
                    error: format!("eth_estimateGas: {kind}"),
                };
            }
        };
        let submitted = self
            .txm
            .submit(Request {
                work: d.work.clone(),
                to: target,
                data,
                value: U256::ZERO,
                // A manager never reverts for lack of gas: it defers its members. So the
                // estimate (the least gas that does not revert) is not enough: the round's
                // simulated use plus its reserve is.
                gas_limit: gas::gas_limit(
                    estimate.max(used).saturating_add(reserve),
                    self.gas_margin_percent,
                ),
                label: label.to_string(),
                block: head,
                kind: TxKind::Perform,
            })
            .await;
        match submitted {
            Ok(Submitted::Sent { tx, hash }) => {
                ::metrics::counter!(metrics::names::ATTEMPTS, "purpose" => "original").increment(1);
                tracing::info!(target = label, work = d.work, %hash, nonce = tx.nonce, reason = %d.reason, trigger_block = d.trigger_block, "perform sent");
                Outcome::Sent { tx_id: tx.id, hash }
            }
            Ok(Submitted::Queued { tx, error }) => {
                ::metrics::counter!(metrics::names::ATTEMPTS, "purpose" => "original").increment(1);
                metrics::error("broadcast", &error.name());
                Outcome::Queued {
                    tx_id: tx.id,
                    error,
                }
            }
            Ok(Submitted::Refused { existing }) => {
                ::metrics::counter!(metrics::names::DUPLICATES_REFUSED).increment(1);
                let why = format!("{} is {}", existing.work_key, existing.state);
                if let Err(e) = self
                    .store
                    .record_refusal(self.chain_id, &d.work, &why, head)
                    .await
                {
                    tracing::warn!(error = %e, "cannot record a refusal");
                }
                Outcome::Duplicate {
                    in_flight: existing.state == crate::store::TxState::Pending,
                }
            }
            Err(e) => {
                metrics::error("txm", "submit");
                Outcome::Failed {
                    error: e.to_string(),
                }
            }
        }
    }

    async fn fail(
        &self,
        stage: FailureStage,
        target: Address,
        head: u64,
        error: &str,
        detail: &str,
    ) {
        let record = FailureRecord {
            chain_id: self.chain_id,
            block: Some(head),
            target: Some(target),
            stage,
            error: error.to_string(),
            detail: detail.to_string(),
            tx_hash: None,
        };
        if let Err(e) = self.store.record_failure(record).await {
            tracing::warn!(error = %e, "cannot record a failure");
        }
    }
}

/// What a simulated perform says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sim {
    /// It performs, using this much gas (0 when the node does not say).
    Ok(u64),
    /// It reverts, with this error.
    Reverted(Decoded),
    /// A manager round that would perform no member.
    Nothing(String),
    /// The node failed.
    Rpc(SendErrorKind),
}

/// Simulates `data` from `from` on `target`: `eth_call` for a balancer, `eth_simulateV1` (with
/// the logs) for a manager, falling back to `eth_call` where the node lacks it.
async fn simulate(
    reader: &DynProvider,
    from: Address,
    target: Address,
    kind: TargetKind,
    data: &Bytes,
) -> Sim {
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(target)
        .with_input(data.clone());
    if kind == TargetKind::Manager {
        let payload = SimulatePayload {
            block_state_calls: vec![SimBlock {
                block_overrides: None,
                state_overrides: None,
                calls: vec![request.clone()],
            }],
            trace_transfers: false,
            validation: false,
            return_full_transactions: false,
        };
        if let Ok(blocks) = reader.simulate(&payload).await
            && let Some(call) = blocks.first().and_then(|b| b.calls.first())
        {
            if !call.status {
                return Sim::Reverted(revert::decode(&call.return_data));
            }
            let round = call.logs.iter().find_map(|l| {
                (l.address() == target)
                    .then(|| UpkeepManager::RoundPerformed::decode_log_data(l.data()).ok())
                    .flatten()
            });
            return match round {
                Some(r) if r.performed.is_zero() => Sim::Nothing(format!(
                    "the round would perform 0 of its members ({} would fail, {} be deferred)",
                    r.failed, r.deferred
                )),
                _ => Sim::Ok(call.gas_used),
            };
        }
    }
    match reader.call(request).await {
        Ok(_) => Sim::Ok(0),
        Err(e) => match tx::error::classify(&e) {
            SendErrorKind::Reverted(d) => Sim::Reverted(d),
            other => Sim::Rpc(other),
        },
    }
}

/// The re-simulation before a replacement: is the pending perform still worth sending?
#[derive(Debug, Clone)]
pub struct SimulateCheck {
    reader: DynProvider,
    from: Address,
    /// Managers among the targets (simulated as rounds).
    managers: Vec<Address>,
}

impl SimulateCheck {
    /// A check simulating from `from`; `managers` are simulated as rounds.
    pub fn new(reader: DynProvider, from: Address, managers: Vec<Address>) -> Self {
        Self {
            reader,
            from,
            managers,
        }
    }
}

impl WorkCheck for SimulateCheck {
    fn check<'a>(
        &'a self,
        tx: &'a TxRecord,
    ) -> Pin<Box<dyn Future<Output = Validity> + Send + 'a>> {
        Box::pin(async move {
            if tx.kind == crate::store::TxKind::TopUp {
                // A top-up carries value (addFunds for a wrapped-native upkeep).
                return crate::keeper::funding::still_needed(&self.reader, self.from, tx).await;
            }
            let kind = if self.managers.contains(&tx.to) {
                TargetKind::Manager
            } else {
                TargetKind::Balancer
            };
            match simulate(&self.reader, self.from, tx.to, kind, &tx.data).await {
                Sim::Ok(_) => Validity::Needed,
                Sim::Reverted(d) => Validity::NotNeeded(d.to_string()),
                Sim::Nothing(reason) => Validity::NotNeeded(reason),
                Sim::Rpc(kind) => Validity::Unknown(kind.to_string()),
            }
        })
    }
}
