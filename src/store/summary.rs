//! What the store holds for one chain, counted: [`StoreSummary`] (printable as JSON).

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use serde::Serialize;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use super::Store;
use super::codec::{Cols, int};
use super::error::{StoreError, StoreResult};
use super::funding::FundingState;
use super::telemetry::{FailureStage, Source};
use super::tx_types::{AttemptPurpose, TxState};

const OP: &str = "summary";

/// Counts over everything the store holds for one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreSummary {
    /// The chain.
    pub chain_id: u64,
    /// Performs recorded, by who sent them (every source present, 0 when none).
    pub performs_by_source: BTreeMap<Source, u64>,
    /// Fleet rounds recorded, by who sent them (every source present).
    pub rounds_by_source: BTreeMap<Source, u64>,
    /// Duplicates the keeper did not send (refusals recorded).
    pub duplicates_refused: u64,
    /// The keeper's transactions, by state (every state present); top-ups are in `top_ups`.
    pub keeper_txs: BTreeMap<TxState, u64>,
    /// Upkeep top-ups decided by the funding job, by state (every state present).
    pub top_ups: BTreeMap<FundingState, u64>,
    /// Attempts signed, of every purpose (top-ups' excluded).
    pub attempts: u64,
    /// Fee-bump attempts.
    pub replacements: u64,
    /// Cancel attempts.
    pub cancels: u64,
    /// Fills recorded.
    pub fills: u64,
    /// Failures by stage and error name, with their count, sorted.
    pub failures: Vec<(FailureStage, String, u64)>,
    /// (balancer, epoch) pairs with a known epoch that more than one perform recorded: trades
    /// made twice.
    pub double_trades: u64,
    /// Every perform's and round's charge, summed exactly per charge token (JSON: decimal text).
    #[serde(serialize_with = "decimal_amounts")]
    pub charges: BTreeMap<Address, U256>,
    /// Gas used by the recorded performs.
    pub gas_used: u64,
}

/// Charges as `{"0x…": "123…"}`: lowercase addresses, decimal amounts (exact beyond 2^53).
fn decimal_amounts<S: serde::Serializer>(
    charges: &BTreeMap<Address, U256>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(
        charges
            .iter()
            .map(|(token, amount)| (super::codec::addr(*token), amount.to_string())),
    )
}

/// Counts grouped by an enum column.
const PERFORMS_BY_SOURCE: &str =
    "SELECT source, COUNT(*) AS n FROM performs WHERE chain_id = ?1 GROUP BY source";
const ROUNDS_BY_SOURCE: &str =
    "SELECT source, COUNT(*) AS n FROM rounds WHERE chain_id = ?1 GROUP BY source";
/// The keeper's own work: top-ups (possibly from a funding key of their own) are counted apart.
const TXS_BY_STATE: &str = "SELECT state, COUNT(*) AS n FROM txs \
     WHERE chain_id = ?1 AND kind <> 'top_up' GROUP BY state";
const ATTEMPTS_BY_PURPOSE: &str = "SELECT a.purpose AS purpose, COUNT(*) AS n \
     FROM attempts a JOIN txs t ON t.id = a.tx_id WHERE t.chain_id = ?1 AND t.kind <> 'top_up' \
     GROUP BY a.purpose";
const FUNDINGS_BY_STATE: &str =
    "SELECT state, COUNT(*) AS n FROM fundings WHERE chain_id = ?1 GROUP BY state";
const FAILURES: &str = "SELECT stage, error, COUNT(*) AS n FROM failures WHERE chain_id = ?1 \
     GROUP BY stage, error";
/// Every charge, per table (summed in Rust: exact U256, no SQL floats).
const CHARGES: [(&str, &str); 2] = [
    (
        "performs",
        "SELECT charge_token, charge FROM performs WHERE chain_id = ?1 AND charge IS NOT NULL",
    ),
    (
        "rounds",
        "SELECT charge_token, charge FROM rounds WHERE chain_id = ?1 AND charge IS NOT NULL",
    ),
];
/// Single counts: (table, query of `n`).
const REFUSALS: (&str, &str) = (
    "refusals",
    "SELECT COUNT(*) AS n FROM refusals WHERE chain_id = ?1",
);
const FILLS: (&str, &str) = (
    "fills",
    "SELECT COUNT(*) AS n FROM fills WHERE chain_id = ?1",
);
const DOUBLE_TRADES: (&str, &str) = (
    "performs",
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM performs \
     WHERE chain_id = ?1 AND epoch IS NOT NULL GROUP BY target, epoch HAVING COUNT(*) > 1)",
);
const GAS_USED: (&str, &str) = (
    "performs",
    "SELECT COALESCE(SUM(gas_used), 0) AS n FROM performs WHERE chain_id = ?1",
);

impl Store {
    /// Counts everything stored for `chain_id`, from one consistent snapshot.
    pub async fn summary(&self, chain_id: u64) -> StoreResult<StoreSummary> {
        let chain = int("chain_id", chain_id)?;
        let mut db = self.pool.begin().await.map_err(StoreError::db(OP))?;
        let conn: &mut SqliteConnection = &mut db;

        let rows = fetch(conn, chain, PERFORMS_BY_SOURCE).await?;
        let performs_by_source = count_by(&rows, "performs", "source", Source::ALL)?;
        let rows = fetch(conn, chain, ROUNDS_BY_SOURCE).await?;
        let rounds_by_source = count_by(&rows, "rounds", "source", Source::ALL)?;
        let rows = fetch(conn, chain, TXS_BY_STATE).await?;
        let keeper_txs = count_by(&rows, "txs", "state", TxState::ALL)?;
        let rows = fetch(conn, chain, ATTEMPTS_BY_PURPOSE).await?;
        let purposes = count_by(&rows, "attempts", "purpose", AttemptPurpose::ALL)?;
        let rows = fetch(conn, chain, FUNDINGS_BY_STATE).await?;
        let top_ups = count_by(&rows, "fundings", "state", FundingState::ALL)?;

        let mut failures = Vec::new();
        for row in fetch(conn, chain, FAILURES).await? {
            let c = Cols::new(&row, "failures");
            failures.push((
                c.parse::<FailureStage>("stage")?,
                c.text("error")?,
                c.u64("n")?,
            ));
        }
        failures.sort();

        let mut charges = BTreeMap::new();
        for (table, sql) in CHARGES {
            for row in fetch(conn, chain, sql).await? {
                let c = Cols::new(&row, table);
                let sum: &mut U256 = charges
                    .entry(c.parse::<Address>("charge_token")?)
                    .or_default();
                *sum = sum
                    .checked_add(c.u256("charge")?)
                    .ok_or(StoreError::Overflow { what: "charges" })?;
            }
        }

        let summary = StoreSummary {
            chain_id,
            performs_by_source,
            rounds_by_source,
            duplicates_refused: scalar(conn, chain, REFUSALS).await?,
            keeper_txs,
            top_ups,
            attempts: purposes.values().sum(),
            replacements: purposes.get(&AttemptPurpose::Bump).copied().unwrap_or(0),
            cancels: purposes.get(&AttemptPurpose::Cancel).copied().unwrap_or(0),
            fills: scalar(conn, chain, FILLS).await?,
            failures,
            double_trades: scalar(conn, chain, DOUBLE_TRADES).await?,
            charges,
            gas_used: scalar(conn, chain, GAS_USED).await?,
        };
        db.commit().await.map_err(StoreError::db(OP))?;
        Ok(summary)
    }
}

/// The rows of a query bound to the chain id.
async fn fetch(
    conn: &mut SqliteConnection,
    chain: i64,
    sql: &'static str,
) -> StoreResult<Vec<SqliteRow>> {
    sqlx::query(sql)
        .bind(chain)
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::db(OP))
}

/// The non-negative `n` of a one-row query bound to the chain id.
async fn scalar(
    conn: &mut SqliteConnection,
    chain: i64,
    (table, sql): (&'static str, &'static str),
) -> StoreResult<u64> {
    let row = sqlx::query(sql)
        .bind(chain)
        .fetch_one(&mut *conn)
        .await
        .map_err(StoreError::db(OP))?;
    Cols::new(&row, table).u64("n")
}

/// `(column, n)` rows as a map with every value of the enum present (0 when absent).
fn count_by<E>(
    rows: &[SqliteRow],
    table: &'static str,
    column: &'static str,
    all: &[E],
) -> StoreResult<BTreeMap<E, u64>>
where
    E: Ord + Copy + std::str::FromStr,
{
    let mut counts: BTreeMap<E, u64> = all.iter().map(|e| (*e, 0)).collect();
    for row in rows {
        let c = Cols::new(row, table);
        *counts.entry(c.parse::<E>(column)?).or_insert(0) += c.u64("n")?;
    }
    Ok(counts)
}
