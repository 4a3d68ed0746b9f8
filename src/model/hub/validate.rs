//! Input checks shared by the planner and the quote: each failure names the field, the value and
//! the fix.

use alloy::primitives::U256;

use super::{
    error::{HubError, HubResult},
    fees::BPS,
    types::{GasMarket, HubConfig, TokenId, TokenState},
};

/// Highest gas price accepted: 100,000 gwei (mainnet's worst spikes were a few thousand).
pub const MAX_GAS_PRICE_WEI: u128 = 100_000 * 1_000_000_000;

/// Most decimals a token, price or native coin may have.
pub const MAX_DECIMALS: u8 = 36;

/// Largest gas buffer: 10× the miner fee.
pub const MAX_GAS_BUFFER_BPS: u32 = 10 * BPS;

fn invalid(field: impl Into<String>, value: impl ToString, fix: &'static str) -> HubError {
    HubError::Invalid {
        field: field.into(),
        value: value.to_string(),
        fix,
    }
}

/// Checks the hub parameters.
pub fn config(c: &HubConfig) -> HubResult<()> {
    if c.fee_bps > BPS {
        return Err(invalid(
            "config.fee_bps",
            c.fee_bps,
            "use basis points of the amount, at most 10000 (100 = 1 %)",
        ));
    }
    if c.gas_buffer_bps > MAX_GAS_BUFFER_BPS {
        return Err(invalid(
            "config.gas_buffer_bps",
            c.gas_buffer_bps,
            "use basis points of the miner fee, at most 100000 (2000 = 20 %)",
        ));
    }
    if c.max_operations == 0 {
        return Err(invalid(
            "config.max_operations",
            0,
            "allow at least 1 operation per batch (the hub contract takes up to 50)",
        ));
    }
    if c.batch_size_threshold == 0 || c.batch_size_threshold > c.max_operations {
        return Err(invalid(
            "config.batch_size_threshold",
            c.batch_size_threshold,
            "use 1 ..= config.max_operations (the document uses 10)",
        ));
    }
    Ok(())
}

/// Checks the gas market.
pub fn gas(g: &GasMarket) -> HubResult<()> {
    if g.gas_price_wei.is_zero() {
        return Err(invalid(
            "gas price",
            "0",
            "pass the current gas price (a real chain never charges 0; e.g. 0.01 gwei on an L2)",
        ));
    }
    if g.gas_price_wei > U256::from(MAX_GAS_PRICE_WEI) {
        return Err(invalid(
            "gas price (wei)",
            g.gas_price_wei,
            "pass the gas price in gwei, at most 100000 gwei",
        ));
    }
    if g.native_decimals > MAX_DECIMALS {
        return Err(invalid(
            "native decimals",
            g.native_decimals,
            "use the native coin's decimals (18 for ETH)",
        ));
    }
    Ok(())
}

/// Checks one token's decimals, price and limits.
pub fn token(id: &TokenId, t: &TokenState) -> HubResult<()> {
    if t.decimals > MAX_DECIMALS {
        return Err(invalid(
            format!("tokens.{id}.decimals"),
            t.decimals,
            "use the token's ERC-20 decimals (6 for USDC), at most 36",
        ));
    }
    if t.native_price.value.is_zero() {
        return Err(invalid(
            format!("tokens.{id}.native_price"),
            "0",
            "pass a positive price: whole tokens per whole native coin (3500 for USDC at $3,500/ETH)",
        ));
    }
    if t.native_price.decimals > MAX_DECIMALS {
        return Err(invalid(
            format!("tokens.{id}.native_price.decimals"),
            t.native_price.decimals,
            "use at most 36 price decimals",
        ));
    }
    if t.limits.min_amount > t.limits.max_amount {
        return Err(invalid(
            format!("limits.{id}.min_amount"),
            t.limits.min_amount,
            "make min_amount at most max_amount",
        ));
    }
    Ok(())
}
