//! The `onebalancer budget` configuration: a TOML file whose every key defaults to the economics
//! document's baseline, read without floats and rejected with a one-line, field-naming error.

use serde::{Deserialize, Serialize};

use super::units::Decimal;

/// Top-level budget configuration. Every field has the document's baseline as its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetConfig {
    /// Average gas price, gwei (document: 0.30).
    pub gas_price_gwei: Decimal,
    /// Automation gas overhead per perform (document: 80,000).
    pub overhead_gas: u64,
    /// Automation premium, percent (document: 20).
    pub premium_percent: Decimal,
    /// Price of one LINK in native ETH (document: 0.00035).
    pub link_price_eth: Decimal,
    /// ETH price in USD for the USD illustrations (document: 2,000).
    pub eth_usd: Decimal,
    /// Gas of each perform path.
    pub perform_gas: PerformGas,
    /// Rebalances per 30-day month for each volatility scenario.
    pub scenarios: Scenarios,
    /// TimeBalancer schedule.
    pub time_balancer: TimeBalancer,
    /// Fleet sizes.
    pub fleet: Fleet,
    /// Funding buffer guidance, in multiples of the monthly spend.
    pub buffer: Buffer,
    /// The document's minimum-balance illustration.
    pub min_balance: MinBalance,
    /// Sensitivity shortcuts.
    pub sensitivity: Sensitivity,
    /// Optional on-chain order posting.
    pub posting: Posting,
    /// Optional sponsored user gas.
    pub sponsored: Sponsored,
    /// Payment-rail premiums (default: `premium_percent` for both).
    pub rails: Rails,
    /// The document's example savings chain.
    pub savings: Savings,
    /// The "5 bps on $500k" gain comparison.
    pub gain: Gain,
    /// The `--chart` axis.
    pub chart: Chart,
}

/// Gas of each perform path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerformGas {
    /// Stable-only perform (document: 140,000).
    pub stable: u64,
    /// Global perform (document: 300,000).
    pub global: u64,
}

/// Rebalances per 30-day month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// Stable-only rebalances.
    pub stable: u64,
    /// Global rebalances (drift-triggered).
    pub global: u64,
}

/// The three volatility scenarios.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenarios {
    /// Low volatility (document: 8 stable, 2 global).
    pub low: Counts,
    /// Base case (document: 30 stable, 8 global).
    pub base: Counts,
    /// High volatility (document: 60 stable, 15 global).
    pub high: Counts,
}

/// TimeBalancer schedule: its global rebalance runs every `interval_days`, whatever the scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimeBalancer {
    /// Days between time-driven global rebalances (document: weekly = 7).
    pub interval_days: Decimal,
}

/// Fleet sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fleet {
    /// Balancers in each homogeneous fleet (document: 100).
    pub size: u64,
    /// DriftBalancers (Base Case) in the mixed fleet (document: 50).
    pub mixed_drift_base: u64,
    /// TimeBalancers (Low Vol) in the mixed fleet (document: 50).
    pub mixed_time_low: u64,
}

/// Funding buffer guidance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Buffer {
    /// Fund at least this many months (document: 2).
    pub fund_months: u64,
    /// Refill when this many months remain (document: 1).
    pub refill_months: u64,
}

/// The document's minimum-balance illustration (not the registry's formula: see `registry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MinBalance {
    /// Upkeep gas limit (document: 500,000).
    pub gas_limit: u64,
    /// Fast gas price, gwei (document: 0.50).
    pub fast_gas_gwei: Decimal,
    /// Multiplier (document: 1.3).
    pub multiplier: Decimal,
    /// Days-of-coverage multiple, low end (document: 10).
    pub coverage_low: u64,
    /// Days-of-coverage multiple, high end (document: 20).
    pub coverage_high: u64,
}

/// Sensitivity shortcuts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sensitivity {
    /// Gas price factor (document: 2).
    pub gas_factor: Decimal,
    /// Alternative premium, percent (document: 30).
    pub premium_percent: Decimal,
}

/// Optional on-chain order posting (the balancer's own transactions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Posting {
    /// Gas of a batch stable order posting (document: 120,000).
    pub stable_gas: u64,
    /// Stable postings per month (document: 30).
    pub stable_count: u64,
    /// Gas of a global multi-order posting (document: 200,000).
    pub global_gas: u64,
    /// Global postings per month (document: 8).
    pub global_count: u64,
}

/// Optional sponsored user gas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sponsored {
    /// Gas of `fund()` (document: 70,000).
    pub fund_gas: u64,
    /// `fund()` calls per month (document: 40).
    pub fund_count: u64,
    /// Gas of `withdraw()` (document: 80,000).
    pub withdraw_gas: u64,
    /// `withdraw()` calls per month (document: 20).
    pub withdraw_count: u64,
}

/// Per-rail premiums, percent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rails {
    /// Premium when paying in LINK (default: `premium_percent`).
    pub link_premium_percent: Option<Decimal>,
    /// Premium when paying in native (default: `premium_percent`).
    pub native_premium_percent: Option<Decimal>,
}

/// The example savings chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Savings {
    /// Stable rebalances after adding a cooldown (document: 30 → 20).
    pub stable_count_after: u64,
    /// Off-peak gas price, gwei (document: 0.25).
    pub gas_price_gwei_after: Decimal,
    /// Perform-gas reduction from caching and compression, percent (document: 5).
    pub perform_gas_cut_percent: Decimal,
}

/// The gain comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Gain {
    /// Portfolio size, USD (document: 500,000).
    pub portfolio_usd: Decimal,
    /// Monthly performance recovered, basis points (document: 5).
    pub recovered_bps: Decimal,
}

/// Chart axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Chart {
    /// Highest gas price on the x axis, gwei (default 1).
    pub max_gas_gwei: Decimal,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self {
            gas_price_gwei: Decimal::new(30, 2),
            overhead_gas: 80_000,
            premium_percent: Decimal::whole(20),
            link_price_eth: Decimal::new(35, 5),
            eth_usd: Decimal::whole(2_000),
            perform_gas: PerformGas::default(),
            scenarios: Scenarios::default(),
            time_balancer: TimeBalancer::default(),
            fleet: Fleet::default(),
            buffer: Buffer::default(),
            min_balance: MinBalance::default(),
            sensitivity: Sensitivity::default(),
            posting: Posting::default(),
            sponsored: Sponsored::default(),
            rails: Rails::default(),
            savings: Savings::default(),
            gain: Gain::default(),
            chart: Chart::default(),
        }
    }
}

impl Default for PerformGas {
    fn default() -> Self {
        Self {
            stable: 140_000,
            global: 300_000,
        }
    }
}

impl Default for Scenarios {
    fn default() -> Self {
        Self {
            low: Counts {
                stable: 8,
                global: 2,
            },
            base: Counts {
                stable: 30,
                global: 8,
            },
            high: Counts {
                stable: 60,
                global: 15,
            },
        }
    }
}

impl Default for TimeBalancer {
    fn default() -> Self {
        Self {
            interval_days: Decimal::whole(7),
        }
    }
}

impl Default for Fleet {
    fn default() -> Self {
        Self {
            size: 100,
            mixed_drift_base: 50,
            mixed_time_low: 50,
        }
    }
}

impl Default for Buffer {
    fn default() -> Self {
        Self {
            fund_months: 2,
            refill_months: 1,
        }
    }
}

impl Default for MinBalance {
    fn default() -> Self {
        Self {
            gas_limit: 500_000,
            fast_gas_gwei: Decimal::new(50, 2),
            multiplier: Decimal::new(13, 1),
            coverage_low: 10,
            coverage_high: 20,
        }
    }
}

impl Default for Sensitivity {
    fn default() -> Self {
        Self {
            gas_factor: Decimal::whole(2),
            premium_percent: Decimal::whole(30),
        }
    }
}

impl Default for Posting {
    fn default() -> Self {
        Self {
            stable_gas: 120_000,
            stable_count: 30,
            global_gas: 200_000,
            global_count: 8,
        }
    }
}

impl Default for Sponsored {
    fn default() -> Self {
        Self {
            fund_gas: 70_000,
            fund_count: 40,
            withdraw_gas: 80_000,
            withdraw_count: 20,
        }
    }
}

impl Default for Savings {
    fn default() -> Self {
        Self {
            stable_count_after: 20,
            gas_price_gwei_after: Decimal::new(25, 2),
            perform_gas_cut_percent: Decimal::whole(5),
        }
    }
}

impl Default for Gain {
    fn default() -> Self {
        Self {
            portfolio_usd: Decimal::whole(500_000),
            recovered_bps: Decimal::whole(5),
        }
    }
}

impl Default for Chart {
    fn default() -> Self {
        Self {
            max_gas_gwei: Decimal::whole(1),
        }
    }
}
