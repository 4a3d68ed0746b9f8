//! The L1 data fee an OP-stack chain (Base, Optimism) adds to a transmit, as Chainlink's
//! `OptimismModuleV2` charges it in registry 2.3.
//!
//! `OptimismModuleV2.getCurrentL1Fee(len)` = `coefficient × GasPriceOracle.getL1FeeUpperBound(len)
//! / 100` and `getMaxL1Fee(len)` = `getL1FeeUpperBound(len)`. The Fjord oracle computes
//! (contracts-bedrock `GasPriceOracle.sol`, integer maths, every division rounding down):
//!
//! ```text
//! txSize        = len + 68
//! flzUpperBound = txSize + txSize / 255 + 16
//! estimatedSize = max(-42_585_600 + 836_500 × flzUpperBound, 100 × 1e6)        (scaled by 1e6)
//! feeScaled     = uint32(baseFeeScalar × 16) × l1BaseFee + blobBaseFeeScalar × blobBaseFee
//! l1Fee         = estimatedSize × feeScaled / 1e12
//! ```

use alloy::primitives::U256;
use serde::{Deserialize, Serialize};

use super::registry::ChargeError;

/// `COST_INTERCEPT` of the Fjord linear regression (scaled by 1e6).
pub const COST_INTERCEPT: i128 = -42_585_600;
/// `COST_FASTLZ_COEF` of the Fjord linear regression (scaled by 1e6).
pub const COST_FASTLZ_COEF: u128 = 836_500;
/// `MIN_TRANSACTION_SIZE`: estimates below 100 bytes count as 100.
pub const MIN_TRANSACTION_SIZE: u128 = 100;
/// `DECIMALS` of the oracle's scalars.
pub const DECIMALS: u32 = 6;

/// The L1 block attributes the oracle reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FjordL1 {
    /// `l1BaseFee()`, wei.
    #[serde(with = "super::serde_u256")]
    pub l1_base_fee: U256,
    /// `blobBaseFee()`, wei.
    #[serde(with = "super::serde_u256")]
    pub blob_base_fee: U256,
    /// `baseFeeScalar()` (a `uint32`).
    pub base_fee_scalar: u32,
    /// `blobBaseFeeScalar()` (a `uint32`).
    pub blob_base_fee_scalar: u32,
}

/// `_fjordLinearRegression`: estimated Brotli size ×1e6, at least 100 bytes.
pub fn fjord_linear_regression(fastlz_size: u64) -> U256 {
    let estimated = COST_INTERCEPT + (COST_FASTLZ_COEF * u128::from(fastlz_size)) as i128;
    let floor = (MIN_TRANSACTION_SIZE * 1_000_000) as i128;
    U256::from(estimated.max(floor).unsigned_abs())
}

/// `_fjordL1Cost(fastLzSize)`.
pub fn fjord_l1_cost(fastlz_size: u64, l1: &FjordL1) -> Result<U256, ChargeError> {
    let estimated = fjord_linear_regression(fastlz_size);
    // `baseFeeScalar() * 16` is uint32 arithmetic in Solidity: it reverts above 2^32 − 1.
    let scalar16 = l1
        .base_fee_scalar
        .checked_mul(16)
        .ok_or(ChargeError::Overflow("baseFeeScalar * 16 (uint32)"))?;
    let base = U256::from(scalar16)
        .checked_mul(l1.l1_base_fee)
        .ok_or(ChargeError::Overflow("baseFeeScalar * 16 * l1BaseFee"))?;
    let blob = U256::from(l1.blob_base_fee_scalar)
        .checked_mul(l1.blob_base_fee)
        .ok_or(ChargeError::Overflow("blobBaseFeeScalar * blobBaseFee"))?;
    let fee_scaled = base
        .checked_add(blob)
        .ok_or(ChargeError::Overflow("feeScaled"))?;
    let product = estimated
        .checked_mul(fee_scaled)
        .ok_or(ChargeError::Overflow("estimatedSize * feeScaled"))?;
    Ok(product / U256::from(10u64.pow(DECIMALS * 2)))
}

/// `getL1FeeUpperBound(unsignedTxSize)` (Fjord).
pub fn l1_fee_upper_bound(unsigned_tx_size: u64, l1: &FjordL1) -> Result<U256, ChargeError> {
    let tx_size = unsigned_tx_size
        .checked_add(68)
        .ok_or(ChargeError::Overflow("txSize"))?;
    let flz = tx_size + tx_size / 255 + 16;
    fjord_l1_cost(flz, l1)
}

/// `OptimismModuleV2.getCurrentL1Fee(dataSize)`: `coefficient` (0–100) percent of the upper bound,
/// rounded down.
pub fn optimism_v2_current_l1_fee(
    data_size: u64,
    coefficient_percent: u8,
    l1: &FjordL1,
) -> Result<U256, ChargeError> {
    if coefficient_percent > 100 {
        return Err(ChargeError::InvalidL1FeeCoefficient(coefficient_percent));
    }
    let bound = l1_fee_upper_bound(data_size, l1)?;
    let scaled = bound
        .checked_mul(U256::from(coefficient_percent))
        .ok_or(ChargeError::Overflow("coefficient * l1Fee"))?;
    Ok(scaled / U256::from(100u8))
}
