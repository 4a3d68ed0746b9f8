//! The keeper's configuration: a TOML file (`keeper.toml`, see [`KeeperConfig::example`]) with
//! environment overrides, typed and checked before the keeper touches a chain.
//!
//! ```toml
//! [chain]
//! rpc_url = "http://127.0.0.1:8545"   # or ONEBALANCER_RPC_URL (the variable wins)
//! chain_id = 31337
//!
//! [[targets]]
//! address = "0x…"
//! kind = "balancer"
//!
//! [[target_sets]]                     # every target a deployment manifest lists
//! manifest = ".devnet/demo.json"
//! ```
//!
//! Reading goes: TOML → refuse secret-named keys → apply `ONEBALANCER_RPC_URL` and
//! `ONEBALANCER_KEEPER__<SECTION>__<FIELD>` overrides → deserialise (unknown fields are errors,
//! reported with their line) → [`KeeperConfig::validate`] (ranges, targets, manifests). Relative
//! paths resolve against the config file's folder. Keys never come from this file: the signer
//! reads [`PRIVATE_KEY_ENV`](crate::chain::signer::PRIVATE_KEY_ENV), or `[keeper] keystore` with
//! the password in [`KEYSTORE_PASSWORD_ENV`](crate::chain::signer::KEYSTORE_PASSWORD_ENV).

mod bands;
mod error;
mod funding;
mod hub;
mod overrides;
mod relay;
mod sections;
mod source;
mod targets;
mod validate;
mod values;

#[cfg(test)]
mod tests;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

pub use bands::{BandSettings, BandsSection};
pub use error::KeeperConfigError;
pub use funding::{FundingSection, FundingSettings};
pub use hub::{HubSection, HubSettings, HubToken, HubTokenEntry, MAX_PUSHES};
pub use relay::{
    MissingToken, ONEINCH_API_KEY_ENV, RelaySection, RelaySettings, Sink, SinkEntry, SinkKind,
    display_url,
};
pub use sections::{
    ChainSection, ContractsSection, KeeperSection, MetricsSection, PerformSection, ScanSection,
    TargetEntry, TargetSetEntry, TxSection,
};
pub use targets::{ResolvedContracts, TargetKind, TargetSpec};

/// Environment variable that sets `[chain] rpc_url` (it wins over the file).
pub const RPC_URL_ENV: &str = "ONEBALANCER_RPC_URL";
/// Prefix of the variables that set any field: `ONEBALANCER_KEEPER__<SECTION>__<FIELD>`.
pub const OVERRIDE_PREFIX: &str = "ONEBALANCER_KEEPER__";
/// The SQLite file the keeper keeps in its data folder unless `[keeper] store` says otherwise.
pub const STORE_FILE: &str = "keeper.sqlite";

/// How the keeper treats a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Perform only when `upkeepNeeded` has held for `grace_blocks` with no perform seen (the
    /// Automation network is expected to act first).
    #[default]
    Fallback,
    /// Perform as soon as `upkeepNeeded` is true.
    Primary,
}

/// The whole keeper configuration, as read (defaults filled in, overrides applied).
///
/// Fields hold what the file says; the accessors ([`Self::targets`], [`Self::store_location`],
/// [`Self::multicall3`], …) give resolved values: paths against the config's folder, manifests
/// read, defaults applied. Equality also compares the file's name and folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeeperConfig {
    /// `[chain]`: the node and how the keeper talks to it.
    pub chain: ChainSection,
    /// `[keeper]`: the keeper's own account and state.
    #[serde(default)]
    pub keeper: KeeperSection,
    /// `[contracts]`: the contracts the keeper reads besides its targets.
    #[serde(default, skip_serializing_if = "ContractsSection::is_empty")]
    pub contracts: ContractsSection,
    /// `[scan]`: how often targets are checked.
    #[serde(default)]
    pub scan: ScanSection,
    /// `[perform]`: when the keeper performs.
    #[serde(default)]
    pub perform: PerformSection,
    /// `[tx]`: fees and replacements.
    #[serde(default)]
    pub tx: TxSection,
    /// `[metrics]`: the `/metrics` and `/healthz` endpoint.
    #[serde(default)]
    pub metrics: MetricsSection,
    /// `[[targets]]`: targets listed one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetEntry>,
    /// `[[target_sets]]`: every target of a deployment manifest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_sets: Vec<TargetSetEntry>,
    /// `[hub]`: the hub this keeper runs (its depository, planner and tokens), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<HubSection>,
    /// `[funding]`: the keeper keeps the upkeeps it serves funded, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<FundingSection>,
    /// `[bands]`: the keeper adapts the bands of the balancers it controls, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bands: Option<BandsSection>,
    /// `[relay]`: where the targets' published orders are sent (1inch, webhooks), if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<RelaySection>,
    /// The file, as named in messages.
    #[serde(skip)]
    file: String,
    /// The folder relative paths resolve against.
    #[serde(skip)]
    base_dir: PathBuf,
}

/// Where the keeper keeps its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite file (from a plain path, a `sqlite:` URL or the default), resolved.
    Sqlite(PathBuf),
    /// A PostgreSQL URL, as given.
    Postgres(String),
}

impl KeeperConfig {
    /// A configuration with every default, for chain `chain_id`, no RPC URL and no targets;
    /// relative paths will resolve against `base_dir`.
    pub fn new(chain_id: u64, base_dir: impl Into<PathBuf>) -> Self {
        Self {
            chain: ChainSection::new(chain_id),
            keeper: KeeperSection::default(),
            contracts: ContractsSection::default(),
            scan: ScanSection::default(),
            perform: PerformSection::default(),
            tx: TxSection::default(),
            metrics: MetricsSection::default(),
            targets: Vec::new(),
            target_sets: Vec::new(),
            hub: None,
            funding: None,
            bands: None,
            relay: None,
            file: source::INLINE.to_string(),
            base_dir: base_dir.into(),
        }
    }

    /// Reads `path` with the process environment's overrides (see [`Self::load_with_env`]).
    /// Call [`Self::validate`] before use.
    pub fn load(path: &Path) -> Result<Self, KeeperConfigError> {
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| {
                let k = k.into_string().ok()?;
                // A non-UTF-8 value of one of ours still arrives (and fails to parse, by name).
                let v = v
                    .into_string()
                    .unwrap_or_else(|v| v.to_string_lossy().into_owned());
                Some((k, v))
            })
            .collect();
        Self::load_with_env(path, &env)
    }

    /// Reads `path`, applying the overrides found in `env`: `ONEBALANCER_RPC_URL` sets
    /// `chain.rpc_url`; `ONEBALANCER_KEEPER__<SECTION>__<FIELD>` (case-insensitive) sets
    /// `[section] field`. Relative paths resolve against the file's folder. Does not validate.
    pub fn load_with_env(path: &Path, env: &[(String, String)]) -> Result<Self, KeeperConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KeeperConfigError::Unreadable {
            file: file.clone(),
            reason: e.to_string(),
        })?;
        let base_dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        source::parse(&text, &file, &base_dir, env)
    }

    /// Parses TOML text as if read from a file in `base_dir`, with the overrides in `env`.
    /// Does not validate.
    pub fn from_toml_str(
        text: &str,
        base_dir: &Path,
        env: &[(String, String)],
    ) -> Result<Self, KeeperConfigError> {
        source::parse(text, source::INLINE, base_dir, env)
    }

    /// A complete, commented `keeper.toml`: every field with its default and meaning. It
    /// parses; it needs a `[[targets]]` or `[[target_sets]]` entry to validate.
    pub fn example() -> &'static str {
        include_str!("example.toml")
    }

    /// The configuration as TOML ([`Self::from_toml_str`] reads it back to an equal value).
    /// Values set by environment overrides are written too, `rpc_url` included.
    pub fn to_toml_string(&self) -> Result<String, KeeperConfigError> {
        toml::to_string(self).map_err(|e| KeeperConfigError::Serialize {
            file: self.file.clone(),
            reason: e.to_string(),
        })
    }

    /// The file, as messages name it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The folder relative paths resolve against (the config file's).
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// `path` resolved against [`Self::base_dir`] (absolute paths unchanged).
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// The RPC endpoint (after `ONEBALANCER_RPC_URL`).
    pub fn rpc_url(&self) -> Result<&str, KeeperConfigError> {
        self.chain
            .rpc_url
            .as_deref()
            .ok_or_else(|| KeeperConfigError::Missing {
                file: self.file.clone(),
                field: "chain.rpc_url",
                fix: format!("set it under [chain], or set {RPC_URL_ENV}"),
            })
    }

    /// `[keeper] data_dir`, resolved.
    pub fn data_dir(&self) -> PathBuf {
        self.resolve(&self.keeper.data_dir)
    }

    /// `[keeper] keystore`, resolved.
    pub fn keystore_path(&self) -> Option<PathBuf> {
        self.keeper.keystore.as_deref().map(|p| self.resolve(p))
    }

    /// `[keeper] store` (a SQLite path or URL resolved, a Postgres URL as given), else
    /// `<data_dir>/keeper.sqlite`.
    pub fn store_location(&self) -> Result<StoreLocation, KeeperConfigError> {
        match &self.keeper.store {
            None => Ok(StoreLocation::Sqlite(self.data_dir().join(STORE_FILE))),
            Some(s) => match validate::classify_store(s) {
                Ok(validate::Store::Postgres) => Ok(StoreLocation::Postgres(s.clone())),
                Ok(validate::Store::Sqlite(p)) => Ok(StoreLocation::Sqlite(self.resolve(&p))),
                Err((problem, fix)) => Err(KeeperConfigError::Invalid {
                    file: self.file.clone(),
                    field: "keeper.store".into(),
                    value: format!("{:?}", validate::redact_userinfo(s)),
                    problem,
                    fix,
                }),
            },
        }
    }

    /// Multicall3: `[contracts] multicall3`, else the manifest's, else the canonical address.
    pub fn multicall3(&self) -> Result<Address, KeeperConfigError> {
        Ok(self.contracts()?.multicall3)
    }

    /// The Automation registry: `[contracts] registry`, else the manifest's, else none.
    pub fn registry(&self) -> Result<Option<Address>, KeeperConfigError> {
        Ok(self.contracts()?.registry)
    }

    /// `[contracts] keystone_forwarder`.
    pub fn keystone_forwarder(&self) -> Option<Address> {
        self.contracts.keystone_forwarder
    }

    /// `[metrics] listen` as a socket address, or `None` when it is `"off"`.
    pub fn metrics_listen(&self) -> Result<Option<SocketAddr>, KeeperConfigError> {
        validate::parse_listen(&self.metrics.listen).map_err(|(problem, fix)| {
            KeeperConfigError::Invalid {
                file: self.file.clone(),
                field: "metrics.listen".into(),
                value: format!("{:?}", self.metrics.listen),
                problem,
                fix,
            }
        })
    }

    /// `[chain] poll_ms`.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.chain.poll_ms)
    }

    /// `[chain] request_timeout_ms`.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.chain.request_timeout_ms)
    }

    /// `[perform] offpeak_*`: how a deferrable calendar rebalance is timed (`None`: at once).
    pub fn calendar_offpeak(&self) -> Option<crate::model::offpeak::OffPeak> {
        (self.perform.offpeak_percentile > 0).then_some(crate::model::offpeak::OffPeak {
            percentile: self.perform.offpeak_percentile,
            max_wait_secs: self.perform.offpeak_max_wait_secs,
        })
    }

    /// `[scan] max_skip_secs`.
    pub fn max_skip(&self) -> Duration {
        Duration::from_secs(self.scan.max_skip_secs)
    }

    /// `[metrics] head_stale_secs`.
    pub fn head_stale(&self) -> Duration {
        Duration::from_secs(self.metrics.head_stale_secs)
    }

    /// `[metrics] scan_stale_secs`.
    pub fn scan_stale(&self) -> Duration {
        Duration::from_secs(self.metrics.scan_stale_secs)
    }
}
