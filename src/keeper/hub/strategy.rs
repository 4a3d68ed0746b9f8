//! The hub's strategy (pure): from the store's pending requests and pull offers, the chain's
//! reserves and gas price, and what the interval already served, the next batch — its pushes
//! (`model::hub::plan`), the pulls that fund them (`model::hub::pulls`), and a reason for every
//! request left out.
//!
//! Before the planner sees them, requests are left out here when their token is not served
//! (`unknown_token`), their deadline is closer than the margin (`near_deadline`: the batch could
//! land after it), or the last simulation refused them (`rejected`). Pulls: the planner is run
//! once with every usable offer's pulls added to the reserves to learn what the batch could
//! hand out, the fewest largest offers covering the shortfall are chosen, and the batch is
//! planned again on the reserves plus those pulls only.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};

use crate::{
    keeper::config::HubSettings,
    model::hub::{
        self, GasMarket, HubResult, Plan, PlanInput, Request, RequestId, Served, TokenId,
        TokenState,
        pulls::{self, PullOffer},
    },
    store::{HubPullOffer, HubRequestRecord},
};

/// The depository's bound on pulls per batch (`HubDepository.MAX_PULLS`).
pub const MAX_PULLS: usize = 32;

/// Everything one planning round reads.
#[derive(Debug, Clone)]
pub struct HubInputs<'a> {
    /// "Now", unix s.
    pub now: u64,
    /// Gas price, wei.
    pub gas_price: U256,
    /// The hub's configuration.
    pub settings: &'a HubSettings,
    /// The hub's reserve per token address.
    pub reserves: &'a BTreeMap<Address, U256>,
    /// What the interval served per token address: total and per user.
    pub served: &'a BTreeMap<Address, (U256, BTreeMap<Address, U256>)>,
    /// Pending requests.
    pub pending: &'a [HubRequestRecord],
    /// Open offers whose nonce is the account's current one.
    pub offers: &'a [HubPullOffer],
    /// Requests a simulation refused, with the reason.
    pub rejected: &'a BTreeMap<U256, String>,
}

/// A request left out, with its machine code and its reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The request.
    pub id: U256,
    /// `below_soft_limit`, `near_deadline`, …
    pub code: String,
    /// The reason in words.
    pub detail: String,
}

/// The next batch as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubBatchPlan {
    /// The planner's output (operations name requests by their decimal id).
    pub plan: Plan,
    /// The pull offers the batch applies first.
    pub pulls: Vec<HubPullOffer>,
    /// Every pending request not in the batch, with its reason.
    pub skips: Vec<Skip>,
    /// The gas price the fees were planned at, wei.
    pub gas_price: U256,
}

/// Plans the next batch (see the module doc).
pub fn plan_batch(i: &HubInputs<'_>) -> HubResult<HubBatchPlan> {
    let s = i.settings;
    let mut skips = Vec::new();
    let mut requests = Vec::new();
    let mut ids: BTreeMap<String, U256> = BTreeMap::new();
    for r in i.pending {
        let Some(token) = s.token(r.token) else {
            skips.push(Skip {
                id: r.id,
                code: "unknown_token".into(),
                detail: format!("token {} is not in [hub.tokens]", r.token),
            });
            continue;
        };
        if r.deadline < i.now.saturating_add(s.deadline_margin_secs) {
            skips.push(Skip {
                id: r.id,
                code: "near_deadline".into(),
                detail: format!(
                    "deadline {} is less than {} s away (hub.deadline_margin_secs)",
                    r.deadline, s.deadline_margin_secs
                ),
            });
            continue;
        }
        if let Some(reason) = i.rejected.get(&r.id) {
            skips.push(Skip {
                id: r.id,
                code: "rejected".into(),
                detail: format!("the last simulation refused it: {reason}"),
            });
            continue;
        }
        ids.insert(r.id.to_string(), r.id);
        requests.push(Request {
            id: RequestId(r.id.to_string()),
            user: r.user,
            token: TokenId(token.symbol.clone()),
            amount: r.amount,
            max_fee: r.max_fee,
            requested_at: r.requested_at,
        });
    }

    let reserve = |a: Address| i.reserves.get(&a).copied().unwrap_or_default();
    let by_symbol: BTreeMap<TokenId, U256> = s
        .tokens
        .iter()
        .map(|t| (TokenId(t.symbol.clone()), reserve(t.address)))
        .collect();
    let offers: Vec<PullOffer> = i
        .offers
        .iter()
        .take(MAX_PULLS.saturating_mul(4))
        .map(|o| pull_offer(s, o))
        .collect();

    let input_with = |reserves: &BTreeMap<TokenId, U256>| -> PlanInput {
        PlanInput {
            now: i.now,
            gas: GasMarket::wei(i.gas_price),
            config: s.planner,
            tokens: s
                .tokens
                .iter()
                .map(|t| {
                    let id = TokenId(t.symbol.clone());
                    let state = TokenState {
                        decimals: t.decimals,
                        reserve: reserves.get(&id).copied().unwrap_or_default(),
                        native_price: t.native_price,
                        limits: t.limits,
                    };
                    (id, state)
                })
                .collect(),
            requests: requests.clone(),
            served: s
                .tokens
                .iter()
                .filter_map(|t| {
                    i.served.get(&t.address).map(|(total, per_user)| {
                        let served = Served {
                            total: *total,
                            per_user: per_user.clone(),
                        };
                        (TokenId(t.symbol.clone()), served)
                    })
                })
                .collect(),
        }
    };

    let mut chosen: Vec<HubPullOffer> = Vec::new();
    let mut plan = hub::plan(&input_with(&by_symbol))?;
    if !offers.is_empty() {
        // What the batch could hand out with every offer pulled, and the pulls that fund it.
        let all = pulls::PullChoice {
            chosen: Vec::new(),
            pulled: sum_pulls(&offers),
            uncovered: BTreeMap::new(),
        };
        let potential = hub::plan(&input_with(&pulls::funded(&by_symbol, &all)?))?;
        let needed = potential
            .totals
            .iter()
            .map(|(t, totals)| (t.clone(), totals.reserves_out))
            .collect();
        let choice = pulls::choose(&pulls::shortfall(&needed, &by_symbol), &offers, MAX_PULLS)?;
        if !choice.chosen.is_empty() {
            plan = hub::plan(&input_with(&pulls::funded(&by_symbol, &choice)?))?;
            chosen = choice
                .chosen
                .iter()
                .filter_map(|key| i.offers.iter().find(|o| offer_key(o) == *key).cloned())
                .collect();
        }
    }
    // Every skipped request is one of `requests` (the planner reports what it was given).
    for sk in &plan.skipped {
        let (Some(&id), Some(token)) = (
            ids.get(&sk.request.0),
            s.tokens.iter().find(|t| t.symbol == sk.token.0),
        ) else {
            continue;
        };
        skips.push(Skip {
            id,
            code: sk.reason.code().into(),
            detail: sk.reason.describe(token.decimals),
        });
    }
    Ok(HubBatchPlan {
        plan,
        pulls: chosen,
        skips,
        gas_price: i.gas_price,
    })
}

/// An offer's key: `user/nonce`.
pub fn offer_key(o: &HubPullOffer) -> String {
    format!("{}/{}", o.user, o.nonce)
}

/// What an offer pulls per served token (pulls of other tokens fund nothing here).
fn pull_offer(s: &HubSettings, o: &HubPullOffer) -> PullOffer {
    let mut pulls: BTreeMap<TokenId, U256> = BTreeMap::new();
    for d in &o.diffs {
        if let Some(t) = s.token(d.token) {
            let e = pulls.entry(TokenId(t.symbol.clone())).or_default();
            *e = e.saturating_add(d.pull);
        }
    }
    PullOffer {
        key: offer_key(o),
        pulls,
    }
}

fn sum_pulls(offers: &[PullOffer]) -> BTreeMap<TokenId, U256> {
    let mut out: BTreeMap<TokenId, U256> = BTreeMap::new();
    for o in offers {
        for (t, p) in &o.pulls {
            let e = out.entry(t.clone()).or_default();
            *e = e.saturating_add(*p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use alloy::primitives::{Bytes, I256};

    use super::*;
    use crate::{
        keeper::config::HubToken,
        model::hub::{HubConfig, Price, TokenLimits},
        store::{HubOfferState, HubRequestState, OfferDiff},
    };

    const E6: u64 = 1_000_000;

    fn usdc() -> Address {
        Address::repeat_byte(0x0c)
    }

    fn settings() -> HubSettings {
        HubSettings {
            depository: Address::repeat_byte(0xde),
            planner: HubConfig {
                gas_per_batch: 36_035,
                gas_per_operation: 16_874,
                ..HubConfig::default()
            },
            tokens: vec![HubToken {
                symbol: "USDC".into(),
                address: usdc(),
                decimals: 6,
                native_price: Price {
                    value: U256::from(3_500u64),
                    decimals: 0,
                },
                limits: TokenLimits {
                    min_amount: U256::from(100 * E6),
                    max_amount: U256::from(100_000 * E6),
                    max_per_user: U256::from(10_000 * E6),
                    max_per_interval: U256::from(100_000 * E6),
                },
            }],
            gas_refresh: Duration::from_secs(300),
            interval_secs: 3_600,
            deadline_margin_secs: 30,
            from_block: None,
        }
    }

    fn request(id: u64, user: u8, whole: u64, deadline: u64) -> HubRequestRecord {
        HubRequestRecord {
            chain_id: 31_337,
            depository: Address::repeat_byte(0xde),
            id: U256::from(id),
            user: Address::repeat_byte(user),
            token: usdc(),
            amount: U256::from(whole * E6),
            max_fee: U256::from(whole * E6 / 10),
            deadline,
            requested_at: 900,
            requested_block: 5,
            state: HubRequestState::Pending,
            round: None,
            fee: None,
            settled_at: None,
            settled_block: None,
            skip_code: None,
            skip_detail: None,
        }
    }

    fn offer(user: u8, whole: u64) -> HubPullOffer {
        HubPullOffer {
            chain_id: 31_337,
            depository: Address::repeat_byte(0xde),
            hub: Address::repeat_byte(0x44),
            user: Address::repeat_byte(user),
            nonce: U256::ZERO,
            diffs: vec![OfferDiff {
                token: usdc(),
                share_delta: I256::ZERO,
                pull: U256::from(whole * E6),
            }],
            signature: Bytes::from(vec![1u8; 65]),
            state: HubOfferState::Open,
            round: None,
            reason: None,
        }
    }

    fn run(
        reserve: u64,
        pending: &[HubRequestRecord],
        offers: &[HubPullOffer],
        rejected: &BTreeMap<U256, String>,
    ) -> HubBatchPlan {
        let s = settings();
        let reserves = BTreeMap::from([(usdc(), U256::from(reserve * E6))]);
        plan_batch(&HubInputs {
            now: 1_000,
            gas_price: U256::from(1_000_000_000u64),
            settings: &s,
            reserves: &reserves,
            served: &BTreeMap::new(),
            pending,
            offers,
            rejected,
        })
        .unwrap()
    }

    fn codes(p: &HubBatchPlan) -> Vec<(u64, &str)> {
        p.skips
            .iter()
            .map(|s| (s.id.to::<u64>(), s.code.as_str()))
            .collect()
    }

    #[test]
    fn requests_the_planner_cannot_take_are_skipped_with_a_reason() {
        let mut foreign = request(1, 1, 500, 5_000);
        foreign.token = Address::repeat_byte(0xee);
        let pending = [
            foreign,
            request(2, 2, 500, 1_020),
            request(3, 3, 500, 5_000),
            request(4, 4, 50, 5_000),
            request(5, 5, 600, 5_000),
        ];
        let rejected =
            BTreeMap::from([(U256::from(3), "OpUnknownRequest(index: 0, id: 3)".into())]);
        let p = run(10_000, &pending, &[], &rejected);
        assert_eq!(
            codes(&p),
            vec![
                (1, "unknown_token"),
                (2, "near_deadline"),
                (3, "rejected"),
                (4, "below_min_amount")
            ]
        );
        assert!(
            p.skips[2].detail.contains("OpUnknownRequest"),
            "{:?}",
            p.skips[2]
        );
        assert_eq!(p.plan.operations.len(), 1);
        assert_eq!(p.plan.operations[0].request.0, "5");
        assert!(p.pulls.is_empty());
    }

    #[test]
    fn pulls_are_taken_only_for_the_shortfall() {
        let pending = [request(1, 1, 800, 5_000), request(2, 2, 700, 5_000)];
        let offers = [offer(7, 300), offer(8, 600), offer(9, 2_000)];
        // Reserve 2,000 covers both: no pull.
        let p = run(2_000, &pending, &offers, &BTreeMap::new());
        assert_eq!(p.plan.operations.len(), 2);
        assert!(p.pulls.is_empty());
        // Reserve 1,000: 500 short; one offer covers it (the earliest of those that do).
        let p = run(1_000, &pending, &offers, &BTreeMap::new());
        assert_eq!(p.plan.operations.len(), 2);
        assert_eq!(p.pulls.len(), 1);
        assert_eq!(p.pulls[0].user, Address::repeat_byte(8));
        // Without offers the smaller request waits for reserve.
        let p = run(1_000, &pending, &[], &BTreeMap::new());
        assert_eq!(codes(&p), vec![(2, "unaffordable")]);
    }
}
