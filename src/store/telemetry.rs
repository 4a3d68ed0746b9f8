//! Telemetry decoded from logs — performs, fleet rounds, fills — and the failures the keeper
//! met. Each log is recorded once: the `record_*` calls are idempotent on
//! (chain, transaction hash, log index) and say whether the record was new.

use alloy::primitives::{Address, B256, U256};

use super::Store;
use super::codec::{addr, hash, int, now_ms, opt_int, text_enum};
use super::error::{StoreError, StoreResult};

text_enum! {
    /// Who sent a perform or a round.
    Source, "source" {
        /// Chainlink Automation's registry (a DON's transmit).
        Chainlink => "chainlink",
        /// This keeper (or another onebalancer keeper).
        Keeper => "keeper",
        /// A Chainlink Runtime Environment workflow.
        Cre => "cre",
        /// Anyone else.
        Other => "other",
    }
}

text_enum! {
    /// Where a failure happened.
    FailureStage, "failure stage" {
        /// `eth_call` of the perform before sending.
        Simulate => "simulate",
        /// `eth_estimateGas`.
        Estimate => "estimate",
        /// `eth_sendRawTransaction`.
        Broadcast => "broadcast",
        /// A mined transaction reverted.
        Onchain => "onchain",
        /// A fleet member failed inside a manager's round.
        Member => "member",
        /// Any other RPC call.
        Rpc => "rpc",
    }
}

/// A balancer's perform, from its logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerformRecord {
    /// The chain.
    pub chain_id: u64,
    /// The block it was mined in.
    pub block: u64,
    /// The transaction.
    pub tx_hash: B256,
    /// The log's index in the block.
    pub log_index: u64,
    /// The balancer.
    pub target: Address,
    /// Its upkeep manager, when performed in a fleet round.
    pub via: Option<Address>,
    /// Who sent it.
    pub source: Source,
    /// The number of rebalancing paths taken.
    pub paths: u8,
    /// The bitmap of paths taken.
    pub bitmap: u16,
    /// The gas the perform used.
    pub gas_used: u64,
    /// The portfolio's drift before, basis points.
    pub drift_before_bps: u32,
    /// The drift expected after the orders fill, basis points.
    pub expected_after_bps: u32,
    /// The orders published.
    pub order_count: u8,
    /// The epoch, from the OrdersPublished event of the same perform.
    pub epoch: Option<u32>,
    /// The Automation upkeep that paid for it.
    pub upkeep_id: Option<U256>,
    /// What the registry charged, in `charge_token` units.
    pub charge: Option<U256>,
    /// The token the charge was paid in (set exactly when `charge` is).
    pub charge_token: Option<Address>,
}

/// An upkeep manager's fleet round, from its logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRecord {
    /// The chain.
    pub chain_id: u64,
    /// The block it was mined in.
    pub block: u64,
    /// The transaction.
    pub tx_hash: B256,
    /// The log's index in the block.
    pub log_index: u64,
    /// The manager.
    pub manager: Address,
    /// Who sent it.
    pub source: Source,
    /// Members performed.
    pub performed: u64,
    /// Members whose perform failed.
    pub failed: u64,
    /// Members deferred to a later round.
    pub deferred: u64,
    /// Where the next round starts.
    pub next_cursor: u64,
    /// The Automation upkeep that paid for it.
    pub upkeep_id: Option<U256>,
    /// What the registry charged, in `charge_token` units.
    pub charge: Option<U256>,
    /// The token the charge was paid in (set exactly when `charge` is).
    pub charge_token: Option<Address>,
}

/// A filled order of a balancer, from its logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillRecord {
    /// The chain.
    pub chain_id: u64,
    /// The block it was mined in.
    pub block: u64,
    /// The transaction.
    pub tx_hash: B256,
    /// The log's index in the block.
    pub log_index: u64,
    /// The balancer (the order's maker).
    pub balancer: Address,
    /// The order.
    pub order_hash: B256,
    /// The token the balancer gave.
    pub maker_asset: Address,
    /// The amount it gave.
    pub making: U256,
    /// The amount it received.
    pub taking: U256,
    /// Who filled it, when the log says.
    pub taker: Option<Address>,
}

/// Something that went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureRecord {
    /// The chain.
    pub chain_id: u64,
    /// The block, when known.
    pub block: Option<u64>,
    /// The balancer or manager concerned, when known.
    pub target: Option<Address>,
    /// Where it happened.
    pub stage: FailureStage,
    /// The decoded error's name, e.g. `StaleEpoch`.
    pub error: String,
    /// The rest: the node's message, the revert data, the member.
    pub detail: String,
    /// The transaction concerned, when there is one.
    pub tx_hash: Option<B256>,
}

/// `charge` and `charge_token` come together.
fn charge_pair(
    field: &'static str,
    charge: Option<U256>,
    token: Option<Address>,
) -> StoreResult<(Option<String>, Option<String>)> {
    match (charge, token) {
        (Some(c), Some(t)) => Ok((Some(c.to_string()), Some(addr(t)))),
        (None, None) => Ok((None, None)),
        _ => Err(StoreError::Invalid {
            field,
            reason: "a charge needs its token and a token its charge — set both or neither",
        }),
    }
}

impl Store {
    /// Records a perform; `false` if this log was already recorded.
    pub async fn record_perform(&self, p: PerformRecord) -> StoreResult<bool> {
        let (charge, token) = charge_pair("perform.charge_token", p.charge, p.charge_token)?;
        let done = sqlx::query(
            "INSERT INTO performs (chain_id, block, tx_hash, log_index, target, via, source, \
               paths, bitmap, gas_used, drift_before_bps, expected_after_bps, order_count, epoch, \
               upkeep_id, charge, charge_token, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
               ?18) \
             ON CONFLICT (chain_id, tx_hash, log_index) DO NOTHING",
        )
        .bind(int("chain_id", p.chain_id)?)
        .bind(int("block", p.block)?)
        .bind(hash(p.tx_hash))
        .bind(int("log_index", p.log_index)?)
        .bind(addr(p.target))
        .bind(p.via.map(addr))
        .bind(p.source.as_str())
        .bind(i64::from(p.paths))
        .bind(i64::from(p.bitmap))
        .bind(int("gas_used", p.gas_used)?)
        .bind(i64::from(p.drift_before_bps))
        .bind(i64::from(p.expected_after_bps))
        .bind(i64::from(p.order_count))
        .bind(p.epoch.map(i64::from))
        .bind(p.upkeep_id.map(|u| u.to_string()))
        .bind(charge)
        .bind(token)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_perform"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a fleet round; `false` if this log was already recorded.
    pub async fn record_round(&self, r: RoundRecord) -> StoreResult<bool> {
        let (charge, token) = charge_pair("round.charge_token", r.charge, r.charge_token)?;
        let done = sqlx::query(
            "INSERT INTO rounds (chain_id, block, tx_hash, log_index, manager, source, performed, \
               failed, deferred, next_cursor, upkeep_id, charge, charge_token, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
             ON CONFLICT (chain_id, tx_hash, log_index) DO NOTHING",
        )
        .bind(int("chain_id", r.chain_id)?)
        .bind(int("block", r.block)?)
        .bind(hash(r.tx_hash))
        .bind(int("log_index", r.log_index)?)
        .bind(addr(r.manager))
        .bind(r.source.as_str())
        .bind(int("performed", r.performed)?)
        .bind(int("failed", r.failed)?)
        .bind(int("deferred", r.deferred)?)
        .bind(int("next_cursor", r.next_cursor)?)
        .bind(r.upkeep_id.map(|u| u.to_string()))
        .bind(charge)
        .bind(token)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_round"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a fill; `false` if this log was already recorded.
    pub async fn record_fill(&self, f: FillRecord) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO fills (chain_id, block, tx_hash, log_index, balancer, order_hash, \
               maker_asset, making, taking, taker, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (chain_id, tx_hash, log_index) DO NOTHING",
        )
        .bind(int("chain_id", f.chain_id)?)
        .bind(int("block", f.block)?)
        .bind(hash(f.tx_hash))
        .bind(int("log_index", f.log_index)?)
        .bind(addr(f.balancer))
        .bind(hash(f.order_hash))
        .bind(addr(f.maker_asset))
        .bind(f.making.to_string())
        .bind(f.taking.to_string())
        .bind(f.taker.map(addr))
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_fill"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failure (every call is a new record: failures have no natural key).
    pub async fn record_failure(&self, f: FailureRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO failures (chain_id, block, target, stage, error, detail, tx_hash, \
               created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(int("chain_id", f.chain_id)?)
        .bind(opt_int("block", f.block)?)
        .bind(f.target.map(addr))
        .bind(f.stage.as_str())
        .bind(&f.error)
        .bind(&f.detail)
        .bind(f.tx_hash.map(hash))
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("record_failure"))?;
        Ok(())
    }
}
