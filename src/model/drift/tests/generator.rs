//! The Rust -> forge generator: seeded (ChaCha8), so `drift-rust.json` is the same on every run.
//! Inputs stay inside what the contracts accept (n 1..=16, decimals 0..=18 / 6..=18, positive
//! prices, balances below 2^128, stable targets not all zero) and far from overflow.

use alloy::primitives::{Address, B256, U256, keccak256};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::vectors::CaseInput;
use crate::model::drift::units;

/// The generator's seed.
pub(crate) const SEED: u64 = 0x0b1a_d21f_7e57;
/// How many cases `drift-rust.json` holds.
pub(crate) const COUNT: usize = 256;

fn pow10(e: u32) -> U256 {
    U256::from(10u8).pow(U256::from(e))
}

/// Biased toward small values: half the time below 50, else anywhere in lo..=hi.
fn band(r: &mut ChaCha8Rng, lo: u16, hi: u16) -> u16 {
    if r.random_bool(0.5) {
        r.random_range(lo..=hi.min(50))
    } else {
        r.random_range(lo..=hi)
    }
}

fn targets(r: &mut ChaCha8Rng, n: usize, mask: u16) -> Vec<u16> {
    let mut w: Vec<u32> = (0..n)
        .map(|_| {
            if r.random_ratio(1, 6) {
                0
            } else {
                r.random_range(1..=1000)
            }
        })
        .collect();
    let stable = |i: usize| mask >> i & 1 == 1;
    if mask != 0 && w.iter().enumerate().all(|(i, x)| !stable(i) || *x == 0) {
        let first = (0..n).find(|i| stable(*i)).unwrap_or(0);
        w[first] = r.random_range(1..=1000);
    }
    if w.iter().all(|x| *x == 0) {
        w[0] = 1;
    }
    let sum: u32 = w.iter().sum();
    let mut t: Vec<u16> = w.iter().map(|x| (x * 10_000 / sum) as u16).collect();
    let rest = 10_000 - t.iter().map(|x| u32::from(*x)).sum::<u32>() as u16;
    let last = (0..n).rev().find(|i| w[*i] != 0).unwrap_or(0);
    t[last] += rest;
    t
}

/// Case `i`.
fn case(r: &mut ChaCha8Rng, i: usize) -> CaseInput {
    let n = 1 + (i * 7) % 16;
    let mask: u16 = match r.random_range(0..5) {
        0 | 1 => 0,
        2 => ((1u32 << n) - 1) as u16,
        3 => 1 << r.random_range(0..n),
        _ => (r.random_range(0..(1u32 << n))) as u16,
    };
    let targets = targets(r, n, mask);
    let drift_bps = band(r, 1, 5000);
    let stable_drift_bps = band(r, 1, 5000);
    let mut c = CaseInput {
        name: format!("rust-{i}"),
        token_decimals: (0..n).map(|_| r.random_range(0..=18)).collect(),
        feed_decimals: (0..n).map(|_| r.random_range(6..=18)).collect(),
        prices: vec![U256::ZERO; n],
        balances: vec![U256::ZERO; n],
        stable_mask: mask,
        drift_bps,
        clear_bps: r.random_range(0..drift_bps),
        stable_drift_bps,
        stable_clear_bps: r.random_range(0..stable_drift_bps),
        depeg_bps: band(r, 1, 5000),
        max_slippage_bps: r.random_range(0..=500),
        grid_levels: r.random_range(1..=8),
        grid_spacing_bps: r.random_range(0..=100),
        calendar: r.random_ratio(1, 4),
        dust_floor_bps: 0, // set below: a TimeBalancer's floor is at most its clear band
        fill_cost_usd_e8: if r.random_ratio(1, 5) {
            0
        } else {
            r.random_range(0..10_000_000_000)
        },
        dust_margin_bps: r.random(),
        epoch: if i % 50 == 49 { u32::MAX } else { r.random() },
        expiry: r.random_range(1_700_000_000..(1u64 << 40)),
        order_ttl: r.random_range(60..=86_400),
        maker: Address::from_word(keccak256(format!("maker {i}"))),
        tokens: (0..n)
            .map(|j| Address::from_word(keccak256(format!("token {i} {j}"))))
            .collect(),
        domain_separator: if i.is_multiple_of(2) {
            B256::ZERO
        } else {
            keccak256(format!("domain {i}"))
        },
        targets,
    };
    c.dust_floor_bps = r.random_range(0..=c.clear_bps);
    // Portfolio value $1e-6 .. $1e13; each asset within `spread` bps of its target.
    let total = pow10(r.random_range(12..=31)) * U256::from(r.random_range(1u8..10));
    let spread: u64 = [0, 10, 100, 1000, 10_000][r.random_range(0..5)];
    for j in 0..n {
        let fd = u32::from(c.feed_decimals[j]);
        let dec = u32::from(c.token_decimals[j]) + fd;
        c.prices[j] = if mask >> j & 1 == 1 {
            let bps = if r.random_ratio(1, 3) {
                10_000
            } else {
                r.random_range(9_700..=10_300)
            };
            pow10(fd) * U256::from(bps) / U256::from(10_000u16)
        } else {
            let x = fd + r.random_range(0..=24);
            let m = U256::from(r.random_range(1_000u16..10_000));
            let p = if x >= 15 {
                m * pow10(x - 15)
            } else {
                m / pow10(15 - x)
            };
            p.max(U256::from(1u8))
        };
        if i % 41 == 40 || r.random_ratio(1, 10) {
            continue;
        }
        let t = U256::from(c.targets[j]);
        let noise = U256::from(10_000 - spread.min(9_999) + r.random_range(0..=2 * spread));
        let usd = if t.is_zero() {
            total * U256::from(r.random_range(0u16..100)) / U256::from(10_000u16)
        } else {
            total * t / U256::from(10_000u16) * noise / U256::from(10_000u16)
        };
        let bal = units(usd, c.prices[j], dec).unwrap_or_default();
        c.balances[j] = bal.min(pow10(38));
    }
    c
}

/// The generator's cases.
pub(crate) fn generate() -> Vec<CaseInput> {
    let mut r = ChaCha8Rng::seed_from_u64(SEED);
    (0..COUNT).map(|i| case(&mut r, i)).collect()
}
