//! The hub batch planner (pure): which pending rebalance requests a hub serves in its next
//! batch transaction, in what order, and what each user pays.
//!
//! A hub moves tokens from its on-chain reserve into users' collateral (reserve→collateral),
//! many operations per batch transaction. Users pay on top of the amount: the hub fee (its
//! profit), a share of the batch's miner fee, and a buffer on that share. Inputs are plain data
//! ([`PlanInput`]); "now" and the gas price are inputs, never read here.
//!
//! - [`types`]: requests, tokens, gas market, configuration;
//! - [`fees`]: the fee formulas and the dynamic soft limit (all rounded up);
//! - [`quote`]: one request's fee (the document's worked example);
//! - [`plan`]: the batch planner and the execute-now rule;
//! - [`outcome`]: the plan, its operations, skip reasons and totals;
//! - [`pnl`]: the hub's fees against its gas, in wei;
//! - [`pulls`]: pull before push — the signed pulls that fund a batch's shortfall;
//! - [`units`]: decimal strings ↔ base units.

pub mod error;
pub mod fees;
pub mod outcome;
pub mod plan;
pub mod pnl;
pub mod pulls;
pub mod quote;
pub mod types;
pub mod units;
pub mod validate;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

pub use error::{HubError, HubResult};
pub use fees::FeeBreakdown;
pub use outcome::{Decision, ExecuteReason, Operation, Plan, SkipReason, Skipped, TokenTotals};
pub use plan::plan;
pub use quote::{Quote, quote};
pub use types::{
    GasMarket, HubConfig, PlanInput, Price, Request, RequestId, Served, TokenId, TokenLimits,
    TokenState,
};
