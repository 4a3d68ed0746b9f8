//! The hub's requests and batches (`HubDepository`): requests indexed from its logs (here), and
//! each batch ([`super::hub_batches`]) written **before** its transaction exists, with its
//! requests marked `batched` in the same database transaction. A restarted hub keeper finds the
//! open batch (at most one per depository, enforced by a partial unique index), asks the
//! transaction manager what became of it, and either waits, settles it, or gives its requests
//! back: a request is never lost and never served twice.
//!
//! A request moves `pending → batched → settled`, or `pending → cancelled | expired`; a failed
//! batch moves its requests `batched → pending` (and its pull offers back to `open`, see
//! [`super::hub_offers`]). Recording a log twice changes nothing.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, U256};
use sqlx::Row;

use super::Store;
use super::codec::{Cols, addr, int, now_ms, text_enum};
use super::error::{StoreError, StoreResult};

text_enum! {
    /// Where a hub request is.
    HubRequestState, "hub request state" {
        /// Waiting for a batch.
        Pending => "pending",
        /// In the open batch.
        Batched => "batched",
        /// Served on chain.
        Settled => "settled",
        /// Cancelled by its user.
        Cancelled => "cancelled",
        /// Past its deadline, unserved.
        Expired => "expired",
    }
}

text_enum! {
    /// Where a hub batch is.
    HubBatchState, "hub batch state" {
        /// Written, its transaction not yet created.
        Planned => "planned",
        /// Its transaction exists (the transaction manager owns it).
        Sent => "sent",
        /// Mined and successful.
        Settled => "settled",
        /// Reverted, cancelled or given up: its requests went back to pending.
        Failed => "failed",
    }
}

/// One request, as the depository's `RebalanceRequested` gave it, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRequestRecord {
    /// The chain.
    pub chain_id: u64,
    /// The depository.
    pub depository: Address,
    /// The request id (full width).
    pub id: U256,
    /// Who asked.
    pub user: Address,
    /// The token.
    pub token: Address,
    /// Base units to move into the user's account.
    pub amount: U256,
    /// The largest fee the user accepts.
    pub max_fee: U256,
    /// The deadline, unix s.
    pub deadline: u64,
    /// The request's block time, unix s.
    pub requested_at: u64,
    /// Its block.
    pub requested_block: u64,
    /// Where it is.
    pub state: HubRequestState,
    /// The batch round that holds or served it.
    pub round: Option<U256>,
    /// The fee planned (batched) or paid (settled).
    pub fee: Option<U256>,
    /// When it was served, unix s.
    pub settled_at: Option<u64>,
    /// The block it was served in.
    pub settled_block: Option<u64>,
    /// Why the last plan left it out (`below_soft_limit`, …), while pending.
    pub skip_code: Option<String>,
    /// The reason's figures.
    pub skip_detail: Option<String>,
}

/// A batch about to be sent: its round, work key, requests (with their planned fees) and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHubBatch {
    /// The chain.
    pub chain_id: u64,
    /// The depository.
    pub depository: Address,
    /// The transaction manager's work key.
    pub work: String,
    /// The hub's round it settles.
    pub round: U256,
    /// Each request and the fee it pays.
    pub requests: Vec<(U256, U256)>,
    /// The hub that sends it.
    pub hub: Address,
    /// The gas price (wei) its fees were planned at.
    pub gas_price: U256,
    /// The pull offers it applies first: (user, nonce) of the hub's accounts, each `open`
    /// until now.
    pub offers: Vec<(Address, U256)>,
}

/// A batch and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubBatchRecord {
    /// The row id.
    pub id: i64,
    /// The chain.
    pub chain_id: u64,
    /// The depository.
    pub depository: Address,
    /// The transaction manager's work key.
    pub work: String,
    /// The round.
    pub round: U256,
    /// Where it is.
    pub state: HubBatchState,
    /// Its requests.
    pub requests: Vec<U256>,
    /// Pushes.
    pub pushes: u32,
    /// Pulls.
    pub pulls: u32,
    /// Total fees per token.
    pub fees: BTreeMap<Address, U256>,
    /// Gas used, once mined.
    pub gas_used: Option<u64>,
    /// Effective gas price, wei, once mined.
    pub gas_price: Option<U256>,
    /// The gas price its fees were planned at, wei.
    pub planned_gas_price: Option<U256>,
    /// The mined transaction.
    pub tx_hash: Option<B256>,
    /// Its block.
    pub block: Option<u64>,
    /// Why it failed.
    pub reason: Option<String>,
    /// When it was planned, unix ms.
    pub created_at_ms: i64,
}

/// How a batch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubBatchEnd {
    /// `Settled` or `Failed`.
    pub state: HubBatchState,
    /// The mined transaction, if any.
    pub tx_hash: Option<B256>,
    /// Its block.
    pub block: Option<u64>,
    /// Its block time, unix s (settled requests' `settled_at`).
    pub block_time: Option<u64>,
    /// Gas used.
    pub gas_used: Option<u64>,
    /// Effective gas price, wei.
    pub gas_price: Option<U256>,
    /// Why it failed.
    pub reason: Option<String>,
}

/// The columns a [`HubRequestRecord`] is read from (a macro, so queries stay static strings).
macro_rules! request_columns {
    () => {
        "chain_id, depository, id, user, token, amount, max_fee, deadline, requested_at, \
         requested_block, state, round, fee, settled_at, settled_block, skip_code, skip_detail"
    };
}

impl Store {
    /// Records a request from its `RebalanceRequested` log; `false` when it was known already.
    pub async fn hub_record_request(&self, r: &HubRequestRecord) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO hub_requests (chain_id, depository, id, user, token, amount, max_fee, \
               deadline, requested_at, requested_block, state, updated_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
             ON CONFLICT (chain_id, depository, id) DO NOTHING",
        )
        .bind(int("chain_id", r.chain_id)?)
        .bind(addr(r.depository))
        .bind(r.id.to_string())
        .bind(addr(r.user))
        .bind(addr(r.token))
        .bind(r.amount.to_string())
        .bind(r.max_fee.to_string())
        .bind(int("deadline", r.deadline)?)
        .bind(int("requested_at", r.requested_at)?)
        .bind(int("requested_block", r.requested_block)?)
        .bind(r.state.as_str())
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("hub_record_request"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Its user cancelled request `id` (`RequestCancelled`): cancelled unless already served.
    pub async fn hub_request_cancelled(
        &self,
        chain_id: u64,
        depository: Address,
        id: U256,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE hub_requests SET state = 'cancelled', skip_code = NULL, skip_detail = NULL, \
               updated_at_ms = ?4 \
             WHERE chain_id = ?1 AND depository = ?2 AND id = ?3 AND state <> 'settled' \
               AND state <> 'cancelled'",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .bind(id.to_string())
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("hub_request_cancelled"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Request `id` was served (`RebalanceSettled`) for `fee` at `block` (time `at`).
    pub async fn hub_request_settled(
        &self,
        chain_id: u64,
        depository: Address,
        id: U256,
        fee: U256,
        block: u64,
        at: u64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE hub_requests SET state = 'settled', fee = ?4, settled_block = ?5, \
               settled_at = ?6, skip_code = NULL, skip_detail = NULL, updated_at_ms = ?7 \
             WHERE chain_id = ?1 AND depository = ?2 AND id = ?3 AND state <> 'settled'",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .bind(id.to_string())
        .bind(fee.to_string())
        .bind(int("block", block)?)
        .bind(int("settled_at", at)?)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("hub_request_settled"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Pending requests whose deadline is before `now` become expired; returns how many.
    pub async fn hub_expire(
        &self,
        chain_id: u64,
        depository: Address,
        now: u64,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE hub_requests SET state = 'expired', skip_code = NULL, skip_detail = NULL, \
               updated_at_ms = ?4 \
             WHERE chain_id = ?1 AND depository = ?2 AND state = 'pending' AND deadline < ?3",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .bind(int("now", now)?)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("hub_expire"))?;
        Ok(done.rows_affected())
    }

    /// The requests of `depository` in `states` (all when empty), oldest first.
    pub async fn hub_requests(
        &self,
        chain_id: u64,
        depository: Address,
        states: &[HubRequestState],
    ) -> StoreResult<Vec<HubRequestRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM hub_requests WHERE chain_id = ?1 AND depository = ?2 \
             ORDER BY requested_block, CAST(id AS INTEGER), id"
        ))
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("hub_requests"))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let r = request_from_row(row)?;
            if states.is_empty() || states.contains(&r.state) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Writes the last plan's reasons: every pending request's reason is cleared, then `skips`
    /// (request, code, detail) are set.
    pub async fn hub_set_skips(
        &self,
        chain_id: u64,
        depository: Address,
        skips: &[(U256, String, String)],
    ) -> StoreResult<()> {
        const OP: &str = "hub_set_skips";
        let mut db = self.pool.begin().await.map_err(StoreError::db(OP))?;
        sqlx::query(
            "UPDATE hub_requests SET skip_code = NULL, skip_detail = NULL \
             WHERE chain_id = ?1 AND depository = ?2 AND state = 'pending'",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .execute(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        for (id, code, detail) in skips {
            sqlx::query(
                "UPDATE hub_requests SET skip_code = ?4, skip_detail = ?5 \
                 WHERE chain_id = ?1 AND depository = ?2 AND id = ?3 AND state = 'pending'",
            )
            .bind(int("chain_id", chain_id)?)
            .bind(addr(depository))
            .bind(id.to_string())
            .bind(code)
            .bind(detail)
            .execute(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
        }
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(())
    }
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt {
        table: "hub_batches",
        column: "json",
        value: e.to_string(),
    })
}

fn request_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<HubRequestRecord> {
    let c = Cols::new(row, "hub_requests");
    Ok(HubRequestRecord {
        chain_id: c.u64("chain_id")?,
        depository: c.parse("depository")?,
        id: c.u256("id")?,
        user: c.parse("user")?,
        token: c.parse("token")?,
        amount: c.u256("amount")?,
        max_fee: c.u256("max_fee")?,
        deadline: c.u64("deadline")?,
        requested_at: c.u64("requested_at")?,
        requested_block: c.u64("requested_block")?,
        state: c.parse("state")?,
        round: opt_u256(&c, row, "round")?,
        fee: opt_u256(&c, row, "fee")?,
        settled_at: c.opt_u64("settled_at")?,
        settled_block: c.opt_u64("settled_block")?,
        skip_code: c.opt_text("skip_code")?,
        skip_detail: c.opt_text("skip_detail")?,
    })
}

pub(super) fn opt_u256(
    c: &Cols<'_>,
    row: &sqlx::sqlite::SqliteRow,
    column: &'static str,
) -> StoreResult<Option<U256>> {
    let present: Option<String> = row.try_get(column).map_err(StoreError::db("hub row"))?;
    match present {
        None => Ok(None),
        Some(_) => c.u256(column).map(Some),
    }
}
