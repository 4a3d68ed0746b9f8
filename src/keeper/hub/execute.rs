//! The hub's executor: one `settleBatch` at a time, written to the store before its transaction
//! exists, sent through the keeper's transaction manager, and finished from that transaction's
//! fate.
//!
//! Order of a send: read the hub's next round → encode the batch → simulate it from the hub
//! (a refusal names the operation: its request or offer is set aside with the reason) → estimate
//! gas → [`Store::hub_plan_batch`](crate::store::Store::hub_plan_batch) (the batch and its
//! requests, atomically) → [`TxManager::submit`](crate::chain::tx::TxManager::submit) under the
//! work key `hub/<chain>/<depository>/round/<round>` → mark it sent. A crash anywhere in between
//! leaves either a planned batch with no transaction (given back on restart: nothing went out)
//! or one with a transaction (the manager resumes it; its round makes a second settlement
//! impossible on chain).

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolInterface},
};

use super::{HubJob, HubJobError, Step, strategy::HubBatchPlan};
use crate::{
    chain::{
        ours::hub::{
            HubDepository::{self as e, settleBatchCall},
            IHubDepository::{Pull, Push},
        },
        revert,
        tx::{self, Request, SendErrorKind, Submitted},
    },
    model::gas,
    store::{
        HubBatchEnd, HubBatchRecord, HubBatchState, HubRequestRecord, NewHubBatch, TxKind, TxState,
    },
};

/// What became of the open batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconciled {
    /// No batch is open.
    None,
    /// Its transaction is not final yet.
    Waiting {
        /// The round.
        round: U256,
    },
    /// It settled.
    Settled {
        /// The round.
        round: U256,
        /// Its transaction.
        tx: Option<B256>,
    },
    /// It failed or never went out: its requests are pending again.
    Released {
        /// The round.
        round: U256,
        /// Why.
        reason: String,
    },
}

/// The work key of `round`'s batch.
pub(super) fn work_key(chain_id: u64, depository: Address, round: U256) -> String {
    format!("hub/{chain_id}/{depository:#x}/round/{round}")
}

impl HubJob {
    /// Finishes the open batch if its transaction is final (see the module doc).
    pub(super) async fn reconcile(&self) -> Result<Reconciled, HubJobError> {
        let Some(b) = self
            .store
            .hub_open_batch(self.chain_id, self.settings.depository)
            .await?
        else {
            return Ok(Reconciled::None);
        };
        let txs = self.store.txs_for_work(&b.work).await?;
        let Some(tx) = txs.iter().max_by_key(|t| t.id) else {
            let reason = "never sent: the keeper stopped between planning and sending".to_string();
            self.release(&b, &reason).await?;
            return Ok(Reconciled::Released {
                round: b.round,
                reason,
            });
        };
        match tx.state {
            TxState::Pending => {
                if b.state == HubBatchState::Planned {
                    self.store.hub_batch_sent(b.id).await?;
                }
                Ok(Reconciled::Waiting { round: b.round })
            }
            state => {
                // Whatever was mined at the batch's nonce (the batch, or the self-transfer that
                // replaced it) cost gas: recorded for the P&L.
                let mut end = HubBatchEnd {
                    state: HubBatchState::Failed,
                    tx_hash: tx.final_hash,
                    block: tx.final_block,
                    block_time: None,
                    gas_used: tx.gas_used,
                    gas_price: None,
                    reason: None,
                };
                if let Some(h) = tx.final_hash {
                    let receipt = self.reader.get_transaction_receipt(h).await.map_err(|e| {
                        HubJobError::rpc(format!("eth_getTransactionReceipt({h})"), &e)
                    })?;
                    if let Some(r) = receipt {
                        end.gas_price = Some(U256::from(r.effective_gas_price));
                        end.gas_used = Some(r.gas_used);
                        if let Some(n) = r.block_number {
                            end.block = Some(n);
                            end.block_time = Some(self.block_timestamp(n).await?);
                        }
                    }
                }
                if state == TxState::Confirmed {
                    end.state = HubBatchState::Settled;
                    self.store.hub_batch_finished(b.id, &end).await?;
                    tracing::info!(round = %b.round, tx = ?end.tx_hash, pushes = b.pushes, pulls = b.pulls, gas_used = ?end.gas_used, "hub batch settled");
                    return Ok(Reconciled::Settled {
                        round: b.round,
                        tx: end.tx_hash,
                    });
                }
                let reason = match state {
                    TxState::Reverted => format!(
                        "reverted on chain in block {}",
                        end.block.map_or("?".into(), |n| n.to_string())
                    ),
                    TxState::Cancelled => {
                        "replaced by a 0-value self-transfer: the batch no longer simulated".into()
                    }
                    _ => "given up: another transaction took its nonce".into(),
                };
                end.reason = Some(reason.clone());
                self.store.hub_batch_finished(b.id, &end).await?;
                tracing::warn!(round = %b.round, reason, "hub batch failed; its requests are pending again");
                Ok(Reconciled::Released {
                    round: b.round,
                    reason,
                })
            }
        }
    }

    async fn release(&self, b: &HubBatchRecord, reason: &str) -> Result<(), HubJobError> {
        self.store
            .hub_batch_finished(
                b.id,
                &HubBatchEnd {
                    state: HubBatchState::Failed,
                    tx_hash: None,
                    block: None,
                    block_time: None,
                    gas_used: None,
                    gas_price: None,
                    reason: Some(reason.to_string()),
                },
            )
            .await?;
        Ok(())
    }

    /// Encodes, simulates, records and sends `planned` at `head`.
    pub(super) async fn send(
        &mut self,
        planned: &HubBatchPlan,
        pending: &[HubRequestRecord],
        head: u64,
    ) -> Result<Step, HubJobError> {
        let dep = self.settings.depository;
        let round = self
            .depository()
            .roundOf(self.hub)
            .call()
            .await
            .map_err(|e| HubJobError::Rpc {
                what: format!("roundOf({})", self.hub),
                reason: e.to_string(),
            })?;
        let mut pushes = Vec::with_capacity(planned.plan.operations.len());
        let mut fees = Vec::with_capacity(pushes.capacity());
        for o in &planned.plan.operations {
            let Some(r) = pending.iter().find(|r| r.id.to_string() == o.request.0) else {
                return Err(HubJobError::Inconsistent(format!(
                    "the plan names request {} that is not pending",
                    o.request
                )));
            };
            pushes.push(Push {
                id: r.id,
                user: r.user,
                token: r.token,
                amount: r.amount,
                maxFee: r.max_fee,
                deadline: r.deadline,
                fee: o.total_fee,
            });
            fees.push((r.id, o.total_fee));
        }
        let pulls: Vec<Pull> = planned
            .pulls
            .iter()
            .map(|o| Pull {
                user: o.user,
                nonce: o.nonce,
                diffs: super::offers::abi_diffs(o),
                signature: o.signature.clone(),
            })
            .collect();
        let data: Bytes = settleBatchCall {
            round,
            pulls: pulls.clone(),
            pushes: pushes.clone(),
        }
        .abi_encode()
        .into();
        let call = TransactionRequest::default()
            .with_from(self.hub)
            .with_to(dep)
            .with_input(data.clone());
        let estimate = match self.reader.estimate_gas(call).await {
            Ok(g) => g,
            Err(e) => {
                return match tx::error::classify(&e) {
                    SendErrorKind::Reverted(d) => Ok(self.refused(&d, &pulls, &pushes).await?),
                    other => Err(HubJobError::Rpc {
                        what: "eth_estimateGas(settleBatch)".into(),
                        reason: other.to_string(),
                    }),
                };
            }
        };
        let work = work_key(self.chain_id, dep, round);
        let recorded = self
            .store
            .hub_plan_batch(&NewHubBatch {
                chain_id: self.chain_id,
                depository: dep,
                work: work.clone(),
                round,
                hub: self.hub,
                gas_price: planned.gas_price,
                requests: fees,
                offers: planned.pulls.iter().map(|o| (o.user, o.nonce)).collect(),
            })
            .await?;
        if !recorded {
            return Ok(Step::Idle);
        }
        let Some(batch) = self.store.hub_open_batch(self.chain_id, dep).await? else {
            return Err(HubJobError::Inconsistent(
                "the batch just recorded is not open".into(),
            ));
        };
        let submitted = self
            .txm
            .submit(Request {
                work: work.clone(),
                to: dep,
                data,
                value: U256::ZERO,
                gas_limit: gas::gas_limit(estimate, self.gas_margin_percent),
                label: format!("hub round {round}"),
                block: head,
                kind: TxKind::HubBatch,
            })
            .await?;
        let hash = match submitted {
            Submitted::Sent { hash, .. } => Some(hash),
            Submitted::Queued { error, .. } => {
                tracing::warn!(round = %round, %error, "hub batch stored; its broadcast is retried");
                None
            }
            Submitted::Refused { existing } => {
                tracing::warn!(round = %round, tx_id = existing.id, "the round already has a transaction; following it");
                None
            }
        };
        self.store.hub_batch_sent(batch.id).await?;
        tracing::info!(round = %round, pushes = pushes.len(), pulls = pulls.len(), estimate, tx = ?hash, "hub batch sent");
        Ok(Step::Sent {
            round,
            pushes: pushes.len(),
            pulls: pulls.len(),
            tx: hash,
        })
    }

    /// The simulation refused the batch: set aside what it names, so the next plan goes
    /// without it.
    async fn refused(
        &mut self,
        d: &revert::Decoded,
        pulls: &[Pull],
        pushes: &[Push],
    ) -> Result<Step, HubJobError> {
        let reason = d.to_string();
        match culprit(&d.data, pulls.len(), pushes.len()) {
            Culprit::Pull(i) => {
                let p = &pulls[i];
                self.store
                    .hub_offer_stale(
                        self.chain_id,
                        self.settings.depository,
                        self.hub,
                        p.user,
                        p.nonce,
                        &format!("the depository refused it: {reason}"),
                    )
                    .await?;
            }
            Culprit::Push(i) => {
                self.rejected.insert(pushes[i].id, reason.clone());
            }
            Culprit::Batch => {
                // Not an operation's fault (a stale round, a batch too large): planned again.
            }
        }
        tracing::warn!(%reason, "hub batch refused by the simulation; planned again without what it names");
        Ok(Step::Refused { reason })
    }

    async fn block_timestamp(&self, n: u64) -> Result<u64, HubJobError> {
        let b = self
            .reader
            .get_block_by_number(n.into())
            .await
            .map_err(|e| HubJobError::rpc(format!("eth_getBlockByNumber({n})"), &e))?
            .ok_or_else(|| HubJobError::Rpc {
                what: format!("eth_getBlockByNumber({n})"),
                reason: "the node does not have the block".into(),
            })?;
        Ok(b.header.timestamp)
    }
}

/// What a refused batch's revert names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Culprit {
    /// The pull at this index among the batch's pulls.
    Pull(usize),
    /// The push at this index among the batch's pushes.
    Push(usize),
    /// No operation (a stale round, a batch too large, an unknown error).
    Batch,
}

/// The operation a depository revert names: its `Op*` errors carry the operation's index in the
/// batch, pulls first, then pushes.
pub(crate) fn culprit(data: &[u8], pulls: usize, pushes: usize) -> Culprit {
    use crate::chain::ours::hub::HubDepository::HubDepositoryErrors as E;
    let index = match E::abi_decode(data) {
        Ok(
            E::OpUnknownRequest(e::OpUnknownRequest { index, .. })
            | E::OpExpired(e::OpExpired { index, .. })
            | E::OpFeeAboveMax(e::OpFeeAboveMax { index, .. })
            | E::OpReserveTooLow(e::OpReserveTooLow { index, .. })
            | E::OpBadNonce(e::OpBadNonce { index, .. })
            | E::OpBadSignature(e::OpBadSignature { index })
            | E::OpShareExceeded(e::OpShareExceeded { index, .. }),
        ) => usize::try_from(index).ok(),
        _ => None,
    };
    match index {
        Some(i) if i < pulls => Culprit::Pull(i),
        Some(i) if i - pulls < pushes => Culprit::Push(i - pulls),
        _ => Culprit::Batch,
    }
}

#[cfg(test)]
mod tests {
    use alloy::sol_types::SolError;

    use super::*;

    #[test]
    fn a_refusal_names_the_pull_or_the_push_by_its_index() {
        let fee = e::OpFeeAboveMax {
            index: U256::from(3),
            fee: U256::from(5),
            maxFee: U256::from(4),
        }
        .abi_encode();
        assert_eq!(culprit(&fee, 2, 5), Culprit::Push(1));
        assert_eq!(culprit(&fee, 0, 5), Culprit::Push(3));
        assert_eq!(culprit(&fee, 4, 5), Culprit::Pull(3));
        assert_eq!(culprit(&fee, 1, 2), Culprit::Batch, "past the batch");
        let sig = e::OpBadSignature { index: U256::ZERO }.abi_encode();
        assert_eq!(culprit(&sig, 1, 3), Culprit::Pull(0));
        let expired = e::OpExpired {
            index: U256::from(1),
            deadline: 7,
        }
        .abi_encode();
        assert_eq!(culprit(&expired, 0, 2), Culprit::Push(1));
    }

    #[test]
    fn a_refusal_of_the_whole_batch_or_an_unknown_one_names_nothing() {
        let stale = e::StaleRound {
            round: U256::from(1),
            expected: U256::from(2),
        }
        .abi_encode();
        assert_eq!(culprit(&stale, 1, 1), Culprit::Batch);
        assert_eq!(culprit(&[0xde, 0xad], 1, 1), Culprit::Batch);
        assert_eq!(culprit(&[], 1, 1), Culprit::Batch);
        let huge = e::OpBadSignature { index: U256::MAX }.abi_encode();
        assert_eq!(culprit(&huge, 1, 1), Culprit::Batch);
    }
}
