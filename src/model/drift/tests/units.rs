//! Unit tests: boundaries, rounding, the codec, typed errors.

use alloy::primitives::{Address, B256, I256, U256};

use crate::model::drift::{
    Asset, DriftError, OrderContext, PATH_GLOBAL, PerformData, PerformDataError, Portfolio, Rules,
    SaltFields, add_global_deltas, add_slice_deltas, auction_bps, check, evaluate, extension,
    extension_hash, net, published_order, salt, salt_fields, taking_at, units, value,
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
        order_ttl: 600,
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
    let o = plan.orders[0].order;
    let f = salt_fields(o.salt);
    assert_eq!((f.index, f.sell, f.buy), (0, 0, 1));
    assert_eq!(
        f.epoch,
        U256::from(42u8),
        "the bundle's epoch: the state's + 1"
    );
    let slip = rules().max_slippage_bps;
    assert_eq!((f.floor_bps, f.span_bps), (10_000 - slip, 2 * slip));
    assert_eq!(f.duration, 600);
    assert_eq!(
        o.salt & ((U256::from(1u8) << 160) - U256::from(1u8)),
        extension_hash(ctx.maker)
    );
    // the order rebuilt from what OrdersPublished carries is the same order
    let tokens = [p.assets[0].token, p.assets[1].token];
    let back = published_order(
        ctx.maker,
        &tokens,
        ctx.expiry,
        o.salt,
        o.making_amount,
        o.taking_amount,
    )
    .unwrap();
    assert_eq!(back, o);
}

#[test]
fn the_auction_falls_from_floor_plus_span_to_the_floor_rounded_up() {
    let f = SaltFields {
        index: 3,
        sell: 2,
        buy: 0,
        floor_bps: 9_970,
        span_bps: 60,
        duration: 600,
        epoch: U256::from(7u8),
    };
    let s = salt(Address::with_last_byte(1), &f);
    assert_eq!(salt_fields(s), f);
    let expiry = 1_000_600;
    assert_eq!(
        auction_bps(s, expiry, 1_000_000),
        10_030,
        "the perform's second"
    );
    assert_eq!(
        auction_bps(s, expiry, 999_000),
        10_030,
        "before it: the start"
    );
    assert_eq!(
        auction_bps(s, expiry, 1_000_300),
        10_000,
        "mid-life: the oracle"
    );
    assert_eq!(
        auction_bps(s, expiry, 1_000_301),
        10_000,
        "59.9 bp left, rounded up"
    );
    assert_eq!(
        auction_bps(s, expiry, 1_000_590),
        9_971,
        "1 bp left, rounded up"
    );
    assert_eq!(
        auction_bps(s, expiry, expiry),
        9_970,
        "the floor at the expiry"
    );
    assert_eq!(auction_bps(s, expiry, expiry + 9), 9_970, "and after");
    let flat = salt(Address::ZERO, &SaltFields { span_bps: 0, ..f });
    assert_eq!(
        auction_bps(flat, expiry, 1_000_000),
        9_970,
        "no span: the floor throughout"
    );
}

#[test]
fn a_fill_pays_the_fresh_oracle_rate_rounded_up() {
    // 1 WBTC (8 + 8 decimals) at $60,000 for USDC (6 + 8) at $1, at 99.70 %: 59,820 USDC
    let taking = taking_at(
        U256::from(100_000_000u64),
        9_970,
        U256::from(6_000_000_000_000u64),
        16,
        U256::from(100_000_000u64),
        14,
    )
    .unwrap();
    assert_eq!(taking, U256::from(59_820_000_000u64));
    // one unit less than exact is rounded up to the next unit
    let odd = taking_at(
        U256::from(1u8),
        9_970,
        U256::from(3u8),
        0,
        U256::from(7u8),
        0,
    )
    .unwrap();
    assert_eq!(odd, U256::from(1u8), "3 x 0.997 / 7 = 0.43 -> 1");
    assert!(taking_at(U256::from(1u8), 9_970, U256::from(1u8), 0, U256::ZERO, 0).is_err());
}

#[test]
fn the_extension_names_the_maker_twice_after_its_offsets() {
    let maker = Address::repeat_byte(0xab);
    let e = extension(maker);
    assert_eq!(e.len(), 72);
    assert_eq!(&e[32..52], maker.as_slice());
    assert_eq!(&e[52..72], maker.as_slice());
    // MakingAmountData ends at 20 (bits 64..95), TakingAmountData and later fields at 40
    let offsets = U256::from_be_slice(&e[..32]);
    assert_eq!((offsets >> 64) & U256::from(u32::MAX), U256::from(20u8));
    for field in 3..8 {
        assert_eq!(
            (offsets >> (32 * field)) & U256::from(u32::MAX),
            U256::from(40u8)
        );
    }
    assert_eq!(
        offsets & U256::from(u64::MAX),
        U256::ZERO,
        "no asset suffixes"
    );
}
