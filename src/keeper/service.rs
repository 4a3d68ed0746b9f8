//! The keeper as a service: [`Keeper::start`] connects, checks and assembles every part from a
//! [`KeeperConfig`] and a signer; [`Keeper::run`] serves until told to stop. `onebalancer
//! keeper run` and `onebalancer devnet` both go through here.

mod error;
mod jobs;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use tokio::sync::{mpsc, watch};

use crate::{
    chain::{
        ChainError,
        multicall::Multicall,
        provider,
        tx::{TxConfig, TxManager},
    },
    keeper::{
        collect::{blocks, logs::LogsCollector, scan::Scanner},
        config::{KeeperConfig, Mode, StoreLocation},
        engine::{self, Engine, Event, Status},
        execute::perform::{PerformExecutor, SimulateCheck},
        funding::load_funding_signer,
        metrics::{self as m, Health},
        strategy::{perform::Policy, schedule::Schedule},
        targets::{self, Target},
    },
    model::gas::{BidPolicy, BumpPolicy},
    store::{Store, StoreSummary},
};

pub use error::KeeperError;
use jobs::{Jobs, balance_job};

/// The node a configuration names, checked to serve its chain.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The endpoint (possibly with credentials: never print it unredacted).
    pub(crate) url: String,
    /// The chain it serves (the configured one).
    pub(crate) chain_id: u64,
    /// A reader with the configured request timeout.
    pub(crate) reader: DynProvider,
    /// Multicall3, the registry, the KeystoneForwarder.
    pub(crate) contracts: crate::keeper::config::ResolvedContracts,
}

impl Node {
    /// Validates `config`, reaches its node and checks the chain id.
    pub(crate) async fn connect(config: &KeeperConfig) -> Result<Self, KeeperError> {
        config.validate()?;
        let url = config.rpc_url()?.to_string();
        let actual = node_chain_id(config, &url).await?;
        if actual != config.chain.chain_id {
            return Err(KeeperError::WrongChain {
                file: config.file().to_string(),
                url: provider::redact(&url),
                configured: config.chain.chain_id,
                actual,
            });
        }
        Ok(Self {
            reader: provider::read_only_with_timeout(&url, config.request_timeout())?,
            contracts: config.contracts()?,
            chain_id: actual,
            url,
        })
    }

    /// The head, the Multicall3 reader and every configured target as the chain has it, with
    /// whether `keeper` may perform each.
    pub(crate) async fn targets(
        &self,
        config: &KeeperConfig,
        keeper: Address,
    ) -> Result<(u64, Multicall, Vec<Target>), KeeperError> {
        let head = self
            .reader
            .get_block_number()
            .await
            .map_err(|e| KeeperError::Read {
                what: "eth_blockNumber".into(),
                reason: e.to_string(),
            })?;
        let multicall = Multicall::new(
            self.reader.clone(),
            self.contracts.multicall3,
            config.chain.call_gas_cap,
        );
        let targets = targets::sync(&multicall, config.targets()?, keeper, head).await?;
        Ok((head, multicall, targets))
    }
}

/// A started keeper, ready to [`Keeper::run`].
pub struct Keeper {
    chain_id: u64,
    address: Address,
    store: Store,
    targets: Arc<Vec<Target>>,
    reader: DynProvider,
    engine: Engine,
    executor: PerformExecutor,
    check: SimulateCheck,
    events: (mpsc::Sender<Event>, mpsc::Receiver<Event>),
    actions: mpsc::Receiver<engine::Action>,
    status: watch::Receiver<Status>,
    poll: Duration,
    min_balance: U256,
    metrics: Option<m::Server>,
    jobs: Jobs,
}

impl std::fmt::Debug for Keeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keeper")
            .field("chain_id", &self.chain_id)
            .field("address", &self.address)
            .field("targets", &self.targets.len())
            .finish()
    }
}

impl Keeper {
    /// Connects to the node, checks the chain, opens the store, reads every target, resumes
    /// the transaction manager and starts `/metrics` — nothing is sent yet.
    pub async fn start(
        config: &KeeperConfig,
        signer: PrivateKeySigner,
    ) -> Result<Self, KeeperError> {
        let funder = match config.funding()? {
            Some(s) => load_funding_signer(s.keystore.as_deref())?,
            None => None,
        };
        Self::start_with(config, signer, funder).await
    }

    /// As [`Self::start`], with the funding key given (`None`: the keeper's own key pays).
    pub async fn start_with(
        config: &KeeperConfig,
        signer: PrivateKeySigner,
        funder: Option<PrivateKeySigner>,
    ) -> Result<Self, KeeperError> {
        let node = Node::connect(config).await?;
        let Node {
            chain_id,
            reader,
            contracts,
            ..
        } = node.clone();
        let store = open_store(config).await?;
        let address = signer.address();
        let (head, multicall, targets) = node.targets(config, address).await?;
        let txm = Arc::new(
            TxManager::start(
                reader.clone(),
                signer,
                chain_id,
                store.clone(),
                tx_config(config),
            )
            .await?,
        );
        let handle = m::recorder();
        let health = Arc::new(Health::new(config.head_stale(), config.scan_stale()));
        let metrics = match (config.metrics_listen()?, handle) {
            (Some(addr), Some(handle)) => Some(m::serve(addr, handle, Arc::clone(&health)).await?),
            _ => None,
        };
        let registry_ids = targets
            .iter()
            .map(|t| match (t.spec.mode, contracts.registry) {
                (Mode::Fallback, Some(_)) => t.spec.upkeep_id,
                _ => None,
            })
            .collect();
        let targets = Arc::new(targets);
        let policies = targets
            .iter()
            .map(|t| {
                Policy::new(
                    chain_id,
                    t.address(),
                    t.kind(),
                    t.spec.mode,
                    t.spec.grace_blocks,
                )
            })
            .collect();
        let scanner = Scanner::new(multicall, contracts.registry, &targets);
        let logs = LogsCollector::new(
            reader.clone(),
            store.clone(),
            chain_id,
            address,
            contracts.registry,
            contracts.keystone_forwarder,
            &targets,
        );
        logs.start_at(head).await.map_err(|e| KeeperError::Read {
            what: "the log cursor".into(),
            reason: e.to_string(),
        })?;
        let (status_tx, status) = watch::channel(Status::default());
        let (actions_tx, actions) = mpsc::channel(256);
        let events = mpsc::channel(256);
        let engine = Engine {
            policies,
            schedule: Schedule::new(
                &targets,
                config.scan.forecast,
                config.max_skip().as_secs_f64(),
            ),
            scanner,
            logs,
            registry_ids,
            every_blocks: config.scan.every_blocks,
            health,
            status: status_tx,
            actions: actions_tx,
            last_scan: None,
            last_head: None,
            block_time_s: config.poll_interval().as_secs_f64().max(1.0),
            needed: vec![false; targets.len()],
            offpeak: engine::CalendarOffPeak::new(
                config.calendar_offpeak(),
                config.perform.offpeak_window_blocks,
                targets.len(),
            ),
            sampler: engine::DriftSampler {
                store: store.clone(),
                chain_id,
                every_s: config.scan.sample_secs,
                last: vec![None; targets.len()],
            },
            targets: Arc::clone(&targets),
        };
        let executor = PerformExecutor::new(
            reader.clone(),
            Arc::clone(&txm),
            store.clone(),
            chain_id,
            config.perform.gas_margin_percent,
        );
        let check = SimulateCheck::new(reader.clone(), address, engine::managers(&targets));
        let jobs = Jobs::start(
            config,
            &reader,
            &txm,
            &store,
            chain_id,
            address,
            contracts.registry,
            &targets,
            funder,
        )
        .await?;
        Ok(Self {
            chain_id,
            address,
            store,
            targets,
            reader,
            engine,
            executor,
            check,
            events,
            actions,
            status,
            poll: config.poll_interval(),
            min_balance: config.keeper.min_balance_wei,
            metrics,
            jobs,
        })
    }

    /// The keeper's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The targets served, as read from the chain.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where `/metrics` and `/healthz` listen, if they do.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|s| s.addr)
    }

    /// The live status.
    pub fn status(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }

    /// Serves until `stop` completes; returns the store's summary.
    pub async fn run(self, stop: impl Future<Output = ()>) -> Result<StoreSummary, KeeperError> {
        let Self {
            chain_id,
            address,
            store,
            targets,
            reader,
            mut engine,
            executor,
            check,
            events: (events_tx, mut events),
            actions,
            poll,
            min_balance,
            metrics: _metrics,
            jobs,
            ..
        } = self;
        let (blocks_tx, mut blocks) = mpsc::channel(64);
        let collector = tokio::spawn(blocks::run(reader.clone(), poll, blocks_tx));
        let executing = tokio::spawn(engine::execute(
            executor, check, targets, actions, events_tx,
        ));
        let (jobs_stop, jobs_stopped) = watch::channel(false);
        let running = jobs.spawn(poll, jobs_stopped);
        let scheduler = balance_job(reader, address, min_balance).await?;
        tracing::info!(keeper = %address, chain_id, targets = engine.targets.len(), jobs = %running.names(), "keeper running");
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                Some(b) = blocks.recv() => engine.on_event(Event::Block(b)).await,
                Some(e) = events.recv() => engine.on_event(e).await,
                else => break,
            }
        }
        collector.abort();
        // The jobs finish their step in hand (each records its work before it is sent).
        let _ = jobs_stop.send(true);
        running.join(Duration::from_secs(10)).await;
        drop(engine);
        // The executor finishes the action in hand (a send is persisted before it goes out).
        let _ = tokio::time::timeout(Duration::from_secs(10), executing).await;
        let mut scheduler = scheduler;
        if let Err(e) = scheduler.shutdown().await {
            tracing::debug!(error = %e, "scheduler shutdown");
        }
        Ok(store.summary(chain_id).await?)
    }
}

/// Every balancer the targets serve (standalone, or a manager's member) with its tokens: what
/// the relay relays.
pub(crate) fn relay_balancers(targets: &[Target]) -> Vec<(Address, Vec<Address>)> {
    targets
        .iter()
        .flat_map(|t| t.portfolios())
        .map(|p| (p.address, p.assets.iter().map(|a| a.token).collect()))
        .collect()
}

/// The chain id the node at `url` (the config's `rpc_url`) serves; a node that does not answer
/// is reported against `chain.rpc_url`, without the URL's path or query.
pub(crate) async fn node_chain_id(config: &KeeperConfig, url: &str) -> Result<u64, KeeperError> {
    provider::chain_id_of(url).await.map_err(|e| match e {
        ChainError::Unreachable { reason, .. } => {
            let redacted = provider::redact(url);
            let mut reason = reason;
            // The transport names the URL as parsed (a bare host gets a `/`), or as given.
            if let Ok(parsed) = provider::parse_url(url) {
                reason = reason.replace(parsed.as_str(), &redacted);
            }
            KeeperError::Unreachable {
                file: config.file().to_string(),
                reason: reason.replace(url, &redacted),
                url: redacted,
            }
        }
        other => KeeperError::Chain(other),
    })
}

fn tx_config(config: &KeeperConfig) -> TxConfig {
    let cap = u128::try_from(config.tx.max_fee_per_gas_wei).unwrap_or(u128::MAX);
    TxConfig {
        bid: BidPolicy {
            max_fee_per_gas: cap,
            ..BidPolicy::default()
        },
        bump: BumpPolicy {
            percent: config.tx.bump_percent,
            min_wei: u128::try_from(config.tx.bump_min_wei).unwrap_or(u128::MAX),
            max_fee_per_gas: cap,
        },
        bump_after_blocks: config.tx.bump_after_blocks,
        fee_history_blocks: config.tx.fee_history_blocks,
        tip_percentile: f64::from(config.tx.tip_percentile),
        max_attempts: config.tx.max_attempts,
    }
}

async fn open_store(config: &KeeperConfig) -> Result<Store, KeeperError> {
    match config.store_location()? {
        StoreLocation::Sqlite(path) => Ok(Store::open(&path.to_string_lossy()).await?),
        StoreLocation::Postgres(url) => Err(KeeperError::Postgres {
            url: provider::redact(&url),
        }),
    }
}
