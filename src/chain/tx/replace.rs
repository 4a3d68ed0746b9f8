//! Replacing, cancelling and (re)broadcasting attempts: every attempt is signed and persisted
//! before it goes out.

use alloy::{
    primitives::{B256, Bytes, U256},
    providers::Provider,
};

use super::{
    error::{self, SendErrorKind},
    manager::TxManager,
    sign::{self, Signed, Unsigned},
    types::{TRANSFER_GAS, TxError, TxEvent},
};
use crate::{
    model::gas::{self, Bid, Replacement},
    store::{AttemptPurpose, AttemptRecord, NewAttempt, TxRecord},
};

impl TxManager {
    /// A replacement of `latest` at the same nonce with the same call and higher fees; at the fee
    /// cap, a cancel instead.
    pub(super) async fn bump(
        &self,
        tx: &TxRecord,
        latest: &AttemptRecord,
        head: u64,
    ) -> Result<Vec<TxEvent>, TxError> {
        let market = self.market_bid().await.ok();
        match gas::replacement(highest_bid(tx, latest), market, &self.config.bump)? {
            Replacement::Bid(bid) => {
                self.send_replacement(tx, AttemptPurpose::Bump, bid, head)
                    .await
            }
            Replacement::AtCap => {
                let reason = "the fee cap is reached".to_string();
                self.cancel(tx, Some(latest), head, reason).await
            }
        }
    }

    /// Replaces the work with a 0-value self-transfer at its nonce (or bumps a cancel already
    /// sent). A cancel bids what a replacement needs even when that is up to 10 % over the fee
    /// cap: it costs 21,000 gas, and it is what frees the nonce. After `max_attempts` cancels
    /// the manager waits.
    pub(super) async fn cancel(
        &self,
        tx: &TxRecord,
        latest: Option<&AttemptRecord>,
        head: u64,
        reason: String,
    ) -> Result<Vec<TxEvent>, TxError> {
        let cancels = tx
            .attempts
            .iter()
            .filter(|a| a.purpose == AttemptPurpose::Cancel)
            .count();
        if cancels >= self.config.max_attempts as usize {
            return Ok(vec![TxEvent::StuckAtCap { tx_id: tx.id }]);
        }
        let mut events = Vec::new();
        if cancels == 0 {
            events.push(TxEvent::Cancelling {
                tx_id: tx.id,
                reason,
            });
        }
        let market = self.market_bid().await.ok();
        let bid = match latest {
            None => match market {
                Some(b) => b,
                None => self.market_bid().await?,
            },
            Some(l) => {
                let prev = highest_bid(tx, l);
                match gas::replacement(prev, market, &self.config.bump)? {
                    Replacement::Bid(b) => b,
                    Replacement::AtCap => Bid {
                        max_fee_per_gas: gas::min_replacement(prev.max_fee_per_gas),
                        max_priority_fee_per_gas: gas::min_replacement(
                            prev.max_priority_fee_per_gas,
                        ),
                    },
                }
            }
        };
        events.extend(
            self.send_replacement(tx, AttemptPurpose::Cancel, bid, head)
                .await?,
        );
        Ok(events)
    }

    /// Signs, persists and broadcasts a replacement attempt.
    pub(super) async fn send_replacement(
        &self,
        tx: &TxRecord,
        purpose: AttemptPurpose,
        bid: Bid,
        head: u64,
    ) -> Result<Vec<TxEvent>, TxError> {
        let a = self.sign_attempt(tx, purpose, bid, head).await?;
        let mut events = vec![TxEvent::Bumped {
            tx_id: tx.id,
            hash: a.hash,
            bid,
        }];
        if let Some(kind) = self.broadcast(&a, head).await? {
            events.push(TxEvent::Error {
                tx_id: tx.id,
                what: format!("replacing {}", tx.work_key),
                kind,
            });
        }
        Ok(events)
    }

    pub(super) async fn rebroadcast(
        &self,
        tx: &TxRecord,
        attempt: &AttemptRecord,
        head: u64,
    ) -> Result<Vec<TxEvent>, TxError> {
        let mut events = vec![TxEvent::Rebroadcast {
            tx_id: tx.id,
            hash: attempt.hash,
        }];
        if let Some(kind) = self
            .broadcast(
                &Persisted {
                    id: attempt.id,
                    hash: attempt.hash,
                    raw: attempt.raw.clone(),
                },
                head,
            )
            .await?
        {
            events.push(TxEvent::Error {
                tx_id: tx.id,
                what: format!("broadcasting {} again", attempt.hash),
                kind,
            });
        }
        Ok(events)
    }

    /// Signs an attempt at `tx`'s nonce and persists it (before any broadcast).
    pub(super) async fn sign_attempt(
        &self,
        tx: &TxRecord,
        purpose: AttemptPurpose,
        bid: Bid,
        head: u64,
    ) -> Result<Persisted, TxError> {
        let unsigned = match purpose {
            AttemptPurpose::Cancel => Unsigned {
                chain_id: self.chain_id,
                nonce: tx.nonce,
                to: self.sender,
                data: Bytes::new(),
                value: U256::ZERO,
                gas_limit: TRANSFER_GAS,
                bid,
            },
            AttemptPurpose::Original | AttemptPurpose::Bump => Unsigned {
                chain_id: self.chain_id,
                nonce: tx.nonce,
                to: tx.to,
                data: tx.data.clone(),
                value: tx.value,
                gas_limit: tx.gas_limit,
                bid,
            },
        };
        let Signed { hash, raw } = sign::sign(&self.wallet, &unsigned)
            .await
            .map_err(TxError::Sign)?;
        let record = self
            .store
            .add_attempt(
                tx.id,
                NewAttempt {
                    hash,
                    raw: raw.clone(),
                    purpose,
                    max_fee_per_gas: bid.max_fee_per_gas,
                    max_priority_fee_per_gas: bid.max_priority_fee_per_gas,
                    created_block: head,
                },
            )
            .await?;
        Ok(Persisted {
            id: record.id,
            hash,
            raw,
        })
    }

    /// Broadcasts a persisted attempt; `None` when the node has it ("already known" included),
    /// else the node's answer (recorded on the attempt).
    pub(super) async fn broadcast(
        &self,
        a: &Persisted,
        head: u64,
    ) -> Result<Option<SendErrorKind>, TxError> {
        let kind = match self.provider.send_raw_transaction(&a.raw).await {
            Ok(_) => None,
            Err(e) => match error::classify(&e) {
                SendErrorKind::AlreadyKnown => None,
                other => Some(other),
            },
        };
        match &kind {
            None => self.store.mark_broadcast(a.id, head).await?,
            Some(k) => {
                tracing::warn!(attempt = %a.hash, error = %k, "broadcast failed; retried on the next block");
                self.store.mark_attempt_error(a.id, &k.to_string()).await?;
            }
        }
        Ok(kind)
    }

    /// Whether the node knows the transaction (pending or mined).
    pub(super) async fn known(&self, hash: B256) -> Result<bool, TxError> {
        let tx = self
            .provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(|e| rpc(format!("eth_getTransactionByHash({hash})"), &e))?;
        Ok(tx.is_some())
    }

    /// What a first bid is now.
    pub(super) async fn market_bid(&self) -> Result<Bid, TxError> {
        let history = sign::fee_history(
            &self.provider,
            self.config.fee_history_blocks,
            self.config.tip_percentile,
        )
        .await
        .map_err(|e| rpc("eth_feeHistory".into(), &e))?;
        Ok(gas::first_bid(&history, &self.config.bid)?)
    }
}

/// A persisted attempt, ready to broadcast.
pub(super) struct Persisted {
    pub(super) id: i64,
    pub(super) hash: B256,
    pub(super) raw: Bytes,
}

/// The highest fees any attempt of `tx` offered: a replacement must clear them all.
pub(super) fn highest_bid(tx: &TxRecord, latest: &AttemptRecord) -> Bid {
    tx.attempts.iter().fold(
        Bid {
            max_fee_per_gas: latest.max_fee_per_gas,
            max_priority_fee_per_gas: latest.max_priority_fee_per_gas,
        },
        |b, a| Bid {
            max_fee_per_gas: b.max_fee_per_gas.max(a.max_fee_per_gas),
            max_priority_fee_per_gas: b.max_priority_fee_per_gas.max(a.max_priority_fee_per_gas),
        },
    )
}

pub(super) fn rpc(what: String, err: &alloy::transports::TransportError) -> TxError {
    TxError::Rpc {
        what,
        kind: error::classify(err),
    }
}
