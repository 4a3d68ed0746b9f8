//! The report's telemetry (migration 0007): registry charges with the inputs they were billed
//! on, fills valued at the oracle, and upkeep balance samples; and
//! the reads `onebalancer report` makes of them and of the performs and fills.
//!
//! Every record is idempotent on its log (`INSERT OR IGNORE`): a collector that reads a range
//! again after a restart records nothing twice.

use alloy::primitives::{Address, B256, U256};

use super::Store;
use super::codec::{Cols, addr, hash, int, now_ms};
use super::error::{StoreError, StoreResult};
use crate::model::report::{Charge, Fill, Perform};

/// A charge as the collector saw it: its log and registry besides the model's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRecord {
    /// The chain.
    pub chain_id: u64,
    /// The transmit.
    pub tx_hash: B256,
    /// The `UpkeepCharged` log's index.
    pub log_index: u64,
    /// The registry.
    pub registry: Address,
    /// The charge.
    pub charge: Charge,
}

/// A fill valued at the oracle prices of its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillQuote {
    /// The fill's transaction.
    pub tx_hash: B256,
    /// Its `Filled` log's index.
    pub log_index: u64,
    /// The balancer.
    pub balancer: Address,
    /// The block.
    pub block: u64,
    /// What the balancer received.
    pub taker_asset: Address,
    /// USD value given, 18 decimals.
    pub gave_usd: U256,
    /// USD value received, 18 decimals.
    pub got_usd: U256,
    /// The difference, bp of what was given.
    pub vs_oracle_bps: i64,
}

/// The funding job's reading of an upkeep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpkeepSample {
    /// The registry.
    pub registry: Address,
    /// The upkeep.
    pub upkeep_id: U256,
    /// The head read at.
    pub block: u64,
    /// When, unix s.
    pub at_s: u64,
    /// The billing token.
    pub token: Address,
    /// Its balance.
    pub balance: U256,
    /// The registry's minimum.
    pub min_balance: U256,
    /// The projected month.
    pub month: U256,
    /// The refill threshold: max(month, multiple × minimum).
    pub refill_at: U256,
}

/// A perform as the report reads it, with who it was performed through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPerform {
    /// The perform.
    pub perform: Perform,
    /// The manager whose round performed it, if any.
    pub via: Option<Address>,
}

impl Store {
    /// Records a charge (once per log).
    pub async fn record_charge(&self, r: &ChargeRecord) -> StoreResult<bool> {
        let c = &r.charge;
        let done = sqlx::query(
            "INSERT OR IGNORE INTO charges (chain_id, block, at_s, tx_hash, log_index, registry, \
               upkeep_id, target, token, gas_charge, premium, gas_used, gas_overhead, \
               tx_gas_price, fast_gas_wei, gas_ceiling_multiplier, link_usd, native_usd, \
               billing_usd, decimals, gas_fee_ppb, flat_fee_milli_cents, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
               ?18, ?19, ?20, ?21, ?22, ?23)",
        )
        .bind(int("chain_id", r.chain_id)?)
        .bind(int("block", c.block)?)
        .bind(int("at_s", c.at_s)?)
        .bind(hash(r.tx_hash))
        .bind(int("log_index", r.log_index)?)
        .bind(addr(r.registry))
        .bind(c.upkeep_id.to_string())
        .bind(addr(c.target))
        .bind(addr(c.token))
        .bind(c.gas_charge.to_string())
        .bind(c.premium.to_string())
        .bind(c.gas_used.to_string())
        .bind(c.gas_overhead.to_string())
        .bind(c.tx_gas_price.to_string())
        .bind(c.fast_gas_wei.to_string())
        .bind(i64::from(c.gas_ceiling_multiplier))
        .bind(c.link_usd.to_string())
        .bind(c.native_usd.to_string())
        .bind(c.billing_usd.to_string())
        .bind(i64::from(c.decimals))
        .bind(i64::from(c.gas_fee_ppb))
        .bind(i64::from(c.flat_fee_milli_cents))
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_charge"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a fill's quote (once per fill).
    pub async fn record_fill_quote(&self, chain_id: u64, q: &FillQuote) -> StoreResult<()> {
        sqlx::query(
            "INSERT OR IGNORE INTO fill_quotes (chain_id, tx_hash, log_index, balancer, block, \
               taker_asset, gave_usd, got_usd, vs_oracle_bps) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(hash(q.tx_hash))
        .bind(int("log_index", q.log_index)?)
        .bind(addr(q.balancer))
        .bind(int("block", q.block)?)
        .bind(addr(q.taker_asset))
        .bind(q.gave_usd.to_string())
        .bind(q.got_usd.to_string())
        .bind(q.vs_oracle_bps)
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_fill_quote"))?;
        Ok(())
    }

    /// Records an upkeep sample.
    pub async fn record_upkeep_sample(&self, chain_id: u64, s: &UpkeepSample) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO upkeep_samples (chain_id, registry, upkeep_id, block, at_s, token, \
               balance, min_balance, month, refill_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(s.registry))
        .bind(s.upkeep_id.to_string())
        .bind(int("block", s.block)?)
        .bind(int("at_s", s.at_s)?)
        .bind(addr(s.token))
        .bind(s.balance.to_string())
        .bind(s.min_balance.to_string())
        .bind(s.month.to_string())
        .bind(s.refill_at.to_string())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_upkeep_sample"))?;
        Ok(())
    }

    /// Charges recorded at or after `since_s` (block time), oldest first.
    pub async fn report_charges(&self, chain_id: u64, since_s: u64) -> StoreResult<Vec<Charge>> {
        let rows = sqlx::query(
            "SELECT block, at_s, upkeep_id, target, token, gas_charge, premium, gas_used, \
               gas_overhead, tx_gas_price, fast_gas_wei, gas_ceiling_multiplier, link_usd, \
               native_usd, billing_usd, decimals, gas_fee_ppb, flat_fee_milli_cents \
             FROM charges WHERE chain_id = ?1 AND at_s >= ?2 ORDER BY block, log_index",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(int("since_s", since_s)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("report_charges"))?;
        rows.iter()
            .map(|row| {
                let c = Cols::new(row, "charges");
                Ok(Charge {
                    block: c.u64("block")?,
                    at_s: c.u64("at_s")?,
                    upkeep_id: c.u256("upkeep_id")?,
                    target: c.parse("target")?,
                    token: c.parse("token")?,
                    gas_charge: c.u256("gas_charge")?,
                    premium: c.u256("premium")?,
                    gas_used: c.u256("gas_used")?,
                    gas_overhead: c.u256("gas_overhead")?,
                    tx_gas_price: c.u256("tx_gas_price")?,
                    fast_gas_wei: c.u256("fast_gas_wei")?,
                    gas_ceiling_multiplier: c.small("gas_ceiling_multiplier")?,
                    link_usd: c.u256("link_usd")?,
                    native_usd: c.u256("native_usd")?,
                    billing_usd: c.u256("billing_usd")?,
                    decimals: c.small("decimals")?,
                    gas_fee_ppb: c.small("gas_fee_ppb")?,
                    flat_fee_milli_cents: c.small("flat_fee_milli_cents")?,
                })
            })
            .collect()
    }

    /// Performs recorded at or after `since_ms`, oldest first.
    pub async fn report_performs(
        &self,
        chain_id: u64,
        since_ms: i64,
    ) -> StoreResult<Vec<ReportPerform>> {
        let rows = sqlx::query(
            "SELECT target, via, source, paths, gas_used, drift_before_bps, expected_after_bps, \
               block FROM performs WHERE chain_id = ?1 AND created_at_ms >= ?2 \
             ORDER BY block, log_index",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("report_performs"))?;
        rows.iter()
            .map(|row| {
                let c = Cols::new(row, "performs");
                Ok(ReportPerform {
                    perform: Perform {
                        target: c.parse("target")?,
                        source: c.text("source")?,
                        paths: c.small("paths")?,
                        gas_used: c.u64("gas_used")?,
                        drift_before_bps: c.small("drift_before_bps")?,
                        expected_after_bps: c.small("expected_after_bps")?,
                        block: c.u64("block")?,
                    },
                    via: c.opt_parse("via")?,
                })
            })
            .collect()
    }

    /// Fills recorded at or after `since_ms` with their quotes, oldest first.
    pub async fn report_fills(&self, chain_id: u64, since_ms: i64) -> StoreResult<Vec<Fill>> {
        let rows = sqlx::query(
            "SELECT f.balancer AS balancer, f.block AS block, q.vs_oracle_bps AS vs_oracle_bps \
             FROM fills f LEFT JOIN fill_quotes q \
               ON q.chain_id = f.chain_id AND q.tx_hash = f.tx_hash AND q.log_index = f.log_index \
             WHERE f.chain_id = ?1 AND f.created_at_ms >= ?2 ORDER BY f.block, f.log_index",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("report_fills"))?;
        rows.iter()
            .map(|row| {
                let c = Cols::new(row, "fills");
                let bps: Option<i64> = sqlx::Row::try_get(row, "vs_oracle_bps")
                    .map_err(StoreError::db("report_fills"))?;
                Ok(Fill {
                    balancer: c.parse("balancer")?,
                    block: c.u64("block")?,
                    vs_oracle_bps: bps,
                })
            })
            .collect()
    }

    /// Upkeep samples taken at or after `since_s`, oldest first.
    pub async fn upkeep_samples(
        &self,
        chain_id: u64,
        since_s: u64,
    ) -> StoreResult<Vec<UpkeepSample>> {
        let rows = sqlx::query(
            "SELECT registry, upkeep_id, block, at_s, token, balance, min_balance, month, \
               refill_at FROM upkeep_samples WHERE chain_id = ?1 AND at_s >= ?2 ORDER BY id",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(int("since_s", since_s)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("upkeep_samples"))?;
        rows.iter()
            .map(|row| {
                let c = Cols::new(row, "upkeep_samples");
                Ok(UpkeepSample {
                    registry: c.parse("registry")?,
                    upkeep_id: c.u256("upkeep_id")?,
                    block: c.u64("block")?,
                    at_s: c.u64("at_s")?,
                    token: c.parse("token")?,
                    balance: c.u256("balance")?,
                    min_balance: c.u256("min_balance")?,
                    month: c.u256("month")?,
                    refill_at: c.u256("refill_at")?,
                })
            })
            .collect()
    }

    /// Every balancer with a drift sample at or after `since_s`.
    pub async fn sampled_targets(&self, chain_id: u64, since_s: u64) -> StoreResult<Vec<Address>> {
        let rows = sqlx::query(
            "SELECT DISTINCT target FROM drift_samples WHERE chain_id = ?1 AND at_s >= ?2 \
             ORDER BY target",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(int("since_s", since_s)?)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("sampled_targets"))?;
        rows.iter()
            .map(|row| Cols::new(row, "drift_samples").parse("target"))
            .collect()
    }
}

impl Store {
    /// The chains the store holds telemetry of, ascending.
    pub async fn telemetry_chains(&self) -> StoreResult<Vec<u64>> {
        let rows = sqlx::query(
            "SELECT chain_id FROM performs UNION SELECT chain_id FROM charges \
             UNION SELECT chain_id FROM drift_samples UNION SELECT chain_id FROM fundings \
             UNION SELECT chain_id FROM upkeep_samples ORDER BY chain_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("telemetry_chains"))?;
        rows.iter()
            .map(|row| Cols::new(row, "performs").u64("chain_id"))
            .collect()
    }
}
