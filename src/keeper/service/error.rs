//! Why the keeper cannot start or go on.

use crate::{
    chain::{ChainError, tx::TxError},
    keeper::{
        bands::BandsJobError,
        config::{KeeperConfigError, RPC_URL_ENV},
        funding::{FundingJobError, FundingKeyError},
        hub::HubJobError,
        metrics::ServeError,
        relay::RelayJobError,
        targets::TargetError,
    },
    store::StoreError,
};

/// Why the keeper cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] KeeperConfigError),
    /// The node.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The node does not answer (the URL and the reason with paths and queries removed: they
    /// often hold API keys).
    #[error(
        "cannot reach the RPC at {url} (chain.rpc_url in {file}): {reason} — check [chain] rpc_url (or {RPC_URL_ENV}, which wins over it) and that the node is running"
    )]
    Unreachable {
        /// The config file.
        file: String,
        /// The endpoint, redacted.
        url: String,
        /// The transport's message, redacted.
        reason: String,
    },
    /// The node serves another chain.
    #[error(
        "chain.chain_id = {configured} in {file}, but the node at {url} serves chain {actual} — point rpc_url at chain {configured}, or set chain_id = {actual} if that is the chain you mean"
    )]
    WrongChain {
        /// The config file.
        file: String,
        /// The endpoint.
        url: String,
        /// Configured.
        configured: u64,
        /// What the node says.
        actual: u64,
    },
    /// A target.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The transaction manager.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// The metrics endpoint.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// A store this build cannot open.
    #[error(
        "[keeper] store = {url:?} is a PostgreSQL URL; this build keeps its state in SQLite — remove store (the default is <data_dir>/keeper.sqlite) or give a SQLite path"
    )]
    Postgres {
        /// The URL (credentials removed).
        url: String,
    },
    /// A read at start failed.
    #[error("{what} failed: {reason} — check the RPC endpoint")]
    Read {
        /// What was read.
        what: String,
        /// The node's answer.
        reason: String,
    },
    /// The scheduler.
    #[error("cannot start the keeper's scheduler: {0}")]
    Scheduler(String),
    /// The hub job.
    #[error(transparent)]
    Hub(#[from] HubJobError),
    /// The funding job.
    #[error(transparent)]
    Funding(#[from] FundingJobError),
    /// The funding key.
    #[error(transparent)]
    FundingKey(#[from] FundingKeyError),
    /// The adaptive-bands job.
    #[error(transparent)]
    Bands(#[from] BandsJobError),
    /// The relay job.
    #[error(transparent)]
    Relay(#[from] RelayJobError),
}
