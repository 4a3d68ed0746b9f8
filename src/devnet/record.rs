//! What `onebalancer devnet` created on its chain besides the stack: the demo tokens and feeds,
//! the demo balancers with their upkeeps, and the manager-served fleet.
//!
//! It is written to `demo.json` beside the deployment manifest (`.devnet/demo.json` by default),
//! never into the manifest: the manifest is the deployer's idempotent record of the stack, and
//! the demo is made afresh on every devnet chain. The keeper reads this file as a targets
//! manifest (`[[target_sets]] manifest = ".devnet/demo.json"`): every balancer with its own
//! upkeep is a target, and each fleet is one target, its manager.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, TxHash, U256};
use serde::{Deserialize, Serialize};

/// The demo record's file name, beside the deployment manifest.
pub const FILE_NAME: &str = "demo.json";

/// Where the demo record of the devnet whose manifest is `manifest_path` lives.
pub fn path_beside(manifest_path: &Path) -> PathBuf {
    manifest_path.with_file_name(FILE_NAME)
}

/// Reading or writing the demo record failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file could not be written.
    #[error("cannot write the devnet demo record {path}: {reason} — check the folder is writable")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The file is missing or does not parse.
    #[error(
        "cannot read the devnet demo record {path}: {reason} — start `onebalancer devnet`, which writes it"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// What `onebalancer devnet` created for its demo: test tokens with their feeds, and balancers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoRecord {
    /// The chain the demo lives on.
    pub chain_id: u64,
    /// The demo assets, in the balancers' asset order.
    pub assets: Vec<DemoAssetRecord>,
    /// The balancers, Drift first.
    pub balancers: Vec<DemoBalancerRecord>,
    /// The manager-served fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<FleetRecord>,
}

/// A fleet of demo balancers served by one `UpkeepManager`, registered as one upkeep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetRecord {
    /// The manager.
    pub manager: Address,
    /// Its deployment transaction.
    pub tx: TxHash,
    /// The balancers it serves, in fleet order.
    pub balancers: Vec<DemoBalancerRecord>,
    /// The manager's upkeep.
    pub upkeep: UpkeepRecord,
}

/// One demo asset: a `TestERC20` and its `MockV3Aggregator` USD feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoAssetRecord {
    /// Token symbol, e.g. `USDC`.
    pub symbol: String,
    /// The token.
    pub token: Address,
    /// Its USD feed.
    pub feed: Address,
    /// Token decimals.
    pub decimals: u8,
}

/// One demo balancer (a clone created by the factory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoBalancerRecord {
    /// Key, e.g. `drift_balancer`.
    pub key: String,
    /// `DriftBalancer` or `TimeBalancer`.
    pub kind: String,
    /// The clone.
    pub address: Address,
    /// USD (whole dollars) deposited at the targets.
    pub funded_usd: u64,
    /// The `create` transaction.
    pub tx: TxHash,
    /// Its own Chainlink Automation upkeep (none for a fleet member: its manager has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upkeep: Option<UpkeepRecord>,
}

/// A conditional upkeep registered through the registrar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpkeepRecord {
    /// The upkeep id (hex).
    pub id: U256,
    /// Its billing token.
    pub billing_token: Address,
    /// The billing token's symbol: `LINK` or `WETH` (wrapped native).
    pub billing_symbol: String,
    /// The registry's forwarder for it (the balancer's `forwarder()`).
    pub forwarder: Address,
    /// Perform gas limit.
    pub gas_limit: u32,
    /// Funded in the billing token's units: registration plus top-up.
    pub funded: U256,
    /// The registration transaction.
    pub tx: TxHash,
}

impl DemoRecord {
    /// Writes the record atomically (a temporary file renamed over the old one).
    pub fn save(&self, path: &Path) -> Result<(), RecordError> {
        let write = |reason: String| RecordError::Write {
            path: path.to_path_buf(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| write(e.to_string()))?;
        }
        let mut text = serde_json::to_string_pretty(self).map_err(|e| write(e.to_string()))?;
        text.push('\n');
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| write(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| write(e.to_string()))
    }

    /// Reads a record written by [`DemoRecord::save`].
    pub fn load(path: &Path) -> Result<Self, RecordError> {
        let read = |reason: String| RecordError::Read {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| read(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| read(e.to_string()))
    }

    /// Every balancer of the demo: the standalone ones, then the fleet's members.
    pub fn all_balancers(&self) -> impl Iterator<Item = &DemoBalancerRecord> {
        self.balancers
            .iter()
            .chain(self.fleet.iter().flat_map(|f| f.balancers.iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_beside_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_beside(&dir.path().join("devnet.json"));
        assert_eq!(path, dir.path().join("demo.json"));
        let member = DemoBalancerRecord {
            key: "fleet_0".into(),
            kind: "DriftBalancer".into(),
            address: Address::repeat_byte(8),
            funded_usd: 20_000,
            tx: TxHash::repeat_byte(9),
            upkeep: None,
        };
        let upkeep = UpkeepRecord {
            id: U256::from(77u8),
            billing_token: Address::repeat_byte(5),
            billing_symbol: "LINK".into(),
            forwarder: Address::repeat_byte(6),
            gas_limit: 500_000,
            funded: U256::from(10u8),
            tx: TxHash::repeat_byte(7),
        };
        let record = DemoRecord {
            chain_id: 31337,
            assets: vec![DemoAssetRecord {
                symbol: "USDC".into(),
                token: Address::repeat_byte(1),
                feed: Address::repeat_byte(2),
                decimals: 6,
            }],
            balancers: vec![DemoBalancerRecord {
                key: "drift_balancer".into(),
                kind: "DriftBalancer".into(),
                address: Address::repeat_byte(3),
                funded_usd: 100_000,
                tx: TxHash::repeat_byte(4),
                upkeep: Some(upkeep.clone()),
            }],
            fleet: Some(FleetRecord {
                manager: Address::repeat_byte(10),
                tx: TxHash::repeat_byte(11),
                balancers: vec![member],
                upkeep,
            }),
        };
        record.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"chainId\": 31337"), "{text}");
        assert!(text.contains("\"fundedUsd\": 100000"), "{text}");
        assert!(text.contains("\"billingSymbol\": \"LINK\""), "{text}");
        // A fleet member has no upkeep of its own: the key is left out, not written as null.
        assert_eq!(text.matches("\"upkeep\"").count(), 2, "{text}");
        let back = DemoRecord::load(&path).unwrap();
        assert_eq!(back, record);
        let keys: Vec<&str> = back.all_balancers().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["drift_balancer", "fleet_0"]);
    }

    #[test]
    fn a_missing_or_broken_record_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.json");
        let msg = DemoRecord::load(&path).unwrap_err().to_string();
        assert!(msg.contains("start `onebalancer devnet`"), "{msg}");
        std::fs::write(&path, "{").unwrap();
        let msg = DemoRecord::load(&path).unwrap_err().to_string();
        assert!(msg.contains("demo.json"), "{msg}");
    }
}
