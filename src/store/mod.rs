//! The keeper's embedded store: what it sent, what it saw on chain, and where it stopped reading.
//!
//! One [`Store`] (cheap to clone: a connection pool) on SQLite, behind an interface with no
//! driver types in it, so a PostgreSQL backend can be added for several keepers on one database
//! without changing callers. The schema lives in `src/store/migrations/NNNN_name.sql` and is
//! applied on [`Store::open`]; an applied migration is never edited — a change is a new file.
//!
//! # Tables
//! - `nonces`: one counter per (chain, sender), the next nonce the keeper will use. It is
//!   **never lowered**: [`Store::sync_nonce`] stores `max(stored, chain pending)`, and only
//!   [`Store::create_tx`] moves it, by reserving one nonce for each transaction it creates.
//! - `txs`: one row per transaction the keeper created — a piece of *work* at one nonce.
//! - `attempts`: every signed envelope for a transaction (the original, fee bumps, cancels),
//!   written **before** it is broadcast, so a restarted keeper knows every hash that may be mined.
//! - `refusals`: work the keeper did not send because a live transaction already covers it.
//! - `performs`, `rounds`, `fills`: telemetry decoded from logs, one row per log, whoever sent
//!   the transaction; `failures`: what went wrong and at which stage.
//! - `cursors`: the last block each log reader has processed, per chain.
//! - `hub_requests`, `hub_batches`: a hub's requests (from its depository's logs) and the batches
//!   it planned, each written before its transaction exists (see [`hub`]).
//! - `relay_sends`: every published order the relay sends, one row per (sink, order hash),
//!   written before the first POST (see [`relay`]).
//!
//! # States
//! A transaction is created [`Pending`](TxState::Pending) and finished exactly once
//! ([`Store::finish_tx`]) as [`Confirmed`](TxState::Confirmed) (mined, status 1),
//! [`Reverted`](TxState::Reverted) (mined, status 0), [`Cancelled`](TxState::Cancelled) (our
//! 0-value cancel was mined at its nonce) or [`Failed`](TxState::Failed) (given up). An attempt
//! is [`Signed`](AttemptState::Signed) when stored, [`Broadcast`](AttemptState::Broadcast) once
//! a node accepted it (counted per broadcast), or [`Error`](AttemptState::Error) with the node's
//! message.
//!
//! # The idempotency rule
//! `work` names one piece of work, e.g. `perform/31337/0xabc…/epoch/7`. [`Store::create_tx`]
//! runs in one atomic transaction (`BEGIN IMMEDIATE`: concurrent callers are serialised): if a
//! transaction for this work is `Pending` or `Confirmed` it returns
//! [`Creation::Refused`] with that transaction and writes nothing; otherwise it takes the
//! stored nonce (which [`Store::sync_nonce`] must have created), increments the counter and
//! inserts the transaction as `Pending` with `work_key = "{work}#{n}"`, `n` being one more than
//! the number of earlier transactions for the work (all finished without effect: reverted,
//! cancelled or failed). `work_key` and (chain, sender, nonce) are unique, and a partial unique
//! index allows at most one live (pending or confirmed) transaction per work, so the database
//! enforces the rule even against a caller that bypasses `create_tx`.
//!
//! A nonce whose transaction is given up without being mined leaves a gap on chain: the keeper
//! closes it with a [`Cancel`](AttemptPurpose::Cancel) attempt on that same transaction (same
//! row, same nonce), which then finishes `Cancelled`.
//!
//! Telemetry is idempotent on (chain, transaction hash, log index): recording the same log
//! twice (a re-read after a restart or a reorg) returns `false` and counts once.
//!
//! # A second keeper on PostgreSQL
//! Callers would not change; the backend would need: the same tables in a `postgres`
//! migrations folder (`BIGINT` for INTEGER, `BYTEA` for BLOB, `BIGSERIAL` ids); `GREATEST`
//! where SQLite's `sync_nonce` uses the two-argument `MAX`; and, in place of `BEGIN IMMEDIATE`
//! (which locks the whole SQLite file), row locks that serialise exactly what must be: `SELECT …
//! FOR UPDATE` on the `nonces` row of (chain, sender), and `pg_advisory_xact_lock` on a hash of
//! `work` — two keepers with different senders may race for the same work (the partial unique
//! index makes the loser's insert fail rather than duplicate it; the loser then reads a
//! refusal). Each keeper needs its own sender (one nonce sequence per key), and log cursors need
//! a per-keeper `name` or a shared reader.

mod bands;
mod codec;
mod cursor;
mod error;
mod funding;
mod hub;
mod hub_batches;
mod hub_offers;
mod relay;
mod report;
mod summary;
mod telemetry;
#[cfg(test)]
mod tests;
mod tx_types;
mod txs;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use bands::{BandChangeRecord, BandChangeState, DriftSample, NewBandChange};
pub use error::{StoreError, StoreResult, UnknownValue};
pub use funding::{Charges, FundingEnd, FundingRecord, FundingState, NewFunding};
pub use hub::{
    HubBatchEnd, HubBatchRecord, HubBatchState, HubRequestRecord, HubRequestState, NewHubBatch,
};
pub use hub_offers::{HubOfferState, HubPullOffer, OfferDiff};
pub use relay::{NewRelaySend, RelaySend, RelayState};
pub use report::{ChargeRecord, FillQuote, ReportPerform, UpkeepSample};
pub use summary::StoreSummary;
pub use telemetry::{FailureRecord, FailureStage, FillRecord, PerformRecord, RoundRecord, Source};
pub use tx_types::{
    AttemptPurpose, AttemptRecord, AttemptState, Creation, Finish, NewAttempt, NewTx, TxKind,
    TxRecord, TxState,
};

/// How long a connection waits for another one's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections to a file store (SQLite has one writer at a time; readers run beside it in WAL).
const FILE_CONNECTIONS: u32 = 4;

/// The schema, embedded at build time and applied on open.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations");

/// The keeper's store: a pool of connections to one database. Clones share the pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    location: Arc<str>,
}

impl Store {
    /// Opens (creating it, and its parent folders, if missing) the store at `location`: a
    /// filesystem path, or a `sqlite:` URL (`sqlite:keeper.db`, `sqlite::memory:`); then applies
    /// the pending migrations.
    pub async fn open(location: &str) -> StoreResult<Store> {
        let given = location.trim();
        if given.is_empty() {
            return Err(open_error(location, "the path is empty"));
        }
        if is_in_memory(given) {
            let url = if given.starts_with("sqlite:") {
                given
            } else {
                "sqlite::memory:"
            };
            return Self::open_memory(url, location).await;
        }
        let options = if given.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(given).map_err(|e| open_error(location, e))?
        } else {
            SqliteConnectOptions::new().filename(given)
        };
        let path = options.get_filename().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await.map_err(|e| {
                open_error(
                    location,
                    format!("cannot create the folder {}: {e}", parent.display()),
                )
            })?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed nonce reservation or attempt survives a power cut before the
            // broadcast that follows it.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(FILE_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|e| open_error(location, e))?;
        Self::ready(pool, location).await
    }

    /// Opens a fresh, private in-memory store (for tests and dry runs): gone when dropped.
    pub async fn open_in_memory() -> StoreResult<Store> {
        Self::open_memory("sqlite::memory:", ":memory:").await
    }

    /// An in-memory database lives as long as its connection: a pool of exactly one, never
    /// recycled, which also serialises every caller.
    async fn open_memory(url: &str, location: &str) -> StoreResult<Store> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| open_error(location, e))?
            .journal_mode(SqliteJournalMode::Memory)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| open_error(location, e))?;
        Self::ready(pool, location).await
    }

    async fn ready(pool: SqlitePool, location: &str) -> StoreResult<Store> {
        let store = Store {
            pool,
            location: Arc::from(location),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations not yet applied (a no-op when the schema is current).
    pub(crate) async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migrate {
                location: self.location.to_string(),
                reason: e.to_string(),
            })
    }

    /// The path or URL the store was opened at (`:memory:` for [`Store::open_in_memory`]).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Closes every connection (waiting for running queries); later calls fail. Dropping the
    /// last clone closes the pool too, without waiting.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Whether a location names an in-memory database.
fn is_in_memory(location: &str) -> bool {
    location == ":memory:"
        || location.starts_with("sqlite::memory:")
        || location.starts_with("sqlite://:memory:")
        || (location.starts_with("sqlite:") && location.contains("mode=memory"))
}

fn open_error(location: &str, reason: impl ToString) -> StoreError {
    StoreError::Open {
        location: location.to_owned(),
        reason: reason.to_string(),
    }
}
