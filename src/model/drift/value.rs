//! Valuation: token units <-> USD with 18 decimals at raw Chainlink answers (`Drift.value`,
//! `Drift.units`).

use alloy::primitives::{Address, U256};

use super::{
    DriftError,
    math::{mul, mul_div, pow10},
};

/// One asset as the balancer's clone arguments fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// The ERC-20.
    pub token: Address,
    /// Token decimals (0..=18).
    pub token_decimals: u8,
    /// USD feed decimals (0..=18).
    pub feed_decimals: u8,
    /// Part of the stable slice.
    pub stable: bool,
}

impl Asset {
    /// Token decimals + feed decimals: the scale of balance x price.
    pub fn decimals(&self) -> u32 {
        u32::from(self.token_decimals) + u32::from(self.feed_decimals)
    }
}

/// USD value (18 decimals) of `amount` token units at the raw feed answer `price`, where
/// `decimals` = token decimals + feed decimals (0..=36). **Rounds down.**
pub fn value(amount: U256, price: U256, decimals: u32) -> Result<U256, DriftError> {
    if decimals >= 18 {
        mul_div(
            amount,
            price,
            pow10(decimals - 18, "value: 10^(decimals-18)")?,
            "value",
        )
    } else {
        let ap = mul(amount, price, "value: amount * price")?;
        mul(
            ap,
            pow10(18 - decimals, "value: 10^(18-decimals)")?,
            "value: * 10^(18-decimals)",
        )
    }
}

/// Token units worth `usd` (18 decimals) at `price`: `usd * 10^decimals / (price * 1e18)`.
/// **Rounds down** (an order never sells more than its USD size).
pub fn units(usd: U256, price: U256, decimals: u32) -> Result<U256, DriftError> {
    let den = mul(price, U256::from(10u64.pow(18)), "units: price * 1e18")?;
    mul_div(usd, pow10(decimals, "units: 10^decimals")?, den, "units")
}

/// USD per whole token with 18 decimals (`price * 10^(18 - feedDecimals)`), as the depeg check
/// compares stables. Exact (feed decimals are at most 18).
pub fn normalised_price(price: U256, feed_decimals: u8) -> Result<U256, DriftError> {
    let e = 18u32
        .checked_sub(u32::from(feed_decimals))
        .ok_or(DriftError::OutOfRange {
            field: "feedDecimals".into(),
            value: U256::from(feed_decimals),
            min: U256::ZERO,
            max: U256::from(18u8),
        })?;
    mul(price, pow10(e, "normalised price")?, "normalised price")
}
