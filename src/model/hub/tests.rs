//! Fixed-input tests: the document's worked example, each skip reason, the execute-now rule,
//! the soft limit, the input errors and the ANCHORS §2 pitfalls.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};

use super::*;

pub(super) const GWEI: u64 = 1_000_000_000;
pub(super) const USDC: u64 = 1_000_000;

pub(super) fn usdc(whole: u64) -> U256 {
    U256::from(whole) * U256::from(USDC)
}

pub(super) fn user(n: u8) -> Address {
    Address::repeat_byte(n)
}

/// USDC (6 decimals) at $3,500/ETH with the document's limits and `reserve` whole tokens.
pub(super) fn usdc_state(reserve: u64) -> TokenState {
    TokenState {
        decimals: 6,
        reserve: usdc(reserve),
        native_price: Price {
            value: U256::from(3500),
            decimals: 0,
        },
        limits: TokenLimits {
            min_amount: usdc(100),
            max_amount: usdc(100_000),
            max_per_user: usdc(10_000),
            max_per_interval: usdc(100_000),
        },
    }
}

pub(super) fn req(id: &str, who: u8, amount: u64, max_fee: u64, at: u64) -> Request {
    Request {
        id: RequestId(id.into()),
        user: user(who),
        token: TokenId("USDC".into()),
        amount: usdc(amount),
        max_fee: usdc(max_fee),
        requested_at: at,
    }
}

/// 10 gwei (soft limit 525 USDC), USDC reserve of `reserve`, now = 1,000.
fn input(reserve: u64, requests: Vec<Request>) -> PlanInput {
    PlanInput {
        now: 1_000,
        gas: GasMarket::wei(U256::from(10 * GWEI)),
        config: HubConfig::default(),
        tokens: BTreeMap::from([(TokenId("USDC".into()), usdc_state(reserve))]),
        requests,
        served: BTreeMap::new(),
    }
}

fn ids(p: &Plan) -> Vec<&str> {
    p.operations.iter().map(|o| o.request.0.as_str()).collect()
}

fn reason_of(p: &Plan, id: &str) -> SkipReason {
    p.skipped
        .iter()
        .find(|s| s.request.0 == id)
        .map(|s| s.reason)
        .unwrap_or_else(|| panic!("{id} not skipped: {p:?}"))
}

#[test]
fn quote_reproduces_the_worked_example() {
    let token = usdc_state(0);
    let q = quote(
        usdc(1000),
        1,
        &HubConfig::default(),
        &GasMarket::wei(U256::from(50 * GWEI)),
        &TokenId("USDC".into()),
        &token,
    )
    .unwrap();
    assert_eq!(q.batch_gas, 150_000);
    assert_eq!(q.fee.gas_units, 150_000);
    assert_eq!(q.fee.hub_fee, usdc(10));
    assert_eq!(q.fee.miner_fee, U256::from(26_250_000)); // 26.25
    assert_eq!(q.fee.buffer, U256::from(5_250_000)); // 5.25
    assert_eq!(q.total_fee, U256::from(41_500_000));
    assert_eq!(q.total, U256::from(1_041_500_000)); // 1,041.50
    // 100 × 26.25: at 50 gwei a $1,000 request is below the soft limit.
    assert_eq!(q.soft_limit, usdc(2_625));
    assert!(q.below_soft_limit());
}

#[test]
fn quote_batched_shares_the_overhead() {
    // The document: 3 settlements batched = 200k gas instead of 450k.
    let c = HubConfig::default();
    assert_eq!(fees::batch_gas(3, &c).unwrap(), 200_000);
    assert_eq!(fees::gas_shares(3, &c), vec![66_667, 66_667, 66_666]);
    let q = quote(
        usdc(1000),
        3,
        &c,
        &GasMarket::wei(U256::from(50 * GWEI)),
        &TokenId("USDC".into()),
        &usdc_state(0),
    )
    .unwrap();
    // 66,667 gas × 50 gwei × 3,500 = 11.666725 USDC, exactly.
    assert_eq!(q.fee.miner_fee, U256::from(11_666_725));
}

#[test]
fn fees_round_up_in_the_hubs_favour() {
    let c = HubConfig::default();
    // 1 % of 0.000150 = 0.0000015 → 0.000002.
    assert_eq!(fees::hub_fee(U256::from(150), &c).unwrap(), U256::from(2));
    // 1 gas at 1 wei and $3,500 = 3.5e-15 USDC → 1 base unit.
    let one = fees::gas_cost_in_token(1, &GasMarket::wei(U256::from(1)), &usdc_state(0));
    assert_eq!(one.unwrap(), U256::from(1));
    assert_eq!(
        fees::bps_up(U256::from(1), 2_000, "t").unwrap(),
        U256::from(1)
    );
}

#[test]
fn soft_limit_rises_with_the_gas_price() {
    let c = HubConfig::default();
    let token = usdc_state(0);
    let at = |gwei: u64| fees::soft_limit(&c, &GasMarket::wei(U256::from(gwei * GWEI)), &token);
    assert_eq!(at(10).unwrap(), usdc(525)); // 150k × 10 gwei × 3,500 × 100
    assert_eq!(at(50).unwrap(), usdc(2_625));
    assert_eq!(at(500).unwrap(), usdc(26_250));
    let mut last = U256::ZERO;
    for gwei in [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] {
        let s = at(gwei).unwrap();
        assert!(s > last, "{gwei} gwei");
        last = s;
    }
}

#[test]
fn plan_each_skip_reason() {
    let mut i = input(
        12_000,
        vec![
            req("min", 1, 99, 100, 0),
            req("max", 2, 100_001, 5_000, 0),
            req("soft", 3, 524, 100, 0),
            req("user-a", 4, 9_000, 200, 0),
            req("user-b", 4, 1_500, 100, 0),
            req("fee", 5, 600, 1, 0),
            req("ok", 6, 2_000, 100, 0),
            req("reserve", 7, 1_200, 100, 0),
        ],
    );
    i.tokens
        .values_mut()
        .for_each(|t| t.limits.max_per_interval = usdc(11_900));
    let p = plan::plan(&i).unwrap();
    assert_eq!(ids(&p), vec!["user-a", "ok"]);
    assert_eq!(
        reason_of(&p, "min"),
        SkipReason::BelowMinAmount { min: usdc(100) }
    );
    assert_eq!(
        reason_of(&p, "max"),
        SkipReason::OverMaxAmount { max: usdc(100_000) }
    );
    assert_eq!(
        reason_of(&p, "soft"),
        SkipReason::BelowSoftLimit {
            soft_limit: usdc(525)
        }
    );
    assert_eq!(
        reason_of(&p, "user-b"),
        SkipReason::OverUserCap {
            cap: usdc(10_000),
            already: usdc(9_000)
        }
    );
    assert_eq!(
        reason_of(&p, "reserve"),
        SkipReason::OverIntervalCap {
            cap: usdc(11_900),
            already: usdc(11_000)
        }
    );
    assert!(
        matches!(reason_of(&p, "fee"), SkipReason::FeeAboveMax { max_fee, .. } if max_fee == usdc(1))
    );
    assert_eq!(p.skipped.len(), 6);

    // Without the interval cap the reserve decides: 12,000 − 11,000 = 1,000 < 1,200.
    i.tokens
        .values_mut()
        .for_each(|t| t.limits.max_per_interval = usdc(100_000));
    let p = plan::plan(&i).unwrap();
    assert_eq!(
        reason_of(&p, "reserve"),
        SkipReason::Unaffordable {
            reserve_left: usdc(1_000)
        }
    );
}

#[test]
fn caps_count_what_the_interval_already_served() {
    // User 1 already received 8,000 this interval, everyone 94,000 (caps 10,000 and 100,000).
    let mut i = input(
        100_000,
        vec![
            req("u1-big", 1, 3_000, 100, 900),
            req("u1-small", 1, 2_000, 100, 900),
            req("u2", 2, 4_000, 100, 900),
            req("u3", 3, 2_500, 100, 900),
        ],
    );
    i.served.insert(
        TokenId("USDC".into()),
        Served {
            total: usdc(94_000),
            per_user: BTreeMap::from([(user(1), usdc(8_000))]),
        },
    );
    let p = plan::plan(&i).unwrap();
    assert_eq!(ids(&p), vec!["u2", "u1-small"]);
    assert_eq!(
        reason_of(&p, "u3"),
        SkipReason::OverIntervalCap {
            cap: usdc(100_000),
            already: usdc(98_000)
        }
    );
    assert_eq!(
        reason_of(&p, "u1-big"),
        SkipReason::OverUserCap {
            cap: usdc(10_000),
            already: usdc(8_000)
        }
    );
    // Without the interval's history all four fit.
    i.served.clear();
    assert_eq!(plan::plan(&i).unwrap().operations.len(), 4);
}

#[test]
fn plan_batch_full_skips_the_smallest() {
    let mut i = input(
        100_000,
        (0..4)
            .map(|k| req(&format!("r{k}"), k, 1_000 + u64::from(k), 100, 0))
            .collect(),
    );
    i.config.max_operations = 3;
    i.config.batch_size_threshold = 3;
    let p = plan::plan(&i).unwrap();
    assert_eq!(ids(&p), vec!["r3", "r2", "r1"]);
    assert_eq!(
        reason_of(&p, "r0"),
        SkipReason::BatchFull { max_operations: 3 }
    );
}

#[test]
fn plan_fee_drop_reruns_with_fewer_operations() {
    // At 10 gwei a gas share costs 2.800014 USDC with fee+buffer in a batch of 3, 3.675 in a
    // batch of 2, 6.30 alone. "b" (max 8) is dropped at 3 operations; that raises "a"'s share
    // to 13.675 > its max 13, so "a" is dropped on the rerun; "c" goes alone, within its max.
    let i = input(
        100_000,
        vec![
            req("a", 1, 1_000, 13, 0),
            req("b", 2, 600, 8, 0),
            req("c", 3, 5_000, 100, 0),
        ],
    );
    let p = plan::plan(&i).unwrap();
    assert_eq!(ids(&p), vec!["c"]);
    assert_eq!(p.operations[0].fee.gas_units, 150_000);
    assert_eq!(p.operations[0].total_fee, U256::from(56_300_000));
    assert_eq!(
        reason_of(&p, "a"),
        SkipReason::FeeAboveMax {
            fee: U256::from(13_675_000),
            max_fee: usdc(13)
        }
    );
    assert_eq!(
        reason_of(&p, "b"),
        SkipReason::FeeAboveMax {
            fee: U256::from(8_799_972),
            max_fee: usdc(8)
        }
    );
    assert_eq!(p.batch_gas, 150_000);
}

#[test]
fn decide_execute_now_rules() {
    let one = |at: u64| input(100_000, vec![req("a", 1, 1_000, 100, at)]);
    // Nothing servable → nothing to send.
    assert_eq!(
        plan::plan(&input(0, vec![req("a", 1, 1_000, 100, 0)]))
            .unwrap()
            .decision,
        Decision::Nothing
    );
    assert_eq!(
        plan::plan(&input(0, vec![])).unwrap().decision,
        Decision::Nothing
    );
    // 5 s old, window 10 s → wait until 1,005.
    assert_eq!(
        plan::plan(&one(995)).unwrap().decision,
        Decision::Wait { until: 1_005 }
    );
    // Exactly 10 s → execute.
    assert_eq!(
        plan::plan(&one(990)).unwrap().decision,
        Decision::Execute(ExecuteReason::WindowElapsed {
            waited_secs: 10,
            window_secs: 10
        })
    );
    // A request time after "now" waits a full window from its own time.
    assert_eq!(
        plan::plan(&one(1_003)).unwrap().decision,
        Decision::Wait { until: 1_013 }
    );
    // Ten fresh operations → execute at once.
    let ten = input(
        100_000,
        (0..10)
            .map(|k| req(&format!("r{k}"), k, 1_000, 100, 1_000))
            .collect(),
    );
    assert_eq!(
        plan::plan(&ten).unwrap().decision,
        Decision::Execute(ExecuteReason::SizeThreshold {
            operations: 10,
            threshold: 10
        })
    );
    // An old request that cannot be served does not force a batch.
    let mut i = one(999);
    i.requests.push(req("old-unservable", 2, 50, 100, 0));
    assert_eq!(
        plan::plan(&i).unwrap().decision,
        Decision::Wait { until: 1_009 }
    );
}

#[test]
fn pitfall_biggest_first_decides_reserves_regardless_of_input_order() {
    // ANCHORS §2: reserve handed out before sorting. The older, smaller request comes first in
    // the input and would have taken the reserve.
    let small_first = vec![
        req("small-old", 1, 600, 100, 0),
        req("big-new", 2, 900, 100, 5),
    ];
    let mut big_first = small_first.clone();
    big_first.reverse();
    for requests in [small_first, big_first] {
        let p = plan::plan(&input(1_000, requests)).unwrap();
        assert_eq!(ids(&p), vec!["big-new"]);
        assert_eq!(
            reason_of(&p, "small-old"),
            SkipReason::Unaffordable {
                reserve_left: usdc(100)
            }
        );
    }
}

#[test]
fn pitfall_fees_only_for_operations_and_each_names_its_request() {
    // ANCHORS §2: fee kept for a collateral increase the hub did not make; fee before execution.
    let i = input(
        3_000,
        vec![
            req("served", 1, 2_000, 100, 0),
            req("unserved", 2, 1_500, 100, 0),
        ],
    );
    let p = plan::plan(&i).unwrap();
    let op = &p.operations[0];
    assert_eq!(
        (op.request.0.as_str(), op.user, op.amount),
        ("served", user(1), usdc(2_000))
    );
    let t = &p.totals[&TokenId("USDC".into())];
    assert_eq!(t.fees, op.total_fee);
    assert_eq!(t.reserves_out, usdc(2_000));
    assert_eq!(t.user_debits, usdc(2_000) + op.total_fee);
    assert_eq!(t.reserve_after, usdc(1_000));
    assert!(p.executes());
}

#[test]
fn pitfall_ids_are_compared_at_full_width() {
    // ANCHORS §2: nonces keyed by a truncated id. Ids equal in their first 64 characters stay
    // two requests; a repeated full id is refused.
    let prefix = "0x".to_string() + &"ab".repeat(32);
    let a = req(&format!("{prefix}01"), 1, 1_000, 100, 0);
    let b = req(&format!("{prefix}02"), 2, 1_000, 100, 0);
    let p = plan::plan(&input(10_000, vec![a.clone(), b])).unwrap();
    assert_eq!(ids(&p), vec![a.id.0.as_str(), &format!("{prefix}02")]);
    let err = plan::plan(&input(10_000, vec![a.clone(), a])).unwrap_err();
    assert!(matches!(err, HubError::DuplicateId { .. }));
}

#[test]
fn plan_refuses_bad_input_with_the_field() {
    let err = plan::plan(&input(1, vec![req("z", 1, 0, 1, 0)])).unwrap_err();
    assert_eq!(err, HubError::ZeroAmount { id: "z".into() });
    let mut i = input(1, vec![req("x", 1, 1, 1, 0)]);
    i.requests[0].token = TokenId("DAI".into());
    assert!(matches!(
        plan::plan(&i).unwrap_err(),
        HubError::UnknownToken { .. }
    ));
    let mut i = input(1, vec![]);
    i.tokens
        .values_mut()
        .for_each(|t| t.native_price.value = U256::ZERO);
    assert!(
        plan::plan(&i)
            .unwrap_err()
            .to_string()
            .contains("tokens.USDC.native_price = 0")
    );
    let mut i = input(1, vec![]);
    i.gas.gas_price_wei = U256::from(200_000 * GWEI);
    assert!(
        plan::plan(&i)
            .unwrap_err()
            .to_string()
            .contains("at most 100000 gwei")
    );
    i.gas.gas_price_wei = U256::ZERO;
    assert!(
        plan::plan(&i)
            .unwrap_err()
            .to_string()
            .contains("gas price = 0")
    );
    let mut i = input(1, vec![]);
    i.config.batch_size_threshold = 60;
    assert!(
        plan::plan(&i)
            .unwrap_err()
            .to_string()
            .contains("config.batch_size_threshold = 60")
    );
}
