//! The devnet's keeper: anvil account 10, allow-listed as fallback keeper on every demo target,
//! configured by a `keeper.toml` written beside the manifest and run through the same
//! [`Keeper`](crate::keeper::service::Keeper) as `onebalancer keeper run`.
//!
//! Its key is written as an encrypted keystore (`keeper-key.json`, password
//! [`KEYSTORE_PASSWORD`]: a public anvil development key, nothing to protect), so stopping the
//! devnet's keeper and running `ONEBALANCER_KEYSTORE_PASSWORD=devnet onebalancer keeper run
//! --config .devnet/keeper.toml` serves the same chain with the same key and store.

use std::path::{Path, PathBuf};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use tokio::{
    sync::{oneshot, watch},
    task::JoinHandle,
};

use crate::{
    chain::{
        Connection,
        ours::{Balancer, UpkeepManager},
    },
    devnet::{
        demo::{DemoError, send},
        record::DemoRecord,
    },
    keeper::{
        config::{
            FundingSection, HubSection, KeeperConfig, KeeperConfigError, Mode, TargetSetEntry,
        },
        engine::Status,
        service::{Keeper, KeeperError},
    },
    store::StoreSummary,
};

/// The anvil account the devnet's keeper signs with.
pub const KEEPER_ACCOUNT: usize = 10;
/// The anvil account the devnet's hub keeper signs with (the hub).
pub const HUB_ACCOUNT: usize = 12;
/// The anvil account the devnet's keeper funds its upkeeps from (its own nonces).
pub const FUNDING_ACCOUNT: usize = 13;
/// The funding key's keystore, beside the manifest (password [`KEYSTORE_PASSWORD`]).
pub const FUNDING_KEYSTORE_FILE: &str = "funding-key.json";
/// The keystore's password (a devnet throwaway: the key is a public anvil key).
pub const KEYSTORE_PASSWORD: &str = "devnet";
/// The config file's name, beside the manifest.
pub const CONFIG_FILE: &str = "keeper.toml";
/// How often the devnet keeper samples each balancer's drift (`[scan] sample_secs`), s.
pub const DEVNET_SAMPLE_SECS: u64 = 5;
/// The keystore's file name, beside the manifest.
pub const KEYSTORE_FILE: &str = "keeper-key.json";

/// Where one devnet keeper keeps its files, beside the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Files {
    /// Its config file.
    pub config: &'static str,
    /// Its keystore.
    pub keystore: &'static str,
    /// Its data folder (the store).
    pub data_dir: &'static str,
    /// Its `/metrics` address.
    pub metrics: &'static str,
}

/// The keeper of the demo balancers and fleet.
pub const KEEPER_FILES: Files = Files {
    config: CONFIG_FILE,
    keystore: KEYSTORE_FILE,
    data_dir: "keeper",
    metrics: "127.0.0.1:9464",
};

/// The hub's keeper: a second keeper, of the hub's own key, that serves the hub alone.
pub const HUB_FILES: Files = Files {
    config: "hub.toml",
    keystore: "hub-key.json",
    data_dir: "hub",
    metrics: "127.0.0.1:9465",
};

/// Preparing the devnet's keeper failed.
#[derive(Debug, thiserror::Error)]
pub enum DevnetKeeperError {
    /// Allow-listing it.
    #[error(transparent)]
    Chain(#[from] DemoError),
    /// Its configuration.
    #[error(transparent)]
    Config(#[from] Box<KeeperConfigError>),
    /// Starting it.
    #[error(transparent)]
    Keeper(#[from] Box<KeeperError>),
    /// Writing a file.
    #[error("cannot write {path}: {reason} — check the folder is writable")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// How the devnet's keeper serves the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Fallback (behind the simulated DON) or primary.
    pub mode: Mode,
    /// Fallback grace, blocks.
    pub grace_blocks: u64,
    /// Head poll interval, ms.
    pub poll_ms: u64,
}

/// What a devnet keeper serves.
#[derive(Debug, Clone, Copy)]
pub enum Serves<'a> {
    /// Every target of the demo record (its file name in the manifest's folder), its upkeeps
    /// funded from the key given (`[funding]` with its keystore), if any.
    Demo(&'a str, Option<&'a PrivateKeySigner>),
    /// The hub.
    Hub(&'a HubSection),
}

/// Allow-lists `keeper` on every demo target (each balancer with its own upkeep, and the
/// fleet's manager), from the deployer that owns them.
pub async fn allow(conn: &Connection, demo: &DemoRecord, keeper: Address) -> Result<(), DemoError> {
    for b in demo.balancers.iter().filter(|b| b.upkeep.is_some()) {
        let what = format!("{}.setFallbackKeeper({keeper})", b.key);
        let call = Balancer::setFallbackKeeperCall {
            keeper,
            allowed: true,
        };
        send(conn, &what, b.address, &call).await?;
    }
    if let Some(f) = &demo.fleet {
        let call = UpkeepManager::setFallbackKeeperCall {
            keeper,
            allowed: true,
        };
        send(conn, "fleet manager.setFallbackKeeper", f.manager, &call).await?;
    }
    Ok(())
}

/// Writes the config and keystore of `files` into `dir` (the manifest's folder) for a keeper that
/// serves `serves`, and returns the configuration as the keeper will read it back. `manifest` is
/// a file name in `dir`.
pub fn write_config(
    dir: &Path,
    (chain_id, url): (u64, &str),
    (files, manifest): (&Files, &str),
    serves: Serves<'_>,
    key: &PrivateKeySigner,
    options: Options,
) -> Result<(KeeperConfig, PathBuf), DevnetKeeperError> {
    std::fs::create_dir_all(dir).map_err(|e| DevnetKeeperError::Write {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    write_keystore(dir, files.keystore, key)?;
    let mut config = KeeperConfig::new(chain_id, dir);
    config.chain.rpc_url = Some(url.to_string());
    config.chain.poll_ms = options.poll_ms;
    config.keeper.keystore = Some(PathBuf::from(files.keystore));
    config.keeper.data_dir = PathBuf::from(files.data_dir);
    config.metrics.listen = files.metrics.to_string();
    config.contracts.manifest = Some(PathBuf::from(manifest));
    config.perform.mode = options.mode;
    config.perform.grace_blocks = options.grace_blocks;
    // A devnet run lasts minutes: sample the drift often enough to chart it.
    config.scan.sample_secs = DEVNET_SAMPLE_SECS;
    match serves {
        Serves::Demo(demo, funder) => {
            config.target_sets = vec![TargetSetEntry {
                manifest: PathBuf::from(demo),
                mode: None,
                grace_blocks: None,
            }];
            if let Some(funder) = funder {
                write_keystore(dir, FUNDING_KEYSTORE_FILE, funder)?;
                config.funding = Some(FundingSection {
                    keystore: Some(PathBuf::from(FUNDING_KEYSTORE_FILE)),
                    ..FundingSection::default()
                });
            }
        }
        Serves::Hub(hub) => config.hub = Some(hub.clone()),
    }
    let funding_password = if config.funding.is_some() {
        format!("ONEBALANCER_FUNDING_KEYSTORE_PASSWORD={KEYSTORE_PASSWORD} ")
    } else {
        String::new()
    };
    let text = format!(
        "# Written by `onebalancer devnet` for its chain at {url}. Serve it yourself with\n\
         #   ONEBALANCER_KEYSTORE_PASSWORD={KEYSTORE_PASSWORD} {funding_password}onebalancer keeper run --config {}\n\
         # (`onebalancer keeper example` documents every field.)\n\n{}",
        dir.join(files.config).display(),
        config.to_toml_string().map_err(Box::new)?
    );
    let path = dir.join(files.config);
    // Atomically: whoever waits for the file reads it whole.
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| DevnetKeeperError::Write {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    // Read back exactly as `keeper run` reads it (environment overrides included).
    let config = KeeperConfig::load(&path).map_err(Box::new)?;
    config.validate().map_err(Box::new)?;
    Ok((config, path))
}

/// The devnet's keeper, running in its own task.
pub struct Running {
    /// Its address.
    pub address: Address,
    /// Its config file.
    pub config: PathBuf,
    /// Its store.
    pub store: String,
    /// Its `/metrics` URL, if it listens.
    pub metrics: Option<String>,
    /// Its live status.
    pub status: watch::Receiver<Status>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<StoreSummary, KeeperError>>,
}

impl Running {
    /// Stops it (the action in hand finishes) and returns its store's summary.
    pub async fn stop(self) -> Result<StoreSummary, KeeperError> {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(KeeperError::Scheduler(format!(
                "the keeper task failed: {e}"
            ))),
        }
    }
}

/// Writes a devnet keeper's config and keystore into `dir` (see [`write_config`]), reads them
/// back as `keeper run` does, and starts the keeper.
pub async fn start(
    dir: &Path,
    chain: (u64, &str),
    files: (&Files, &str),
    serves: Serves<'_>,
    key: PrivateKeySigner,
    options: Options,
) -> Result<Running, DevnetKeeperError> {
    let (config, path) = write_config(dir, chain, files, serves, &key, options)?;
    // The key as `keeper run` loads it: decrypted from the keystore just written.
    let keystore = dir.join(files.0.keystore);
    let key = PrivateKeySigner::decrypt_keystore(&keystore, KEYSTORE_PASSWORD).map_err(|e| {
        DevnetKeeperError::Write {
            path: keystore.clone(),
            reason: e.to_string(),
        }
    })?;
    let funder = match config.funding.as_ref().and_then(|f| f.keystore.as_ref()) {
        Some(file) => {
            let path = dir.join(file);
            Some(
                PrivateKeySigner::decrypt_keystore(&path, KEYSTORE_PASSWORD).map_err(|e| {
                    DevnetKeeperError::Write {
                        path: path.clone(),
                        reason: e.to_string(),
                    }
                })?,
            )
        }
        None => None,
    };
    let keeper = Keeper::start_with(&config, key, funder)
        .await
        .map_err(Box::new)?;
    let (stop, stopped) = oneshot::channel();
    let running = Running {
        address: keeper.address(),
        config: path,
        store: keeper.store().location().to_string(),
        metrics: keeper.metrics_addr().map(|a| format!("http://{a}/metrics")),
        status: keeper.status(),
        stop,
        task: tokio::spawn(keeper.run(async {
            let _ = stopped.await;
        })),
    };
    Ok(running)
}

/// Writes `key` as the keystore `file` in `dir` (password [`KEYSTORE_PASSWORD`]), replacing one
/// there.
fn write_keystore(dir: &Path, file: &str, key: &PrivateKeySigner) -> Result<(), DevnetKeeperError> {
    let keystore = dir.join(file);
    let write = |e: String| DevnetKeeperError::Write {
        path: keystore.clone(),
        reason: e,
    };
    if keystore.exists() {
        std::fs::remove_file(&keystore).map_err(|e| write(e.to_string()))?;
    }
    PrivateKeySigner::encrypt_keystore(
        dir,
        &mut rand08::rngs::OsRng,
        key.to_bytes(),
        KEYSTORE_PASSWORD,
        Some(file),
    )
    .map_err(|e| write(e.to_string()))?;
    Ok(())
}
