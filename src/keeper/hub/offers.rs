//! Pull offers as users hand them to their hub: a signed settlement in JSON, checked against the
//! chain (the signature recovers the account's user over the depository's own digest, at the
//! account's current nonce) before the store keeps it.
//!
//! ```json
//! { "depository": "0x…", "hub": "0x…", "user": "0x…", "nonce": "0",
//!   "diffs": [{ "token": "0x…", "share_delta": "-5000000", "pull": "5000000" }],
//!   "signature": "0x…" }
//! ```
//!
//! `share_delta` moves collateral from the user's side to the hub's (+) or back (−) first;
//! `pull` then takes that much of the hub's share into the hub's reserve. Amounts are base units.

use alloy::{
    primitives::{Address, Bytes, I256, Signature, U256},
    providers::DynProvider,
};
use serde::{Deserialize, Serialize};

use crate::{
    chain::ours::hub::{HubDepository, IHubDepository::Diff},
    store::{HubOfferState, HubPullOffer, OfferDiff, Store, StoreError},
};

/// A signed settlement as a user hands it over (amounts as decimal strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferFile {
    /// The depository.
    pub depository: Address,
    /// The account's hub (who pulls).
    pub hub: Address,
    /// The account's user (who signed).
    pub user: Address,
    /// The account's settlement nonce.
    pub nonce: String,
    /// The diffs.
    pub diffs: Vec<OfferDiffFile>,
    /// The user's EIP-712 signature, 0x hex.
    pub signature: Bytes,
}

/// One diff of an [`OfferFile`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferDiffFile {
    /// The token.
    pub token: Address,
    /// Signed base units, decimal.
    pub share_delta: String,
    /// Base units, decimal.
    pub pull: String,
}

/// Why an offer is refused.
#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    /// A field is not what it must be.
    #[error("offer field {field} = {value:?}: {problem} — {fix}")]
    Field {
        /// The field.
        field: String,
        /// Its value.
        value: String,
        /// What is wrong.
        problem: String,
        /// The fix.
        fix: String,
    },
    /// The node.
    #[error("{what} failed: {reason} — check the RPC endpoint")]
    Rpc {
        /// What was read.
        what: String,
        /// The node's answer.
        reason: String,
    },
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn field(field: &str, value: impl ToString, problem: &str, fix: &str) -> OfferError {
    OfferError::Field {
        field: field.into(),
        value: value.to_string(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

impl OfferFile {
    /// The offer in the store's form, its numbers parsed.
    pub fn parse(&self, chain_id: u64) -> Result<HubPullOffer, OfferError> {
        let nonce = U256::from_str_radix(&self.nonce, 10).map_err(|_| {
            field(
                "nonce",
                &self.nonce,
                "is not a decimal integer",
                "give the account's nonce, e.g. \"0\"",
            )
        })?;
        if self.diffs.is_empty() {
            return Err(field(
                "diffs",
                "[]",
                "is empty",
                "give at least one {token, share_delta, pull}",
            ));
        }
        let mut diffs = Vec::with_capacity(self.diffs.len());
        for (i, d) in self.diffs.iter().enumerate() {
            let share_delta: I256 = d.share_delta.parse().map_err(|_| {
                field(
                    &format!("diffs[{i}].share_delta"),
                    &d.share_delta,
                    "is not a signed decimal integer",
                    "give base units, e.g. \"-5000000\"",
                )
            })?;
            let pull = U256::from_str_radix(&d.pull, 10).map_err(|_| {
                field(
                    &format!("diffs[{i}].pull"),
                    &d.pull,
                    "is not a decimal integer",
                    "give base units, e.g. \"5000000\"",
                )
            })?;
            diffs.push(OfferDiff {
                token: d.token,
                share_delta,
                pull,
            });
        }
        Ok(HubPullOffer {
            chain_id,
            depository: self.depository,
            hub: self.hub,
            user: self.user,
            nonce,
            diffs,
            signature: self.signature.clone(),
            state: HubOfferState::Open,
            round: None,
            reason: None,
        })
    }
}

/// The diffs as the contract takes them.
pub fn abi_diffs(o: &HubPullOffer) -> Vec<Diff> {
    o.diffs
        .iter()
        .map(|d| Diff {
            token: d.token,
            shareDelta: d.share_delta,
            pull: d.pull,
        })
        .collect()
}

/// Checks `offer` against the chain — its depository is `depository`, its signature recovers
/// its user over the depository's digest, its nonce is the account's — and stores it; `false`
/// when the store had it already.
pub async fn add_offer(
    reader: &DynProvider,
    store: &Store,
    depository: Address,
    offer: &HubPullOffer,
) -> Result<bool, OfferError> {
    if offer.depository != depository {
        return Err(field(
            "depository",
            offer.depository,
            &format!("is not this hub's depository {depository}"),
            "hand the offer to the keeper of its depository",
        ));
    }
    let dep = HubDepository::new(depository, reader);
    let rpc = |what: String| {
        move |e: alloy::contract::Error| OfferError::Rpc {
            what,
            reason: e.to_string(),
        }
    };
    let digest = dep
        .settlementDigest(
            offer.hub,
            offer.user,
            offer.hub,
            offer.nonce,
            abi_diffs(offer),
        )
        .call()
        .await
        .map_err(rpc("settlementDigest".into()))?;
    let signer = Signature::try_from(offer.signature.as_ref())
        .ok()
        .and_then(|s| s.recover_address_from_prehash(&digest).ok());
    if signer != Some(offer.user) {
        return Err(field(
            "signature",
            &offer.signature,
            &format!(
                "does not recover the user {} over the settlement (it recovers {})",
                offer.user,
                signer.map_or("nothing".into(), |a| a.to_string())
            ),
            "have the user sign settlementDigest(hub, user, hub, nonce, diffs) again",
        ));
    }
    let current = dep
        .nonceOf(offer.hub, offer.user)
        .call()
        .await
        .map_err(rpc(format!("nonceOf({}, {})", offer.hub, offer.user)))?;
    if current != offer.nonce {
        return Err(field(
            "nonce",
            offer.nonce,
            &format!("is not the account's current nonce {current}"),
            "have the user sign at the account's current nonce",
        ));
    }
    Ok(store.hub_add_offer(offer).await?)
}
