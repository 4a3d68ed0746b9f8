//! Why a store operation failed: [`StoreError`], each variant naming what failed and the fix.

use alloy::primitives::{Address, B256};

use super::TxState;

/// A store operation that failed; the message names what failed and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error(
        "cannot open the keeper store at {location}: {reason} — check that the folder exists and \
         is writable, or set [keeper] store to another path"
    )]
    Open {
        /// The path or URL given.
        location: String,
        /// What went wrong.
        reason: String,
    },
    /// The schema migrations could not be applied.
    #[error(
        "cannot migrate the keeper store at {location}: {reason} — a store written by a newer \
         keeper, or one whose applied migration was edited, cannot be used: restore \
         src/store/migrations, upgrade the keeper, or set [keeper] store to a fresh path"
    )]
    Migrate {
        /// The path or URL of the store.
        location: String,
        /// What went wrong.
        reason: String,
    },
    /// A query failed (I/O, a lock held for longer than the busy timeout, a full disk).
    #[error(
        "keeper store: {op} failed: {source} — check that the disk is not full and that no other \
         program holds the store locked for more than 5 s"
    )]
    Database {
        /// The operation (`create_tx`, `record_perform`, …).
        op: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// `create_tx` before the sender's nonce counter exists.
    #[error(
        "no nonce is stored for sender {sender} on chain {chain_id} — call sync_nonce with the \
         chain's pending nonce before creating a transaction"
    )]
    NonceNotSynced {
        /// The chain.
        chain_id: u64,
        /// The sender.
        sender: Address,
    },
    /// `finish_tx` (or `add_attempt`) on a transaction that is already finished.
    #[error(
        "transaction {id} is {state}, not pending — a transaction is finished exactly once and \
         takes no attempts after that; read it again with Store::tx"
    )]
    NotPending {
        /// The transaction.
        id: i64,
        /// Its state in the store.
        state: TxState,
    },
    /// `finish_tx` asked to finish a transaction as `Pending`.
    #[error(
        "transaction {id} cannot be finished as pending — finish it as confirmed, reverted, \
         cancelled or failed"
    )]
    FinishPending {
        /// The transaction.
        id: i64,
    },
    /// No transaction has this id.
    #[error("no transaction {id} in the keeper store — use an id returned by create_tx")]
    UnknownTx {
        /// The id asked for.
        id: i64,
    },
    /// No attempt has this id.
    #[error("no attempt {id} in the keeper store — use an id returned by add_attempt")]
    UnknownAttempt {
        /// The id asked for.
        id: i64,
    },
    /// An attempt with this hash is already stored.
    #[error(
        "attempt {hash} is already stored — sign a new attempt (another fee or purpose) instead \
         of adding the same one twice"
    )]
    DuplicateAttempt {
        /// The transaction hash.
        hash: B256,
    },
    /// An integer does not fit the store's signed 64-bit INTEGER.
    #[error(
        "{field} = {value} does not fit the store's signed 64-bit integers (at most {max}) — the \
         value is out of range; check where it came from",
        max = i64::MAX
    )]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The value.
        value: u64,
    },
    /// A record is inconsistent with itself.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, dotted (`perform.charge_token`).
        field: &'static str,
        /// What is wrong and what to do.
        reason: &'static str,
    },
    /// A stored value cannot be read back.
    #[error(
        "corrupt value {value:?} in {table}.{column} — the store was edited by hand or written \
         by a newer keeper: restore it from a backup, or set [keeper] store to a fresh path"
    )]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The value found (or why it could not be decoded).
        value: String,
    },
    /// A sum in the summary exceeds 256 bits.
    #[error("{what} overflow 256 bits — the store holds absurd amounts; check the recorded logs")]
    Overflow {
        /// What was being summed.
        what: &'static str,
    },
}

impl StoreError {
    /// Wraps a driver error with the operation that failed.
    pub(super) fn db(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Database { op, source }
    }
}

/// Shorthand for results of the store.
pub type StoreResult<T> = Result<T, StoreError>;

/// A text that names no value of one of the store's enums.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?} — expected one of: {}", .expected.join(", "))]
pub struct UnknownValue {
    /// The enum (`source`, `tx state`, …).
    pub kind: &'static str,
    /// The text given.
    pub value: String,
    /// The accepted texts.
    pub expected: &'static [&'static str],
}
