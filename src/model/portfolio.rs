//! Portfolio arithmetic as the balancer contracts do it (`contracts/libraries/Drift.sol`): token
//! units ↔ USD at a Chainlink price, weights and drift in basis points. Integers only; every
//! division rounds down, as on chain.
//!
//! Prices are raw feed answers with `feed_decimals` places; USD values carry 18 decimals.

use alloy::primitives::{I256, U256};

use crate::model::{drift, hub::units::pow10};

/// Basis points in one.
pub const BPS: u64 = 10_000;

/// Why an amount cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortfolioError {
    /// The feed answered zero or less.
    #[error(
        "the {asset} price feed answered {answer} — a price must be above zero; update the feed"
    )]
    NonPositivePrice {
        /// The asset.
        asset: String,
        /// The feed's answer.
        answer: I256,
    },
    /// The numbers do not fit 256 bits (decimals above 36 or absurd amounts).
    #[error(
        "{what} of {asset} overflows 256 bits — use token and feed decimals of at most 18 each"
    )]
    Overflow {
        /// The asset.
        asset: String,
        /// What was being computed.
        what: &'static str,
    },
}

/// A feed answer as a price, refusing zero and negative answers.
pub fn price_from_answer(asset: &str, answer: I256) -> Result<U256, PortfolioError> {
    if answer <= I256::ZERO {
        return Err(PortfolioError::NonPositivePrice {
            asset: asset.to_string(),
            answer,
        });
    }
    Ok(answer.into_raw())
}

/// The part of `usd` that a target weight of `target_bps` asks for: ⌊usd × target / 10,000⌋.
pub fn usd_at_target(usd: U256, target_bps: u16) -> U256 {
    usd.saturating_mul(U256::from(target_bps)) / U256::from(BPS)
}

/// Token units worth `usd` whole dollars at `price` (a feed answer with `feed_decimals` places):
/// ⌊usd × 10^(token_decimals + feed_decimals) / price⌋, rounded down so a deposit never exceeds
/// the amount asked for.
pub fn units_for_usd(
    asset: &str,
    usd: U256,
    token_decimals: u8,
    feed_decimals: u8,
    price: U256,
) -> Result<U256, PortfolioError> {
    let overflow = || PortfolioError::Overflow {
        asset: asset.to_string(),
        what: "the token amount",
    };
    if price.is_zero() {
        return Err(PortfolioError::NonPositivePrice {
            asset: asset.to_string(),
            answer: I256::ZERO,
        });
    }
    let scale = pow10(u32::from(token_decimals) + u32::from(feed_decimals)).ok_or_else(overflow)?;
    Ok(usd.checked_mul(scale).ok_or_else(overflow)? / price)
}

/// USD value with 18 decimals (rounded down) of `amount` token units at `price`: `Drift.value`,
/// through [`drift::value`].
pub fn value_e18(
    asset: &str,
    amount: U256,
    price: U256,
    token_decimals: u8,
    feed_decimals: u8,
) -> Result<U256, PortfolioError> {
    drift::value(
        amount,
        price,
        u32::from(token_decimals) + u32::from(feed_decimals),
    )
    .map_err(|_| PortfolioError::Overflow {
        asset: asset.to_string(),
        what: "the USD value",
    })
}

/// The weight of `value` in `total`, in bps rounded down (0 when the total is 0).
pub fn weight_bps(value: U256, total: U256) -> U256 {
    if total.is_zero() {
        return U256::ZERO;
    }
    value.saturating_mul(U256::from(BPS)) / total
}

/// Global drift in bps (rounded down): [`drift::global_measure`] then `max_bps`, as
/// `Drift.globalMeasure` then `Drift.maxBps`. 0 when there is no value (or it overflows).
pub fn global_drift_bps(values: &[U256], targets: &[u16], stable_mask: u64) -> U256 {
    let total = values.iter().fold(U256::ZERO, |a, v| a.saturating_add(*v));
    let Ok(mask) = u16::try_from(stable_mask) else {
        return U256::ZERO;
    };
    if total.is_zero() {
        return U256::ZERO;
    }
    drift::global_measure(values, targets, mask, total).map_or(U256::ZERO, |m| m.max_bps())
}

/// Within-slice drift of the stables in bps (rounded down): [`drift::stable_measure`], as
/// `Drift.stableMeasure`. 0 without stables, when the slice is empty (or it overflows).
pub fn stable_drift_bps(values: &[U256], targets: &[u16], stable_mask: u64) -> U256 {
    let Ok(mask) = u16::try_from(stable_mask) else {
        return U256::ZERO;
    };
    drift::stable_measure(values, targets, mask).map_or(U256::ZERO, |m| m.max_bps())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: u128) -> U256 {
        U256::from(n)
    }
    fn e(n: u32) -> U256 {
        pow10(n).unwrap()
    }

    #[test]
    fn demo_funding_is_exact_token_units() {
        // $100,000 at 20/20/30/30 % of USDC (6), DAI (18), WBTC (8), WETH (18); 8-decimal feeds.
        let usd = u(100_000);
        let cases = [
            ("USDC", 2000, 6, 100_000_000u128, u(20_000) * e(6)),
            ("DAI", 2000, 18, 100_000_000, u(20_000) * e(18)),
            ("WBTC", 3000, 8, 6_000_000_000_000, u(50_000_000)), // 0.5 BTC
            ("WETH", 3000, 18, 300_000_000_000, u(10) * e(18)),
        ];
        let mut total = U256::ZERO;
        for (asset, target, decimals, price, want) in cases {
            let share = usd_at_target(usd, target);
            let units = units_for_usd(asset, share, decimals, 8, u(price)).unwrap();
            assert_eq!(units, want, "{asset}");
            let value = value_e18(asset, units, u(price), decimals, 8).unwrap();
            assert_eq!(value, share * e(18), "{asset}: worth exactly its share");
            total += value;
        }
        assert_eq!(total, u(100_000) * e(18));
    }

    #[test]
    fn funding_rounds_down() {
        // $100 of a 6-decimal token at $3.00 is 33.333333… tokens: 33,333,333 units.
        assert_eq!(
            units_for_usd("X", u(100), 6, 8, u(300_000_000)),
            Ok(u(33_333_333))
        );
        // $1 of a 0-decimal token at $3 is no whole unit.
        assert_eq!(units_for_usd("X", u(1), 0, 0, u(3)), Ok(U256::ZERO));
        // $1 of an 18-decimal token at $60,000 (feed with 8 decimals): 16,666,666,666,666.67 wei.
        assert_eq!(
            units_for_usd("X", u(1), 18, 8, u(6_000_000_000_000)),
            Ok(u(16_666_666_666_666))
        );
        // Feed decimals count: the same $3 price with 18 feed decimals gives the same units.
        assert_eq!(
            units_for_usd("X", u(100), 6, 18, u(3) * e(18)),
            Ok(u(33_333_333))
        );
        // A target share rounds down too: 33.33 % of $100 is $33.
        assert_eq!(usd_at_target(u(100), 3333), u(33));
    }

    #[test]
    fn bad_prices_and_overflow_are_named() {
        let err = price_from_answer("DAI", I256::try_from(-1).unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("DAI price feed answered -1"),
            "{err}"
        );
        assert!(price_from_answer("DAI", I256::ZERO).is_err());
        assert_eq!(
            price_from_answer("DAI", I256::try_from(7).unwrap()),
            Ok(u(7))
        );
        assert!(units_for_usd("X", u(1), 6, 8, U256::ZERO).is_err());
        let err = units_for_usd("X", U256::MAX, 18, 18, u(1)).unwrap_err();
        assert!(err.to_string().contains("overflows"), "{err}");
    }

    #[test]
    fn drift_matches_the_contract_rules() {
        let v = |n: u128| u(n) * e(18);
        // Balanced: no drift.
        let values = [v(20_000), v(20_000), v(30_000), v(30_000)];
        let targets = [2000, 2000, 3000, 3000];
        assert_eq!(global_drift_bps(&values, &targets, 0x3), U256::ZERO);
        assert_eq!(stable_drift_bps(&values, &targets, 0x3), U256::ZERO);
        // WBTC up 10 %: V = 103,000; WBTC weight 33,000/103,000 = 32.04 % vs 30 %: 203 bps.
        let values = [v(20_000), v(20_000), v(33_000), v(30_000)];
        assert_eq!(global_drift_bps(&values, &targets, 0x3), u(203));
        // Stables swapped inside the slice: the slice is on target, each stable is 10 % off.
        let values = [v(22_000), v(18_000), v(30_000), v(30_000)];
        assert_eq!(global_drift_bps(&values, &targets, 0x3), U256::ZERO);
        assert_eq!(stable_drift_bps(&values, &targets, 0x3), u(500));
        // Without stables every asset is its own unit.
        assert_eq!(global_drift_bps(&values, &targets, 0), u(200));
        assert_eq!(weight_bps(v(22_000), v(100_000)), u(2200));
        assert_eq!(weight_bps(v(1), U256::ZERO), U256::ZERO);
    }
}
