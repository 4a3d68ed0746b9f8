//! The shared billing vectors (`test/vectors/billing.json`): every input of the registry 2.3
//! charge and what the registry charged, as decimal strings, checked to the wei.
//!
//! The file is a JSON array, one vector per line; each object has `"kind"`: `"perform"` (one
//! upkeep's charge in a transmit) or `"min_balance"` (`getMinBalanceForUpkeep`). Every vector is
//! written by the forge test `test/integration/BillingVectors.t.sol` from what the real
//! AutomationRegistry2_3 charged (`BILLING_VECTORS_WRITE=true forge test --match-path …` rewrites
//! the file; the default run fails when it differs); `"source"` names the scenario.

use alloy::primitives::U256;
use serde::{Deserialize, Serialize};

use super::{
    l1::{FjordL1, optimism_v2_current_l1_fee},
    registry::{
        self, BillingToken, ChargeError, MaxPaymentParams, PaymentParams, Trigger, calldata_weight,
        l1_fee_share, transmit_gas_overhead,
    },
};

/// One vector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BillingVector {
    /// A perform's charge.
    Perform(Box<PerformVector>),
    /// A minimum balance.
    MinBalance(Box<MinBalanceVector>),
}

/// How the per-upkeep overhead came about (optional; checked when present).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverheadSplit {
    /// Transmit gas measured by `gasleft()` minus every perform's gas.
    #[serde(with = "super::serde_u256")]
    pub tally_gas: U256,
    /// `msg.data.length` of the transmit.
    pub msg_data_length: u64,
    /// Upkeeps that passed their checks in the report.
    pub upkeeps_in_report: u32,
}

/// How the L1 fee share came about on an OP-stack chain (optional; checked when present).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1Split {
    /// The oracle's L1 attributes.
    pub fjord: FjordL1,
    /// `OptimismModuleV2`'s `s_l1FeeCoefficient` (0–100).
    pub coefficient_percent: u8,
    /// `msg.data.length` of the transmit.
    pub msg_data_length: u64,
    /// This upkeep's `performData.length`.
    pub perform_data_length: u64,
    /// OCR `f`.
    pub f: u8,
    /// Sum of calldata weights of every performed upkeep in the report.
    #[serde(with = "super::serde_u256")]
    pub total_calldata_weight: U256,
}

/// What the registry charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// `gasChargeInBillingToken`.
    #[serde(with = "super::serde_u256")]
    pub gas_charge: U256,
    /// `premiumInBillingToken`.
    #[serde(with = "super::serde_u256")]
    pub premium: U256,
    /// `UpkeepPerformed.totalPayment`.
    #[serde(with = "super::serde_u256")]
    pub total: U256,
    /// `gasReimbursementInJuels`, if recorded.
    #[serde(
        default,
        with = "super::serde_opt_u256",
        skip_serializing_if = "Option::is_none"
    )]
    pub gas_reimbursement_juels: Option<U256>,
    /// `premiumInJuels`, if recorded.
    #[serde(
        default,
        with = "super::serde_opt_u256",
        skip_serializing_if = "Option::is_none"
    )]
    pub premium_juels: Option<U256>,
}

/// One upkeep's charge in one transmit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerformVector {
    /// Short name.
    pub name: String,
    /// Where the expected figures come from.
    pub source: String,
    /// `UpkeepPerformed.gasUsed`.
    #[serde(with = "super::serde_u256")]
    pub gas_used: U256,
    /// `UpkeepPerformed.gasOverhead`.
    #[serde(with = "super::serde_u256")]
    pub gas_overhead: U256,
    /// Optional derivation of `gas_overhead`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead_split: Option<OverheadSplit>,
    /// `l1CostWei` of this upkeep.
    #[serde(with = "super::serde_u256")]
    pub l1_cost_wei: U256,
    /// Optional derivation of `l1_cost_wei`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1: Option<L1Split>,
    /// `report.fastGasWei`.
    #[serde(with = "super::serde_u256")]
    pub fast_gas_wei: U256,
    /// `gasCeilingMultiplier`.
    pub gas_ceiling_multiplier: u16,
    /// `tx.gasprice`.
    #[serde(with = "super::serde_u256")]
    pub tx_gas_price: U256,
    /// `report.linkUSD`, 8 decimals.
    #[serde(with = "super::serde_u256")]
    pub link_usd: U256,
    /// Native/USD, 8 decimals.
    #[serde(with = "super::serde_u256")]
    pub native_usd: U256,
    /// The billing token.
    pub token: BillingToken,
    /// The registry's charge.
    pub expected: Expected,
}

/// A minimum balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinBalanceVector {
    /// Short name.
    pub name: String,
    /// Where the expected figure comes from.
    pub source: String,
    /// Trigger type.
    pub trigger: Trigger,
    /// `performGas`.
    pub perform_gas_limit: u32,
    /// OCR `f`.
    pub f: u8,
    /// `maxPerformDataSize`.
    pub max_perform_data_size: u32,
    /// Chain module fixed overhead.
    pub chain_module_fixed_overhead: u64,
    /// Chain module per-byte overhead.
    pub chain_module_per_byte_overhead: u64,
    /// `chainModule.getMaxL1Fee(maxCalldataSize)`.
    #[serde(with = "super::serde_u256")]
    pub module_max_l1_fee: U256,
    /// Fast gas feed, wei.
    #[serde(with = "super::serde_u256")]
    pub fast_gas_wei: U256,
    /// `gasCeilingMultiplier`.
    pub gas_ceiling_multiplier: u16,
    /// LINK/USD.
    #[serde(with = "super::serde_u256")]
    pub link_usd: U256,
    /// Native/USD.
    #[serde(with = "super::serde_u256")]
    pub native_usd: U256,
    /// The billing token.
    pub token: BillingToken,
    /// `getMinBalance(id)`.
    #[serde(with = "super::serde_u256")]
    pub expected_min_balance: U256,
}

/// A vector the model does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VectorError {
    /// A figure differs.
    #[error("vector {name:?}: {what} is {model} by the model, {expected} in the vector")]
    Mismatch {
        /// Vector name.
        name: String,
        /// Which figure.
        what: &'static str,
        /// The model's figure.
        model: U256,
        /// The vector's figure.
        expected: U256,
    },
    /// The model reverts where the registry charged.
    #[error("vector {name:?}: {source}")]
    Charge {
        /// Vector name.
        name: String,
        /// The model's error.
        source: ChargeError,
    },
}

fn same(name: &str, what: &'static str, model: U256, expected: U256) -> Result<(), VectorError> {
    if model == expected {
        Ok(())
    } else {
        Err(VectorError::Mismatch {
            name: name.to_string(),
            what,
            model,
            expected,
        })
    }
}

impl BillingVector {
    /// The vector's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Perform(v) => &v.name,
            Self::MinBalance(v) => &v.name,
        }
    }

    /// Recomputes every figure and compares it with the vector, to the wei.
    pub fn check(&self) -> Result<(), VectorError> {
        let name = self.name().to_string();
        let charge = |source| VectorError::Charge {
            name: name.clone(),
            source,
        };
        match self {
            Self::Perform(v) => {
                if let Some(s) = &v.overhead_split {
                    let o =
                        transmit_gas_overhead(s.tally_gas, s.msg_data_length, s.upkeeps_in_report)
                            .map_err(charge)?;
                    same(&name, "gas_overhead", o, v.gas_overhead)?;
                }
                if let Some(l) = &v.l1 {
                    let fee = optimism_v2_current_l1_fee(
                        l.msg_data_length,
                        l.coefficient_percent,
                        &l.fjord,
                    )
                    .map_err(charge)?;
                    let share = l1_fee_share(
                        fee,
                        calldata_weight(l.perform_data_length, l.f),
                        l.total_calldata_weight,
                    )
                    .map_err(charge)?;
                    same(&name, "l1_cost_wei", share, v.l1_cost_wei)?;
                }
                let r = registry::calculate_payment_amount(&PaymentParams {
                    gas_limit: v.gas_used,
                    gas_overhead: v.gas_overhead,
                    l1_cost_wei: v.l1_cost_wei,
                    fast_gas_wei: v.fast_gas_wei,
                    gas_ceiling_multiplier: v.gas_ceiling_multiplier,
                    tx_gas_price: Some(v.tx_gas_price),
                    link_usd: v.link_usd,
                    native_usd: v.native_usd,
                    token: v.token,
                })
                .map_err(charge)?;
                same(&name, "gas_charge", r.gas_charge, v.expected.gas_charge)?;
                same(&name, "premium", r.premium, v.expected.premium)?;
                same(&name, "total", r.total().map_err(charge)?, v.expected.total)?;
                if let Some(j) = v.expected.gas_reimbursement_juels {
                    same(
                        &name,
                        "gas_reimbursement_juels",
                        r.gas_reimbursement_juels,
                        j,
                    )?;
                }
                if let Some(j) = v.expected.premium_juels {
                    same(&name, "premium_juels", r.premium_juels, j)?;
                }
                Ok(())
            }
            Self::MinBalance(v) => {
                let m = registry::max_payment(&MaxPaymentParams {
                    trigger: v.trigger,
                    perform_gas_limit: v.perform_gas_limit,
                    f: v.f,
                    max_perform_data_size: v.max_perform_data_size,
                    chain_module_fixed_overhead: v.chain_module_fixed_overhead,
                    chain_module_per_byte_overhead: v.chain_module_per_byte_overhead,
                    module_max_l1_fee: v.module_max_l1_fee,
                    fast_gas_wei: v.fast_gas_wei,
                    gas_ceiling_multiplier: v.gas_ceiling_multiplier,
                    link_usd: v.link_usd,
                    native_usd: v.native_usd,
                    token: v.token,
                })
                .map_err(charge)?;
                same(&name, "min_balance", m, v.expected_min_balance)
            }
        }
    }
}

/// Parses the vector file.
pub fn parse(json: &str) -> Result<Vec<BillingVector>, serde_json::Error> {
    serde_json::from_str(json)
}
