//! The funding job's top-ups and the charges behind its projections.
//!
//! A top-up is written (`planned`) **before** its transaction exists, under the work key
//! `fund/<chain>/<registry>/<upkeep>/<seq>`; once the transaction manager holds it, it is `sent`;
//! it ends `confirmed` or `failed` from that transaction. At most one top-up per upkeep is open
//! (a partial unique index), so a restarted keeper never funds an upkeep twice for one need: a
//! `planned` row without a transaction was never sent and is failed; a `sent` one is the
//! manager's until it ends.

use alloy::primitives::{Address, B256, U256};
use sqlx::Row;

use super::Store;
use super::codec::{Cols, addr, hash, int, now_ms, opt_int, text_enum};
use super::error::{StoreError, StoreResult};

text_enum! {
    /// Where a top-up is.
    FundingState, "funding state" {
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

/// A top-up the funding job decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFunding {
    /// The chain.
    pub chain_id: u64,
    /// The registry.
    pub registry: Address,
    /// The upkeep.
    pub upkeep_id: U256,
    /// The funding key.
    pub sender: Address,
    /// The upkeep's billing token.
    pub token: Address,
    /// Paid in native coin (`addFunds` with value) rather than LINK (`transferAndCall`).
    pub native: bool,
    /// What is added, base units.
    pub amount: U256,
    /// The balance it was decided on.
    pub balance_before: U256,
    /// The registry's minimum balance then.
    pub min_balance: U256,
    /// The projected month.
    pub month: U256,
    /// `measured` or `modelled`.
    pub month_source: String,
    /// The refill level.
    pub refill_at: U256,
    /// The balance it brings the upkeep to.
    pub target: U256,
    /// Why it goes now (`urgent`, `now`, `off_peak`, `deadline`, `no_history`).
    pub timing: String,
    /// The base fee when decided, wei.
    pub gas_price: Option<u128>,
}

/// A top-up as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingRecord {
    /// Row id.
    pub id: i64,
    /// Its sequence for the upkeep (1, 2, …).
    pub seq: u64,
    /// The transaction manager's work key.
    pub work: String,
    /// What was decided.
    pub funding: NewFunding,
    /// Where it is.
    pub state: FundingState,
    /// The mined transaction.
    pub tx_hash: Option<B256>,
    /// Its block.
    pub block: Option<u64>,
    /// Its gas.
    pub gas_used: Option<u64>,
    /// Why it failed.
    pub reason: Option<String>,
    /// When it was decided, ms.
    pub created_at_ms: i64,
}

/// How a top-up ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingEnd {
    /// `Confirmed` or `Failed`.
    pub state: FundingState,
    /// The mined transaction.
    pub tx_hash: Option<B256>,
    /// Its block.
    pub block: Option<u64>,
    /// Its gas.
    pub gas_used: Option<u64>,
    /// Why it failed.
    pub reason: Option<String>,
}

/// An upkeep's charges over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Charges {
    /// Their sum, base units of the billing token.
    pub total: U256,
    /// How many.
    pub count: u64,
    /// When the first was recorded, ms.
    pub first_ms: Option<i64>,
}

macro_rules! funding_columns {
    () => {
        "id, chain_id, registry, upkeep_id, seq, work, sender, token, native, amount, \
         balance_before, min_balance, month, month_source, refill_at, target, timing, gas_price, \
         state, tx_hash, block, gas_used, reason, created_at_ms"
    };
}

fn funding_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<FundingRecord> {
    let c = Cols::new(row, "fundings");
    Ok(FundingRecord {
        id: c.id("id")?,
        seq: c.u64("seq")?,
        work: c.text("work")?,
        funding: NewFunding {
            chain_id: c.u64("chain_id")?,
            registry: c.parse("registry")?,
            upkeep_id: c.u256("upkeep_id")?,
            sender: c.parse("sender")?,
            token: c.parse("token")?,
            native: c.u64("native")? != 0,
            amount: c.u256("amount")?,
            balance_before: c.u256("balance_before")?,
            min_balance: c.u256("min_balance")?,
            month: c.u256("month")?,
            month_source: c.text("month_source")?,
            refill_at: c.u256("refill_at")?,
            target: c.u256("target")?,
            timing: c.text("timing")?,
            gas_price: c.opt_parse("gas_price")?,
        },
        state: c.parse("state")?,
        tx_hash: c.opt_parse("tx_hash")?,
        block: c.opt_u64("block")?,
        gas_used: c.opt_u64("gas_used")?,
        reason: c.opt_text("reason")?,
        created_at_ms: c.id("created_at_ms")?,
    })
}

impl Store {
    /// Writes `f` as `planned` under the upkeep's next sequence; `None` (nothing written) when
    /// the upkeep already has an open top-up.
    pub async fn funding_plan(&self, f: &NewFunding) -> StoreResult<Option<FundingRecord>> {
        const OP: &str = "funding_plan";
        let mut db = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::db(OP))?;
        let (chain_id, registry, upkeep) = (
            int("chain_id", f.chain_id)?,
            addr(f.registry),
            f.upkeep_id.to_string(),
        );
        let row = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) AS last, \
               SUM(CASE WHEN state IN ('planned', 'sent') THEN 1 ELSE 0 END) AS open \
             FROM fundings WHERE chain_id = ?1 AND registry = ?2 AND upkeep_id = ?3",
        )
        .bind(chain_id)
        .bind(&registry)
        .bind(&upkeep)
        .fetch_one(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        let c = Cols::new(&row, "fundings");
        if c.opt_u64("open")?.unwrap_or(0) > 0 {
            db.rollback().await.map_err(StoreError::db(OP))?;
            return Ok(None);
        }
        let seq = c.u64("last")? + 1;
        let work = format!("fund/{}/{:#x}/{}/{}", f.chain_id, f.registry, upkeep, seq);
        let now = now_ms();
        let row = sqlx::query(concat!(
            "INSERT INTO fundings (chain_id, registry, upkeep_id, seq, work, sender, token, \
               native, amount, balance_before, min_balance, month, month_source, refill_at, \
               target, timing, gas_price, state, created_at_ms, updated_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
               'planned', ?18, ?18) RETURNING ",
            funding_columns!()
        ))
        .bind(chain_id)
        .bind(&registry)
        .bind(&upkeep)
        .bind(int("seq", seq)?)
        .bind(&work)
        .bind(addr(f.sender))
        .bind(addr(f.token))
        .bind(i64::from(f.native))
        .bind(f.amount.to_string())
        .bind(f.balance_before.to_string())
        .bind(f.min_balance.to_string())
        .bind(f.month.to_string())
        .bind(&f.month_source)
        .bind(f.refill_at.to_string())
        .bind(f.target.to_string())
        .bind(&f.timing)
        .bind(f.gas_price.map(|p| p.to_string()))
        .bind(now)
        .fetch_one(&mut *db)
        .await
        .map_err(StoreError::db(OP))?;
        let record = funding_from_row(&row)?;
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(Some(record))
    }

    /// The top-up's transaction exists.
    pub async fn funding_sent(&self, id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE fundings SET state = 'sent', updated_at_ms = ?2 \
             WHERE id = ?1 AND state = 'planned'",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("funding_sent"))?;
        Ok(())
    }

    /// Ends an open top-up (a finished one is left as it is).
    pub async fn funding_finished(&self, id: i64, end: &FundingEnd) -> StoreResult<()> {
        sqlx::query(
            "UPDATE fundings SET state = ?2, tx_hash = ?3, block = ?4, gas_used = ?5, \
               reason = ?6, updated_at_ms = ?7 \
             WHERE id = ?1 AND state IN ('planned', 'sent')",
        )
        .bind(id)
        .bind(end.state.as_str())
        .bind(end.tx_hash.map(hash))
        .bind(opt_int("block", end.block)?)
        .bind(opt_int("gas_used", end.gas_used)?)
        .bind(end.reason.as_deref())
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("funding_finished"))?;
        Ok(())
    }

    /// Open (planned or sent) top-ups on `chain_id`.
    pub async fn fundings_open(&self, chain_id: u64) -> StoreResult<Vec<FundingRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            funding_columns!(),
            " FROM fundings WHERE chain_id = ?1 AND state IN ('planned', 'sent') ORDER BY id"
        ))
        .bind(int("chain_id", chain_id)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("fundings_open"))?;
        rows.iter().map(funding_from_row).collect()
    }

    /// Top-ups on `chain_id` decided at or after `since_ms`, oldest first.
    pub async fn fundings(&self, chain_id: u64, since_ms: i64) -> StoreResult<Vec<FundingRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            funding_columns!(),
            " FROM fundings WHERE chain_id = ?1 AND created_at_ms >= ?2 ORDER BY id"
        ))
        .bind(int("chain_id", chain_id)?)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("fundings"))?;
        rows.iter().map(funding_from_row).collect()
    }

    /// What the registry charged `upkeep_id` in `token` (performs and fleet rounds) since
    /// `since_ms`.
    pub async fn upkeep_charges(
        &self,
        chain_id: u64,
        upkeep_id: U256,
        token: Address,
        since_ms: i64,
    ) -> StoreResult<Charges> {
        let rows = sqlx::query(
            "SELECT charge, created_at_ms FROM performs \
               WHERE chain_id = ?1 AND upkeep_id = ?2 AND charge_token = ?3 \
                 AND charge IS NOT NULL AND created_at_ms >= ?4 \
             UNION ALL \
             SELECT charge, created_at_ms FROM rounds \
               WHERE chain_id = ?1 AND upkeep_id = ?2 AND charge_token = ?3 \
                 AND charge IS NOT NULL AND created_at_ms >= ?4",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(upkeep_id.to_string())
        .bind(addr(token))
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("upkeep_charges"))?;
        let mut out = Charges::default();
        for row in &rows {
            let c = Cols::new(row, "performs");
            out.total = out.total.saturating_add(c.u256("charge")?);
            out.count += 1;
            let at: i64 = row
                .try_get("created_at_ms")
                .map_err(StoreError::db("upkeep_charges"))?;
            out.first_ms = Some(out.first_ms.map_or(at, |f| f.min(at)));
        }
        Ok(out)
    }
}
