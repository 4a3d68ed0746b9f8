//! Nonces, work and attempts: the keeper's own transactions, from reservation to their end.

use alloy::primitives::Address;

use super::Store;
use super::codec::{Cols, addr, hash, int, now_ms};
use super::error::{StoreError, StoreResult};
use super::tx_types::{
    AttemptRecord, AttemptState, Creation, Finish, NewAttempt, NewTx, TxRecord, TxState,
    attempt_from_row, load_tx, with_attempts,
};

impl Store {
    /// Stores and returns the next nonce of `sender` on `chain_id`: the larger of the stored one
    /// and `chain_pending` (the chain's pending nonce). The counter is never lowered.
    pub async fn sync_nonce(
        &self,
        chain_id: u64,
        sender: Address,
        chain_pending: u64,
    ) -> StoreResult<u64> {
        let row = sqlx::query(
            "INSERT INTO nonces (chain_id, sender, next_nonce, updated_at_ms) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (chain_id, sender) DO UPDATE SET \
               next_nonce = MAX(next_nonce, excluded.next_nonce), \
               updated_at_ms = excluded.updated_at_ms \
             RETURNING next_nonce",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(sender))
        .bind(int("chain_pending", chain_pending)?)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::db("sync_nonce"))?;
        Cols::new(&row, "nonces").u64("next_nonce")
    }

    /// The next nonce stored for `sender` on `chain_id`, if [`Store::sync_nonce`] ran.
    pub async fn next_nonce(&self, chain_id: u64, sender: Address) -> StoreResult<Option<u64>> {
        let row = sqlx::query("SELECT next_nonce FROM nonces WHERE chain_id = ?1 AND sender = ?2")
            .bind(int("chain_id", chain_id)?)
            .bind(addr(sender))
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::db("next_nonce"))?;
        row.map(|row| Cols::new(&row, "nonces").u64("next_nonce"))
            .transpose()
    }

    /// Creates a `Pending` transaction for `new.work` at the sender's next nonce, or refuses
    /// because a pending or confirmed one exists; atomically (see the module docs).
    pub async fn create_tx(&self, new: NewTx) -> StoreResult<Creation> {
        const OP: &str = "create_tx";
        let chain_id = int("chain_id", new.chain_id)?;
        let gas_limit = int("gas_limit", new.gas_limit)?;
        let created_block = int("created_block", new.created_block)?;
        let sender = addr(new.sender);
        // IMMEDIATE takes the write lock first: the check and the insert see the same database.
        let mut db = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::db(OP))?;

        let live = sqlx::query(
            "SELECT id FROM txs WHERE work = ?1 AND state IN (?2, ?3) ORDER BY id LIMIT 1",
        )
        .bind(&new.work)
        .bind(TxState::Pending.as_str())
        .bind(TxState::Confirmed.as_str())
        .fetch_optional(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        if let Some(row) = live {
            let id = Cols::new(&row, "txs").id("id")?;
            let existing = load_tx(&mut db, id, OP)
                .await?
                .ok_or(StoreError::UnknownTx { id })?;
            db.rollback().await.map_err(StoreError::db(OP))?;
            return Ok(Creation::Refused { existing });
        }

        let counter =
            sqlx::query("SELECT next_nonce FROM nonces WHERE chain_id = ?1 AND sender = ?2")
                .bind(chain_id)
                .bind(&sender)
                .fetch_optional(&mut *db)
                .await
                .map_err(StoreError::db(OP))?;
        let Some(counter) = counter else {
            return Err(StoreError::NonceNotSynced {
                chain_id: new.chain_id,
                sender: new.sender,
            });
        };
        let nonce = Cols::new(&counter, "nonces").u64("next_nonce")?;
        let next = int("next_nonce", nonce.saturating_add(1))?;

        let earlier = sqlx::query("SELECT COUNT(*) AS n FROM txs WHERE work = ?1")
            .bind(&new.work)
            .fetch_one(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
        let n = Cols::new(&earlier, "txs").u64("n")? + 1;

        sqlx::query(
            "UPDATE nonces SET next_nonce = ?3, updated_at_ms = ?4 \
             WHERE chain_id = ?1 AND sender = ?2",
        )
        .bind(chain_id)
        .bind(&sender)
        .bind(next)
        .bind(now_ms())
        .execute(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;

        let row = sqlx::query(
            "INSERT INTO txs (chain_id, sender, nonce, work, work_key, kind, to_address, data, \
               value, gas_limit, state, created_block, created_at_ms, label) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
             RETURNING id",
        )
        .bind(chain_id)
        .bind(&sender)
        .bind(int("nonce", nonce)?)
        .bind(&new.work)
        .bind(format!("{}#{n}", new.work))
        .bind(new.kind.as_str())
        .bind(addr(new.to))
        .bind(new.data.to_vec())
        .bind(new.value.to_string())
        .bind(gas_limit)
        .bind(TxState::Pending.as_str())
        .bind(created_block)
        .bind(now_ms())
        .bind(&new.label)
        .fetch_one(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        let id = Cols::new(&row, "txs").id("id")?;
        let created = load_tx(&mut db, id, OP)
            .await?
            .ok_or(StoreError::UnknownTx { id })?;
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(Creation::Created(created))
    }

    /// Stores a signed attempt for a pending transaction; call it BEFORE broadcasting, so every
    /// hash that may be mined is known after a restart.
    pub async fn add_attempt(&self, tx_id: i64, a: NewAttempt) -> StoreResult<AttemptRecord> {
        const OP: &str = "add_attempt";
        let created_block = int("created_block", a.created_block)?;
        let mut db = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::db(OP))?;
        let state = tx_state(&mut db, tx_id, OP).await?;
        if state != TxState::Pending {
            return Err(StoreError::NotPending { id: tx_id, state });
        }
        let row = sqlx::query(
            "INSERT INTO attempts (tx_id, hash, raw, purpose, max_fee_per_gas, \
               max_priority_fee_per_gas, state, broadcasts, created_block, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9) \
             RETURNING *",
        )
        .bind(tx_id)
        .bind(hash(a.hash))
        .bind(a.raw.to_vec())
        .bind(a.purpose.as_str())
        .bind(a.max_fee_per_gas.to_string())
        .bind(a.max_priority_fee_per_gas.to_string())
        .bind(AttemptState::Signed.as_str())
        .bind(created_block)
        .bind(now_ms())
        .fetch_one(&mut *db)
        .await
        .map_err(|e| match e.as_database_error() {
            Some(d) if d.is_unique_violation() => StoreError::DuplicateAttempt { hash: a.hash },
            _ => StoreError::Database { op: OP, source: e },
        })?;
        let attempt = attempt_from_row(&row)?;
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(attempt)
    }

    /// Records that a node accepted the attempt at `block`: state `Broadcast`, one more
    /// broadcast, `last_broadcast_block = block`.
    pub async fn mark_broadcast(&self, attempt_id: i64, block: u64) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE attempts SET state = ?2, broadcasts = broadcasts + 1, \
               last_broadcast_block = ?3 WHERE id = ?1",
        )
        .bind(attempt_id)
        .bind(AttemptState::Broadcast.as_str())
        .bind(int("block", block)?)
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("mark_broadcast"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::UnknownAttempt { id: attempt_id });
        }
        Ok(())
    }

    /// Records that broadcasting the attempt failed: state `Error`, with the node's message.
    pub async fn mark_attempt_error(&self, attempt_id: i64, error: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE attempts SET state = ?2, error = ?3 WHERE id = ?1")
            .bind(attempt_id)
            .bind(AttemptState::Error.as_str())
            .bind(error)
            .execute(&self.pool)
            .await
            .map_err(StoreError::db("mark_attempt_error"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::UnknownAttempt { id: attempt_id });
        }
        Ok(())
    }

    /// Finishes a pending transaction, exactly once: its final state, the mined attempt's hash,
    /// the block and the gas used. A transaction that is not pending is
    /// [`StoreError::NotPending`].
    pub async fn finish_tx(&self, tx_id: i64, fin: Finish) -> StoreResult<()> {
        const OP: &str = "finish_tx";
        if fin.state == TxState::Pending {
            return Err(StoreError::FinishPending { id: tx_id });
        }
        let done = sqlx::query(
            "UPDATE txs SET state = ?2, final_hash = ?3, final_block = ?4, gas_used = ?5 \
             WHERE id = ?1 AND state = ?6",
        )
        .bind(tx_id)
        .bind(fin.state.as_str())
        .bind(fin.mined_hash.map(hash))
        .bind(super::codec::opt_int("block", fin.block)?)
        .bind(super::codec::opt_int("gas_used", fin.gas_used)?)
        .bind(TxState::Pending.as_str())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db(OP))?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await.map_err(StoreError::db(OP))?;
        let state = tx_state(&mut conn, tx_id, OP).await?;
        Err(StoreError::NotPending { id: tx_id, state })
    }

    /// The sender's pending transactions on `chain_id`, by nonce, each with its attempts.
    pub async fn open_txs(&self, chain_id: u64, sender: Address) -> StoreResult<Vec<TxRecord>> {
        const OP: &str = "open_txs";
        let mut db = self.pool.begin().await.map_err(StoreError::db(OP))?;
        let rows = sqlx::query(
            "SELECT * FROM txs WHERE chain_id = ?1 AND sender = ?2 AND state = ?3 ORDER BY nonce",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(sender))
        .bind(TxState::Pending.as_str())
        .fetch_all(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        let txs = with_attempts(&mut db, &rows, OP).await?;
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(txs)
    }

    /// One transaction with its attempts.
    pub async fn tx(&self, tx_id: i64) -> StoreResult<Option<TxRecord>> {
        const OP: &str = "tx";
        let mut db = self.pool.begin().await.map_err(StoreError::db(OP))?;
        let tx = load_tx(&mut db, tx_id, OP).await?;
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(tx)
    }

    /// Every transaction for a piece of work, oldest first, each with its attempts.
    pub async fn txs_for_work(&self, work: &str) -> StoreResult<Vec<TxRecord>> {
        const OP: &str = "txs_for_work";
        let mut db = self.pool.begin().await.map_err(StoreError::db(OP))?;
        let rows = sqlx::query("SELECT * FROM txs WHERE work = ?1 ORDER BY id")
            .bind(work)
            .fetch_all(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
        let txs = with_attempts(&mut db, &rows, OP).await?;
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(txs)
    }

    /// Records a duplicate the keeper did NOT send: `work` was refused because a live
    /// transaction covers it (`reason` says which).
    pub async fn record_refusal(
        &self,
        chain_id: u64,
        work: &str,
        reason: &str,
        block: u64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO refusals (chain_id, work, reason, block, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(work)
        .bind(reason)
        .bind(int("block", block)?)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_refusal"))?;
        Ok(())
    }
}

/// A transaction's state, or [`StoreError::UnknownTx`].
async fn tx_state(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    op: &'static str,
) -> StoreResult<TxState> {
    let row = sqlx::query("SELECT state FROM txs WHERE id = ?1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::db(op))?;
    let row = row.ok_or(StoreError::UnknownTx { id })?;
    Cols::new(&row, "txs").parse("state")
}
