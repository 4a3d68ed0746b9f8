//! Pull before push: which signed pulls (collateral → the hub's reserve) a batch includes.
//!
//! A net sender's signed settlement lets the hub pull its own share of their account back into
//! its reserve; the batch applies every pull before its pushes, so pulled tokens fund the
//! pushes of the same transaction. A pull costs gas (a signature check and an account write),
//! so a batch carries only the pulls its pushes need: the **shortfall** per token (what the
//! pushes hand out beyond the reserve) is covered by the fewest, largest offers — greedy by
//! the part of the remaining shortfall an offer covers, ties to the older offer — and no offer
//! that funds nothing is taken. The pulled amounts are fixed by the signatures: the last offer
//! chosen may pull more than the shortfall left; the rest stays in the hub's reserve.

use std::collections::BTreeMap;

use alloy::primitives::U256;

use super::{
    error::{HubError, HubResult},
    fees::add,
    types::TokenId,
};

/// One signed pull the hub may apply: what it moves into the hub's reserve per token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullOffer {
    /// The offer's key (the caller's; e.g. `user/nonce`), reported back in [`PullChoice`].
    pub key: String,
    /// Base units each token's pull moves into the hub's reserve.
    pub pulls: BTreeMap<TokenId, U256>,
}

/// The pulls chosen for a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullChoice {
    /// The keys of the offers chosen, in the order they were chosen.
    pub chosen: Vec<String>,
    /// What they pull per token together.
    pub pulled: BTreeMap<TokenId, U256>,
    /// What the chosen pulls leave uncovered per token (none when every shortfall is covered).
    pub uncovered: BTreeMap<TokenId, U256>,
}

/// Per token, what `needed` hands out beyond `reserve` (tokens with no shortfall are left out).
pub fn shortfall(
    needed: &BTreeMap<TokenId, U256>,
    reserve: &BTreeMap<TokenId, U256>,
) -> BTreeMap<TokenId, U256> {
    needed
        .iter()
        .filter_map(|(t, &n)| {
            let r = reserve.get(t).copied().unwrap_or_default();
            (n > r).then(|| (t.clone(), n - r))
        })
        .collect()
}

/// Chooses at most `max_pulls` of `offers` to cover `shortfall` (see the module doc).
pub fn choose(
    shortfall: &BTreeMap<TokenId, U256>,
    offers: &[PullOffer],
    max_pulls: usize,
) -> HubResult<PullChoice> {
    let mut left: BTreeMap<TokenId, U256> = shortfall
        .iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(t, v)| (t.clone(), *v))
        .collect();
    let mut taken = vec![false; offers.len()];
    let mut out = PullChoice::default();
    while !left.is_empty() && out.chosen.len() < max_pulls {
        // The offer covering the most of what is left (summed over tokens, each capped at its
        // shortfall); the earliest among equals.
        let mut best: Option<(usize, U256)> = None;
        for (i, o) in offers.iter().enumerate() {
            if taken[i] {
                continue;
            }
            let mut covers = U256::ZERO;
            for (t, l) in &left {
                let p = o.pulls.get(t).copied().unwrap_or_default();
                covers = add(covers, p.min(*l), "pull cover")?;
            }
            if !covers.is_zero() && best.is_none_or(|(_, b)| covers > b) {
                best = Some((i, covers));
            }
        }
        let Some((i, _)) = best else { break };
        taken[i] = true;
        let o = &offers[i];
        out.chosen.push(o.key.clone());
        for (t, p) in &o.pulls {
            let e = out.pulled.entry(t.clone()).or_default();
            *e = add(*e, *p, "pulled")?;
            if let Some(l) = left.get_mut(t) {
                *l = l.saturating_sub(*p);
            }
        }
        left.retain(|_, l| !l.is_zero());
    }
    out.uncovered = left;
    Ok(out)
}

/// The reserve a batch may hand out per token: `reserve` plus what `choice` pulls first.
pub fn funded(
    reserve: &BTreeMap<TokenId, U256>,
    choice: &PullChoice,
) -> HubResult<BTreeMap<TokenId, U256>> {
    let mut out = reserve.clone();
    for (t, p) in &choice.pulled {
        let e = out.entry(t.clone()).or_default();
        *e = e.checked_add(*p).ok_or(HubError::Overflow {
            what: "reserve with pulls",
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> TokenId {
        TokenId(s.into())
    }

    fn offer(key: &str, pulls: &[(&str, u64)]) -> PullOffer {
        PullOffer {
            key: key.into(),
            pulls: pulls.iter().map(|(k, v)| (t(k), U256::from(*v))).collect(),
        }
    }

    fn map(v: &[(&str, u64)]) -> BTreeMap<TokenId, U256> {
        v.iter().map(|(k, a)| (t(k), U256::from(*a))).collect()
    }

    #[test]
    fn no_shortfall_takes_no_pull() {
        let s = shortfall(&map(&[("USDC", 500)]), &map(&[("USDC", 800)]));
        assert!(s.is_empty());
        let c = choose(&s, &[offer("a", &[("USDC", 100)])], 8).unwrap();
        assert!(c.chosen.is_empty() && c.uncovered.is_empty());
    }

    #[test]
    fn the_fewest_largest_offers_cover_the_shortfall() {
        // Pushes need 1,000 with 300 in reserve: 700 short.
        let s = shortfall(&map(&[("USDC", 1_000)]), &map(&[("USDC", 300)]));
        assert_eq!(s, map(&[("USDC", 700)]));
        let offers = [
            offer("small", &[("USDC", 200)]),
            offer("big", &[("USDC", 600)]),
            offer("mid", &[("USDC", 400)]),
            offer("other-token", &[("WETH", 9_000)]),
        ];
        let c = choose(&s, &offers, 8).unwrap();
        // 600 first, then 100 left: every remaining USDC offer covers 100; the earliest wins.
        assert_eq!(c.chosen, vec!["big", "small"]);
        assert_eq!(c.pulled, map(&[("USDC", 800)]));
        assert!(c.uncovered.is_empty());
        let f = funded(&map(&[("USDC", 300)]), &c).unwrap();
        assert_eq!(f, map(&[("USDC", 1_100)]));
    }

    #[test]
    fn an_offer_counts_only_for_tokens_that_are_short() {
        let s = map(&[("USDC", 100), ("WETH", 50)]);
        let offers = [
            offer("usdc-only", &[("USDC", 90)]),
            offer("both", &[("USDC", 60), ("WETH", 60)]),
        ];
        let c = choose(&s, &offers, 8).unwrap();
        // "both" covers 60 + 50 = 110 > 90; then 40 USDC left, covered by "usdc-only".
        assert_eq!(c.chosen, vec!["both", "usdc-only"]);
        assert!(c.uncovered.is_empty());
    }

    #[test]
    fn the_bound_on_pulls_leaves_the_rest_uncovered() {
        let s = map(&[("USDC", 1_000)]);
        let offers = [offer("a", &[("USDC", 300)]), offer("b", &[("USDC", 300)])];
        let c = choose(&s, &offers, 1).unwrap();
        assert_eq!(c.chosen, vec!["a"]);
        assert_eq!(c.uncovered, map(&[("USDC", 700)]));
        let c = choose(&s, &offers, 8).unwrap();
        assert_eq!(c.uncovered, map(&[("USDC", 400)]));
    }
}
