//! Fee arithmetic: hub fee, miner-fee share, gas buffer — each rounded up, in the hub's favour.
//!
//! For an operation of `amount` that carries `gas` units of its batch's gas:
//! - hub fee    = ⌈amount × fee_bps / 10,000⌉
//! - miner fee  = ⌈gas × gas_price × native_price × 10^token_decimals /
//!   (10^native_decimals × 10^price_decimals)⌉
//! - buffer     = ⌈miner fee × gas_buffer_bps / 10,000⌉
//! - total fee  = hub fee + miner fee + buffer; the user pays amount + total fee.
//!
//! A batch of n operations uses `gas_per_batch + n × gas_per_operation` gas; [`gas_shares`]
//! splits it in whole gas units (the overhead equally, remainder units to the biggest
//! operations), so the shares add up to the batch gas exactly, and each share's token cost is
//! rounded up: together they never pay less than the batch costs.

use alloy::primitives::U256;

use super::{
    error::{HubError, HubResult},
    types::{GasMarket, HubConfig, TokenState},
    units::pow10,
};

/// Basis points in one whole.
pub const BPS: u32 = 10_000;

/// One operation's fee, in the token's base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeBreakdown {
    /// Gas units of the batch this operation pays for.
    pub gas_units: u64,
    /// The hub's fee (its profit).
    pub hub_fee: U256,
    /// The operation's share of the miner fee.
    pub miner_fee: U256,
    /// Safety margin on the miner fee (kept by the hub when gas comes in as estimated).
    pub buffer: U256,
}

impl FeeBreakdown {
    /// hub fee + miner fee + buffer.
    pub fn total(&self) -> HubResult<U256> {
        add(
            add(self.hub_fee, self.miner_fee, "fee total")?,
            self.buffer,
            "fee total",
        )
    }
}

/// `⌈n / d⌉`; `d` must be non-zero.
pub fn ceil_div(n: U256, d: U256, what: &'static str) -> HubResult<U256> {
    if d.is_zero() {
        return Err(HubError::Overflow { what });
    }
    let (q, r) = n.div_rem(d);
    if r.is_zero() {
        Ok(q)
    } else {
        add(q, U256::from(1u8), what)
    }
}

pub(crate) fn add(a: U256, b: U256, what: &'static str) -> HubResult<U256> {
    a.checked_add(b).ok_or(HubError::Overflow { what })
}

pub(crate) fn mul(a: U256, b: U256, what: &'static str) -> HubResult<U256> {
    a.checked_mul(b).ok_or(HubError::Overflow { what })
}

/// `⌈value × bps / 10,000⌉`.
pub fn bps_up(value: U256, bps: u32, what: &'static str) -> HubResult<U256> {
    ceil_div(mul(value, U256::from(bps), what)?, U256::from(BPS), what)
}

/// The hub fee on `amount`, rounded up.
pub fn hub_fee(amount: U256, config: &HubConfig) -> HubResult<U256> {
    bps_up(amount, config.fee_bps, "hub fee")
}

/// What `gas` units cost at `gas_market`, in `token` base units, rounded up.
pub fn gas_cost_in_token(gas: u64, gas_market: &GasMarket, token: &TokenState) -> HubResult<U256> {
    const WHAT: &str = "gas cost in token units";
    let wei = mul(gas_market.gas_price_wei, U256::from(gas), WHAT)?;
    let scaled = mul(wei, token.native_price.value, WHAT)?;
    let scaled = mul(scaled, pow_or(token.decimals, WHAT)?, WHAT)?;
    let divisor = mul(
        pow_or(gas_market.native_decimals, WHAT)?,
        pow_or(token.native_price.decimals, WHAT)?,
        WHAT,
    )?;
    ceil_div(scaled, divisor, WHAT)
}

fn pow_or(decimals: u8, what: &'static str) -> HubResult<U256> {
    pow10(u32::from(decimals)).ok_or(HubError::Overflow { what })
}

/// Total gas of a batch of `n` operations.
pub fn batch_gas(n: u32, config: &HubConfig) -> HubResult<u64> {
    config
        .gas_per_operation
        .checked_mul(u64::from(n))
        .and_then(|g| g.checked_add(config.gas_per_batch))
        .ok_or(HubError::Overflow { what: "batch gas" })
}

/// Splits a batch of `n` operations' gas into per-operation shares (index 0 = the biggest
/// operation): `gas_per_operation + ⌊gas_per_batch / n⌋`, plus one unit for the first
/// `gas_per_batch mod n` shares. The shares add up to [`batch_gas`] exactly.
pub fn gas_shares(n: u32, config: &HubConfig) -> Vec<u64> {
    if n == 0 {
        return Vec::new();
    }
    let n64 = u64::from(n);
    let base = config.gas_per_batch / n64;
    let extra = config.gas_per_batch % n64;
    (0..n64)
        .map(|i| {
            config
                .gas_per_operation
                .saturating_add(base)
                .saturating_add(u64::from(i < extra))
        })
        .collect()
}

/// The fee of one operation of `amount` carrying `gas_units` of its batch's gas.
pub fn operation_fee(
    amount: U256,
    gas_units: u64,
    config: &HubConfig,
    gas_market: &GasMarket,
    token: &TokenState,
) -> HubResult<FeeBreakdown> {
    let miner_fee = gas_cost_in_token(gas_units, gas_market, token)?;
    Ok(FeeBreakdown {
        gas_units,
        hub_fee: hub_fee(amount, config)?,
        miner_fee,
        buffer: bps_up(miner_fee, config.gas_buffer_bps, "gas buffer")?,
    })
}

/// The dynamic soft limit: `soft_limit_multiplier` × the token cost (rounded up) of a lone
/// operation's gas (`gas_per_batch + gas_per_operation`) at the current gas price. Requests
/// below it are not worth their gas; it rises and falls with the gas price.
pub fn soft_limit(
    config: &HubConfig,
    gas_market: &GasMarket,
    token: &TokenState,
) -> HubResult<U256> {
    let lone = gas_cost_in_token(batch_gas(1, config)?, gas_market, token)?;
    mul(lone, U256::from(config.soft_limit_multiplier), "soft limit")
}
