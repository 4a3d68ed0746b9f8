//! The scan's gas estimates against what `onebalancer bench scan` measured on anvil.

use alloy::primitives::Address;

use super::*;
use crate::{
    chain::multicall::pack,
    keeper::{
        config::{Mode, TargetSpec},
        targets::{AssetInfo, Body},
    },
};

/// A four-asset DriftBalancer (the demo portfolio's shape).
fn balancer(i: u16) -> Target {
    let asset = |k: u8| AssetInfo {
        token: Address::repeat_byte(k),
        feed: Address::repeat_byte(0x10 + k),
        token_decimals: 18,
        feed_decimals: 8,
        heartbeat: 86_400,
        stable: k < 2,
    };
    let mut address = [0u8; 20];
    address[..2].copy_from_slice(&i.to_be_bytes());
    let address = Address::from(address);
    Target {
        spec: TargetSpec {
            address,
            kind: None,
            name: format!("b{i}"),
            mode: Mode::Fallback,
            grace_blocks: 3,
            upkeep_id: None,
            origin: format!("targets[{i}]"),
        },
        body: Body::Balancer(Portfolio {
            address,
            assets: (0..4).map(asset).collect(),
            interval: 0,
            dust_floor_bps: 0,
        }),
        keeper_allowed: true,
        forwarder: Address::ZERO,
    }
}

/// Gas per four-asset balancer inside a batch (reads and check), measured on anvil.
const MEASURED_AT_TARGET: u64 = 72_000;
const MEASURED_DRIFTED: u64 = 94_000;

fn estimate(t: &Target) -> u64 {
    read_gas(&t.portfolios()[0]).iter().sum::<u64>() + check_gas(t)
}

#[test]
fn estimates_keep_a_margin_over_what_a_balancer_uses() {
    let e = estimate(&balancer(0));
    assert_eq!(e, 130_000);
    // At least 1.3× the heavier (drifted) check, at most 2× the lighter one.
    assert!(e * 10 >= MEASURED_DRIFTED * 13, "{e}");
    assert!(e <= MEASURED_AT_TARGET * 2, "{e}");
}

#[test]
fn a_full_round_of_1000_balancers_fits_ten_requests_and_the_cap() {
    let cap: u64 = 30_000_000;
    let mut gas: Vec<u64> = vec![gas::FEED; 4];
    for i in 0..1000 {
        let t = balancer(i);
        gas.extend(read_gas(&t.portfolios()[0]));
        gas.push(check_gas(&t));
    }
    let calls: Vec<Call> = gas
        .iter()
        .map(|&gas| Call {
            target: Address::ZERO,
            data: Default::default(),
            gas,
        })
        .collect();
    let batches = pack(&calls, cap * 80 / 100);
    assert_eq!(batches.len(), 6);
    // What each batch really uses, at the drifted figure, stays well under the cap.
    for b in &batches {
        let targets = b.len() as u64 / 5 + 1;
        assert!(targets * MEASURED_DRIFTED < cap * 2 / 3, "{b:?}");
    }
}
