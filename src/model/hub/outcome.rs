//! The planner's output: the decision, the operations, the skipped requests and the totals.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};

use super::{
    fees::FeeBreakdown,
    types::{RequestId, TokenId},
};

/// Why a request is not in this batch. Checks run in this order; the first failing one is
/// reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Below the token's `min_amount`.
    BelowMinAmount {
        /// The minimum.
        min: U256,
    },
    /// Above the token's `max_amount`.
    OverMaxAmount {
        /// The maximum.
        max: U256,
    },
    /// Below the dynamic soft limit (not worth its gas at the current gas price).
    BelowSoftLimit {
        /// The soft limit.
        soft_limit: U256,
    },
    /// The batch already holds `max_operations` bigger operations.
    BatchFull {
        /// The bound.
        max_operations: u32,
    },
    /// What the interval already served the user, with their bigger requests in this batch,
    /// comes too close to `max_per_user`.
    OverUserCap {
        /// The cap.
        cap: U256,
        /// What the user already receives this interval (served, and in this batch).
        already: U256,
    },
    /// What the interval already served, with the bigger operations of this batch, comes too
    /// close to `max_per_interval`.
    OverIntervalCap {
        /// The cap.
        cap: U256,
        /// What the interval already hands out in this token (served, and in this batch).
        already: U256,
    },
    /// The hub's reserve left after the bigger operations does not cover it.
    Unaffordable {
        /// Reserve left at its turn.
        reserve_left: U256,
    },
    /// Its fee in the batch as planned exceeds what the user accepts.
    FeeAboveMax {
        /// The fee it would have paid.
        fee: U256,
        /// The user's maximum.
        max_fee: U256,
    },
}

impl SkipReason {
    /// The reason in words, amounts in whole tokens of `decimals` (at least two decimals).
    pub fn describe(&self, decimals: u8) -> String {
        let a = |v: &U256| super::units::format_decimal(*v, decimals, 2);
        match self {
            Self::BelowMinAmount { min } => format!("below min amount {}", a(min)),
            Self::OverMaxAmount { max } => format!("over max amount {}", a(max)),
            Self::BelowSoftLimit { soft_limit } => {
                format!("below the soft limit {} at this gas price", a(soft_limit))
            }
            Self::BatchFull { max_operations } => {
                format!("batch full ({max_operations} bigger operations)")
            }
            Self::OverUserCap { cap, already } => format!(
                "per-user cap {} (already {} this interval)",
                a(cap),
                a(already)
            ),
            Self::OverIntervalCap { cap, already } => format!(
                "per-interval cap {} (already {} this interval)",
                a(cap),
                a(already)
            ),
            Self::Unaffordable { reserve_left } => {
                format!("reserve left {} after bigger operations", a(reserve_left))
            }
            Self::FeeAboveMax { fee, max_fee } => {
                format!("fee {} above the user's max {}", a(fee), a(max_fee))
            }
        }
    }

    /// A stable snake_case code for machines (`below_soft_limit`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BelowMinAmount { .. } => "below_min_amount",
            Self::OverMaxAmount { .. } => "over_max_amount",
            Self::BelowSoftLimit { .. } => "below_soft_limit",
            Self::BatchFull { .. } => "batch_full",
            Self::OverUserCap { .. } => "over_user_cap",
            Self::OverIntervalCap { .. } => "over_interval_cap",
            Self::Unaffordable { .. } => "unaffordable",
            Self::FeeAboveMax { .. } => "fee_above_max",
        }
    }
}

/// One reserve→collateral transfer in the batch, and the request it fulfils.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The request this operation fulfils (and nothing else counts as fulfilling it).
    pub request: RequestId,
    /// Its user.
    pub user: Address,
    /// Its token.
    pub token: TokenId,
    /// Base units moved from the hub's reserve to the user's collateral: the requested amount,
    /// unchanged.
    pub amount: U256,
    /// When it was requested.
    pub requested_at: u64,
    /// Its fee, paid by the user on top of `amount`, charged only when the batch executes.
    pub fee: FeeBreakdown,
    /// `fee.total()`.
    pub total_fee: U256,
}

/// A request left out of this batch, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The request.
    pub request: RequestId,
    /// Its user.
    pub user: Address,
    /// Its token.
    pub token: TokenId,
    /// Its amount.
    pub amount: U256,
    /// Why.
    pub reason: SkipReason,
}

/// Why to execute now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecuteReason {
    /// At least `batch_size_threshold` operations are planned.
    SizeThreshold {
        /// Operations planned.
        operations: u32,
        /// The threshold.
        threshold: u32,
    },
    /// The oldest planned request has waited at least the batch window.
    WindowElapsed {
        /// How long it has waited (seconds).
        waited_secs: u64,
        /// The window.
        window_secs: u64,
    },
}

/// Whether to send the batch now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send it now.
    Execute(ExecuteReason),
    /// Not yet: plan again at `until` (oldest planned request + window) or when more requests
    /// arrive.
    Wait {
        /// When the window of the oldest planned request elapses.
        until: u64,
    },
    /// No request can be served: send nothing.
    Nothing,
}

/// Per-token accounting of a plan (base units). Invariants: `reserves_out` = Σ operation
/// amounts; `fees` = `hub_fees + miner_fees + buffers`; `user_debits` = `reserves_out + fees`;
/// `reserve_after` = `reserve_before − reserves_out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTotals {
    /// The hub's reserve before the batch.
    pub reserve_before: U256,
    /// Moved to users' collateral.
    pub reserves_out: U256,
    /// Σ hub fees (the hub's profit).
    pub hub_fees: U256,
    /// Σ miner-fee shares.
    pub miner_fees: U256,
    /// Σ gas buffers.
    pub buffers: U256,
    /// Σ total fees.
    pub fees: U256,
    /// What users pay: amounts plus fees.
    pub user_debits: U256,
    /// The reserve after the batch (fees not counted: they arrive with the batch itself).
    pub reserve_after: U256,
    /// The dynamic soft limit used.
    pub soft_limit: U256,
}

/// A batch plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Send now, wait, or nothing to send.
    pub decision: Decision,
    /// Operations, biggest amount first (ties: older first, then id).
    pub operations: Vec<Operation>,
    /// Requests left out, in the same priority order, each with its reason.
    pub skipped: Vec<Skipped>,
    /// Gas of the batch as planned (`gas_per_batch + n × gas_per_operation`; 0 when empty).
    pub batch_gas: u64,
    /// Accounting per token (every input token, served or not).
    pub totals: BTreeMap<TokenId, TokenTotals>,
}

impl Plan {
    /// Whether the decision is to execute now.
    pub fn executes(&self) -> bool {
        matches!(self.decision, Decision::Execute(_))
    }
}
