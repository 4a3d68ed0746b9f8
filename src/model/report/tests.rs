use alloy::primitives::{Address, I256, U256, address};

use super::*;

const LINK: Address = address!("0x1111111111111111111111111111111111111111");
const WETH: Address = address!("0x2222222222222222222222222222222222222222");

fn charge(token: Address, at_s: u64, gas_used: u64) -> Charge {
    let mut c = Charge {
        block: at_s,
        at_s,
        upkeep_id: U256::from(7u8),
        target: Address::repeat_byte(9),
        token,
        gas_charge: U256::ZERO,
        premium: U256::ZERO,
        gas_used: U256::from(gas_used),
        gas_overhead: U256::from(80_000u32),
        tx_gas_price: U256::from(2_000_000_000u64),
        fast_gas_wei: U256::from(3_000_000_000u64),
        gas_ceiling_multiplier: 2,
        link_usd: U256::from(15_00000000u64),
        native_usd: U256::from(3000_00000000u64),
        billing_usd: U256::from(if token == LINK {
            15_00000000u64
        } else {
            3000_00000000
        }),
        decimals: 18,
        gas_fee_ppb: 500_000_000,
        flat_fee_milli_cents: 1_000,
    };
    // What the registry would have charged: the model is its transcription.
    let r = calculate_payment_amount(&c.params()).unwrap();
    c.gas_charge = r.gas_charge;
    c.premium = r.premium;
    c
}

#[test]
fn a_charge_is_modelled_from_the_inputs_it_was_billed_on() {
    let c = charge(LINK, 100, 200_000);
    assert_eq!(c.modelled().unwrap(), c.measured());
    // tx.gasprice below fastGas × multiplier is what is billed: a higher fast gas changes nothing.
    let mut higher = c.clone();
    higher.fast_gas_wei = U256::from(30_000_000_000u64);
    assert_eq!(higher.modelled().unwrap(), c.measured());
    // A premium override (recorded instead of the token's) is what is modelled.
    let mut cheaper = c.clone();
    cheaper.gas_fee_ppb = 0;
    assert!(cheaper.modelled().unwrap() < c.measured());
}

#[test]
fn usd_value_scales_exactly_and_rounds_down() {
    // 1.5 WBTC (8 decimals) at $60,000.00000000 (8 decimals) = $90,000 with 18 decimals.
    let v = usd_value(
        U256::from(150_000_000u64),
        I256::try_from(6_000_000_000_000i64).unwrap(),
        8,
        8,
    )
    .unwrap();
    assert_eq!(
        v,
        U256::from(90_000u64) * U256::from(10u8).pow(U256::from(18u8))
    );
    // 18 + 8 decimals: divided by 10^8, rounded down.
    let v = usd_value(
        U256::from(1u8),
        I256::try_from(99_999_999i64).unwrap(),
        8,
        18,
    )
    .unwrap();
    assert_eq!(v, U256::ZERO);
    assert_eq!(usd_value(U256::from(1u8), I256::ZERO, 8, 18), None);
    assert_eq!(usd_value(U256::from(1u8), I256::MINUS_ONE, 8, 18), None);
}

#[test]
fn vs_oracle_is_signed_and_rounds_toward_zero() {
    let u = |v: u32| U256::from(v);
    assert_eq!(vs_oracle_bps(u(3), u(4)), Some(3_333));
    assert_eq!(vs_oracle_bps(u(3), u(2)), Some(-3_333));
    assert_eq!(vs_oracle_bps(u(10_000u32), u(10_000u32)), Some(0));
    assert_eq!(vs_oracle_bps(u(10_000u32), u(9_999u32)), Some(-1));
    assert_eq!(vs_oracle_bps(U256::ZERO, u(1)), None);
}

#[test]
fn rates_round_up_and_need_a_span() {
    assert_eq!(scale_rate(U256::from(10u8), 3, 10), Some(U256::from(34u8)));
    assert_eq!(scale_rate(U256::from(10u8), 0, 10), None);
    assert_eq!(error_pct(U256::from(200u8), U256::from(201u8)), Some(0.5));
    assert_eq!(error_pct(U256::ZERO, U256::ZERO), Some(0.0));
    assert_eq!(error_pct(U256::ZERO, U256::from(1u8)), None);
}

#[test]
fn charges_are_summed_per_token_with_a_month_and_a_week_ahead() {
    let day = 86_400;
    let now = 20 * day;
    let old = charge(LINK, 5 * day, 200_000);
    let recent = charge(LINK, 18 * day, 100_000);
    let native = charge(WETH, 19 * day, 100_000);
    let all = [&old, &recent, &native];
    let by = charges_by_token(&all, 0, now);
    let link = &by[&LINK];
    assert_eq!(link.count, 2);
    assert_eq!(link.measured, old.measured() + recent.measured());
    assert_eq!(link.modelled, link.measured);
    assert_eq!(link.error_pct, Some(0.0));
    // The month: 15 days of charges (from the first, day 5) scaled to 30 days, rounded up.
    assert_eq!(
        link.per_month,
        Some((link.measured * U256::from(MONTH_SECS)).div_ceil(U256::from(15 * day)))
    );
    // The week ahead: only the last 7 days' charge, over those 7 days.
    assert_eq!(link.next_7d, Some(recent.measured()));
    let weth = &by[&WETH];
    assert_eq!(weth.count, 1);
    // Its window starts at its first charge, a day before now.
    assert_eq!(
        weth.next_7d,
        Some((native.measured() * U256::from(7u8)).div_ceil(U256::from(1u8)))
    );
}

#[test]
fn a_charge_the_model_cannot_follow_is_counted_not_summed() {
    let mut bad = charge(LINK, 10, 100_000);
    bad.billing_usd = U256::ZERO;
    let by = charges_by_token(&[&bad], 0, 20);
    assert_eq!(by[&LINK].unmodelled, 1);
    assert_eq!(by[&LINK].modelled, U256::ZERO);
    assert_eq!(by[&LINK].error_pct, Some(100.0));
}

#[test]
fn performs_give_gas_per_path_per_bp_and_drift_at_trigger() {
    let p = |paths, gas, before, after, source: &str| Perform {
        target: Address::ZERO,
        source: source.into(),
        paths,
        gas_used: gas,
        drift_before_bps: before,
        expected_after_bps: after,
        block: 1,
    };
    let all = [
        p(2, 300_000, 250, 150, "chainlink"),
        p(2, 100_000, 230, 130, "keeper"),
        p(1, 50_000, 120, 20, "chainlink"),
    ];
    let s = perform_stats(&all);
    assert_eq!(s.performs, 3);
    assert_eq!(s.by_source["chainlink"], 2);
    assert_eq!(s.by_path["global"].performs, 2);
    assert_eq!(s.by_path["global"].avg_gas, 200_000.0);
    assert_eq!(s.by_path["stable"].avg_gas, 50_000.0);
    assert_eq!(s.gas_per_bp, Some(450_000.0 / 300.0));
    assert_eq!(s.avg_drift_at_trigger_bps, Some(200.0));
    assert_eq!(perform_stats(&[]).gas_per_bp, None);
}

#[test]
fn fills_average_only_the_quoted() {
    let f = |b| Fill {
        balancer: Address::ZERO,
        block: 1,
        vs_oracle_bps: b,
    };
    let s = fill_stats(&[f(Some(-10)), f(Some(4)), f(None)]);
    assert_eq!((s.fills, s.quoted), (3, 2));
    assert_eq!(s.avg_vs_oracle_bps, Some(-3.0));
}
