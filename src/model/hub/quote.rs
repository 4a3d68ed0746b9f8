//! A fee quote for one request: what the user pays and what the hub keeps.

use alloy::primitives::U256;

use super::{
    error::{HubError, HubResult},
    fees::{self, FeeBreakdown, add},
    types::{GasMarket, HubConfig, TokenId, TokenState},
    validate,
};

/// The cost of one request of `amount`, as the biggest operation of a batch of `batch_size`
/// (so it carries the largest gas share).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// Base units the user's collateral receives.
    pub amount: U256,
    /// Operations assumed in the batch.
    pub batch_size: u32,
    /// Gas of the whole batch.
    pub batch_gas: u64,
    /// This operation's fee.
    pub fee: FeeBreakdown,
    /// hub fee + miner fee + buffer.
    pub total_fee: U256,
    /// amount + total fee: what the user pays.
    pub total: U256,
    /// The dynamic soft limit at this gas price.
    pub soft_limit: U256,
}

impl Quote {
    /// Whether the planner would skip this amount as below the soft limit.
    pub fn below_soft_limit(&self) -> bool {
        self.amount < self.soft_limit
    }
}

/// Quotes `amount` of `token` in a batch of `batch_size` operations.
pub fn quote(
    amount: U256,
    batch_size: u32,
    config: &HubConfig,
    gas: &GasMarket,
    token_id: &TokenId,
    token: &TokenState,
) -> HubResult<Quote> {
    validate::config(config)?;
    validate::gas(gas)?;
    validate::token(token_id, token)?;
    if amount.is_zero() {
        return Err(HubError::Invalid {
            field: "amount".into(),
            value: "0".into(),
            fix: "quote a positive amount",
        });
    }
    if batch_size == 0 || batch_size > config.max_operations {
        return Err(HubError::Invalid {
            field: "batch size".into(),
            value: batch_size.to_string(),
            fix: "use 1 ..= config.max_operations (50 by default)",
        });
    }
    let shares = fees::gas_shares(batch_size, config);
    let biggest_share = shares.first().copied().unwrap_or_default();
    let fee = fees::operation_fee(amount, biggest_share, config, gas, token)?;
    let total_fee = fee.total()?;
    Ok(Quote {
        amount,
        batch_size,
        batch_gas: fees::batch_gas(batch_size, config)?,
        fee,
        total_fee,
        total: add(amount, total_fee, "quote total")?,
        soft_limit: fees::soft_limit(config, gas, token)?,
    })
}
