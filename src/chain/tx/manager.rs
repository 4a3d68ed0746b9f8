//! The manager itself (see the module doc of `chain::tx`): nonces, submission, and each
//! block's pass over the open transactions.

use alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use tokio::sync::Mutex;

use super::{
    error::SendErrorKind,
    replace::rpc,
    types::{Request, Submitted, TxConfig, TxError, TxEvent, Validity, WorkCheck},
};
use crate::store::{
    AttemptPurpose, AttemptState, Creation, Finish, NewTx, Store, TxRecord, TxState,
};

/// The transaction manager of one key on one chain.
pub struct TxManager {
    pub(super) provider: DynProvider,
    pub(super) wallet: EthereumWallet,
    pub(super) sender: Address,
    pub(super) chain_id: u64,
    pub(super) store: Store,
    pub(super) config: TxConfig,
    /// One writer per key: every nonce-changing step runs under it.
    pub(super) lock: Mutex<()>,
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

    /// Finishes `tx_id` as failed — its nonce was taken by a transaction that is not ours — and
    /// raises the counter to the chain's.
    async fn give_up(&self, tx_id: i64) -> Result<(), TxError> {
        self.store
            .finish_tx(
                tx_id,
                Finish {
                    state: TxState::Failed,
                    mined_hash: None,
                    block: None,
                    gas_used: None,
                },
            )
            .await?;
        self.sync_nonce().await?;
        Ok(())
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
                    kind: req.kind,
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
                    self.give_up(tx.id).await?;
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
        self.give_up(tx.id).await?;
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
        // A replacement is due `bump_after_blocks` after the attempt was signed: broadcasting
        // the same bytes again (a dropped transaction) does not restart the clock.
        let since = latest.last_broadcast_block.unwrap_or(latest.created_block);
        let due = head.saturating_sub(latest.created_block) >= self.config.bump_after_blocks;
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
}
