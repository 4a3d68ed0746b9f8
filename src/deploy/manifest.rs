//! The deployment manifest: what is deployed where on one chain (`deployments/<chainId>.json`).
//!
//! It records, per contract, the init-code hash (contract + constructor arguments) and the code
//! hash found on chain after deployment, so a re-run can tell "already there, unchanged" from
//! "missing or different" without trusting the file alone.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy::primitives::{Address, B256, TxHash, U256};
use serde::{Deserialize, Serialize};

/// Manifest format version.
pub const SCHEMA: u32 = 1;

/// How a contract came to be in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Deployed by this deployer.
    Deployed,
    /// Named in the config's `[existing]` table.
    Existing,
    /// Found at its canonical address (e.g. Multicall3).
    Canonical,
}

/// One contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractRecord {
    /// `File.sol:Contract`.
    pub artifact: String,
    /// Where it lives.
    pub address: Address,
    /// How it got there.
    pub origin: Origin,
    /// keccak256(creation code ‖ constructor args), for contracts deployed here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_code_hash: Option<B256>,
    /// keccak256 of the runtime code found on chain.
    pub code_hash: B256,
    /// Runtime code size in bytes.
    pub code_size: usize,
    /// The deployment transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx: Option<TxHash>,
    /// Its block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
}

/// One configuration call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRecord {
    /// The contract called.
    pub target: Address,
    /// keccak256(target ‖ calldata): the same hash means the same call.
    pub call_hash: B256,
    /// The transaction.
    pub tx: TxHash,
    /// Its block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
}

/// Everything deployed on one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Format version.
    pub schema: u32,
    /// The chain.
    pub chain_id: u64,
    /// The account that deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer: Option<Address>,
    /// Local endpoint, recorded by `onebalancer devnet` only (a remote URL may carry an API key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_url: Option<String>,
    /// Contracts by key.
    pub contracts: BTreeMap<String, ContractRecord>,
    /// Configuration calls by key.
    #[serde(default)]
    pub actions: BTreeMap<String, ActionRecord>,
    /// Automation upkeeps registered by the portfolio deployer, by the key of their target
    /// (`balancer.<name>`, `manager.<name>`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub upkeeps: BTreeMap<String, UpkeepRecord>,
}

/// One registered Automation upkeep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpkeepRecord {
    /// The registry.
    pub registry: Address,
    /// The upkeep id.
    pub id: U256,
    /// The target the registry calls.
    pub target: Address,
    /// The forwarder that performs it.
    pub forwarder: Address,
    /// Its billing token.
    pub billing_token: Address,
    /// Its perform gas limit.
    pub gas_limit: u32,
    /// The first funding, in the billing token's units.
    pub funding: U256,
    /// The registration transaction.
    pub tx: TxHash,
}

/// Manifest problems, each with its fix.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file exists but does not parse.
    #[error(
        "manifest {path} is unreadable: {reason} — repair it or move it aside to redeploy from scratch"
    )]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file belongs to another chain.
    #[error(
        "manifest {path} records chain id {manifest} but the RPC at {url} is chain {rpc} — point --rpc-url at chain {manifest}, or use --manifest deployments/{rpc}.json"
    )]
    WrongChain {
        /// The file.
        path: PathBuf,
        /// Chain id in the file.
        manifest: u64,
        /// Chain id the endpoint reports.
        rpc: u64,
        /// The endpoint.
        url: String,
    },
    /// A newer or unknown format.
    #[error(
        "manifest {path} has schema {found}, this build reads schema {SCHEMA} — use a matching onebalancer build"
    )]
    Schema {
        /// The file.
        path: PathBuf,
        /// Schema found.
        found: u32,
    },
    /// The file could not be written.
    #[error("cannot write manifest {path}: {reason} — check the folder exists and is writable")]
    Write {
        /// The file.
        path: PathBuf,
        /// OS message.
        reason: String,
    },
}

impl Manifest {
    /// An empty manifest for `chain_id`.
    pub fn new(chain_id: u64) -> Self {
        Self {
            schema: SCHEMA,
            chain_id,
            deployer: None,
            rpc_url: None,
            contracts: BTreeMap::new(),
            actions: BTreeMap::new(),
            upkeeps: BTreeMap::new(),
        }
    }

    /// Loads `path` (an empty manifest when it does not exist) and checks it is for `chain_id`.
    pub fn load_for_chain(path: &Path, chain_id: u64, url: &str) -> Result<Self, ManifestError> {
        if !path.exists() {
            return Ok(Self::new(chain_id));
        }
        let unreadable = |reason: String| ManifestError::Unreadable {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
        let manifest: Self = serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))?;
        if manifest.schema != SCHEMA {
            return Err(ManifestError::Schema {
                path: path.to_path_buf(),
                found: manifest.schema,
            });
        }
        if manifest.chain_id != chain_id {
            return Err(ManifestError::WrongChain {
                path: path.to_path_buf(),
                manifest: manifest.chain_id,
                rpc: chain_id,
                url: url.to_string(),
            });
        }
        Ok(manifest)
    }

    /// Writes the manifest atomically (a temporary file renamed over the old one).
    pub fn save(&self, path: &Path) -> Result<(), ManifestError> {
        let write_err = |reason: String| ManifestError::Write {
            path: path.to_path_buf(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| write_err(e.to_string()))?;
        }
        let mut text = serde_json::to_string_pretty(self).map_err(|e| write_err(e.to_string()))?;
        text.push('\n');
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| write_err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| write_err(e.to_string()))
    }

    /// Address of the contract recorded under `key`.
    pub fn address(&self, key: &str) -> Option<Address> {
        self.contracts.get(key).map(|c| c.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_another_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployments/1.json");
        let mut m = Manifest::new(1);
        m.contracts.insert(
            "weth".into(),
            ContractRecord {
                artifact: "WETH9.sol:WETH9".into(),
                address: Address::repeat_byte(7),
                origin: Origin::Existing,
                init_code_hash: None,
                code_hash: B256::repeat_byte(1),
                code_size: 10,
                tx: None,
                block: None,
            },
        );
        m.save(&path).unwrap();
        assert_eq!(Manifest::load_for_chain(&path, 1, "u").unwrap(), m);
        let msg = Manifest::load_for_chain(&path, 31337, "http://x")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("chain id 1") && msg.contains("chain 31337"),
            "{msg}"
        );
        assert!(msg.contains("--manifest deployments/31337.json"), "{msg}");
    }

    #[test]
    fn a_manifest_with_the_old_demo_section_still_loads() {
        // Manifests written before the devnet kept its demo in its own file carried a `demo`
        // section; it is ignored now, and saving drops it.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        std::fs::write(
            &path,
            r#"{"schema":1,"chainId":31337,"contracts":{},"demo":{"assets":[],"balancers":[]}}"#,
        )
        .unwrap();
        let m = Manifest::load_for_chain(&path, 31337, "u").unwrap();
        assert!(m.contracts.is_empty());
        m.save(&path).unwrap();
        assert!(!std::fs::read_to_string(&path).unwrap().contains("demo"));
    }

    #[test]
    fn missing_file_is_empty_and_garbage_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        assert!(
            Manifest::load_for_chain(&path, 5, "u")
                .unwrap()
                .contracts
                .is_empty()
        );
        std::fs::write(&path, "{not json").unwrap();
        let msg = Manifest::load_for_chain(&path, 5, "u")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("unreadable") && msg.contains("move it aside"),
            "{msg}"
        );
    }
}
