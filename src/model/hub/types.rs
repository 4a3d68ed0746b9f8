//! The planner's inputs: requests, per-token state, gas market and hub configuration.
//!
//! All money is `U256` in a token's base units; each token carries its decimals. Prices are
//! fixed-point integers with their own decimals. Times are whole seconds supplied by the caller
//! (the planner never reads a clock).

use std::{collections::BTreeMap, fmt};

use alloy::primitives::{Address, U256};

/// A request's id, kept verbatim and compared in full (never truncated, never hashed down).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub String);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A token's key (for example its symbol, `USDC`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenId(pub String);

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One pending rebalance request: move `amount` of `token` from the hub's reserve into the
/// user's collateral, for a fee of at most `max_fee` paid on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Unique id; the operation that serves it names it.
    pub id: RequestId,
    /// Who asked.
    pub user: Address,
    /// Which token.
    pub token: TokenId,
    /// Base units the user's collateral receives (never changed by the planner).
    pub amount: U256,
    /// Largest total fee (base units) the user accepts for it.
    pub max_fee: U256,
    /// When it was requested (seconds, the caller's clock).
    pub requested_at: u64,
}

/// A fixed-point price: `value / 10^decimals` whole tokens per whole native coin (ETH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// The scaled integer.
    pub value: U256,
    /// Its decimals.
    pub decimals: u8,
}

/// The chain's gas market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasMarket {
    /// Gas price in wei (the native coin's base unit).
    pub gas_price_wei: U256,
    /// The native coin's decimals (18 for ETH).
    pub native_decimals: u8,
}

impl GasMarket {
    /// An 18-decimal native coin at `gas_price_wei`.
    pub fn wei(gas_price_wei: U256) -> Self {
        Self {
            gas_price_wei,
            native_decimals: 18,
        }
    }
}

/// Per-token limits, in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLimits {
    /// Smallest request served (anti-spam).
    pub min_amount: U256,
    /// Largest single request served (risk cap).
    pub max_amount: U256,
    /// Most one user receives in one interval (what [`PlanInput::served`] says the interval
    /// already gave them counts).
    pub max_per_user: U256,
    /// Most all users receive in one interval (likewise).
    pub max_per_interval: U256,
}

/// What the current interval already served in one token (settled, or in a batch on its way):
/// the caps count it before this batch's operations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Served {
    /// All users together.
    pub total: U256,
    /// Per user.
    pub per_user: BTreeMap<Address, U256>,
}

/// What the planner knows about one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenState {
    /// Base-unit decimals.
    pub decimals: u8,
    /// The hub's reserve available for this batch (base units).
    pub reserve: U256,
    /// Whole tokens per whole native coin (for a USD stablecoin: the ETH/USD price).
    pub native_price: Price,
    /// Limits.
    pub limits: TokenLimits,
}

/// Hub parameters (token-independent). Defaults follow the plan document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubConfig {
    /// Hub fee in basis points of the amount (100 = 1 %).
    pub fee_bps: u32,
    /// Gas of a batch transaction before its operations.
    pub gas_per_batch: u64,
    /// Gas each operation adds to a batch.
    pub gas_per_operation: u64,
    /// Buffer on the miner fee, basis points of it (2,000 = 20 %, the document's 1.2×).
    pub gas_buffer_bps: u32,
    /// Soft limit = this × the token cost of a lone operation's gas (100: a 1 % fee covers gas).
    pub soft_limit_multiplier: u32,
    /// Execute once the oldest planned request has waited this long (seconds).
    pub batch_window_secs: u64,
    /// Execute at once when this many operations are planned.
    pub batch_size_threshold: u32,
    /// Most operations in one batch (the hub contract's bound).
    pub max_operations: u32,
}

impl Default for HubConfig {
    /// The document's figures: 1 % fee; 150k gas for a lone settlement and 200k for three
    /// batched, hence 125,000 per batch + 25,000 per operation; 20 % buffer; soft limit 100×
    /// gas; 10 s window or 10 requests; at most 50 operations (ANCHORS §2).
    fn default() -> Self {
        Self {
            fee_bps: 100,
            gas_per_batch: 125_000,
            gas_per_operation: 25_000,
            gas_buffer_bps: 2_000,
            soft_limit_multiplier: 100,
            batch_window_secs: 10,
            batch_size_threshold: 10,
            max_operations: 50,
        }
    }
}

/// Everything one planning round needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInput {
    /// "Now" in the requests' clock (seconds).
    pub now: u64,
    /// Gas market.
    pub gas: GasMarket,
    /// Hub parameters.
    pub config: HubConfig,
    /// Reserve, price and limits per token.
    pub tokens: BTreeMap<TokenId, TokenState>,
    /// Pending requests, in any order.
    pub requests: Vec<Request>,
    /// What the current interval already served, per token (none when absent).
    pub served: BTreeMap<TokenId, Served>,
}
