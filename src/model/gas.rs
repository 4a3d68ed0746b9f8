//! EIP-1559 bids, their replacements, and gas limits: the keeper's fee maths, in integer wei.
//!
//! **First bid** (from `eth_feeHistory` over the last `fee_history_blocks` blocks, the reward at
//! `tip_percentile`): the tip is the median of those per-block rewards (at least `min_tip`), and
//! the fee cap is `base_multiplier` × the next block's base fee + the tip — the room alloy and
//! most wallets leave for the base fee to rise for a few full blocks. Both are clamped to
//! `max_fee_per_gas`; the tip never exceeds the fee cap.
//!
//! **Replacement** (a bump at the same nonce, after `bump_after_blocks` without a receipt): tip
//! and fee cap each rise by `max(⌈old × bump_percent / 100⌉, bump_min)`, and never below what
//! the market asks now. geth and reth refuse a replacement that does not raise *both* by at least
//! 10 %, so `bump_percent` is at least 10 and the raise rounds up. A raise that would pass
//! `max_fee_per_gas` is clamped to it if the clamped bid still clears +10 % on both fees (the
//! last bump); otherwise the cap is reached and the work is cancelled instead — a 0-value
//! self-transfer at the same nonce, bid the same way ([`replacement`]).
//!
//! **Gas limit**: `eth_estimateGas × (100 + margin) / 100`, rounded up.

/// The least raise, in percent, that nodes accept for a replacement (geth `PriceBump`).
pub const MIN_REPLACEMENT_PERCENT: u32 = 10;

/// Why a bid cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GasError {
    /// The node returned no fee history.
    #[error(
        "eth_feeHistory returned no base fee — the node does not serve EIP-1559 fee history; use a node that does"
    )]
    NoHistory,
    /// The replacement rule needs at least +10 %.
    #[error(
        "tx.bump_percent = {0} is below {MIN_REPLACEMENT_PERCENT} — nodes refuse replacements that raise a fee by less than 10 %; set it to at least 10"
    )]
    BumpTooSmall(u32),
    /// The cap is below what the chain charges now.
    #[error(
        "tx.max_fee_per_gas_wei = {cap} is below the next block's base fee {base_fee} wei — nothing could be mined; raise the cap above {base_fee}"
    )]
    CapBelowBaseFee {
        /// The configured cap.
        cap: u128,
        /// The next block's base fee.
        base_fee: u128,
    },
}

/// What `eth_feeHistory` said: base fees (the last entry is the next block's) and, per block,
/// the priority fee paid at the requested percentile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeeHistory {
    /// `baseFeePerGas`, oldest first; one more entry than blocks (the next block's).
    pub base_fees: Vec<u128>,
    /// `reward[i][0]`: the percentile's priority fee of block i.
    pub rewards: Vec<u128>,
}

/// How the keeper bids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BidPolicy {
    /// Fee cap = this × next base fee + tip.
    pub base_multiplier: u128,
    /// The least tip offered, wei.
    pub min_tip: u128,
    /// Never bid above this fee cap, wei.
    pub max_fee_per_gas: u128,
}

impl Default for BidPolicy {
    fn default() -> Self {
        Self {
            base_multiplier: 2,
            min_tip: 1,
            max_fee_per_gas: 500_000_000_000,
        }
    }
}

/// How the keeper replaces a transaction that is not mined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BumpPolicy {
    /// Raise of each fee, percent (≥ [`MIN_REPLACEMENT_PERCENT`]).
    pub percent: u32,
    /// The least absolute raise of each fee, wei.
    pub min_wei: u128,
    /// Never bid above this fee cap, wei.
    pub max_fee_per_gas: u128,
}

/// An EIP-1559 bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bid {
    /// `maxFeePerGas`, wei.
    pub max_fee_per_gas: u128,
    /// `maxPriorityFeePerGas`, wei (≤ the fee cap).
    pub max_priority_fee_per_gas: u128,
}

/// What a replacement can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    /// A replacement bid that nodes accept.
    Bid(Bid),
    /// Even at `max_fee_per_gas` the bid would not clear +10 % on both fees: nothing can
    /// replace the transaction now; wait for it (or for the base fee to fall).
    AtCap,
}

/// The first bid for a transaction.
pub fn first_bid(history: &FeeHistory, policy: &BidPolicy) -> Result<Bid, GasError> {
    let base_fee = *history.base_fees.last().ok_or(GasError::NoHistory)?;
    if policy.max_fee_per_gas < base_fee {
        return Err(GasError::CapBelowBaseFee {
            cap: policy.max_fee_per_gas,
            base_fee,
        });
    }
    let tip = median(&history.rewards).max(policy.min_tip);
    let fee = base_fee
        .saturating_mul(policy.base_multiplier)
        .saturating_add(tip)
        .min(policy.max_fee_per_gas);
    Ok(Bid {
        max_fee_per_gas: fee,
        max_priority_fee_per_gas: tip.min(fee),
    })
}

/// The replacement of `previous` at the same nonce: each fee raised by
/// `max(⌈fee × percent / 100⌉, min_wei)`, at least to `market` (what a first bid would be now),
/// clamped to the cap while the clamped bid still clears +10 % on both fees.
pub fn replacement(
    previous: Bid,
    market: Option<Bid>,
    policy: &BumpPolicy,
) -> Result<Replacement, GasError> {
    if policy.percent < MIN_REPLACEMENT_PERCENT {
        return Err(GasError::BumpTooSmall(policy.percent));
    }
    // At least 1 wei, so a zero tip is raised too (nodes want both fees strictly higher).
    let raise =
        |v: u128| v.saturating_add(ceil_percent(v, policy.percent).max(policy.min_wei).max(1));
    let mut fee = raise(previous.max_fee_per_gas);
    let mut tip = raise(previous.max_priority_fee_per_gas);
    if let Some(m) = market {
        fee = fee.max(m.max_fee_per_gas);
        tip = tip.max(m.max_priority_fee_per_gas);
    }
    let fee = fee.min(policy.max_fee_per_gas);
    let tip = tip.min(fee);
    let least_fee = min_replacement(previous.max_fee_per_gas);
    let least_tip = min_replacement(previous.max_priority_fee_per_gas);
    if fee < least_fee || tip < least_tip {
        return Ok(Replacement::AtCap);
    }
    Ok(Replacement::Bid(Bid {
        max_fee_per_gas: fee,
        max_priority_fee_per_gas: tip,
    }))
}

/// The gas limit for an estimate: `estimate × (100 + margin_percent) / 100`, rounded up.
pub fn gas_limit(estimate: u64, margin_percent: u32) -> u64 {
    let wide = u128::from(estimate) * (100 + u128::from(margin_percent));
    u64::try_from(wide.div_ceil(100)).unwrap_or(u64::MAX)
}

/// What a transaction with this gas limit may cost at most, wei.
pub fn max_cost(gas_limit: u64, bid: &Bid) -> u128 {
    u128::from(gas_limit).saturating_mul(bid.max_fee_per_gas)
}

/// The least fee a node accepts to replace one of `v`: ⌈v × 1.1⌉ (and at least v + 1).
pub fn min_replacement(v: u128) -> u128 {
    v.saturating_add(ceil_percent(v, MIN_REPLACEMENT_PERCENT).max(1))
}

fn ceil_percent(v: u128, percent: u32) -> u128 {
    v.saturating_mul(u128::from(percent)).div_ceil(100)
}

/// The median of `values` (the lower middle for an even count); 0 for none.
fn median(values: &[u128]) -> u128 {
    if values.is_empty() {
        return 0;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;

    use super::*;

    const GWEI: u128 = 1_000_000_000;

    fn history(base: u128, rewards: &[u128]) -> FeeHistory {
        FeeHistory {
            base_fees: vec![base; rewards.len() + 1],
            rewards: rewards.to_vec(),
        }
    }

    fn bump(percent: u32, min_wei: u128, cap: u128) -> BumpPolicy {
        BumpPolicy {
            percent,
            min_wei,
            max_fee_per_gas: cap,
        }
    }

    #[test]
    fn the_first_bid_is_twice_the_next_base_fee_plus_the_median_tip() {
        let h = FeeHistory {
            base_fees: vec![GWEI, GWEI, 3 * GWEI],
            rewards: vec![5, 1, 9],
        };
        let b = first_bid(&h, &BidPolicy::default()).unwrap();
        assert_eq!(b.max_priority_fee_per_gas, 5);
        assert_eq!(b.max_fee_per_gas, 6 * GWEI + 5);
        // An empty chain pays no tips: the floor applies.
        let b = first_bid(&history(7, &[0, 0]), &BidPolicy::default()).unwrap();
        assert_eq!((b.max_fee_per_gas, b.max_priority_fee_per_gas), (15, 1));
    }

    #[test]
    fn the_first_bid_respects_the_cap_or_says_why_it_cannot() {
        let policy = BidPolicy {
            max_fee_per_gas: 3 * GWEI,
            ..BidPolicy::default()
        };
        let b = first_bid(&history(2 * GWEI, &[2 * GWEI]), &policy).unwrap();
        assert_eq!(b.max_fee_per_gas, 3 * GWEI);
        assert_eq!(b.max_priority_fee_per_gas, 2 * GWEI);
        let e = first_bid(&history(4 * GWEI, &[1]), &policy).unwrap_err();
        assert!(e.to_string().contains("max_fee_per_gas_wei"), "{e}");
        assert_eq!(
            first_bid(&FeeHistory::default(), &policy),
            Err(GasError::NoHistory)
        );
    }

    #[test]
    fn a_bump_raises_both_fees_by_the_percent_or_the_minimum_rounding_up() {
        let prev = Bid {
            max_fee_per_gas: 1_000,
            max_priority_fee_per_gas: 3,
        };
        let r = replacement(prev, None, &bump(20, 100, u128::MAX)).unwrap();
        // 20 % of 1,000 is 200 > 100; 20 % of 3 is 0.6 → the 100 wei minimum.
        assert_eq!(
            r,
            Replacement::Bid(Bid {
                max_fee_per_gas: 1_200,
                max_priority_fee_per_gas: 103
            })
        );
        let r = replacement(prev, None, &bump(10, 0, u128::MAX)).unwrap();
        // ⌈1000 × 10 %⌉ = 100, ⌈3 × 10 %⌉ = 1: both exactly clear the node's +10 %.
        assert_eq!(
            r,
            Replacement::Bid(Bid {
                max_fee_per_gas: 1_100,
                max_priority_fee_per_gas: 4
            })
        );
        assert_eq!(
            replacement(prev, None, &bump(9, 0, u128::MAX)),
            Err(GasError::BumpTooSmall(9))
        );
    }

    #[test]
    fn a_bump_follows_the_market_when_it_moved_further() {
        let prev = Bid {
            max_fee_per_gas: 1_000,
            max_priority_fee_per_gas: 10,
        };
        let market = Bid {
            max_fee_per_gas: 5_000,
            max_priority_fee_per_gas: 50,
        };
        let r = replacement(prev, Some(market), &bump(20, 1, u128::MAX)).unwrap();
        assert_eq!(r, Replacement::Bid(market));
    }

    #[test]
    fn the_cap_clamps_the_last_bump_then_stops_replacements() {
        let prev = Bid {
            max_fee_per_gas: 1_000,
            max_priority_fee_per_gas: 100,
        };
        // +20 % would be 1,200; the cap 1,150 still clears +10 % (1,100): clamped.
        let r = replacement(prev, None, &bump(20, 1, 1_150)).unwrap();
        assert_eq!(
            r,
            Replacement::Bid(Bid {
                max_fee_per_gas: 1_150,
                max_priority_fee_per_gas: 120
            })
        );
        // At 1,099 nothing clears +10 %: the cap is reached.
        assert_eq!(
            replacement(prev, None, &bump(20, 1, 1_099)).unwrap(),
            Replacement::AtCap
        );
    }

    #[test]
    fn gas_limits_round_up() {
        assert_eq!(gas_limit(100_000, 25), 125_000);
        assert_eq!(gas_limit(3, 25), 4);
        assert_eq!(gas_limit(0, 25), 0);
        assert_eq!(gas_limit(u64::MAX, 100), u64::MAX);
        assert_eq!(
            max_cost(
                21_000,
                &Bid {
                    max_fee_per_gas: 2,
                    max_priority_fee_per_gas: 1
                }
            ),
            42_000
        );
    }

    proptest! {
        /// Every replacement a bump produces is one a node accepts, never above the cap, with
        /// the tip never above the fee cap.
        #[test]
        fn every_replacement_clears_the_node_rule(
            fee in 1u128..1_000_000_000_000_000,
            tip_frac in 0u32..=100,
            percent in 10u32..300,
            min_wei in 0u128..1_000_000_000,
            cap_extra in 0u128..2_000_000_000_000_000,
        ) {
            let tip = fee * u128::from(tip_frac) / 100;
            let prev = Bid { max_fee_per_gas: fee, max_priority_fee_per_gas: tip };
            let cap = fee + cap_extra;
            match replacement(prev, None, &bump(percent, min_wei, cap)).unwrap() {
                Replacement::Bid(b) => {
                    prop_assert!(b.max_fee_per_gas >= min_replacement(fee));
                    prop_assert!(b.max_priority_fee_per_gas >= min_replacement(tip));
                    prop_assert!(b.max_fee_per_gas <= cap);
                    prop_assert!(b.max_priority_fee_per_gas <= b.max_fee_per_gas);
                }
                Replacement::AtCap => prop_assert!(
                    cap < min_replacement(fee) || cap < min_replacement(tip)
                ),
            }
        }
    }
}
