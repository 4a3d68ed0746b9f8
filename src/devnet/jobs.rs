//! The devnet's scheduled jobs, started once the manifest is written: the health check, the
//! simulated Automation DON (a round every `--don-every` seconds) and the price mover (a step
//! of the demo feeds' random walk every `--price-every` seconds, which also keeps the registry's
//! LINK/USD, native/USD and fast-gas feeds fresh).
//!
//! Each job's state sits behind a mutex: a tick that finds the previous run still going is
//! skipped, and [`Jobs::stop`] waits for the run in flight before the chain goes away.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use alloy::{
    primitives::{Address, I256, U256},
    providers::{DynProvider, Provider},
    sol_types::SolCall,
};
use eyre::{WrapErr, eyre};
use tokio::sync::{Mutex, mpsc};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::{
    chain::{
        Connection,
        bindings::{MockV3Aggregator, Multicall3},
        provider::FEED_UPDATE_GAS,
        upkeep::Automation,
    },
    cli::output,
    devnet::{
        chaos::Chaos,
        don::{Don, FailureReason},
        hub::{HubUsers, HubUsersStats},
        price_walk::PriceWalk,
        summary::DonCounts,
        taker::{Taker, TakerStats},
    },
};

/// How often the health check asks the chain for its block number.
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(5);
/// How long [`Jobs::stop`] waits for a job's run in flight.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The simulated DON's job state.
pub struct DonJob {
    /// The simulator.
    pub don: Don,
    /// Token symbols for the logs.
    pub automation: Automation,
    /// Each upkeep's last check failure, so a change is logged once.
    last_failure: HashMap<U256, FailureReason>,
    /// Rounds run.
    pub rounds: u64,
    /// Upkeeps performed.
    pub performs: u64,
    slowest_ms: u128,
    total_ms: u128,
}

impl DonJob {
    /// The DON job over `don`, naming billing tokens from `automation`.
    pub fn new(don: Don, automation: Automation) -> Self {
        Self {
            don,
            automation,
            last_failure: HashMap::new(),
            rounds: 0,
            performs: 0,
            slowest_ms: 0,
            total_ms: 0,
        }
    }

    /// One round over every active upkeep of the registry; logs each perform.
    async fn round(&mut self) -> eyre::Result<()> {
        let ids = self.don.active_upkeeps().await?;
        let round = self.don.round(&ids).await?;
        if round.stopped {
            return Ok(());
        }
        let ms = round.elapsed.as_millis();
        self.rounds += 1;
        self.total_ms += ms;
        self.slowest_ms = self.slowest_ms.max(ms);
        for c in &round.checks {
            let quiet = matches!(
                c.failure,
                FailureReason::None | FailureReason::UpkeepNotNeeded
            );
            let changed = self.last_failure.insert(c.id, c.failure) != Some(c.failure);
            if !quiet && changed {
                tracing::warn!(upkeep = %c.id, reason = %c.failure, "the registry's check refuses this upkeep");
            }
        }
        if let Some(sent) = &round.transmitted {
            for p in &sent.performed {
                self.performs += 1;
                let symbol = self.automation.symbol(p.billing_token);
                tracing::info!(
                    upkeep = %p.id,
                    success = p.success,
                    gas_used = %p.gas_used,
                    gas_overhead = %p.gas_overhead,
                    charged = format!("{} {symbol}", output::amount(p.total_payment, 18)),
                    tx = %sent.tx,
                    round_ms = ms,
                    "DON performed upkeep"
                );
            }
            for s in &sent.skipped {
                tracing::warn!(upkeep = %s.id, reason = ?s.reason, tx = %sent.tx, "the registry skipped an upkeep of the report");
            }
        }
        Ok(())
    }

    /// "N rounds, M performs; a round took … ms on average (slowest … ms)".
    pub fn summary(&self) -> String {
        let avg = self
            .total_ms
            .checked_div(u128::from(self.rounds))
            .unwrap_or(0);
        format!(
            "simulated DON: {} rounds, {} performs; a round took {avg} ms on average (slowest {} ms)",
            self.rounds, self.performs, self.slowest_ms
        )
    }
}

/// The price mover's job state.
pub struct PriceJob {
    conn: Connection,
    multicall: Address,
    demo_feeds: Vec<Address>,
    registry_feeds: Vec<Address>,
    walk: PriceWalk,
    steps: u64,
}

impl PriceJob {
    /// Moves `demo_feeds` along `walk` and re-posts `registry_feeds`, in one Multicall3
    /// transaction sent from `conn`.
    pub fn new(
        conn: Connection,
        multicall: Address,
        demo_feeds: Vec<Address>,
        registry_feeds: Vec<Address>,
        walk: PriceWalk,
    ) -> Self {
        Self {
            conn,
            multicall,
            demo_feeds,
            registry_feeds,
            walk,
            steps: 0,
        }
    }

    async fn step(&mut self) -> eyre::Result<()> {
        let mut calls = Vec::with_capacity(self.demo_feeds.len() + self.registry_feeds.len());
        let answers = self.walk.step();
        for (feed, answer) in self.demo_feeds.iter().zip(&answers) {
            calls.push(update(*feed, I256::try_from(*answer)?));
        }
        // Re-posting the current answer refreshes `updatedAt`: the registry falls back to its
        // fallback prices once a feed is older than `stalenessSeconds`.
        for feed in &self.registry_feeds {
            let answer = MockV3Aggregator::new(*feed, &self.conn.provider)
                .latestAnswer()
                .call()
                .await
                .wrap_err_with(|| format!("reading feed {feed}"))?;
            calls.push(update(*feed, answer));
        }
        // an explicit limit, not the estimate: see FEED_UPDATE_GAS
        let gas = FEED_UPDATE_GAS * calls.len() as u64 + 60_000;
        let call = Multicall3::aggregate3Call { calls };
        self.conn
            .call_with_gas(
                "moving the devnet prices",
                self.multicall,
                call.abi_encode().into(),
                gas,
            )
            .await?;
        self.steps += 1;
        tracing::debug!(step = self.steps, ?answers, "devnet prices moved");
        Ok(())
    }
}

fn update(feed: Address, answer: I256) -> Multicall3::Call3 {
    Multicall3::Call3 {
        target: feed,
        allowFailure: false,
        callData: MockV3Aggregator::updateAnswerCall { _answer: answer }
            .abi_encode()
            .into(),
    }
}

/// The chaos job: stops and restarts the simulated DON on a seeded schedule.
pub struct ChaosJob {
    chaos: Chaos,
    started: std::time::Instant,
    switch: Arc<AtomicBool>,
}

impl ChaosJob {
    /// Drives `switch` (the DON's stop switch) by `chaos`.
    pub fn new(chaos: Chaos, switch: Arc<AtomicBool>) -> Self {
        Self {
            chaos,
            started: std::time::Instant::now(),
            switch,
        }
    }

    async fn step(&mut self) -> eyre::Result<()> {
        let stopped = self.chaos.stopped_at(self.started.elapsed().as_secs());
        if self.switch.swap(stopped, Ordering::SeqCst) != stopped {
            if stopped {
                tracing::info!(
                    outage = self.chaos.outages,
                    "chaos: the simulated Chainlink network stops"
                );
            } else {
                tracing::info!("chaos: the simulated Chainlink network is back");
            }
        }
        Ok(())
    }
}

/// What to schedule, each with its period.
#[derive(Default)]
pub struct JobSpecs {
    /// The simulated DON.
    pub don: Option<(DonJob, Duration)>,
    /// The price walk.
    pub prices: Option<(PriceJob, Duration)>,
    /// The taker.
    pub taker: Option<(Taker, Duration)>,
    /// `--chaos`.
    pub chaos: Option<ChaosJob>,
    /// The hub's simulated users.
    pub hub_users: Option<(HubUsers, Duration)>,
}

/// What the jobs did, read when they stop.
#[derive(Debug, Clone, Default)]
pub struct JobReport {
    /// The DON's summary line.
    pub don_line: Option<String>,
    /// The DON's counts.
    pub don: DonCounts,
    /// The taker's counts.
    pub taker: TakerStats,
    /// What the hub's users did.
    pub hub_users: HubUsersStats,
}

/// The running jobs.
pub struct Jobs {
    scheduler: JobScheduler,
    don: Option<Arc<Mutex<DonJob>>>,
    prices: Option<Arc<Mutex<PriceJob>>>,
    taker: Option<Arc<Mutex<Taker>>>,
    chaos: Option<Arc<Mutex<ChaosJob>>>,
    hub_users: Option<Arc<Mutex<HubUsers>>>,
    /// Receives a reason when the health check finds the chain gone.
    pub failed: mpsc::Receiver<String>,
}

impl Jobs {
    /// Schedules the health check on `reader`, and every job of `specs`.
    pub async fn start(reader: DynProvider, specs: JobSpecs) -> eyre::Result<Self> {
        let scheduler = JobScheduler::new()
            .await
            .wrap_err("cannot start the scheduler")?;
        let (failed_tx, failed) = mpsc::channel::<String>(1);
        let health = Job::new_repeated_async(HEALTH_CHECK_EVERY, move |_id, _sched| {
            let reader = reader.clone();
            let failed_tx = failed_tx.clone();
            Box::pin(async move {
                match reader.get_block_number().await {
                    Ok(block) => tracing::debug!(block, "devnet health check"),
                    Err(e) => {
                        // The receiver may be gone during shutdown; nothing else to do then.
                        let _ = failed_tx.try_send(e.to_string());
                    }
                }
            })
        })
        .wrap_err("cannot create the health-check job")?;
        scheduler
            .add(health)
            .await
            .wrap_err("cannot schedule the health check")?;
        let don = optional(&scheduler, "DON round", specs.don, |j| {
            Box::pin(async move { j.round().await })
        })
        .await?;
        let prices = optional(&scheduler, "price move", specs.prices, |j| {
            Box::pin(async move { j.step().await })
        })
        .await?;
        let taker = optional(&scheduler, "taker", specs.taker, |j| {
            Box::pin(async move { j.step().await })
        })
        .await?;
        let hub_users = optional(&scheduler, "hub users", specs.hub_users, |j| {
            Box::pin(async move { j.step().await })
        })
        .await?;
        let chaos = optional(
            &scheduler,
            "chaos",
            specs.chaos.map(|c| (c, Duration::from_secs(1))),
            |j| Box::pin(async move { j.step().await }),
        )
        .await?;
        scheduler
            .start()
            .await
            .wrap_err("cannot start the scheduler")?;
        Ok(Self {
            scheduler,
            don,
            prices,
            taker,
            chaos,
            hub_users,
            failed,
        })
    }

    /// Stops the scheduler, waits for the runs in flight, and reports what the jobs did.
    pub async fn stop(mut self) -> JobReport {
        if let Err(e) = self.scheduler.shutdown().await {
            tracing::warn!(error = %e, "scheduler shutdown");
        }
        let mut report = JobReport::default();
        if let Some(p) = &self.prices
            && tokio::time::timeout(STOP_GRACE, p.lock()).await.is_err()
        {
            tracing::warn!("a price move was still running at shutdown");
        }
        if let Some(c) = &self.chaos
            && let Ok(c) = tokio::time::timeout(STOP_GRACE, c.lock()).await
        {
            report.don.outages = c.chaos.outages;
        }
        if let Some(t) = &self.taker {
            match tokio::time::timeout(STOP_GRACE, t.lock()).await {
                Ok(t) => report.taker = t.stats,
                Err(_) => tracing::warn!("a taker step was still running at shutdown"),
            }
        }
        if let Some(h) = &self.hub_users {
            match tokio::time::timeout(STOP_GRACE, h.lock()).await {
                Ok(h) => report.hub_users = h.stats,
                Err(_) => tracing::warn!("a hub user's step was still running at shutdown"),
            }
        }
        if let Some(d) = &self.don {
            match tokio::time::timeout(STOP_GRACE, d.lock()).await {
                Ok(job) => {
                    report.don_line = Some(job.summary());
                    report.don.rounds = job.rounds;
                    report.don.performs = job.performs;
                }
                Err(_) => tracing::warn!("a DON round was still running at shutdown"),
            }
        }
        report
    }
}

/// Schedules `spec`'s job when given; returns its shared state.
async fn optional<T: Send + 'static>(
    scheduler: &JobScheduler,
    name: &'static str,
    spec: Option<(T, Duration)>,
    run: Run<T>,
) -> eyre::Result<Option<Arc<Mutex<T>>>> {
    let Some((job, every)) = spec else {
        return Ok(None);
    };
    let job = Arc::new(Mutex::new(job));
    schedule(scheduler, name, every, Arc::clone(&job), run).await?;
    Ok(Some(job))
}

type Run<T> = for<'a> fn(
    &'a mut T,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = eyre::Result<()>> + Send + 'a>,
>;

/// Schedules `run` on `state` every `every`; a tick that finds the last run going is skipped,
/// a failed run is logged and the next tick tries again.
async fn schedule<T: Send + 'static>(
    scheduler: &JobScheduler,
    name: &'static str,
    every: Duration,
    state: Arc<Mutex<T>>,
    run: Run<T>,
) -> eyre::Result<()> {
    let job = Job::new_repeated_async(every, move |_id, _sched| {
        let state = Arc::clone(&state);
        Box::pin(async move {
            let Ok(mut guard) = state.try_lock() else {
                tracing::debug!(job = name, "previous run still going; tick skipped");
                return;
            };
            if let Err(e) = run(&mut guard).await {
                tracing::warn!(job = name, error = %format!("{e:#}"), "devnet job failed; retrying next tick");
            }
        })
    })
    .map_err(|e| eyre!("cannot create the {name} job: {e}"))?;
    scheduler
        .add(job)
        .await
        .map_err(|e| eyre!("cannot schedule the {name} job: {e}"))?;
    Ok(())
}
