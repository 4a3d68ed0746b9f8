//! Chainlink Automation registry 2.3's charge for a perform and its minimum balance, to the wei.
//!
//! A line-by-line integer transcription of `AutomationRegistryBase2_3._calculatePaymentAmount`,
//! the overhead split in `AutomationRegistry2_3._handleReport` and `_getMaxPayment` (which
//! `getMinBalanceForUpkeep` calls). Solidity's checked arithmetic becomes `checked_*` (an
//! overflow is [`ChargeError::Overflow`], where the registry would revert), `SafeCast.toUint96`
//! becomes [`ChargeError::Uint96`]. Rounding is exactly the registry's:
//! - the gas charge and the premium in the billing token round **up**
//!   (`(x + price·scale − 1) / (price·scale)`), in the payer's disfavour;
//! - the premium's `× gasFeePPB × nativeUSD / 1e9` rounds **down** before the flat fee is added;
//! - the per-upkeep overhead `tally / N` and the L1 share `l1Fee × weight / totalWeight` round
//!   **down**, as do the juel amounts owed to node operators.

use alloy::primitives::U256;
use serde::{Deserialize, Serialize};

/// `ACCOUNTING_FIXED_GAS_OVERHEAD`: per transmit, split across the upkeeps performed.
pub const ACCOUNTING_FIXED_GAS_OVERHEAD: u64 = 51_000;
/// `ACCOUNTING_PER_UPKEEP_GAS_OVERHEAD`: added to every upkeep's share.
pub const ACCOUNTING_PER_UPKEEP_GAS_OVERHEAD: u64 = 14_900;
/// `REGISTRY_CONDITIONAL_OVERHEAD` (max-payment estimate, conditional upkeeps).
pub const REGISTRY_CONDITIONAL_OVERHEAD: u64 = 98_200;
/// `REGISTRY_LOG_OVERHEAD` (max-payment estimate, log-triggered upkeeps).
pub const REGISTRY_LOG_OVERHEAD: u64 = 123_500;
/// `REGISTRY_PER_SIGNER_GAS_OVERHEAD`, times `f + 1` signers.
pub const REGISTRY_PER_SIGNER_GAS_OVERHEAD: u64 = 5_600;
/// `REGISTRY_PER_PERFORM_BYTE_GAS_OVERHEAD`.
pub const REGISTRY_PER_PERFORM_BYTE_GAS_OVERHEAD: u64 = 24;
/// `TRANSMIT_CALLDATA_FIXED_BYTES_OVERHEAD`.
pub const TRANSMIT_CALLDATA_FIXED_BYTES_OVERHEAD: u64 = 932;
/// `TRANSMIT_CALLDATA_PER_SIGNER_BYTES_OVERHEAD`, times `f + 1`.
pub const TRANSMIT_CALLDATA_PER_SIGNER_BYTES_OVERHEAD: u64 = 64;
/// Calldata gas the registry assumes per byte of `msg.data` in the overhead tally.
pub const CALLDATA_GAS_PER_BYTE: u64 = 16;

/// Why the registry would revert (or the model cannot follow it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    /// A checked operation overflowed (Solidity panics with 0x11).
    #[error("arithmetic overflow in {0} (the registry would revert)")]
    Overflow(&'static str),
    /// A price or count of zero where the registry divides by it (Solidity panics with 0x12, or
    /// underflows `price − 1`).
    #[error("{0} is zero (the registry would revert)")]
    Zero(&'static str),
    /// `SafeCast.toUint96` failed.
    #[error("{what} = {value} does not fit in uint96 (SafeCast reverts)")]
    Uint96 {
        /// Which amount.
        what: &'static str,
        /// The amount.
        value: U256,
    },
    /// `OptimismModuleV2.setL1FeeCalculation` accepts 0–100 only.
    #[error("L1 fee coefficient {0} is above 100")]
    InvalidL1FeeCoefficient(u8),
}

/// A billing token's parameters (`BillingConfig`, possibly with per-upkeep overrides applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingToken {
    /// Token decimals (18 for LINK and WETH, 6 for USDC).
    pub decimals: u8,
    /// Premium on the perform's own gas (and L1 fee), parts per billion (5e8 = 50 %).
    pub gas_fee_ppb: u32,
    /// Flat fee per perform in milli-cents (1e-5 USD); a `uint24`.
    pub flat_fee_milli_cents: u32,
    /// The token's USD price, 8 decimals (feed answer or fallback).
    #[serde(with = "super::serde_u256")]
    pub price_usd: U256,
}

/// The inputs of `_calculatePaymentAmount` (`PaymentParams` plus what it reads from hot vars and
/// the transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentParams {
    /// `gasLimit`: the perform's measured gas when transmitting; the gas limit when estimating.
    pub gas_limit: U256,
    /// `gasOverhead` (per upkeep, as `UpkeepPerformed` reports it).
    pub gas_overhead: U256,
    /// `l1CostWei`: this upkeep's share of the L1 fee.
    pub l1_cost_wei: U256,
    /// Fast gas price the report carries (wei).
    pub fast_gas_wei: U256,
    /// `gasCeilingMultiplier` (a `uint16`).
    pub gas_ceiling_multiplier: u16,
    /// `tx.gasprice` for a real transmit; `None` for an estimate (`isTransaction = false`).
    pub tx_gas_price: Option<U256>,
    /// LINK/USD, 8 decimals (only the juel amounts use it).
    pub link_usd: U256,
    /// Native/USD, 8 decimals.
    pub native_usd: U256,
    /// The billing token.
    pub token: BillingToken,
}

/// `PaymentReceipt`: what the upkeep pays and what node operators are owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PaymentReceipt {
    /// Gas charge in the billing token's smallest unit (rounded up).
    pub gas_charge: U256,
    /// Premium including the flat fee, in the billing token (rounded up).
    pub premium: U256,
    /// Gas reimbursement owed to the transmitter, juels (rounded down).
    pub gas_reimbursement_juels: U256,
    /// Premium pooled for node operators, juels (rounded down).
    pub premium_juels: U256,
}

impl PaymentReceipt {
    /// What the upkeep's balance loses: `gasCharge + premium` (a `uint96` addition).
    pub fn total(&self) -> Result<U256, ChargeError> {
        let t = self
            .gas_charge
            .checked_add(self.premium)
            .ok_or(ChargeError::Overflow("gasCharge + premium"))?;
        uint96("total payment", t)
    }
}

fn uint96(what: &'static str, value: U256) -> Result<U256, ChargeError> {
    if value > U256::from(u128::MAX >> 32) {
        return Err(ChargeError::Uint96 { what, value });
    }
    Ok(value)
}

fn mul(a: U256, b: U256, what: &'static str) -> Result<U256, ChargeError> {
    a.checked_mul(b).ok_or(ChargeError::Overflow(what))
}

fn add(a: U256, b: U256, what: &'static str) -> Result<U256, ChargeError> {
    a.checked_add(b).ok_or(ChargeError::Overflow(what))
}

fn div(a: U256, b: U256, what: &'static str) -> Result<U256, ChargeError> {
    a.checked_div(b).ok_or(ChargeError::Zero(what))
}

/// The gas price the registry bills: `fastGas × multiplier`, or `tx.gasprice` if lower in a
/// real transaction.
pub fn billed_gas_wei(p: &PaymentParams) -> Result<U256, ChargeError> {
    let ceiling = mul(
        p.fast_gas_wei,
        U256::from(p.gas_ceiling_multiplier),
        "fastGasWei * gasCeilingMultiplier",
    )?;
    Ok(match p.tx_gas_price {
        Some(price) if price < ceiling => price,
        _ => ceiling,
    })
}

/// `_calculatePaymentAmount`, to the wei.
pub fn calculate_payment_amount(p: &PaymentParams) -> Result<PaymentReceipt, ChargeError> {
    let decimals = u32::from(p.token.decimals);
    let gas_wei = billed_gas_wei(p)?;
    let numerator_scale = U256::from(10u8).pow(U256::from(decimals.saturating_sub(18)));
    let denominator_scale = U256::from(10u8).pow(U256::from(18u32.saturating_sub(decimals)));

    let gas_and_overhead = add(p.gas_limit, p.gas_overhead, "gasLimit + gasOverhead")?;
    let gas_payment = mul(
        add(
            mul(gas_wei, gas_and_overhead, "gasWei * gas")?,
            p.l1_cost_wei,
            "gas + l1CostWei",
        )?,
        p.native_usd,
        "gasPayment * nativeUSD",
    )?;
    let token_denominator = mul(p.token.price_usd, denominator_scale, "priceUSD * scale")?;
    let rounding = token_denominator
        .checked_sub(U256::from(1u8))
        .ok_or(ChargeError::Zero("billing token priceUSD"))?;
    let gas_charge = div(
        add(
            mul(gas_payment, numerator_scale, "gasPayment * scale")?,
            rounding,
            "gas charge rounding",
        )?,
        token_denominator,
        "billing token priceUSD",
    )?;
    let gas_charge = uint96("gasChargeInBillingToken", gas_charge)?;
    let gas_reimbursement = uint96(
        "gasReimbursementInJuels",
        div(gas_payment, p.link_usd, "linkUSD")?,
    )?;

    let flat_fee = mul(
        U256::from(p.token.flat_fee_milli_cents),
        U256::from(10u8).pow(U256::from(21u8)),
        "flatFeeMilliCents * 1e21",
    )?;
    let premium_base = add(
        mul(gas_wei, p.gas_limit, "gasWei * gasLimit")?,
        p.l1_cost_wei,
        "gasWei * gasLimit + l1CostWei",
    )?;
    let premium_usd = add(
        mul(
            mul(premium_base, U256::from(p.token.gas_fee_ppb), "* gasFeePPB")?,
            p.native_usd,
            "* nativeUSD",
        )? / U256::from(1_000_000_000u64),
        flat_fee,
        "premium + flat fee",
    )?;
    let premium = div(
        add(
            mul(premium_usd, numerator_scale, "premium * scale")?,
            rounding,
            "premium rounding",
        )?,
        token_denominator,
        "billing token priceUSD",
    )?;
    let premium = uint96("premiumInBillingToken", premium)?;
    let premium_juels = uint96("premiumInJuels", div(premium_usd, p.link_usd, "linkUSD")?)?;

    Ok(PaymentReceipt {
        gas_charge,
        premium,
        gas_reimbursement_juels: gas_reimbursement,
        premium_juels,
    })
}

/// The per-upkeep `gasOverhead` of a transmit: `(tally + 16·msg.data.length + 51,000) / N +
/// 14,900`, where `tally` is the transmit's gas so far minus every perform's own gas (the
/// registry measures it with `gasleft()`), and `N` the upkeeps that passed their checks.
pub fn transmit_gas_overhead(
    tally_gas: U256,
    msg_data_length: u64,
    upkeeps_performed: u32,
) -> Result<U256, ChargeError> {
    if upkeeps_performed == 0 {
        return Err(ChargeError::Zero("numUpkeepsPassedChecks"));
    }
    let total = add(
        add(
            tally_gas,
            U256::from(CALLDATA_GAS_PER_BYTE) * U256::from(msg_data_length),
            "tally + calldata",
        )?,
        U256::from(ACCOUNTING_FIXED_GAS_OVERHEAD),
        "+ ACCOUNTING_FIXED_GAS_OVERHEAD",
    )?;
    Ok(total / U256::from(upkeeps_performed) + U256::from(ACCOUNTING_PER_UPKEEP_GAS_OVERHEAD))
}

/// An upkeep's calldata weight for splitting the L1 fee: `performData.length + 932 + 64·(f+1)`.
pub fn calldata_weight(perform_data_length: u64, f: u8) -> U256 {
    U256::from(perform_data_length)
        + U256::from(TRANSMIT_CALLDATA_FIXED_BYTES_OVERHEAD)
        + U256::from(TRANSMIT_CALLDATA_PER_SIGNER_BYTES_OVERHEAD * (u64::from(f) + 1))
}

/// This upkeep's share of the transmit's L1 fee: `l1Fee × weight / totalWeight` (rounded down).
pub fn l1_fee_share(l1_fee: U256, weight: U256, total_weight: U256) -> Result<U256, ChargeError> {
    div(
        mul(l1_fee, weight, "l1Fee * calldataWeight")?,
        total_weight,
        "totalCalldataWeight",
    )
}

/// The upkeep's trigger type (it picks the max-payment overhead constant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Conditional (`checkUpkeep`-driven) upkeep.
    Conditional,
    /// Log-triggered upkeep.
    Log,
}

/// What `getMinBalanceForUpkeep` / `_getMaxPayment` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPaymentParams {
    /// Trigger type.
    pub trigger: Trigger,
    /// The upkeep's `performGas` limit.
    pub perform_gas_limit: u32,
    /// OCR fault tolerance `f` (reports carry `f + 1` signatures).
    pub f: u8,
    /// `s_storage.maxPerformDataSize`.
    pub max_perform_data_size: u32,
    /// The chain module's `getGasOverhead()`: fixed part.
    pub chain_module_fixed_overhead: u64,
    /// The chain module's `getGasOverhead()`: per calldata byte.
    pub chain_module_per_byte_overhead: u64,
    /// The chain module's `getMaxL1Fee(maxCalldataSize)` (0 on `ChainModuleBase`).
    pub module_max_l1_fee: U256,
    /// Fast gas price from the feed (wei).
    pub fast_gas_wei: U256,
    /// `gasCeilingMultiplier`.
    pub gas_ceiling_multiplier: u16,
    /// LINK/USD, 8 decimals.
    pub link_usd: U256,
    /// Native/USD, 8 decimals.
    pub native_usd: U256,
    /// The billing token.
    pub token: BillingToken,
}

/// `maxCalldataSize = maxPerformDataSize + 932 + 64·(f+1)`.
pub fn max_calldata_size(max_perform_data_size: u32, f: u8) -> U256 {
    calldata_weight(u64::from(max_perform_data_size), f)
}

/// `_getMaxPayment`'s `maxGasOverhead`.
pub fn max_gas_overhead(p: &MaxPaymentParams) -> U256 {
    let base = match p.trigger {
        Trigger::Conditional => REGISTRY_CONDITIONAL_OVERHEAD,
        Trigger::Log => REGISTRY_LOG_OVERHEAD,
    };
    // Every term is below 2^70: no U256 overflow is possible.
    U256::from(base)
        + U256::from(REGISTRY_PER_SIGNER_GAS_OVERHEAD * (u64::from(p.f) + 1))
        + (U256::from(REGISTRY_PER_PERFORM_BYTE_GAS_OVERHEAD)
            + U256::from(p.chain_module_per_byte_overhead))
            * max_calldata_size(p.max_perform_data_size, p.f)
        + U256::from(p.chain_module_fixed_overhead)
}

/// `_getMaxPayment` = `getMinBalanceForUpkeep`: the charge at the perform gas limit, the maximum
/// overhead, `multiplier × maxL1Fee` and `fastGas × multiplier`, in the billing token.
pub fn max_payment(p: &MaxPaymentParams) -> Result<U256, ChargeError> {
    let max_l1 = mul(
        U256::from(p.gas_ceiling_multiplier),
        p.module_max_l1_fee,
        "gasCeilingMultiplier * maxL1Fee",
    )?;
    let receipt = calculate_payment_amount(&PaymentParams {
        gas_limit: U256::from(p.perform_gas_limit),
        gas_overhead: max_gas_overhead(p),
        l1_cost_wei: max_l1,
        fast_gas_wei: p.fast_gas_wei,
        gas_ceiling_multiplier: p.gas_ceiling_multiplier,
        tx_gas_price: None,
        link_usd: p.link_usd,
        native_usd: p.native_usd,
        token: p.token,
    })?;
    receipt.total()
}
