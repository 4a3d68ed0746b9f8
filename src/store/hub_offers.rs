//! Pull offers: settlements the hub's users signed that let the hub pull its own share of their
//! account into its reserve (migration 0003). An offer is `open` until a batch takes it
//! (`batched`, in the same database transaction as the batch, see [`Store::hub_plan_batch`]);
//! the batch's end makes it `used` or `open` again. An offer whose nonce the account has passed
//! (the user applied another settlement) is `stale`, with the reason.

use alloy::primitives::{Address, Bytes, I256, U256};
use serde::{Deserialize, Serialize};

use super::Store;
use super::codec::{Cols, addr, int, now_ms, text_enum};
use super::error::{StoreError, StoreResult};

text_enum! {
    /// Where a pull offer is.
    HubOfferState, "hub offer state" {
        /// Usable by the next batch.
        Open => "open",
        /// In the open batch.
        Batched => "batched",
        /// Applied on chain.
        Used => "used",
        /// Its nonce was passed (or it failed to apply): never usable.
        Stale => "stale",
    }
}

/// One token's change, as the user signed it (`IHubDepository.Diff`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferDiff {
    /// The token.
    pub token: Address,
    /// Collateral moved between the sides first (+: to the hub).
    pub share_delta: I256,
    /// Then pulled from the hub's share into its reserve.
    pub pull: U256,
}

/// A signed pull offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubPullOffer {
    /// Chain.
    pub chain_id: u64,
    /// The depository.
    pub depository: Address,
    /// The account's hub, who pulls.
    pub hub: Address,
    /// The account's user, who signed.
    pub user: Address,
    /// The account's settlement nonce it was signed at.
    pub nonce: U256,
    /// Its diffs.
    pub diffs: Vec<OfferDiff>,
    /// The user's signature.
    pub signature: Bytes,
    /// Where it is.
    pub state: HubOfferState,
    /// The round that holds or used it.
    pub round: Option<U256>,
    /// Why it went stale.
    pub reason: Option<String>,
}

/// The offer columns (a macro, so queries stay static strings).
macro_rules! offer_columns {
    () => {
        "chain_id, depository, hub, user, nonce, diffs, signature, state, round, reason"
    };
}

impl Store {
    /// Stores a new `open` offer; `false` when one for this account and nonce exists already.
    pub async fn hub_add_offer(&self, o: &HubPullOffer) -> StoreResult<bool> {
        let diffs = serde_json::to_string(&o.diffs).map_err(|e| StoreError::Corrupt {
            table: "hub_pull_offers",
            column: "diffs",
            value: e.to_string(),
        })?;
        let done = sqlx::query(
            "INSERT INTO hub_pull_offers (chain_id, depository, hub, user, nonce, diffs, signature, \
               state, created_at_ms, updated_at_ms) \
             VALUES (?1, ?2, ?8, ?3, ?4, ?5, ?6, 'open', ?7, ?7) \
             ON CONFLICT (chain_id, depository, hub, user, nonce) DO NOTHING",
        )
        .bind(int("chain_id", o.chain_id)?)
        .bind(addr(o.depository))
        .bind(addr(o.user))
        .bind(o.nonce.to_string())
        .bind(diffs)
        .bind(o.signature.to_string())
        .bind(now_ms())
        .bind(addr(o.hub))
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("hub_add_offer"))?;
        Ok(done.rows_affected() == 1)
    }

    /// The offers of `depository` in `states` (all when empty), oldest first, of every hub.
    pub async fn hub_offers(
        &self,
        chain_id: u64,
        depository: Address,
        states: &[HubOfferState],
    ) -> StoreResult<Vec<HubPullOffer>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            offer_columns!(),
            " FROM hub_pull_offers WHERE chain_id = ?1 AND depository = ?2 \
             ORDER BY created_at_ms, user, CAST(nonce AS INTEGER)"
        ))
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::db("hub_offers"))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let o = offer_from_row(row)?;
            if states.is_empty() || states.contains(&o.state) {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// The open offer of account (`hub`, `user`) at `nonce` can never apply (its nonce was passed, or its
    /// signature or share does not hold): `stale`, with `reason`.
    pub async fn hub_offer_stale(
        &self,
        chain_id: u64,
        depository: Address,
        hub: Address,
        user: Address,
        nonce: U256,
        reason: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE hub_pull_offers SET state = 'stale', reason = ?5, updated_at_ms = ?6 \
             WHERE chain_id = ?1 AND depository = ?2 AND user = ?3 AND nonce = ?4 \
             AND hub = ?7 AND state = 'open'",
        )
        .bind(int("chain_id", chain_id)?)
        .bind(addr(depository))
        .bind(addr(user))
        .bind(nonce.to_string())
        .bind(reason)
        .bind(now_ms())
        .bind(addr(hub))
        .execute(&self.pool)
        .await
        .map_err(StoreError::db("hub_offer_stale"))?;
        Ok(done.rows_affected() == 1)
    }
}

pub(super) fn offer_from_row(row: &sqlx::sqlite::SqliteRow) -> StoreResult<HubPullOffer> {
    let c = Cols::new(row, "hub_pull_offers");
    let raw = c.text("diffs")?;
    let diffs: Vec<OfferDiff> = serde_json::from_str(&raw).map_err(|_| StoreError::Corrupt {
        table: "hub_pull_offers",
        column: "diffs",
        value: raw.clone(),
    })?;
    let round = match c.opt_text("round")? {
        None => None,
        Some(_) => Some(c.u256("round")?),
    };
    Ok(HubPullOffer {
        chain_id: c.u64("chain_id")?,
        depository: c.parse("depository")?,
        hub: c.parse("hub")?,
        user: c.parse("user")?,
        nonce: c.u256("nonce")?,
        diffs,
        signature: c.parse("signature")?,
        state: c.parse("state")?,
        round,
        reason: c.opt_text("reason")?,
    })
}
