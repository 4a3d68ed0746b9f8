//! The keeper's jobs beside the perform engine — the hub, upkeep funding, adaptive bands and
//! the order relay, each optional — started from the config, run side by side, and stopped
//! together; and the keeper's balance watch.

use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use tokio::{sync::watch, task::JoinHandle};
use tokio_cron_scheduler::{Job, JobScheduler};

use super::{KeeperError, relay_balancers, tx_config};
use crate::{
    chain::tx::TxManager,
    keeper::{
        bands::{BandsJob, Controlled},
        config::KeeperConfig,
        funding::{FundingJob, Served},
        hub::HubJob,
        metrics::{self as m, names},
        relay::RelayJob,
        targets::Target,
    },
    store::Store,
};

/// How often the keeper's balance is read.
const BALANCE_EVERY: Duration = Duration::from_secs(30);

/// The jobs a config asks for, started (nothing sent yet).
pub(super) struct Jobs {
    hub: Option<HubJob>,
    funding: Option<FundingJob>,
    bands: Option<BandsJob>,
    relay: Option<RelayJob>,
}

/// The jobs running.
pub(super) struct Running(Vec<(&'static str, JoinHandle<()>)>);

impl Jobs {
    /// Starts every job `config` names.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn start(
        config: &KeeperConfig,
        reader: &DynProvider,
        txm: &Arc<TxManager>,
        store: &Store,
        chain_id: u64,
        address: Address,
        registry: Option<Address>,
        targets: &[Target],
        funder: Option<PrivateKeySigner>,
    ) -> Result<Self, KeeperError> {
        let hub = match config.hub()? {
            Some(settings) => Some(
                HubJob::start(
                    reader.clone(),
                    Arc::clone(txm),
                    store.clone(),
                    chain_id,
                    settings,
                    config.perform.gas_margin_percent,
                )
                .await?,
            ),
            None => None,
        };
        let funding = match (config.funding()?, registry) {
            (Some(settings), Some(registry)) => {
                let upkeeps: Vec<Served> = targets
                    .iter()
                    .filter_map(|t| {
                        t.spec.upkeep_id.map(|id| Served {
                            name: t.spec.name.clone(),
                            id,
                        })
                    })
                    .collect();
                // A funding key of its own gets its own transaction manager (its own nonces);
                // the keeper's key pays through the keeper's manager.
                let (funder, own) = match funder {
                    Some(key) if key.address() != address => (
                        Arc::new(
                            TxManager::start(
                                reader.clone(),
                                key,
                                chain_id,
                                store.clone(),
                                tx_config(config),
                            )
                            .await?,
                        ),
                        true,
                    ),
                    _ => (Arc::clone(txm), false),
                };
                Some(
                    FundingJob::start(
                        reader.clone(),
                        funder,
                        own,
                        store.clone(),
                        chain_id,
                        registry,
                        upkeeps,
                        settings,
                        config.perform.gas_margin_percent,
                    )
                    .await?,
                )
            }
            _ => None,
        };
        let bands = match config.bands()? {
            Some(settings) => {
                let candidates = targets
                    .iter()
                    .filter(|t| t.kind() == crate::keeper::config::TargetKind::Balancer)
                    .map(|t| Controlled {
                        name: t.spec.name.clone(),
                        address: t.address(),
                    })
                    .collect();
                Some(
                    BandsJob::start(
                        reader.clone(),
                        Arc::clone(txm),
                        store.clone(),
                        chain_id,
                        candidates,
                        settings,
                        config.perform.gas_margin_percent,
                    )
                    .await?,
                )
            }
            None => None,
        };
        let relay = match config.relay()? {
            Some(settings) => Some(
                RelayJob::start(
                    reader.clone(),
                    store.clone(),
                    chain_id,
                    settings,
                    relay_balancers(targets),
                    |var| std::env::var(var).ok(),
                )
                .await?,
            ),
            None => None,
        };
        Ok(Self {
            hub,
            funding,
            bands,
            relay,
        })
    }

    /// Runs each job on its own task until `stop` turns true.
    pub(super) fn spawn(self, poll: Duration, stop: watch::Receiver<bool>) -> Running {
        let mut running = Vec::new();
        if let Some(job) = self.hub {
            running.push(("hub", tokio::spawn(job.run(poll, stop.clone()))));
        }
        if let Some(job) = self.funding {
            running.push(("funding", tokio::spawn(job.run(poll, stop.clone()))));
        }
        if let Some(job) = self.bands {
            running.push(("bands", tokio::spawn(job.run(poll, stop.clone()))));
        }
        if let Some(job) = self.relay {
            running.push(("relay", tokio::spawn(job.run(poll, stop))));
        }
        Running(running)
    }
}

impl Running {
    /// The jobs' names, comma-separated (`none` without any).
    pub(super) fn names(&self) -> String {
        if self.0.is_empty() {
            return "none".into();
        }
        self.0.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(",")
    }

    /// Waits for each job to finish the step in hand (each records its work before it is
    /// sent), at most `grace` each.
    pub(super) async fn join(self, grace: Duration) {
        for (name, handle) in self.0 {
            if tokio::time::timeout(grace, handle).await.is_err() {
                tracing::warn!(job = name, "a job did not stop in time");
            }
        }
    }
}

/// The periodic job: the keeper's balance.
pub(super) async fn balance_job(
    reader: DynProvider,
    address: Address,
    min_balance: U256,
) -> Result<JobScheduler, KeeperError> {
    let scheduler = JobScheduler::new()
        .await
        .map_err(|e| KeeperError::Scheduler(e.to_string()))?;
    let job = Job::new_repeated_async(BALANCE_EVERY, move |_id, _sched| {
        let reader = reader.clone();
        Box::pin(async move { balance(&reader, address, min_balance).await })
    })
    .map_err(|e| KeeperError::Scheduler(e.to_string()))?;
    scheduler
        .add(job)
        .await
        .map_err(|e| KeeperError::Scheduler(e.to_string()))?;
    scheduler
        .start()
        .await
        .map_err(|e| KeeperError::Scheduler(e.to_string()))?;
    Ok(scheduler)
}

async fn balance(reader: &DynProvider, address: Address, min_balance: U256) {
    match reader.get_balance(address).await {
        Ok(b) => {
            let eth: f64 = b.to_string().parse().unwrap_or(0.0) / 1e18;
            metrics::gauge!(names::BALANCE_ETH).set(eth);
            if b < min_balance {
                tracing::warn!(keeper = %address, balance_wei = %b, min_balance_wei = %min_balance, "the keeper's balance is below keeper.min_balance_wei — fund it");
            }
        }
        Err(e) => {
            m::error("rpc", "balance");
            tracing::warn!(error = %e, "cannot read the keeper's balance");
        }
    }
}
