//! The sections of `keeper.toml`, field by field, with their defaults.

use std::path::PathBuf;

use alloy::primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use super::{Mode, TargetKind, values};

/// `[chain]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainSection {
    /// The node's JSON-RPC endpoint (http or https); required unless `ONEBALANCER_RPC_URL` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_url: Option<String>,
    /// The chain the keeper expects (check-config compares it with the node's).
    pub chain_id: u64,
    /// How often the keeper asks for a new head, ms (100..=60000).
    #[serde(default = "defaults::poll_ms")]
    pub poll_ms: u64,
    /// Gas one `eth_call` may use — the node's RPC gas cap (1e6..=1e9).
    #[serde(default = "defaults::call_gas_cap")]
    pub call_gas_cap: u64,
    /// Timeout of one RPC request, ms (100..=120000).
    #[serde(default = "defaults::request_timeout_ms")]
    pub request_timeout_ms: u64,
}

impl ChainSection {
    /// `[chain]` for `chain_id`, without an RPC URL, every other field at its default.
    pub fn new(chain_id: u64) -> Self {
        Self {
            rpc_url: None,
            chain_id,
            poll_ms: defaults::poll_ms(),
            call_gas_cap: defaults::call_gas_cap(),
            request_timeout_ms: defaults::request_timeout_ms(),
        }
    }
}

/// `[keeper]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeeperSection {
    /// Encrypted keystore (password in `ONEBALANCER_KEYSTORE_PASSWORD`); without it the key comes
    /// from `ONEBALANCER_PRIVATE_KEY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keystore: Option<PathBuf>,
    /// The keeper's state folder.
    pub data_dir: PathBuf,
    /// A SQLite path, or a `sqlite:`/`postgres:` URL, instead of `<data_dir>/keeper.sqlite`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// `check-config` refuses, and the running keeper warns, below this balance (wei).
    #[serde(with = "values::wei")]
    pub min_balance_wei: U256,
}

impl Default for KeeperSection {
    fn default() -> Self {
        Self {
            keystore: None,
            data_dir: PathBuf::from(defaults::DATA_DIR),
            store: None,
            min_balance_wei: U256::from(defaults::MIN_BALANCE_WEI),
        }
    }
}

/// `[contracts]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContractsSection {
    /// A deployment manifest: `multicall3` and `registry` are read from its
    /// `contracts.<key>.address` when not given here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<PathBuf>,
    /// Multicall3 (default: the manifest's, else the canonical address).
    #[serde(with = "values::opt_address", skip_serializing_if = "Option::is_none")]
    pub multicall3: Option<Address>,
    /// The Chainlink Automation registry 2.3 (needed to watch upkeep ids).
    #[serde(with = "values::opt_address", skip_serializing_if = "Option::is_none")]
    pub registry: Option<Address>,
    /// A CRE `KeystoneForwarder`: performs through it count as source "cre".
    #[serde(with = "values::opt_address", skip_serializing_if = "Option::is_none")]
    pub keystone_forwarder: Option<Address>,
}

impl ContractsSection {
    /// Nothing set: every contract comes from its default.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `[scan]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScanSection {
    /// Check the targets every this many blocks (1..=1000).
    pub every_blocks: u64,
    /// Let the drift forecast skip simulations that would find nothing.
    pub forecast: bool,
    /// Simulate every target at least this often even when the forecast says no, s (1..=86400).
    pub max_skip_secs: u64,
    /// Record each balancer's drift and bands this often, s (1..=86400): the report's charts
    /// and the adaptive-bands job's history.
    pub sample_secs: u64,
}

impl Default for ScanSection {
    fn default() -> Self {
        Self {
            every_blocks: 1,
            forecast: true,
            max_skip_secs: 300,
            sample_secs: 300,
        }
    }
}

/// `[perform]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerformSection {
    /// The mode of every target that does not set its own.
    pub mode: Mode,
    /// Fallback: act once `upkeepNeeded` held this many blocks with no perform seen (0..=1000).
    pub grace_blocks: u64,
    /// Gas limit = `eth_estimateGas` × (1 + margin %) (0..=300).
    pub gas_margin_percent: u32,
    /// A calendar rebalance while every drift is inside its band waits for a base fee at or
    /// below this percentile of the recent blocks' (1..=100; 0 sends it at once).
    pub offpeak_percentile: u8,
    /// The blocks whose base fees make that window (1..=100000).
    pub offpeak_window_blocks: u64,
    /// It never waits longer than this, s (1..=604800).
    pub offpeak_max_wait_secs: u64,
}

impl Default for PerformSection {
    fn default() -> Self {
        Self {
            mode: Mode::Fallback,
            grace_blocks: 3,
            gas_margin_percent: 25,
            offpeak_percentile: 25,
            offpeak_window_blocks: 1024,
            offpeak_max_wait_secs: 21_600,
        }
    }
}

/// `[tx]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TxSection {
    /// Replace a pending transaction after this many blocks (1..=100).
    pub bump_after_blocks: u64,
    /// Raise tip and fee cap by this much per replacement, % (at least 10: geth refuses less).
    pub bump_percent: u32,
    /// The least absolute raise of tip and fee cap, wei.
    #[serde(with = "values::wei")]
    pub bump_min_wei: U256,
    /// Never bid above this fee cap, wei.
    #[serde(with = "values::wei")]
    pub max_fee_per_gas_wei: U256,
    /// Blocks of `eth_feeHistory` the tip is taken from (1..=1024).
    pub fee_history_blocks: u64,
    /// Reward percentile of those blocks used as the tip (1..=99).
    pub tip_percentile: u32,
    /// Bumps before the work is replaced by a 0-value self-transfer (1..=100).
    pub max_attempts: u32,
}

impl Default for TxSection {
    fn default() -> Self {
        Self {
            bump_after_blocks: 3,
            bump_percent: 20,
            bump_min_wei: U256::from(100u64),
            max_fee_per_gas_wei: U256::from(defaults::MAX_FEE_PER_GAS_WEI),
            fee_history_blocks: 10,
            tip_percentile: 20,
            max_attempts: 10,
        }
    }
}

/// `[metrics]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSection {
    /// Socket address of `/metrics` and `/healthz`, or `"off"`.
    pub listen: String,
    /// `/healthz` fails when the head has not advanced for this long, s (1..=3600).
    pub head_stale_secs: u64,
    /// `/healthz` fails when the last scan is older than this, s (1..=3600).
    pub scan_stale_secs: u64,
}

impl Default for MetricsSection {
    fn default() -> Self {
        Self {
            listen: defaults::LISTEN.to_string(),
            head_stale_secs: 30,
            scan_stale_secs: 60,
        }
    }
}

/// One `[[targets]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// The contract.
    #[serde(with = "values::address")]
    pub address: Address,
    /// What it is (check-config verifies its code is of this kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TargetKind>,
    /// A label (default: the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Overrides `[perform] mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Overrides `[perform] grace_blocks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_blocks: Option<u64>,
    /// Its Automation upkeep id (hex or decimal).
    #[serde(
        default,
        with = "values::opt_upkeep_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub upkeep_id: Option<U256>,
}

/// One `[[target_sets]]` entry: every target listed in a deployment manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSetEntry {
    /// The manifest (JSON written by `onebalancer devnet`).
    pub manifest: PathBuf,
    /// Overrides `[perform] mode` for all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Overrides `[perform] grace_blocks` for all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_blocks: Option<u64>,
}

/// Default values, shared by the serde attributes, the `Default` impls and the messages.
pub(super) mod defaults {
    pub(super) const DATA_DIR: &str = ".keeper";
    pub(super) const MIN_BALANCE_WEI: u64 = 50_000_000_000_000_000; // 0.05 ETH
    pub(super) const MAX_FEE_PER_GAS_WEI: u64 = 500_000_000_000; // 500 gwei
    pub(super) const LISTEN: &str = "127.0.0.1:9464";

    pub(super) fn poll_ms() -> u64 {
        1_000
    }
    pub(super) fn call_gas_cap() -> u64 {
        30_000_000
    }
    pub(super) fn request_timeout_ms() -> u64 {
        10_000
    }
}
