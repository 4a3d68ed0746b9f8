//! The hub's batches in the keeper's store: planned (before their transaction exists, with the
//! requests they settle), sent, finished from the transaction's fate, and the served totals.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};

use super::Store;
use super::codec::{Cols, addr, hash, int, now_ms, opt_int};
use super::error::{StoreError, StoreResult};
use super::hub::{HubBatchEnd, HubBatchRecord, HubBatchState, NewHubBatch, json, opt_u256};

/// The columns a [`HubBatchRecord`] is read from.
macro_rules! batch_columns {
    () => {
        "id, chain_id, depository, work, round, state, requests, pushes, pulls, fees, gas_used, \
         gas_price, planned_gas_price, tx_hash, block, reason, created_at_ms"
    };
}

impl Store {
    /// Writes a planned batch and marks its requests batched, atomically; `Ok(false)` (and
    /// nothing written) when another batch is open or a request is no longer pending.
    pub async fn hub_plan_batch(&self, b: &NewHubBatch) -> StoreResult<bool> {
        const OP: &str = "hub_plan_batch";
        let chain_id = int("chain_id", b.chain_id)?;
        let depository = addr(b.depository);
        let mut db = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::db(OP))?;
        let open = sqlx::query(
            "SELECT COUNT(*) AS n FROM hub_batches WHERE chain_id = ?1 AND depository = ?2 \
             AND state IN ('planned', 'sent')",
        )
        .bind(chain_id)
        .bind(&depository)
        .fetch_one(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        if Cols::new(&open, "hub_batches").u64("n")? != 0 {
            db.rollback().await.map_err(StoreError::db(OP))?;
            return Ok(false);
        }
        for (id, fee) in &b.requests {
            let done = sqlx::query(
                "UPDATE hub_requests SET state = 'batched', round = ?4, fee = ?5, \
                   skip_code = NULL, skip_detail = NULL, updated_at_ms = ?6 \
                 WHERE chain_id = ?1 AND depository = ?2 AND id = ?3 AND state = 'pending'",
            )
            .bind(chain_id)
            .bind(&depository)
            .bind(id.to_string())
            .bind(b.round.to_string())
            .bind(fee.to_string())
            .bind(now_ms())
            .execute(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
            if done.rows_affected() != 1 {
                db.rollback().await.map_err(StoreError::db(OP))?;
                return Ok(false);
            }
        }
        for (user, nonce) in &b.offers {
            let done = sqlx::query(
                "UPDATE hub_pull_offers SET state = 'batched', round = ?5, updated_at_ms = ?6 \
                 WHERE chain_id = ?1 AND depository = ?2 AND user = ?3 AND nonce = ?4 \
                 AND hub = ?7 AND state = 'open'",
            )
            .bind(chain_id)
            .bind(&depository)
            .bind(addr(*user))
            .bind(nonce.to_string())
            .bind(b.round.to_string())
            .bind(now_ms())
            .bind(addr(b.hub))
            .execute(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
            if done.rows_affected() != 1 {
                db.rollback().await.map_err(StoreError::db(OP))?;
                return Ok(false);
            }
        }
        let mut fees: BTreeMap<String, U256> = BTreeMap::new();
        let tokens = sqlx::query(
            "SELECT id, token FROM hub_requests WHERE chain_id = ?1 AND depository = ?2 \
             AND state = 'batched' AND round = ?3",
        )
        .bind(chain_id)
        .bind(&depository)
        .bind(b.round.to_string())
        .fetch_all(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        let token_of: BTreeMap<String, String> = tokens
            .iter()
            .map(|row| {
                let c = Cols::new(row, "hub_requests");
                Ok((c.text("id")?, c.text("token")?))
            })
            .collect::<StoreResult<_>>()?;
        for (id, fee) in &b.requests {
            let token = token_of
                .get(&id.to_string())
                .cloned()
                .ok_or(StoreError::Corrupt {
                    table: "hub_requests",
                    column: "id",
                    value: id.to_string(),
                })?;
            let e = fees.entry(token).or_default();
            *e = e.saturating_add(*fee);
        }
        let ids: Vec<String> = b.requests.iter().map(|(id, _)| id.to_string()).collect();
        let fees_json: BTreeMap<String, String> =
            fees.into_iter().map(|(k, v)| (k, v.to_string())).collect();
        sqlx::query(
            "INSERT INTO hub_batches (chain_id, depository, work, round, state, requests, \
               pushes, pulls, fees, created_at_ms, updated_at_ms, planned_gas_price) \
             VALUES (?1, ?2, ?3, ?4, 'planned', ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
        )
        .bind(chain_id)
        .bind(&depository)
        .bind(&b.work)
        .bind(b.round.to_string())
        .bind(json(&ids)?)
        .bind(int("pushes", b.requests.len() as u64)?)
        .bind(int("pulls", b.offers.len() as u64)?)
        .bind(json(&fees_json)?)
        .bind(now_ms())
        .bind(b.gas_price.to_string())
        .execute(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(true)
    }

    /// The open (planned or sent) batch of `depository`, if any.
    pub async fn hub_open_batch(
        &self,
        chain_id: u64,
        depository: Address,
    ) -> StoreResult<Option<HubBatchRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            batch_columns!(),
            " FROM hub_batches WHERE chain_id = ?1 AND depository = ?2 \
             AND state IN ('planned', 'sent') LIMIT 1"
        ))
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::db("hub_open_batch"))?;
        row.map(|r| batch_from_row(&r)).transpose()
    }

    /// The open batch's transaction exists now.
    pub async fn hub_batch_sent(&self, batch_id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE hub_batches SET state = 'sent', updated_at_ms = ?2 \
             WHERE id = ?1 AND state = 'planned'",
        )
        .bind(batch_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("hub_batch_sent"))?;
        Ok(())
    }

    /// Finishes the open batch `batch_id`: settled (its batched requests become settled, at the
    /// fee planned, unless their logs said so first) or failed (they go back to pending).
    pub async fn hub_batch_finished(&self, batch_id: i64, end: &HubBatchEnd) -> StoreResult<()> {
        const OP: &str = "hub_batch_finished";
        let mut db = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::db(OP))?;
        let row =
            sqlx::query("SELECT chain_id, depository, round, state FROM hub_batches WHERE id = ?1")
                .bind(batch_id)
                .fetch_optional(&mut *db)
                .await
                .map_err(StoreError::db(OP))?;
        let Some(row) = row else {
            return Err(StoreError::Corrupt {
                table: "hub_batches",
                column: "id",
                value: batch_id.to_string(),
            });
        };
        let c = Cols::new(&row, "hub_batches");
        let (chain_id, depository, round) =
            (c.id("chain_id")?, c.text("depository")?, c.text("round")?);
        let state: HubBatchState = c.parse("state")?;
        if !matches!(state, HubBatchState::Planned | HubBatchState::Sent) {
            db.rollback().await.map_err(StoreError::db(OP))?;
            return Ok(());
        }
        sqlx::query(
            "UPDATE hub_batches SET state = ?2, tx_hash = ?3, block = ?4, gas_used = ?5, \
               gas_price = ?6, reason = ?7, updated_at_ms = ?8 WHERE id = ?1",
        )
        .bind(batch_id)
        .bind(end.state.as_str())
        .bind(end.tx_hash.map(hash))
        .bind(opt_int("block", end.block)?)
        .bind(opt_int("gas_used", end.gas_used)?)
        .bind(end.gas_price.map(|p| p.to_string()))
        .bind(end.reason.as_deref())
        .bind(now_ms())
        .execute(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        if end.state == HubBatchState::Settled {
            sqlx::query(
                "UPDATE hub_requests SET state = 'settled', settled_block = ?4, settled_at = ?5, \
                   updated_at_ms = ?6 \
                 WHERE chain_id = ?1 AND depository = ?2 AND round = ?3 AND state = 'batched'",
            )
            .bind(chain_id)
            .bind(&depository)
            .bind(&round)
            .bind(opt_int("block", end.block)?)
            .bind(opt_int("block_time", end.block_time)?)
            .bind(now_ms())
            .execute(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
            sqlx::query(
                "UPDATE hub_pull_offers SET state = 'used', updated_at_ms = ?4 \
                 WHERE chain_id = ?1 AND depository = ?2 AND round = ?3 AND state = 'batched'",
            )
            .bind(chain_id)
            .bind(&depository)
            .bind(&round)
            .bind(now_ms())
            .execute(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
        } else {
            sqlx::query(
                "UPDATE hub_pull_offers SET state = 'open', round = NULL, updated_at_ms = ?4 \
                 WHERE chain_id = ?1 AND depository = ?2 AND round = ?3 AND state = 'batched'",
            )
            .bind(chain_id)
            .bind(&depository)
            .bind(&round)
            .bind(now_ms())
            .execute(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
            sqlx::query(
                "UPDATE hub_requests SET state = 'pending', round = NULL, fee = NULL, \
                   updated_at_ms = ?4 \
                 WHERE chain_id = ?1 AND depository = ?2 AND round = ?3 AND state = 'batched'",
            )
            .bind(chain_id)
            .bind(&depository)
            .bind(&round)
            .bind(now_ms())
            .execute(&mut *db)
            .await
            .map_err(StoreError::db(OP))?;
        }
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(())
    }

    /// The last `limit` batches of `depository`, newest first.
    pub async fn hub_batches(
        &self,
        chain_id: u64,
        depository: Address,
        limit: u32,
    ) -> StoreResult<Vec<HubBatchRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            batch_columns!(),
            " FROM hub_batches WHERE chain_id = ?1 AND depository = ?2 ORDER BY id DESC LIMIT ?3"
        ))
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("hub_batches"))?;
        rows.iter().map(batch_from_row).collect()
    }

    /// What the hub served in `token` since `since` (unix s, inclusive) and per user: settled
    /// requests by their settlement time, and the open batch's (they count as served).
    pub async fn hub_served_since(
        &self,
        chain_id: u64,
        depository: Address,
        token: Address,
        since: u64,
    ) -> StoreResult<(U256, BTreeMap<Address, U256>)> {
        let rows = sqlx::query(
            "SELECT user, amount FROM hub_requests WHERE chain_id = ?1 AND depository = ?2 \
             AND token = ?3 AND (state = 'batched' OR (state = 'settled' AND settled_at >= ?4))",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .bind(addr(token))
        .bind(int("since", since)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("hub_served_since"))?;
        let mut total = U256::ZERO;
        let mut per_user: BTreeMap<Address, U256> = BTreeMap::new();
        for row in &rows {
            let c = Cols::new(row, "hub_requests");
            let user: Address = c.parse("user")?;
            let amount = c.u256("amount")?;
            total = total.saturating_add(amount);
            let e = per_user.entry(user).or_default();
            *e = e.saturating_add(amount);
        }
        Ok((total, per_user))
    }
}

fn batch_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<HubBatchRecord> {
    let c = Cols::new(row, "hub_batches");
    let ids: Vec<String> =
        serde_json::from_str(&c.text("requests")?).map_err(|_| StoreError::Corrupt {
            table: "hub_batches",
            column: "requests",
            value: c.text("requests").unwrap_or_default(),
        })?;
    let requests = ids
        .iter()
        .map(|s| {
            U256::from_str_radix(s, 10).map_err(|_| StoreError::Corrupt {
                table: "hub_batches",
                column: "requests",
                value: s.clone(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let fees_raw: BTreeMap<String, String> =
        serde_json::from_str(&c.text("fees")?).map_err(|_| StoreError::Corrupt {
            table: "hub_batches",
            column: "fees",
            value: c.text("fees").unwrap_or_default(),
        })?;
    let mut fees = BTreeMap::new();
    for (token, fee) in fees_raw {
        let t: Address = token.parse().map_err(|_| StoreError::Corrupt {
            table: "hub_batches",
            column: "fees",
            value: token.clone(),
        })?;
        let f = U256::from_str_radix(&fee, 10).map_err(|_| StoreError::Corrupt {
            table: "hub_batches",
            column: "fees",
            value: fee.clone(),
        })?;
        fees.insert(t, f);
    }
    Ok(HubBatchRecord {
        id: c.id("id")?,
        chain_id: c.u64("chain_id")?,
        depository: c.parse("depository")?,
        work: c.text("work")?,
        round: c.u256("round")?,
        state: c.parse("state")?,
        requests,
        pushes: c.small("pushes")?,
        pulls: c.small("pulls")?,
        fees,
        gas_used: c.opt_u64("gas_used")?,
        gas_price: opt_u256(&c, row, "gas_price")?,
        planned_gas_price: opt_u256(&c, row, "planned_gas_price")?,
        tx_hash: c.opt_parse("tx_hash")?,
        block: c.opt_u64("block")?,
        reason: c.opt_text("reason")?,
        created_at_ms: c.id("created_at_ms")?,
    })
}
