//! Property tests of the planner: value conserved, no fee above the user's max, no cap
//! exceeded, deterministic under any input order, miner-fee shares cover the batch's gas,
//! biggest first, every request accounted for exactly once.

use std::collections::BTreeMap;

use alloy::primitives::U256;
use proptest::prelude::*;

use super::{
    tests::{self, GWEI, req, usdc_state},
    *,
};

fn weth_state(reserve_milli: u64) -> TokenState {
    let e15 = U256::from(1_000_000_000_000_000u64);
    TokenState {
        decimals: 18,
        reserve: U256::from(reserve_milli) * e15,
        native_price: Price {
            value: U256::from(1),
            decimals: 0,
        },
        limits: TokenLimits {
            min_amount: e15 * U256::from(10),
            max_amount: e15 * U256::from(20_000),
            max_per_user: e15 * U256::from(30_000),
            max_per_interval: e15 * U256::from(60_000),
        },
    }
}

fn arb_config() -> impl Strategy<Value = HubConfig> {
    (
        0u32..=500,
        0u64..200_000,
        0u64..60_000,
        0u32..5_000,
        0u32..200,
        1u32..=12,
    )
        .prop_flat_map(|(fee, batch, op, buf, mult, max_ops)| {
            (1u32..=max_ops, 0u64..30).prop_map(move |(threshold, window)| HubConfig {
                fee_bps: fee,
                gas_per_batch: batch,
                gas_per_operation: op,
                gas_buffer_bps: buf,
                soft_limit_multiplier: mult,
                batch_window_secs: window,
                batch_size_threshold: threshold,
                max_operations: max_ops,
            })
        })
}

fn arb_request(k: usize) -> impl Strategy<Value = Request> {
    (0u8..4, 1u64..30_000, 0u64..400, 0u64..1_100, any::<bool>()).prop_map(
        move |(who, amount, max_fee, at, weth)| {
            let mut r = req(&format!("r{k:02}"), who, amount, max_fee, at);
            if weth {
                // Milli-ETH amounts with the same magnitudes.
                let e15 = U256::from(1_000_000_000_000_000u64);
                r.token = TokenId("WETH".into());
                r.amount = U256::from(amount) * e15;
                r.max_fee = U256::from(max_fee) * e15 / U256::from(100);
            }
            r
        },
    )
}

fn arb_input() -> impl Strategy<Value = PlanInput> {
    (
        arb_config(),
        1u64..300,
        0u64..150_000,
        0u64..60_000,
        any::<bool>(),
        1_000u64..60_000,
        (0usize..25).prop_flat_map(|n| (0..n).map(arb_request).collect::<Vec<_>>()),
        (0u64..40_000, prop::collection::vec(0u64..20_000, 4)),
    )
        .prop_map(
            |(
                config,
                gwei,
                usdc_reserve,
                weth_reserve,
                two_tokens,
                interval,
                mut requests,
                (served_total, served_users),
            )| {
                let mut usdc = usdc_state(usdc_reserve);
                usdc.limits.max_per_interval = tests::usdc(interval);
                let mut tokens = BTreeMap::from([(TokenId("USDC".into()), usdc)]);
                if two_tokens {
                    tokens.insert(TokenId("WETH".into()), weth_state(weth_reserve));
                } else {
                    requests.retain(|r| r.token.0 == "USDC");
                }
                // What the interval already served in USDC, to the users `req` names (0..4).
                let per_user = served_users
                    .iter()
                    .enumerate()
                    .map(|(i, &a)| (tests::user(i as u8), tests::usdc(a)))
                    .collect();
                let served = BTreeMap::from([(
                    TokenId("USDC".into()),
                    Served {
                        total: tests::usdc(served_total),
                        per_user,
                    },
                )]);
                PlanInput {
                    now: 1_000,
                    gas: GasMarket::wei(U256::from(gwei * GWEI)),
                    config,
                    tokens,
                    requests,
                    served,
                }
            },
        )
}

fn with_shuffled(input: PlanInput) -> impl Strategy<Value = (PlanInput, PlanInput)> {
    Just(input.requests.clone())
        .prop_shuffle()
        .prop_map(move |requests| {
            let shuffled = PlanInput {
                requests,
                ..input.clone()
            };
            (input.clone(), shuffled)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn value_is_conserved_and_every_request_accounted_once(input in arb_input()) {
        let p = plan::plan(&input).unwrap();
        // Every request is either one operation or one skip, never both, never changed.
        prop_assert_eq!(p.operations.len() + p.skipped.len(), input.requests.len());
        for r in &input.requests {
            let ops: Vec<_> = p.operations.iter().filter(|o| o.request == r.id).collect();
            let skips = p.skipped.iter().filter(|s| s.request == r.id).count();
            prop_assert_eq!(ops.len() + skips, 1);
            if let Some(o) = ops.first() {
                prop_assert_eq!((&o.user, &o.token, o.amount), (&r.user, &r.token, r.amount));
            }
        }
        for (id, t) in &p.totals {
            let ops = p.operations.iter().filter(|o| &o.token == id);
            let out: U256 = ops.clone().map(|o| o.amount).sum();
            let fees: U256 = ops.clone().map(|o| o.total_fee).sum();
            prop_assert_eq!(t.reserves_out, out);
            prop_assert_eq!(t.fees, fees);
            prop_assert_eq!(t.fees, t.hub_fees + t.miner_fees + t.buffers);
            prop_assert_eq!(t.user_debits, t.reserves_out + t.fees);
            prop_assert_eq!(t.reserve_after + t.reserves_out, t.reserve_before);
        }
        for o in &p.operations {
            prop_assert_eq!(o.total_fee, o.fee.hub_fee + o.fee.miner_fee + o.fee.buffer);
        }
    }

    #[test]
    fn no_fee_above_the_users_max_and_fees_round_up(input in arb_input()) {
        let p = plan::plan(&input).unwrap();
        let bps = U256::from(fees::BPS);
        for o in &p.operations {
            let r = input.requests.iter().find(|r| r.id == o.request).unwrap();
            prop_assert!(o.total_fee <= r.max_fee);
            // Hub fee is the ceiling of amount × bps / 10,000: not below, less than 1 unit above.
            let exact = o.amount * U256::from(input.config.fee_bps);
            prop_assert!(o.fee.hub_fee * bps >= exact);
            prop_assert!(o.fee.hub_fee.is_zero() || (o.fee.hub_fee - U256::from(1)) * bps < exact);
        }
    }

    #[test]
    fn no_cap_or_limit_exceeded(input in arb_input()) {
        let p = plan::plan(&input).unwrap();
        prop_assert!(p.operations.len() <= input.config.max_operations as usize);
        let mut per_user: BTreeMap<_, U256> = BTreeMap::new();
        let mut per_token: BTreeMap<_, U256> = BTreeMap::new();
        for o in &p.operations {
            let t = &input.tokens[&o.token];
            prop_assert!(o.amount >= t.limits.min_amount && o.amount <= t.limits.max_amount);
            prop_assert!(o.amount >= p.totals[&o.token].soft_limit);
            *per_user.entry((o.user, o.token.clone())).or_default() += o.amount;
            *per_token.entry(o.token.clone()).or_default() += o.amount;
        }
        // The caps count what the interval already served; the reserve does not.
        let none = Served::default();
        for ((user, token), sum) in per_user {
            let before = input.served.get(&token).unwrap_or(&none).per_user.get(&user);
            let total = sum + before.copied().unwrap_or_default();
            prop_assert!(total <= input.tokens[&token].limits.max_per_user);
        }
        for (token, sum) in per_token {
            let t = &input.tokens[&token];
            let before = input.served.get(&token).unwrap_or(&none).total;
            prop_assert!(sum + before <= t.limits.max_per_interval && sum <= t.reserve);
        }
    }

    #[test]
    fn deterministic_whatever_the_input_order((a, b) in arb_input().prop_flat_map(with_shuffled)) {
        let first = plan::plan(&a).unwrap();
        prop_assert_eq!(&first, &plan::plan(&a).unwrap());
        prop_assert_eq!(first, plan::plan(&b).unwrap());
    }

    #[test]
    fn miner_shares_cover_the_batch_gas(input in arb_input()) {
        let p = plan::plan(&input).unwrap();
        let n = p.operations.len() as u32;
        let gas_units: u64 = p.operations.iter().map(|o| o.fee.gas_units).sum();
        if n > 0 {
            prop_assert_eq!(gas_units, fees::batch_gas(n, &input.config).unwrap());
            prop_assert_eq!(p.batch_gas, gas_units);
        }
        // With one token, Σ shares ≥ the whole batch's cost in it, rounded up.
        let usdc = TokenId("USDC".into());
        if n > 0 && p.operations.iter().all(|o| o.token == usdc) {
            let cost = fees::gas_cost_in_token(p.batch_gas, &input.gas, &input.tokens[&usdc]);
            prop_assert!(p.totals[&usdc].miner_fees >= cost.unwrap());
        }
    }

    #[test]
    fn biggest_first_and_unaffordable_means_the_reserve_ran_out(input in arb_input()) {
        let p = plan::plan(&input).unwrap();
        for w in p.operations.windows(2) {
            prop_assert!(w[0].amount >= w[1].amount);
        }
        for s in &p.skipped {
            if let SkipReason::Unaffordable { reserve_left } = s.reason {
                prop_assert!(s.amount > reserve_left);
                // Every operation served before it in the same token is at least as big.
                for o in p.operations.iter().filter(|o| o.token == s.token && o.amount < s.amount) {
                    prop_assert!(o.amount <= reserve_left, "a smaller one took reserve first");
                }
            }
        }
        if !p.executes() {
            let waits = matches!(p.decision, Decision::Wait { .. } | Decision::Nothing);
            prop_assert!(waits, "neither execute, wait nor nothing");
        }
    }
}

/// The generator is not vacuous: over a fixed-seed sample it reaches every skip reason, plans
/// with operations, and every decision.
#[test]
fn generator_reaches_every_outcome() {
    use proptest::{
        strategy::ValueTree,
        test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
    };
    use std::collections::BTreeSet;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut seen = BTreeSet::new();
    let strategy = arb_input();
    for _ in 0..2_000 {
        let input = strategy.new_tree(&mut runner).unwrap().current();
        let p = plan::plan(&input).unwrap();
        seen.extend(p.skipped.iter().map(|s| s.reason.code()));
        seen.insert(match p.decision {
            Decision::Execute(ExecuteReason::SizeThreshold { .. }) => "execute:size",
            Decision::Execute(ExecuteReason::WindowElapsed { .. }) => "execute:window",
            Decision::Wait { .. } => "wait",
            Decision::Nothing => "nothing",
        });
        if p.operations.len() >= 3 {
            seen.insert("3+ operations");
        }
    }
    let want = [
        "below_min_amount",
        "over_max_amount",
        "below_soft_limit",
        "batch_full",
        "over_user_cap",
        "over_interval_cap",
        "unaffordable",
        "fee_above_max",
        "execute:size",
        "execute:window",
        "wait",
        "nothing",
        "3+ operations",
    ];
    let missing: Vec<_> = want.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}
