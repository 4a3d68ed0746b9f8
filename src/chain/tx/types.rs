//! What the transaction manager is given and what it reports.

use std::{future::Future, pin::Pin};

use alloy::primitives::{Address, B256, Bytes, U256};

use super::error::SendErrorKind;
use crate::{
    model::gas::{Bid, BidPolicy, BumpPolicy, GasError},
    store::{AttemptPurpose, StoreError, TxKind, TxRecord},
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
    /// What it does (a perform, a hub batch).
    pub kind: TxKind,
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
