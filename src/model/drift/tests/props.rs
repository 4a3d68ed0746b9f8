//! Property tests of the drift core.

use alloy::primitives::{Address, I256, U256};
use proptest::prelude::*;

use super::units::rules;
use crate::model::drift::{
    Asset, Measure, PATH_GLOBAL, PATH_STABLE, PerformData, PerformDataError, Portfolio, evaluate,
    global_measure, net, stable_measure, units, value,
};

/// 1..=16 assets of 18 decimals at $1, each worth 1e12..1e30 wei (or 0), with targets summing
/// to 10,000 and a stable mask whose stables keep a positive target.
fn portfolio() -> impl Strategy<Value = Portfolio> {
    (1usize..=16)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(prop_oneof![1 => Just(0u128), 9 => 1_000_000_000_000u128..1_000_000_000_000_000_000_000_000_000_000u128], n),
                prop::collection::vec(1u32..1000, n),
                any::<u16>(),
            )
        })
        .prop_map(|(bal, w, mask)| {
            let n = bal.len();
            let mask = mask & ((1u32 << n) - 1) as u16;
            let sum: u32 = w.iter().sum();
            let mut t: Vec<u16> = w.iter().map(|x| (x * 10_000 / sum) as u16).collect();
            let rest = 10_000 - t.iter().map(|x| u32::from(*x)).sum::<u32>() as u16;
            t[0] += rest;
            Portfolio {
                assets: (0..n)
                    .map(|i| Asset {
                        token: Address::with_last_byte(i as u8),
                        token_decimals: 18,
                        feed_decimals: 8,
                        stable: mask >> i & 1 == 1,
                    })
                    .collect(),
                prices: vec![U256::from(100_000_000u64); n],
                balances: bal.into_iter().map(U256::from).collect(),
                targets: t,
            }
        })
}

/// Values after the deltas, or `None` when a delta sells more than the asset is worth (which the
/// slice sharing rules out: the property below checks it for every path combination).
fn apply(values: &[U256], deltas: &[I256]) -> Option<Vec<U256>> {
    values
        .iter()
        .zip(deltas)
        .map(|(v, d)| {
            if d.is_negative() {
                v.checked_sub(d.unsigned_abs())
            } else {
                Some(*v + d.unsigned_abs())
            }
        })
        .collect()
}

fn sum(d: &[I256]) -> I256 {
    d.iter().fold(I256::ZERO, |a, x| a + *x)
}

proptest! {
    #[test]
    fn deltas_sum_to_zero_within_n_wei(p in portfolio()) {
        let e = evaluate(&p, &rules(), None).unwrap();
        let n = I256::try_from(p.assets.len() as u64).unwrap();
        for paths in [PATH_STABLE, PATH_GLOBAL] {
            let s = sum(&e.deltas(&p, &rules(), paths).unwrap());
            prop_assert!(s.unsigned_abs() <= (n + n).unsigned_abs(), "paths {paths}: sum {s}");
        }
    }

    #[test]
    fn after_the_deltas_drift_is_within_aim_plus_one_bp(p in portfolio()) {
        let r = rules();
        let e = evaluate(&p, &r, None).unwrap();
        let mask = p.stable_mask();
        for paths in [PATH_STABLE, PATH_GLOBAL, PATH_STABLE | PATH_GLOBAL] {
            let d = e.deltas(&p, &r, paths).unwrap();
            prop_assert!(apply(&e.values, &d).is_some(), "paths {paths} sells more than held: {d:?}");
        }
        let after = apply(&e.values, &e.deltas(&p, &r, PATH_GLOBAL).unwrap());
        let after = after.expect("the global path never sells more than an asset holds");
        let total = after.iter().fold(U256::ZERO, |a, v| a + *v);
        if total > U256::from(10u64.pow(15)) {
            let g: Measure = global_measure(&after, &p.targets, mask, total).unwrap();
            let aim = e.global_aim(&r).unwrap();
            prop_assert!(g.max_bps() <= aim + U256::from(1), "global {} > aim {aim} + 1", g.max_bps());
        }
        let after = apply(&e.values, &e.deltas(&p, &r, PATH_STABLE).unwrap());
        let after = after.expect("the stable path never sells more than a stable holds");
        let st = stable_measure(&after, &p.targets, mask).unwrap();
        if e.slice_value > U256::from(10u64.pow(15)) {
            let aim = e.stable_aim(&r).unwrap();
            prop_assert!(st.max_bps() <= aim + U256::from(1), "stable {} > aim {aim} + 1", st.max_bps());
        }
    }

    #[test]
    fn netting_makes_at_most_n_minus_one_trades(d in prop::collection::vec(-1_000_000i64..1_000_000, 1..=16), dust in 0u64..1000) {
        let deltas: Vec<I256> = d.iter().map(|x| I256::try_from(*x).unwrap()).collect();
        let trades = net(&deltas, U256::from(dust)).unwrap();
        prop_assert!(trades.len() < deltas.len().max(1));
        for t in &trades {
            prop_assert!(deltas[t.sell].is_negative() && deltas[t.buy].is_positive());
            prop_assert!(t.usd >= U256::from(dust));
        }
    }

    #[test]
    fn perform_data_round_trips(bitmap in any::<u16>(), paths in 1u8..=3, epoch in any::<u32>()) {
        let d = PerformData { bitmap, paths, epoch };
        prop_assert_eq!(PerformData::decode(&d.encode()), Ok(d));
    }

    #[test]
    fn garbage_perform_data_is_a_typed_error(bytes in prop::collection::vec(any::<u8>(), 0..16)) {
        match PerformData::decode(&bytes) {
            Ok(d) => {
                prop_assert_eq!(bytes.len(), 8);
                prop_assert_eq!(&d.encode()[..], &bytes[..]);
            }
            Err(PerformDataError::Length { len }) => prop_assert!(len != 8),
            Err(PerformDataError::Paths { paths, .. }) => prop_assert!(paths == 0 || paths > 3),
            Err(PerformDataError::HighBits { word }) => prop_assert!(word >> 56 != 0),
        }
    }

    #[test]
    fn units_of_a_value_never_exceed_the_amount(amount in any::<u128>(), price in 1u128..u128::MAX, td in 0u32..=18, fd in 0u32..=18) {
        let (a, p) = (U256::from(amount), U256::from(price));
        // Overflow is the contract's revert too; only results are compared.
        if let Ok(v) = value(a, p, td + fd) {
            prop_assert!(units(v, p, td + fd).unwrap() <= a);
        }
    }
}
