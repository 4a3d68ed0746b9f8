//! The relay's sends (migration 0005): one row per (chain, sink, order hash), written before the
//! first POST and finished exactly once — delivered (2xx), refused (4xx, with the answer), failed
//! (out of tries) or expired (never sent after its expiry).
//!
//! [`Store::relay_enqueue`] inserts a bundle's rows in one transaction and ignores a row it
//! already has, so reading the same bundle twice (a restart before the cursor moved) sends
//! nothing twice. A row is `pending` until finished; [`Store::relay_due`] lists the pending rows
//! whose `next_at_ms` has come.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256};

use super::{
    Store,
    codec::{Cols, addr, hash, int, now_ms, text_enum},
    error::{StoreError, StoreResult},
};

text_enum! {
    /// Where a relayed order stands at one sink.
    RelayState, "relay state" {
        /// Not yet delivered; due at `next_at_ms`.
        Pending => "pending",
        /// The sink answered 2xx.
        Delivered => "delivered",
        /// The sink answered 4xx (not retried).
        Refused => "refused",
        /// Out of tries (5xx, timeouts).
        Failed => "failed",
        /// Its expiry passed before it was delivered (not sent after it).
        Expired => "expired",
    }
}

/// A row to record before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelaySend {
    /// The chain.
    pub chain_id: u64,
    /// The sink's name.
    pub sink: String,
    /// The order's hash.
    pub order_hash: B256,
    /// Its maker.
    pub balancer: Address,
    /// The bundle's epoch.
    pub epoch: u32,
    /// The order's index in the bundle.
    pub order_index: u32,
    /// Its expiry, unix s.
    pub expiry: u64,
    /// The block of its `OrdersPublished`.
    pub published_block: u64,
    /// The JSON body to post.
    pub payload: String,
}

/// A stored send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelaySend {
    /// Row id.
    pub id: i64,
    /// The sink's name.
    pub sink: String,
    /// The order's hash.
    pub order_hash: B256,
    /// Its maker.
    pub balancer: Address,
    /// The bundle's epoch.
    pub epoch: u32,
    /// The order's index.
    pub order_index: u32,
    /// Its expiry, unix s.
    pub expiry: u64,
    /// Its `OrdersPublished` block.
    pub published_block: u64,
    /// The JSON body.
    pub payload: String,
    /// Where it stands.
    pub state: RelayState,
    /// POSTs tried.
    pub attempts: u32,
    /// Due from (unix ms).
    pub next_at_ms: i64,
    /// The last HTTP status.
    pub status: Option<u16>,
    /// The last answer.
    pub response: Option<String>,
    /// When it was recorded (unix ms).
    pub created_at_ms: i64,
    /// When it was finished (unix ms).
    pub done_at_ms: Option<i64>,
}

/// The longest answer kept (bytes); the rest is cut.
const MAX_RESPONSE: usize = 2_000;

fn cut(s: &str) -> String {
    if s.len() <= MAX_RESPONSE {
        return s.to_string();
    }
    let mut end = MAX_RESPONSE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The columns [`read`] reads (a macro, so every query stays one static string).
macro_rules! columns {
    () => {
        "id, sink, order_hash, balancer, epoch, order_index, expiry, published_block, payload, \
         state, attempts, next_at_ms, status, response, created_at_ms, done_at_ms"
    };
}

fn read(row: &sqlx::sqlite::SqliteRow) -> StoreResult<RelaySend> {
    let c = Cols::new(row, "relay_sends");
    Ok(RelaySend {
        id: c.id("id")?,
        sink: c.text("sink")?,
        order_hash: c.parse("order_hash")?,
        balancer: c.parse("balancer")?,
        epoch: c.small("epoch")?,
        order_index: c.small("order_index")?,
        expiry: c.u64("expiry")?,
        published_block: c.u64("published_block")?,
        payload: c.text("payload")?,
        state: c.parse("state")?,
        attempts: c.small("attempts")?,
        next_at_ms: c.id("next_at_ms")?,
        status: c
            .opt_u64("status")?
            .map(|s| u16::try_from(s).unwrap_or(u16::MAX)),
        response: c.opt_text("response")?,
        created_at_ms: c.id("created_at_ms")?,
        done_at_ms: {
            let v: Option<u64> = c.opt_u64("done_at_ms")?;
            v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
        },
    })
}

impl Store {
    /// Records `rows` (one bundle's orders for every sink) in one transaction, each `pending`
    /// and due now; a row already recorded is left as it is. Returns how many were new.
    pub async fn relay_enqueue(&self, rows: &[NewRelaySend]) -> StoreResult<u64> {
        const OP: &str = "relay_enqueue";
        let now = now_ms();
        let mut db = self.pool.begin().await.map_err(StoreError::db(OP))?;
        let mut new = 0;
        for r in rows {
            let done = sqlx::query(
                "INSERT INTO relay_sends (chain_id, sink, order_hash, balancer, epoch, order_index, \
                 expiry, published_block, payload, state, attempts, next_at_ms, created_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', 0, ?10, ?10) \
                 ON CONFLICT (chain_id, sink, order_hash) DO NOTHING",
            )
            .bind(int("chain_id", r.chain_id)?)
            .bind(&r.sink)
            .bind(hash(r.order_hash))
            .bind(addr(r.balancer))
            .bind(i64::from(r.epoch))
            .bind(i64::from(r.order_index))
            .bind(int("expiry", r.expiry)?)
            .bind(int("published_block", r.published_block)?)
            .bind(&r.payload)
            .bind(now)
            .execute(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
            new += done.rows_affected();
        }
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(new)
    }

    /// Pending rows due at `now_ms`, oldest first, at most `limit`.
    pub async fn relay_due(
        &self,
        chain_id: u64,
        now_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<RelaySend>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM relay_sends WHERE chain_id = ?1 AND state = 'pending' AND next_at_ms <= ?2 \
             ORDER BY next_at_ms, id LIMIT ?3"
        ))
        .bind(int("chain_id", chain_id)?)
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("relay_due"))?;
        rows.iter().map(read).collect()
    }

    /// Every row of `chain_id`, in order of recording.
    pub async fn relay_sends(&self, chain_id: u64) -> StoreResult<Vec<RelaySend>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM relay_sends WHERE chain_id = ?1 ORDER BY id"
        ))
        .bind(int("chain_id", chain_id)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("relay_sends"))?;
        rows.iter().map(read).collect()
    }

    /// Rows by (sink, state).
    pub async fn relay_counts(
        &self,
        chain_id: u64,
    ) -> StoreResult<BTreeMap<(String, RelayState), u64>> {
        let rows = sqlx::query(
            "SELECT sink, state, COUNT(*) AS n FROM relay_sends WHERE chain_id = ?1 \
             GROUP BY sink, state",
        )
        .bind(int("chain_id", chain_id)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("relay_counts"))?;
        rows.iter()
            .map(|row| {
                let c = Cols::new(row, "relay_sends");
                Ok(((c.text("sink")?, c.parse("state")?), c.u64("n")?))
            })
            .collect()
    }

    /// Counts one more try of pending row `id` before its POST goes out, and sets when it is
    /// due again should that POST never be answered (`retry_at_ms`). Returns `false` when the
    /// row is no longer pending (nothing must be sent).
    pub async fn relay_begin(&self, id: i64, retry_at_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE relay_sends SET attempts = attempts + 1, next_at_ms = ?2 \
             WHERE id = ?1 AND state = 'pending'",
        )
        .bind(id)
        .bind(retry_at_ms)
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("relay_begin"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Finishes pending row `id` as `state` (not `pending`) with the sink's answer. Returns
    /// `false` when it was already finished.
    pub async fn relay_finish(
        &self,
        id: i64,
        state: RelayState,
        status: Option<u16>,
        response: &str,
    ) -> StoreResult<bool> {
        if state == RelayState::Pending {
            return Err(StoreError::Invalid {
                field: "relay_sends.state",
                reason: "a row is finished as delivered, refused, failed or expired, not pending",
            });
        }
        let done = sqlx::query(
            "UPDATE relay_sends SET state = ?2, status = ?3, response = ?4, done_at_ms = ?5 \
             WHERE id = ?1 AND state = 'pending'",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(status.map(i64::from))
        .bind(cut(response))
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("relay_finish"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Leaves pending row `id` pending with the answer of a try that failed, due at `next_at_ms`.
    pub async fn relay_retry(
        &self,
        id: i64,
        next_at_ms: i64,
        status: Option<u16>,
        response: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE relay_sends SET next_at_ms = ?2, status = ?3, response = ?4 \
             WHERE id = ?1 AND state = 'pending'",
        )
        .bind(id)
        .bind(next_at_ms)
        .bind(status.map(i64::from))
        .bind(cut(response))
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("relay_retry"))?;
        Ok(())
    }
}
