//! The keeper's transactions and their attempts as the store hands them out, and how rows become
//! them.

use alloy::primitives::{Address, B256, Bytes, U256};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use super::codec::{Cols, text_enum};
use super::error::{StoreError, StoreResult};

text_enum! {
    /// What a transaction does.
    TxKind, "tx kind" {
        /// A balancer's (or a manager's) perform.
        Perform => "perform",
        /// A 0-value self-transfer that fills a nonce gap.
        NoOp => "noop",
        /// A hub's `settleBatch`.
        HubBatch => "hub_batch",
        /// An upkeep top-up (`transferAndCall` or `addFunds`).
        TopUp => "top_up",
        /// A controller's `setBands`.
        SetBands => "set_bands",
    }
}

text_enum! {
    /// Where a transaction is in its life; every state but `Pending` is final.
    TxState, "tx state" {
        /// Created; not yet mined (or not yet known to be).
        Pending => "pending",
        /// Mined with status 1.
        Confirmed => "confirmed",
        /// Mined with status 0.
        Reverted => "reverted",
        /// Our 0-value cancel was mined at its nonce.
        Cancelled => "cancelled",
        /// Given up.
        Failed => "failed",
    }
}

text_enum! {
    /// Why an attempt was signed.
    AttemptPurpose, "attempt purpose" {
        /// The first envelope at the transaction's nonce.
        Original => "original",
        /// The same call with higher fees (a replacement).
        Bump => "bump",
        /// A 0-value self-transfer at the same nonce, replacing the call.
        Cancel => "cancel",
    }
}

text_enum! {
    /// What happened to an attempt's broadcast.
    AttemptState, "attempt state" {
        /// Stored, not yet broadcast.
        Signed => "signed",
        /// Accepted by a node at least once.
        Broadcast => "broadcast",
        /// The last broadcast failed; `error` says why.
        Error => "error",
    }
}

/// A transaction to create: one piece of work at the sender's next nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTx {
    /// The chain.
    pub chain_id: u64,
    /// The keeper's account that signs it.
    pub sender: Address,
    /// The piece of work, e.g. `perform/31337/0xabc…/epoch/7`: at most one live transaction each.
    pub work: String,
    /// What it does.
    pub kind: TxKind,
    /// The callee.
    pub to: Address,
    /// The calldata.
    pub data: Bytes,
    /// The wei sent.
    pub value: U256,
    /// The gas limit.
    pub gas_limit: u64,
    /// The chain's block when it was created.
    pub created_block: u64,
    /// A human-readable label for logs and reports.
    pub label: String,
}

/// What [`Store::create_tx`](super::Store::create_tx) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Creation {
    /// A new `Pending` transaction, with its nonce reserved.
    Created(TxRecord),
    /// Nothing: a pending or confirmed transaction already covers this work.
    Refused {
        /// That transaction.
        existing: TxRecord,
    },
}

impl Creation {
    /// The transaction created, or the one that caused the refusal.
    pub fn tx(&self) -> &TxRecord {
        match self {
            Creation::Created(tx) | Creation::Refused { existing: tx } => tx,
        }
    }

    /// Whether a transaction was created.
    pub fn is_created(&self) -> bool {
        matches!(self, Creation::Created(_))
    }
}

/// A stored transaction with its attempts, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRecord {
    /// The store's id.
    pub id: i64,
    /// The chain.
    pub chain_id: u64,
    /// The signer.
    pub sender: Address,
    /// The nonce reserved for it.
    pub nonce: u64,
    /// The piece of work.
    pub work: String,
    /// `{work}#{n}`: the n-th transaction for this work.
    pub work_key: String,
    /// What it does.
    pub kind: TxKind,
    /// The callee.
    pub to: Address,
    /// The calldata.
    pub data: Bytes,
    /// The wei sent.
    pub value: U256,
    /// The gas limit.
    pub gas_limit: u64,
    /// Where it is in its life.
    pub state: TxState,
    /// The chain's block when it was created.
    pub created_block: u64,
    /// Unix milliseconds when it was created.
    pub created_at_ms: u64,
    /// The block it was mined in (or given up at).
    pub final_block: Option<u64>,
    /// The hash of the attempt that was mined.
    pub final_hash: Option<B256>,
    /// The gas the mined attempt used.
    pub gas_used: Option<u64>,
    /// The human-readable label.
    pub label: String,
    /// Every attempt, in the order they were stored.
    pub attempts: Vec<AttemptRecord>,
}

/// A signed envelope to store before it is broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttempt {
    /// The transaction hash.
    pub hash: B256,
    /// The signed EIP-2718 envelope, as broadcast.
    pub raw: Bytes,
    /// Why it was signed.
    pub purpose: AttemptPurpose,
    /// EIP-1559 `maxFeePerGas`, wei.
    pub max_fee_per_gas: u128,
    /// EIP-1559 `maxPriorityFeePerGas`, wei.
    pub max_priority_fee_per_gas: u128,
    /// The chain's block when it was signed.
    pub created_block: u64,
}

/// A stored attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The store's id.
    pub id: i64,
    /// Its transaction.
    pub tx_id: i64,
    /// The transaction hash.
    pub hash: B256,
    /// The signed EIP-2718 envelope.
    pub raw: Bytes,
    /// Why it was signed.
    pub purpose: AttemptPurpose,
    /// EIP-1559 `maxFeePerGas`, wei.
    pub max_fee_per_gas: u128,
    /// EIP-1559 `maxPriorityFeePerGas`, wei.
    pub max_priority_fee_per_gas: u128,
    /// What happened to its broadcast.
    pub state: AttemptState,
    /// How many times a node accepted it.
    pub broadcasts: u32,
    /// The chain's block when it was signed.
    pub created_block: u64,
    /// The chain's block at its last accepted broadcast.
    pub last_broadcast_block: Option<u64>,
    /// The last broadcast error.
    pub error: Option<String>,
    /// Unix milliseconds when it was stored.
    pub created_at_ms: u64,
}

/// How a pending transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    /// The final state (not `Pending`).
    pub state: TxState,
    /// The hash of the attempt that was mined.
    pub mined_hash: Option<B256>,
    /// The block it was mined in (or given up at).
    pub block: Option<u64>,
    /// The gas the mined attempt used.
    pub gas_used: Option<u64>,
}

/// A `txs` row without its attempts.
fn tx_from_row(row: &SqliteRow) -> StoreResult<TxRecord> {
    let c = Cols::new(row, "txs");
    Ok(TxRecord {
        id: c.id("id")?,
        chain_id: c.u64("chain_id")?,
        sender: c.parse("sender")?,
        nonce: c.u64("nonce")?,
        work: c.text("work")?,
        work_key: c.text("work_key")?,
        kind: c.parse("kind")?,
        to: c.parse("to_address")?,
        data: c.bytes("data")?,
        value: c.u256("value")?,
        gas_limit: c.u64("gas_limit")?,
        state: c.parse("state")?,
        created_block: c.u64("created_block")?,
        created_at_ms: c.u64("created_at_ms")?,
        final_block: c.opt_u64("final_block")?,
        final_hash: c.opt_parse("final_hash")?,
        gas_used: c.opt_u64("gas_used")?,
        label: c.text("label")?,
        attempts: Vec::new(),
    })
}

/// An `attempts` row.
pub(super) fn attempt_from_row(row: &SqliteRow) -> StoreResult<AttemptRecord> {
    let c = Cols::new(row, "attempts");
    Ok(AttemptRecord {
        id: c.id("id")?,
        tx_id: c.id("tx_id")?,
        hash: c.parse("hash")?,
        raw: c.bytes("raw")?,
        purpose: c.parse("purpose")?,
        max_fee_per_gas: c.parse("max_fee_per_gas")?,
        max_priority_fee_per_gas: c.parse("max_priority_fee_per_gas")?,
        state: c.parse("state")?,
        broadcasts: c.small("broadcasts")?,
        created_block: c.u64("created_block")?,
        last_broadcast_block: c.opt_u64("last_broadcast_block")?,
        error: c.opt_text("error")?,
        created_at_ms: c.u64("created_at_ms")?,
    })
}

/// `txs` rows with their attempts (one query per transaction: open ones are few).
pub(super) async fn with_attempts(
    conn: &mut SqliteConnection,
    rows: &[SqliteRow],
    op: &'static str,
) -> StoreResult<Vec<TxRecord>> {
    let mut txs = Vec::with_capacity(rows.len());
    for row in rows {
        let mut tx = tx_from_row(row)?;
        let attempts = sqlx::query("SELECT * FROM attempts WHERE tx_id = ?1 ORDER BY id")
            .bind(tx.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(StoreError::db(op))?;
        tx.attempts = attempts
            .iter()
            .map(attempt_from_row)
            .collect::<StoreResult<_>>()?;
        txs.push(tx);
    }
    Ok(txs)
}

/// One transaction by id, with its attempts.
pub(super) async fn load_tx(
    conn: &mut SqliteConnection,
    id: i64,
    op: &'static str,
) -> StoreResult<Option<TxRecord>> {
    let row = sqlx::query("SELECT * FROM txs WHERE id = ?1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::db(op))?;
    match row {
        None => Ok(None),
        Some(row) => Ok(with_attempts(conn, std::slice::from_ref(&row), op)
            .await?
            .pop()),
    }
}
