//! `onebalancer keeper check-config`: everything `keeper run` needs, checked without sending
//! anything and without creating the store.
//!
//! In order, stopping at the first problem: the file (fields, ranges, manifests); the node is
//! reachable and serves `chain_id`; the key loads; Multicall3 (and the registry, when one is
//! configured) has code; every target is a balancer or an upkeep manager of the configured kind;
//! the keeper's address is an allow-listed fallback keeper of every target; a target with an
//! upkeep id has a registry to watch it through; a `[hub]`'s depository and tokens have code;
//! a `[funding]` key loads; every `[relay]` sink's token is in the environment; the keeper
//! holds at least `min_balance_wei`.

use std::fmt::Write as _;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};

use crate::{
    chain::{provider, signer},
    keeper::{
        config::{KeeperConfig, Mode},
        service::{KeeperError, Node},
        targets::Body,
    },
};

/// What `check-config` found wrong beyond the config file and the node.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The key.
    #[error(transparent)]
    Signer(#[from] signer::SignerError),
    /// No key source.
    #[error(
        "no signing key for the keeper: set {} to its hex private key, or set [keeper] keystore in {file} with the password in {}",
        signer::PRIVATE_KEY_ENV,
        signer::KEYSTORE_PASSWORD_ENV
    )]
    NoKey {
        /// The config file.
        file: String,
    },
    /// Both key sources.
    #[error(
        "both {} and [keeper] keystore (in {file}) are set — use one: unset {} or remove keystore",
        signer::PRIVATE_KEY_ENV,
        signer::PRIVATE_KEY_ENV
    )]
    TwoKeys {
        /// The config file.
        file: String,
    },
    /// The rest of what `keeper run` checks.
    #[error(transparent)]
    Keeper(Box<KeeperError>),
    /// A contract the keeper calls has no code.
    #[error(
        "{field} = {address} has no code on chain {chain_id} — give the right address for this chain"
    )]
    NoCode {
        /// The config field.
        field: &'static str,
        /// The address.
        address: Address,
        /// The chain.
        chain_id: u64,
    },
    /// The keeper may not perform a target.
    #[error(
        "{origin} ({name}, {address}): the keeper {keeper} is not an allow-listed fallback keeper — the target's owner must call setFallbackKeeper({keeper}, true) on {address}"
    )]
    NotAllowed {
        /// Where it was configured.
        origin: String,
        /// Its label.
        name: String,
        /// The target.
        address: Address,
        /// The keeper.
        keeper: Address,
    },
    /// An upkeep id with nothing to watch it through.
    #[error(
        "{origin} ({name}): upkeep_id is set but no registry is known — set [contracts] registry (or [contracts] manifest) so a fallback keeper can see the registry's performs and check"
    )]
    NoRegistry {
        /// Where it was configured.
        origin: String,
        /// Its label.
        name: String,
    },
    /// Not enough to pay for performs.
    #[error(
        "the keeper {keeper} holds {balance} wei, below keeper.min_balance_wei = {min} — send it at least {missing} wei more, or lower min_balance_wei"
    )]
    LowBalance {
        /// The keeper.
        keeper: Address,
        /// Its balance.
        balance: U256,
        /// The minimum.
        min: U256,
        /// What is missing.
        missing: U256,
    },
}

impl From<KeeperError> for CheckError {
    fn from(e: KeeperError) -> Self {
        Self::Keeper(Box::new(e))
    }
}

/// The keeper's key, as `keeper run` loads it; the two key-source errors name the keeper's
/// setting (`[keeper] keystore`), not the deployer's `--keystore` flag.
pub fn load_key(config: &KeeperConfig) -> Result<PrivateKeySigner, CheckError> {
    signer::load_signer(config.keystore_path().as_deref()).map_err(|e| match e {
        signer::SignerError::Missing => CheckError::NoKey {
            file: config.file().to_string(),
        },
        signer::SignerError::Ambiguous => CheckError::TwoKeys {
            file: config.file().to_string(),
        },
        other => CheckError::Signer(other),
    })
}

/// Runs every check; returns a report of what was found (one line each).
pub async fn check_config(config: &KeeperConfig) -> Result<String, CheckError> {
    let node = Node::connect(config).await?;
    let (url, chain_id, reader, contracts) = (
        node.url.clone(),
        node.chain_id,
        node.reader.clone(),
        node.contracts,
    );
    let key: PrivateKeySigner = load_key(config)?;
    let keeper = key.address();
    let code = |address: Address| {
        let reader = reader.clone();
        async move {
            reader
                .get_code_at(address)
                .await
                .map_err(|e| KeeperError::Read {
                    what: format!("eth_getCode({address})"),
                    reason: e.to_string(),
                })
        }
    };
    let mut report = String::new();
    let _ = writeln!(
        report,
        "node: {} serves chain {chain_id}",
        provider::redact(&url)
    );
    let _ = writeln!(report, "key: keeper address {keeper}");
    if code(contracts.multicall3).await?.is_empty() {
        return Err(CheckError::NoCode {
            field: "contracts.multicall3",
            address: contracts.multicall3,
            chain_id,
        });
    }
    if let Some(r) = contracts.registry
        && code(r).await?.is_empty()
    {
        return Err(CheckError::NoCode {
            field: "contracts.registry",
            address: r,
            chain_id,
        });
    }
    let (_, _, targets) = node.targets(config, keeper).await?;
    for t in &targets {
        if !t.keeper_allowed {
            return Err(CheckError::NotAllowed {
                origin: t.spec.origin.clone(),
                name: t.spec.name.clone(),
                address: t.address(),
                keeper,
            });
        }
        if t.spec.upkeep_id.is_some() && contracts.registry.is_none() {
            return Err(CheckError::NoRegistry {
                origin: t.spec.origin.clone(),
                name: t.spec.name.clone(),
            });
        }
        let what = match &t.body {
            Body::Balancer(p) => format!(
                "{} with {} assets",
                if p.interval > 0 {
                    "TimeBalancer"
                } else {
                    "DriftBalancer"
                },
                p.assets.len()
            ),
            Body::Manager { members, .. } => {
                format!("UpkeepManager of {} balancers", members.len())
            }
        };
        let mode = match t.spec.mode {
            Mode::Fallback => format!("fallback after {} blocks", t.spec.grace_blocks),
            Mode::Primary => "primary".to_string(),
        };
        let upkeep = t
            .spec
            .upkeep_id
            .map(|id| format!(", upkeep {id}"))
            .unwrap_or_default();
        let _ = writeln!(
            report,
            "target {} {}: {what}, {mode}{upkeep}; keeper allow-listed",
            t.spec.name,
            t.address()
        );
    }
    if let Some(h) = config.hub().map_err(KeeperError::from)? {
        if code(h.depository).await?.is_empty() {
            return Err(CheckError::NoCode {
                field: "hub.depository",
                address: h.depository,
                chain_id,
            });
        }
        for t in &h.tokens {
            if code(t.address).await?.is_empty() {
                return Err(CheckError::NoCode {
                    field: "hub.tokens.<symbol>.address",
                    address: t.address,
                    chain_id,
                });
            }
        }
        let symbols: Vec<&str> = h.tokens.iter().map(|t| t.symbol.as_str()).collect();
        let _ = writeln!(
            report,
            "hub: {keeper} serves HubDepository {} in {}",
            h.depository,
            symbols.join(", ")
        );
    }
    if let Some(settings) = config.funding().map_err(KeeperError::from)? {
        let funder = crate::keeper::funding::load_funding_signer(settings.keystore.as_deref())
            .map_err(KeeperError::from)?
            .map_or(keeper, |k| k.address());
        let upkeeps = targets
            .iter()
            .filter(|t| t.spec.upkeep_id.is_some())
            .count();
        let native = reader
            .get_balance(funder)
            .await
            .map_err(|e| KeeperError::Read {
                what: format!("eth_getBalance({funder})"),
                reason: e.to_string(),
            })?;
        let _ = writeln!(
            report,
            "funding: {funder} keeps {upkeeps} upkeeps funded; it holds {native} wei{}",
            if funder == keeper {
                " (the keeper's own key)"
            } else {
                ""
            }
        );
    }
    if let Some(r) = config.relay().map_err(KeeperError::from)? {
        r.tokens(|var| std::env::var(var).ok())
            .map_err(|e| KeeperError::Relay(e.into()))?;
        let balancers = crate::keeper::service::relay_balancers(&targets).len();
        let sinks: Vec<&str> = r.sinks.iter().map(|s| s.name.as_str()).collect();
        let _ = writeln!(
            report,
            "relay: the orders of {balancers} balancers to {}",
            sinks.join(", ")
        );
    }
    let balance = reader
        .get_balance(keeper)
        .await
        .map_err(|e| KeeperError::Read {
            what: format!("eth_getBalance({keeper})"),
            reason: e.to_string(),
        })?;
    let min = config.keeper.min_balance_wei;
    if balance < min {
        return Err(CheckError::LowBalance {
            keeper,
            balance,
            min,
            missing: min - balance,
        });
    }
    let _ = writeln!(report, "balance: {balance} wei (minimum {min})");
    let _ = write!(
        report,
        "check-config: ok — {} targets, nothing was sent",
        targets.len()
    );
    Ok(report)
}
