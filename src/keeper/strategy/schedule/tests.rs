#![allow(clippy::unwrap_used)]

use alloy::primitives::{Address, U256};

use super::*;
use crate::keeper::{
    collect::scan::{Params, State},
    config::{Mode, TargetSpec},
    targets::{AssetInfo, Body},
};

const NOW: u64 = 1_800_000_000;

/// The demo portfolio: USDC, DAI (stables), WBTC, WETH at 20/20/30/30 %.
fn portfolio(interval: u32) -> Portfolio {
    let asset = |i: u8, decimals: u8, stable: bool| AssetInfo {
        token: Address::repeat_byte(i),
        feed: Address::repeat_byte(0x10 + i),
        token_decimals: decimals,
        feed_decimals: 8,
        heartbeat: 86_400,
        stable,
    };
    Portfolio {
        address: Address::repeat_byte(0xb0),
        assets: vec![
            asset(1, 6, true),
            asset(2, 18, true),
            asset(3, 8, false),
            asset(4, 18, false),
        ],
        interval,
        dust_floor_bps: 10,
    }
}

fn target(interval: u32) -> Target {
    Target {
        spec: TargetSpec {
            address: Address::repeat_byte(0xb0),
            kind: None,
            name: "b".into(),
            mode: Mode::Fallback,
            grace_blocks: 3,
            upkeep_id: None,
            origin: "targets[0]".into(),
        },
        body: Body::Balancer(portfolio(interval)),
        keeper_allowed: true,
        forwarder: Address::ZERO,
    }
}

/// $100,000 at the targets, WBTC's price moved by `wbtc_bps`.
fn read(wbtc_bps: i64) -> Read {
    let e = |x: u32| U256::from(10u64).pow(U256::from(x));
    let wbtc = 60_000i64 * (10_000 + wbtc_bps) / 10_000;
    Read {
        balances: vec![
            U256::from(20_000u64) * e(6),
            U256::from(20_000u64) * e(18),
            U256::from(50u64) * e(6),
            U256::from(10u64) * e(18),
        ],
        targets: vec![2_000, 2_000, 3_000, 3_000],
        params: Params {
            rules: drift::Rules {
                drift_bps: 200,
                clear_bps: 175,
                stable_drift_bps: 100,
                stable_clear_bps: 50,
                depeg_bps: 100,
                max_slippage_bps: 30,
                grid_levels: 3,
                grid_spacing_bps: 5,
            },
            stable_cooldown: 3_600,
            global_cooldown: 21_600,
            order_ttl: 600,
            paused: false,
        },
        state: State {
            epoch: 0,
            has_bundle: false,
            last_stable_at: 0,
            last_global_at: 0,
        },
        prices: vec![
            Some(U256::from(100_000_000u64)),
            Some(U256::from(100_000_000u64)),
            Some(U256::from(u64::try_from(wbtc).unwrap()) * U256::from(100_000_000u64)),
            Some(U256::from(300_000_000_000u64)),
        ],
        updated_at: vec![NOW; 4],
    }
}

#[test]
fn the_keepers_evaluation_follows_the_contracts_rules() {
    let p = portfolio(0);
    assert_eq!(due_paths(&p, &read(0), NOW), Some(0));
    // WBTC +10 %: 30 % → 32.0 %, past the 200 bp band strictly.
    assert_eq!(due_paths(&p, &read(1_000), NOW), Some(PATH_GLOBAL));
    assert!(drift_bps(&p, &read(1_000)).unwrap() >= 200);
    // Paused, in cooldown, or with a bundle still fillable: nothing, like checkUpkeep.
    let mut r = read(1_000);
    r.params.paused = true;
    assert_eq!(due_paths(&p, &r, NOW), Some(0));
    let mut r = read(1_000);
    r.state.last_global_at = u32::try_from(NOW - 100).unwrap();
    assert_eq!(due_paths(&p, &r, NOW), Some(0));
    let mut r = read(1_000);
    r.state.has_bundle = true;
    r.state.last_stable_at = u32::try_from(NOW - 100).unwrap();
    assert_eq!(due_paths(&p, &r, NOW), Some(0));
    assert_eq!(due_paths(&p, &r, NOW + 600), Some(PATH_GLOBAL));
    // A missing price: the check decides.
    let mut r = read(0);
    r.prices[2] = None;
    assert_eq!(due_paths(&p, &r, NOW), None);
}

#[test]
fn a_timebalancer_is_due_by_its_calendar_above_the_dust_floor() {
    let p = portfolio(86_400);
    // At target: nothing, even with the calendar due.
    assert_eq!(due_paths(&p, &read(0), NOW), Some(0));
    // WBTC +1 %: 30 bp of drift, inside the band but past the 10 bp floor.
    assert_eq!(due_paths(&p, &read(100), NOW), Some(PATH_GLOBAL));
    let mut r = read(100);
    r.state.last_global_at = u32::try_from(NOW - 3_600).unwrap();
    assert_eq!(due_paths(&p, &r, NOW), Some(0));
}

#[test]
fn only_a_calendar_rebalance_inside_the_bands_may_wait_for_off_peak_gas() {
    let p = portfolio(86_400);
    // WBTC +1 %: inside the band, due by the calendar only: deferrable.
    let d = due(&p, &read(100), NOW).unwrap();
    assert_eq!((d.paths, d.calendar_only), (PATH_GLOBAL, true));
    // WBTC +10 %: past the band, the calendar due too: urgent.
    let d = due(&p, &read(1_000), NOW).unwrap();
    assert_eq!((d.paths, d.calendar_only), (PATH_GLOBAL, false));
    // A DriftBalancer past its band: urgent; at target: nothing due, nothing deferred.
    assert!(!due(&portfolio(0), &read(1_000), NOW).unwrap().calendar_only);
    assert!(!due(&p, &read(0), NOW).unwrap().calendar_only);
    // The schedule's view of a target: deferrable only while its reads say so.
    let t = target(86_400);
    let mut s = Schedule::new(std::slice::from_ref(&t), true, 300.0);
    assert!(!s.deferrable(0), "nothing read yet");
    s.observe(0, &t, &[Some(read(100))], NOW);
    assert!(s.deferrable(0));
    s.observe(0, &t, &[Some(read(1_000))], NOW);
    assert!(!s.deferrable(0));
    s.observe(0, &t, &[None], NOW);
    assert!(!s.deferrable(0), "unreadable: the check decides, at once");
}

#[test]
fn quiet_targets_are_skipped_until_the_heartbeat_and_triggers_are_never_skipped() {
    let t = target(0);
    let mut s = Schedule::new(std::slice::from_ref(&t), true, 300.0);
    // Nothing known yet: simulate.
    assert_ne!(s.why(0, 0.0, 1.0, false), Why::Skip);
    s.observe(0, &t, &[Some(read(0))], NOW);
    s.simulated(0, 0.0);
    assert_eq!(s.why(0, 1.0, 1.0, false), Why::Skip);
    assert_eq!(s.why(0, 1.0, 1.0, true), Why::Watching);
    assert_eq!(s.why(0, 300.0, 1.0, false), Why::Heartbeat);
    // A trigger in the reads: simulated now, and in this scan's follow-up.
    s.observe(0, &t, &[Some(read(1_000))], NOW + 1);
    assert_eq!(s.why(0, 2.0, 1.0, false), Why::Triggered);
    assert_eq!(s.follow_up(&[false]), vec![0]);
    assert!(s.follow_up(&[true]).is_empty());
    // Forecast off: always.
    let s = Schedule::new(std::slice::from_ref(&t), false, 300.0);
    assert_eq!(s.why(0, 0.0, 1.0, false), Why::Always);
}

#[test]
fn the_forecast_asks_for_a_check_close_to_the_band() {
    let t = target(0);
    let mut s = Schedule::new(std::slice::from_ref(&t), true, 1e9);
    // WBTC +6.6 %: 196 bp of drift, 4 bp under the band; a volatile market pushes it over soon.
    for k in 0..20u64 {
        let wiggle = if k % 2 == 0 { 640 } else { 660 };
        s.observe(0, &t, &[Some(read(wiggle))], NOW + k * 60);
    }
    s.simulated(0, 0.0);
    assert_eq!(s.why(0, 1.0, 3_600.0, false), Why::Forecast);
    // At target, the same market is far from the band for a 1 s horizon.
    let mut s = Schedule::new(std::slice::from_ref(&t), true, 1e9);
    for k in 0..20u64 {
        s.observe(
            0,
            &t,
            &[Some(read(if k % 2 == 0 { 0 } else { 20 }))],
            NOW + k * 60,
        );
    }
    s.simulated(0, 0.0);
    assert_eq!(s.why(0, 1.0, 1.0, false), Why::Skip);
}
