//! Unit tests: boundaries, rounding, the codec, typed errors.

use alloy::primitives::{Address, B256, I256, U256};

use crate::model::drift::{
    Asset, DriftError, OrderContext, PATH_GLOBAL, PerformData, PerformDataError, Portfolio, Rules,
    add_global_deltas, add_slice_deltas, check, evaluate, net, units, value,
};

fn usd(x: u64) -> U256 {
    U256::from(x) * U256::from(10u64.pow(18))
}

/// Assets of 18 decimals at $1 (8-decimal feeds), so value = balance.
fn flat(balances: &[U256], targets: &[u16], stable_mask: u16) -> Portfolio {
    Portfolio {
        assets: (0..balances.len())
            .map(|i| Asset {
                token: Address::with_last_byte(i as u8 + 1),
                token_decimals: 18,
                feed_decimals: 8,
                stable: stable_mask >> i & 1 == 1,
            })
            .collect(),
        prices: vec![U256::from(100_000_000u64); balances.len()],
        balances: balances.to_vec(),
        targets: targets.to_vec(),
    }
}

pub(super) fn rules() -> Rules {
    Rules {
        drift_bps: 500,
        clear_bps: 200,
        stable_drift_bps: 100,
        stable_clear_bps: 50,
        depeg_bps: 100,
        max_slippage_bps: 30,
        grid_levels: 3,
        grid_spacing_bps: 5,
    }
}

#[test]
fn drift_equal_to_band_does_not_trigger() {
    let at = flat(&[usd(5500), usd(4500)], &[5000, 5000], 0);
    let e = evaluate(&at, &rules(), None).unwrap();
    assert_eq!(e.global.max_bps(), U256::from(500));
    assert!(!e.global_exceeds);
    assert_eq!(e.triggered, 0);
    let past = flat(&[usd(5500) + U256::from(1), usd(4500)], &[5000, 5000], 0);
    let e = evaluate(&past, &rules(), None).unwrap();
    assert!(e.global_exceeds);
    assert_eq!(e.triggered, PATH_GLOBAL);
}

#[test]
fn value_and_units_round_down() {
    // 1 wei of a token at 1e-8 USD (26 decimals in all) is worth 0; 1e8 wei is worth 1 wei.
    assert_eq!(value(U256::from(1), U256::from(1), 26).unwrap(), U256::ZERO);
    assert_eq!(
        value(U256::from(100_000_000u64), U256::from(1), 26).unwrap(),
        U256::from(1)
    );
    // 1 token of 6 decimals at $1 (8 decimals) = 1e18; 1e18 - 1 USD buys 999_999 units.
    assert_eq!(
        value(U256::from(1_000_000u64), U256::from(100_000_000u64), 14).unwrap(),
        usd(1)
    );
    let u = units(usd(1) - U256::from(1), U256::from(100_000_000u64), 14).unwrap();
    assert_eq!(u, U256::from(999_999u64));
}

#[test]
fn zero_stable_targets_sell_the_stables_by_holdings() {
    let p = flat(&[usd(100), usd(30), usd(10)], &[10_000, 0, 0], 0b110);
    let e = evaluate(&p, &rules(), None).unwrap();
    let mut d = vec![I256::ZERO; 3];
    let one = (U256::from(1), U256::from(1));
    let slice = add_global_deltas(&mut d, &e.values, &p.targets, 0b110, e.total, one).unwrap();
    add_slice_deltas(
        &mut d,
        &e.values,
        &p.targets,
        0b110,
        slice,
        (U256::ZERO, U256::from(1)),
    )
    .unwrap();
    assert_eq!(d[0], I256::try_from(usd(40)).unwrap());
    assert_eq!(d[1], -I256::try_from(usd(30)).unwrap());
    assert_eq!(d[2], -I256::try_from(usd(10)).unwrap());
}

#[test]
fn invalid_portfolios_are_rejected_with_the_field() {
    let mut p = flat(&[usd(1), usd(1)], &[5000, 4999], 0);
    assert_eq!(
        evaluate(&p, &rules(), None),
        Err(DriftError::Targets { sum: 9999 })
    );
    p.targets = vec![5000, 5000];
    p.assets[1].feed_decimals = 19;
    let err = evaluate(&p, &rules(), None).unwrap_err().to_string();
    assert!(err.contains("feedDecimals[1]"), "{err}");
    let mut r = rules();
    r.clear_bps = 500;
    assert!(r.validate().unwrap_err().to_string().contains("clearBps"));
}

#[test]
fn perform_data_round_trips_and_rejects_garbage() {
    let d = PerformData {
        bitmap: 0xa5a5,
        paths: 3,
        epoch: u32::MAX,
    };
    assert_eq!(PerformData::decode(&d.encode()), Ok(d));
    assert_eq!(
        PerformData::decode(&[0; 7]),
        Err(PerformDataError::Length { len: 7 })
    );
    assert_eq!(
        PerformData::decode(&[0; 8]),
        Err(PerformDataError::Paths { word: 0, paths: 0 })
    );
    let e = PerformData::decode(&[0, 0, 0, 0, 0, 4, 0, 0]).unwrap_err();
    assert_eq!(e.revert_args(), (8, 0x40000));
    let e = PerformData::decode(&[1, 0, 0, 0, 0, 1, 0, 0]).unwrap_err();
    assert_eq!(
        e,
        PerformDataError::HighBits {
            word: 1 << 56 | 0x10000
        }
    );
    assert_eq!(
        PerformData::decode(&[0; 9]).unwrap_err().revert_args(),
        (9, 0)
    );
}

#[test]
fn netting_pairs_in_asset_order_and_drops_dust() {
    let d: Vec<I256> = [-5, 3, -1, 2, 1]
        .iter()
        .map(|x| I256::try_from(*x).unwrap())
        .collect();
    let t = net(&d, U256::from(2)).unwrap();
    let got: Vec<(usize, usize, u64)> = t.iter().map(|t| (t.sell, t.buy, t.usd.to())).collect();
    // 0 -> 1 (3), 0 -> 3 (2), then 2 -> 4 (1) is dust.
    assert_eq!(got, vec![(0, 1, 3), (0, 3, 2)]);
}

#[test]
fn check_returns_orders_and_perform_data() {
    let p = flat(&[usd(7000), usd(3000)], &[5000, 5000], 0);
    let ctx = OrderContext {
        maker: Address::with_last_byte(0xba),
        domain_separator: B256::repeat_byte(1),
        epoch: 41,
        expiry: 1_763_000_600,
        dust: usd(1),
    };
    let (plan, data) = check(&p, &rules(), None, &ctx).unwrap().expect("needed");
    assert_eq!(
        data,
        PerformData {
            bitmap: 0b11,
            paths: PATH_GLOBAL,
            epoch: 41
        }
    );
    assert_eq!(plan.orders.len(), 1);
    assert_eq!(plan.orders[0].order.salt, U256::from(42u64 << 7));
}
