//! The manager itself (see the module doc of `chain::tx`).

use std::{future::Future, pin::Pin};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use tokio::sync::Mutex;

use super::{
    error::{self, SendErrorKind},
    sign::{self, Signed, Unsigned},
};
use crate::{
    model::gas::{self, Bid, BidPolicy, BumpPolicy, GasError, Replacement},
    store::{
        AttemptPurpose, AttemptRecord, AttemptState, Creation, Finish, NewAttempt, NewTx, Store,
        StoreError, TxKind, TxRecord, TxState,
    },
};

/// Gas of a plain transfer: the cancel (and gap filler) is a 0-value self-transfer.
pub const TRANSFER_GAS: u64 = 21_000;

/// How the manager bids and replaces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TxConfig {
    /// First bids.
    pub bid: BidPolicy,
    /// Replacements.
    pub bump: BumpPolicy,
    /// Blocks without a receipt before a replacement.
    pub bump_after_blocks: u64,
    /// Blocks of fee history the bid reads.
    pub fee_history_blocks: u64,
    /// Reward percentile of the fee history.
    pub tip_percentile: f64,
    /// Bumps before the work is given up and the nonce handed to a 0-value self-transfer.
    pub max_attempts: u32,
}

/// Why the manager could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bid could not be made.
    #[error(transparent)]
    Gas(#[from] GasError),
    /// A read the manager needs failed.
    #[error(
        "{what} failed: {kind} — check the RPC endpoint; the manager retries on the next block"
    )]
    Rpc {
        /// What was read.
        what: String,
        /// The node's answer.
        kind: SendErrorKind,
    },
    /// Signing failed.
    #[error("{0} — check the keeper's key")]
    Sign(String),
}

/// One piece of work to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The idempotency key: the same work is never sent twice.
    pub work: String,
    /// Recipient.
    pub to: Address,
    /// Calldata.
    pub data: Bytes,
    /// Value, wei.
    pub value: U256,
    /// Gas limit (estimate plus margin).
    pub gas_limit: u64,
    /// For logs and the store (e.g. the target's name).
    pub label: String,
    /// The head when it was decided.
    pub block: u64,
}

/// What [`TxManager::submit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Persisted and broadcast.
    Sent {
        /// The transaction.
        tx: TxRecord,
        /// The attempt's hash.
        hash: B256,
    },
    /// Persisted, but the broadcast failed in a way worth retrying: the next tick broadcasts it
    /// again from the store.
    Queued {
        /// The transaction.
        tx: TxRecord,
        /// The node's answer.
        error: SendErrorKind,
    },
    /// The work already has a transaction pending or confirmed: nothing was sent.
    Refused {
        /// That transaction.
        existing: TxRecord,
    },
}

/// Is the work behind a pending transaction still worth doing?
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validity {
    /// Yes: keep it, bump it.
    Needed,
    /// No (the reason, e.g. the decoded revert): replace it with a 0-value self-transfer.
    NotNeeded(String),
    /// Could not tell (an RPC error): decide on a later block.
    Unknown(String),
}

/// Re-simulates the work of a pending transaction before it is replaced.
pub trait WorkCheck: Send + Sync {
    /// Whether `tx`'s work is still needed at the current head.
    fn check<'a>(&'a self, tx: &'a TxRecord)
    -> Pin<Box<dyn Future<Output = Validity> + Send + 'a>>;
}

/// What a tick did to one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxEvent {
    /// An attempt was mined; the transaction is finished.
    Mined {
        /// The transaction, finished.
        tx: Box<TxRecord>,
        /// The mined attempt.
        hash: B256,
        /// Its purpose (a mined `Cancel` finishes the transaction as cancelled).
        purpose: AttemptPurpose,
        /// Its block.
        block: u64,
        /// Receipt status.
        success: bool,
        /// Gas used.
        gas_used: u64,
    },
    /// A replacement at the same nonce with higher fees.
    Bumped {
        /// The transaction.
        tx_id: i64,
        /// The new attempt.
        hash: B256,
        /// Its fees.
        bid: Bid,
    },
    /// The work was replaced by a 0-value self-transfer.
    Cancelling {
        /// The transaction.
        tx_id: i64,
        /// Why.
        reason: String,
    },
    /// An attempt was broadcast again from the store (dropped from the mempool, or its
    /// broadcast had failed).
    Rebroadcast {
        /// The transaction.
        tx_id: i64,
        /// The attempt.
        hash: B256,
    },
    /// The nonce was used by a transaction that is not ours: given up.
    Lost {
        /// The transaction.
        tx_id: i64,
        /// Its work (to be decided again if still needed).
        work: String,
    },
    /// A replacement was due but even the fee cap does not clear the node's +10 % rule.
    StuckAtCap {
        /// The transaction.
        tx_id: i64,
    },
    /// A node error while handling it (retried on the next tick).
    Error {
        /// The transaction.
        tx_id: i64,
        /// What was done.
        what: String,
        /// The node's answer.
        kind: SendErrorKind,
    },
}

/// The transaction manager of one key on one chain.
pub struct TxManager {
    provider: DynProvider,
    wallet: EthereumWallet,
    sender: Address,
    chain_id: u64,
    store: Store,
    config: TxConfig,
    /// One writer per key: every nonce-changing step runs under it.
    lock: Mutex<()>,
}

impl std::fmt::Debug for TxManager {
    // The key never reaches a log line: the sender's address only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxManager")
            .field("sender", &self.sender)
            .field("chain_id", &self.chain_id)
            .finish()
    }
}

impl TxManager {
    /// A manager for `signer` on `chain_id`; raises the stored nonce to the chain's pending count.
    pub async fn start(
        provider: DynProvider,
        signer: PrivateKeySigner,
        chain_id: u64,
        store: Store,
        config: TxConfig,
    ) -> Result<Self, TxError> {
        let sender = signer.address();
        let manager = Self {
            provider,
            wallet: EthereumWallet::from(signer),
            sender,
            chain_id,
            store,
            config,
            lock: Mutex::new(()),
        };
        manager.sync_nonce().await?;
        Ok(manager)
    }

    /// The key's address.
    pub fn sender(&self) -> Address {
        self.sender
    }

    /// The store it persists to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Raises the stored nonce to the chain's pending count; returns the next nonce.
    async fn sync_nonce(&self) -> Result<u64, TxError> {
        let pending = self
            .provider
            .get_transaction_count(self.sender)
            .pending()
            .await
            .map_err(|e| {
                rpc(
                    format!("eth_getTransactionCount({}, pending)", self.sender),
                    &e,
                )
            })?;
        Ok(self
            .store
            .sync_nonce(self.chain_id, self.sender, pending)
            .await?)
    }

    /// Persists and sends `req`, unless its work already has a transaction.
    pub async fn submit(&self, req: Request) -> Result<Submitted, TxError> {
        let _writer = self.lock.lock().await;
        let bid = self.market_bid().await?;
        // One retry: a nonce the chain already used (another process with this key) is given
        // up, the counter raised, and the same work created again at the next nonce.
        for _ in 0..2 {
            let created = self
                .store
                .create_tx(NewTx {
                    chain_id: self.chain_id,
                    sender: self.sender,
                    work: req.work.clone(),
                    kind: TxKind::Perform,
                    to: req.to,
                    data: req.data.clone(),
                    value: req.value,
                    gas_limit: req.gas_limit,
                    created_block: req.block,
                    label: req.label.clone(),
                })
                .await?;
            let tx = match created {
                Creation::Refused { existing } => return Ok(Submitted::Refused { existing }),
                Creation::Created(tx) => tx,
            };
            let attempt = self
                .sign_attempt(&tx, AttemptPurpose::Original, bid, req.block)
                .await?;
            match self.broadcast(&attempt, req.block).await? {
                None => {
                    return Ok(Submitted::Sent {
                        hash: attempt.hash,
                        tx,
                    });
                }
                Some(SendErrorKind::NonceTooLow) => {
                    self.store
                        .finish_tx(
                            tx.id,
                            Finish {
                                state: TxState::Failed,
                                mined_hash: None,
                                block: None,
                                gas_used: None,
                            },
                        )
                        .await?;
                    self.sync_nonce().await?;
                }
                Some(error) => return Ok(Submitted::Queued { tx, error }),
            }
        }
        Err(TxError::Rpc {
            what: format!("sending {}", req.work),
            kind: SendErrorKind::NonceTooLow,
        })
    }

    /// One pass over every open transaction at `head` (see the module doc).
    pub async fn tick(&self, head: u64, check: &dyn WorkCheck) -> Result<Vec<TxEvent>, TxError> {
        let _writer = self.lock.lock().await;
        let open = self.store.open_txs(self.chain_id, self.sender).await?;
        if open.is_empty() {
            return Ok(Vec::new());
        }
        let mined_nonce = self
            .provider
            .get_transaction_count(self.sender)
            .latest()
            .await
            .map_err(|e| {
                rpc(
                    format!("eth_getTransactionCount({}, latest)", self.sender),
                    &e,
                )
            })?;
        let mut events = Vec::new();
        for tx in open {
            let id = tx.id;
            let result = if tx.nonce < mined_nonce {
                self.finish_mined(tx).await
            } else {
                self.advance(tx, head, check).await
            };
            match result {
                Ok(mut e) => events.append(&mut e),
                Err(TxError::Rpc { what, kind }) => events.push(TxEvent::Error {
                    tx_id: id,
                    what,
                    kind,
                }),
                Err(other) => return Err(other),
            }
        }
        Ok(events)
    }

    /// The chain has passed the nonce: finish from whichever attempt was mined.
    async fn finish_mined(&self, tx: TxRecord) -> Result<Vec<TxEvent>, TxError> {
        for a in tx.attempts.iter().rev() {
            let receipt = self
                .provider
                .get_transaction_receipt(a.hash)
                .await
                .map_err(|e| rpc(format!("eth_getTransactionReceipt({})", a.hash), &e))?;
            let Some(r) = receipt else { continue };
            let block = r.block_number.unwrap_or_default();
            let state = match (a.purpose, r.status()) {
                (AttemptPurpose::Cancel, _) => TxState::Cancelled,
                (_, true) => TxState::Confirmed,
                (_, false) => TxState::Reverted,
            };
            self.store
                .finish_tx(
                    tx.id,
                    Finish {
                        state,
                        mined_hash: Some(a.hash),
                        block: Some(block),
                        gas_used: Some(r.gas_used),
                    },
                )
                .await?;
            let finished = self.store.tx(tx.id).await?.unwrap_or(tx.clone());
            return Ok(vec![TxEvent::Mined {
                tx: Box::new(finished),
                hash: a.hash,
                purpose: a.purpose,
                block,
                success: r.status(),
                gas_used: r.gas_used,
            }]);
        }
        // No attempt of ours was mined at this nonce: another transaction with this key took it.
        self.store
            .finish_tx(
                tx.id,
                Finish {
                    state: TxState::Failed,
                    mined_hash: None,
                    block: None,
                    gas_used: None,
                },
            )
            .await?;
        self.sync_nonce().await?;
        Ok(vec![TxEvent::Lost {
            tx_id: tx.id,
            work: tx.work,
        }])
    }

    /// Not mined yet: sign it if it never was, re-broadcast, or replace.
    async fn advance(
        &self,
        tx: TxRecord,
        head: u64,
        check: &dyn WorkCheck,
    ) -> Result<Vec<TxEvent>, TxError> {
        let Some(latest) = tx.attempts.last().cloned() else {
            // Created but never signed (a crash in between): re-simulate first.
            return match check.check(&tx).await {
                Validity::Needed => {
                    let bid = self.market_bid().await?;
                    let a = self
                        .sign_attempt(&tx, AttemptPurpose::Original, bid, head)
                        .await?;
                    self.broadcast(&a, head).await?;
                    Ok(vec![TxEvent::Rebroadcast {
                        tx_id: tx.id,
                        hash: a.hash,
                    }])
                }
                Validity::NotNeeded(reason) => self.cancel(&tx, None, head, reason).await,
                Validity::Unknown(_) => Ok(Vec::new()),
            };
        };
        let since = latest.last_broadcast_block.unwrap_or(latest.created_block);
        let due = head.saturating_sub(since) >= self.config.bump_after_blocks;
        if latest.state != AttemptState::Broadcast
            || (!due && head > since && !self.known(latest.hash).await?)
        {
            let events = self.rebroadcast(&tx, &latest, head).await?;
            // A node that refuses the stored bytes because the base fee rose above their fee cap
            // (anvil evicts such transactions; others refuse them again) needs a replacement now,
            // not after `bump_after_blocks`.
            let outbid = events.iter().any(|e| {
                matches!(
                    e,
                    TxEvent::Error {
                        kind: SendErrorKind::FeeCapTooLow | SendErrorKind::ReplacementUnderpriced,
                        ..
                    }
                )
            });
            if !outbid {
                return Ok(events);
            }
        } else if !due {
            return Ok(Vec::new());
        }
        if latest.purpose == AttemptPurpose::Cancel {
            return self.cancel(&tx, Some(&latest), head, String::new()).await;
        }
        let bumps = tx
            .attempts
            .iter()
            .filter(|a| a.purpose == AttemptPurpose::Bump)
            .count();
        if bumps >= self.config.max_attempts as usize {
            let reason = format!("{bumps} replacements without a receipt");
            return self.cancel(&tx, Some(&latest), head, reason).await;
        }
        match check.check(&tx).await {
            Validity::Needed => self.bump(&tx, &latest, head).await,
            Validity::NotNeeded(reason) => self.cancel(&tx, Some(&latest), head, reason).await,
            Validity::Unknown(_) => Ok(Vec::new()),
        }
    }

    /// A replacement of `latest` at the same nonce with the same call and higher fees; at the fee
    /// cap, a cancel instead.
    async fn bump(
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
    async fn cancel(
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
    async fn send_replacement(
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

    async fn rebroadcast(
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
    async fn sign_attempt(
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
    async fn broadcast(&self, a: &Persisted, head: u64) -> Result<Option<SendErrorKind>, TxError> {
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
    async fn known(&self, hash: B256) -> Result<bool, TxError> {
        let tx = self
            .provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(|e| rpc(format!("eth_getTransactionByHash({hash})"), &e))?;
        Ok(tx.is_some())
    }

    /// What a first bid is now.
    async fn market_bid(&self) -> Result<Bid, TxError> {
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
struct Persisted {
    id: i64,
    hash: B256,
    raw: Bytes,
}

/// The highest fees any attempt of `tx` offered: a replacement must clear them all.
fn highest_bid(tx: &TxRecord, latest: &AttemptRecord) -> Bid {
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

fn rpc(what: String, err: &alloy::transports::TransportError) -> TxError {
    TxError::Rpc {
        what,
        kind: error::classify(err),
    }
}
