//! The adaptive-bands job's history: drift samples from the scans, and every band decision (a
//! hold included) with its reason and what it was decided on.
//!
//! A change is written (`planned`) before its `setBands` transaction exists, under the work key
//! `bands/<chain>/<target>/<seq>`, at most one open per balancer; it ends `confirmed` or
//! `failed` from that transaction. A hold has no work key and is final when written.

use alloy::primitives::{Address, B256};

use super::Store;
use super::codec::{Cols, addr, hash, int, now_ms, opt_int, text_enum};
use super::error::{StoreError, StoreResult};

text_enum! {
    /// Where a band decision is.
    BandChangeState, "band change state" {
        /// Nothing to change: recorded for the schedule and the history.
        Held => "held",
        /// Written; its transaction not yet created.
        Planned => "planned",
        /// Its transaction exists.
        Sent => "sent",
        /// Mined and successful.
        Confirmed => "confirmed",
        /// Reverted, cancelled, given up, or never sent.
        Failed => "failed",
    }
}

/// One drift sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftSample {
    /// The balancer.
    pub target: Address,
    /// The block read.
    pub block: u64,
    /// Its timestamp, s.
    pub at_s: u64,
    /// Global drift, bps.
    pub drift_bps: u64,
    /// The trigger band then, bps.
    pub band_bps: u32,
    /// The clear band then, bps (samples before migration 0007 have none).
    pub clear_bps: Option<u32>,
    /// The forecasts' largest annualised volatility, if estimated yet.
    pub vol_annual: Option<f64>,
}

/// A band decision to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBandChange {
    /// The chain.
    pub chain_id: u64,
    /// The balancer.
    pub target: Address,
    /// A change (`true`, sent as a transaction) or a hold.
    pub change: bool,
    /// Why (`hold`, `calm`, `tracking_error`, `gas_spike`, …).
    pub reason: String,
    /// The four bands before, `drift/clear/stableDrift/stableClear`.
    pub old_bands: String,
    /// The four bands after.
    pub new_bands: String,
    /// The controller's base trigger after it, bps.
    pub base_trigger_bps: u32,
    /// What it was decided on, JSON.
    pub observations: String,
}

/// A band decision as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandChangeRecord {
    /// Row id.
    pub id: i64,
    /// Its sequence for the balancer.
    pub seq: u64,
    /// Its work key (changes only).
    pub work: Option<String>,
    /// Where it is.
    pub state: BandChangeState,
    /// What was decided.
    pub change: NewBandChange,
    /// The mined transaction.
    pub tx_hash: Option<B256>,
    /// Its block.
    pub block: Option<u64>,
    /// Why it failed.
    pub failure: Option<String>,
    /// When it was decided, ms.
    pub created_at_ms: i64,
}

macro_rules! change_columns {
    () => {
        "id, chain_id, target, seq, work, state, reason, old_bands, new_bands, \
         base_trigger_bps, observations, tx_hash, block, failure, created_at_ms"
    };
}

fn change_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<BandChangeRecord> {
    let c = Cols::new(row, "band_changes");
    let state: BandChangeState = c.parse("state")?;
    Ok(BandChangeRecord {
        id: c.id("id")?,
        seq: c.u64("seq")?,
        work: c.opt_text("work")?,
        state,
        change: NewBandChange {
            chain_id: c.u64("chain_id")?,
            target: c.parse("target")?,
            change: state != BandChangeState::Held,
            reason: c.text("reason")?,
            old_bands: c.text("old_bands")?,
            new_bands: c.text("new_bands")?,
            base_trigger_bps: c.small("base_trigger_bps")?,
            observations: c.text("observations")?,
        },
        tx_hash: c.opt_parse("tx_hash")?,
        block: c.opt_u64("block")?,
        failure: c.opt_text("failure")?,
        created_at_ms: c.id("created_at_ms")?,
    })
}

impl Store {
    /// Records a drift sample.
    pub async fn record_drift_sample(&self, chain_id: u64, s: &DriftSample) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO drift_samples (chain_id, target, block, at_s, drift_bps, band_bps, \
               vol_annual, clear_bps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(s.target))
        .bind(int("block", s.block)?)
        .bind(int("at_s", s.at_s)?)
        .bind(int("drift_bps", s.drift_bps)?)
        .bind(i64::from(s.band_bps))
        .bind(s.vol_annual.filter(|v| v.is_finite()))
        .bind(s.clear_bps.map(i64::from))
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_drift_sample"))?;
        Ok(())
    }

    /// `target`'s drift samples taken at or after `since_s`, oldest first.
    pub async fn drift_samples(
        &self,
        chain_id: u64,
        target: Address,
        since_s: u64,
    ) -> StoreResult<Vec<DriftSample>> {
        let rows = sqlx::query(
            "SELECT block, at_s, drift_bps, band_bps, vol_annual, clear_bps FROM drift_samples \
             WHERE chain_id = ?1 AND target = ?2 AND at_s >= ?3 ORDER BY at_s, id",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(target))
        .bind(int("since_s", since_s)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("drift_samples"))?;
        rows.iter()
            .map(|row| {
                let c = Cols::new(row, "drift_samples");
                let vol: Option<f64> = sqlx::Row::try_get(row, "vol_annual")
                    .map_err(StoreError::db("drift_samples"))?;
                Ok(DriftSample {
                    target,
                    block: c.u64("block")?,
                    at_s: c.u64("at_s")?,
                    drift_bps: c.u64("drift_bps")?,
                    band_bps: c.small("band_bps")?,
                    clear_bps: c.opt_small("clear_bps")?,
                    vol_annual: vol,
                })
            })
            .collect()
    }

    /// The global drift at each of `target`'s performs recorded since `since_ms`, bps.
    pub async fn drift_at_triggers(
        &self,
        chain_id: u64,
        target: Address,
        since_ms: i64,
    ) -> StoreResult<Vec<u32>> {
        let rows = sqlx::query(
            "SELECT drift_before_bps FROM performs \
             WHERE chain_id = ?1 AND target = ?2 AND created_at_ms >= ?3 ORDER BY id",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(target))
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("drift_at_triggers"))?;
        rows.iter()
            .map(|r| Cols::new(r, "performs").small("drift_before_bps"))
            .collect()
    }

    /// Records a band decision: a hold (final) or a change (`planned`, with its work key);
    /// `None` (nothing written) when the balancer already has an open change.
    pub async fn band_decision(&self, d: &NewBandChange) -> StoreResult<Option<BandChangeRecord>> {
        const OP: &str = "band_decision";
        let mut db = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::db(OP))?;
        let (chain_id, target) = (int("chain_id", d.chain_id)?, addr(d.target));
        let row = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) AS last, \
               SUM(CASE WHEN state IN ('planned', 'sent') THEN 1 ELSE 0 END) AS open \
             FROM band_changes WHERE chain_id = ?1 AND target = ?2",
        )
        .bind(chain_id)
        .bind(&target)
        .fetch_one(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        let c = Cols::new(&row, "band_changes");
        if c.opt_u64("open")?.unwrap_or(0) > 0 {
            db.rollback().await.map_err(StoreError::db(OP))?;
            return Ok(None);
        }
        let seq = c.u64("last")? + 1;
        let (work, state) = if d.change {
            (
                Some(format!("bands/{}/{:#x}/{}", d.chain_id, d.target, seq)),
                BandChangeState::Planned,
            )
        } else {
            (None, BandChangeState::Held)
        };
        let now = now_ms();
        let row = sqlx::query(concat!(
            "INSERT INTO band_changes (chain_id, target, seq, work, state, reason, old_bands, \
               new_bands, base_trigger_bps, observations, created_at_ms, updated_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING ",
            change_columns!()
        ))
        .bind(chain_id)
        .bind(&target)
        .bind(int("seq", seq)?)
        .bind(work)
        .bind(state.as_str())
        .bind(&d.reason)
        .bind(&d.old_bands)
        .bind(&d.new_bands)
        .bind(i64::from(d.base_trigger_bps))
        .bind(&d.observations)
        .bind(now)
        .fetch_one(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        let record = change_from_row(&row)?;
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(Some(record))
    }

    /// A planned change's transaction exists.
    pub async fn band_change_sent(&self, id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE band_changes SET state = 'sent', updated_at_ms = ?2 \
             WHERE id = ?1 AND state = 'planned'",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("band_change_sent"))?;
        Ok(())
    }

    /// Ends an open change (`Confirmed` or `Failed`); a finished one is left as it is.
    pub async fn band_change_finished(
        &self,
        id: i64,
        state: BandChangeState,
        tx_hash: Option<B256>,
        block: Option<u64>,
        failure: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE band_changes SET state = ?2, tx_hash = ?3, block = ?4, failure = ?5, \
               updated_at_ms = ?6 WHERE id = ?1 AND state IN ('planned', 'sent')",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(tx_hash.map(hash))
        .bind(opt_int("block", block)?)
        .bind(failure)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("band_change_finished"))?;
        Ok(())
    }

    /// Band decisions on `chain_id` (every balancer), oldest first.
    pub async fn band_changes(&self, chain_id: u64) -> StoreResult<Vec<BandChangeRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            change_columns!(),
            " FROM band_changes WHERE chain_id = ?1 ORDER BY id"
        ))
        .bind(int("chain_id", chain_id)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("band_changes"))?;
        rows.iter().map(change_from_row).collect()
    }
}
