//! Log cursors: the last block each log reader processed, so a restarted keeper resumes there.

use super::Store;
use super::codec::{Cols, int, now_ms};
use super::error::{StoreError, StoreResult};

impl Store {
    /// The block the reader `name` on `chain_id` last processed, if it ever did.
    pub async fn cursor(&self, chain_id: u64, name: &str) -> StoreResult<Option<u64>> {
        let row = sqlx::query("SELECT block FROM cursors WHERE chain_id = ?1 AND name = ?2")
            .bind(int("chain_id", chain_id)?)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::db("cursor"))?;
        row.map(|row| Cols::new(&row, "cursors").u64("block"))
            .transpose()
    }

    /// Stores the block the reader `name` on `chain_id` has processed. It may move back (a
    /// reader rewinds after a reorg).
    pub async fn set_cursor(&self, chain_id: u64, name: &str, block: u64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO cursors (chain_id, name, block, updated_at_ms) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (chain_id, name) DO UPDATE SET \
               block = excluded.block, updated_at_ms = excluded.updated_at_ms",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(name)
        .bind(int("block", block)?)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("set_cursor"))?;
        Ok(())
    }
}
