//! The engine: collectors → strategies → executors, wired by channels, with the periodic jobs
//! on a `tokio-cron-scheduler`.
//!
//! ```text
//!  blocks collector ──Head──►┐                      ┌──► executor task: perform (simulate →
//!  scheduler jobs ──Job────►─┤  engine loop:        │      estimate → submit), tick (the tx
//!                            │  scan (collector) →  ├──►   manager: receipts, bumps, cancels)
//!  executor ──Executed/────►─┘  schedule + policy   │
//!            Finished            (strategies) ──────┘ Action
//!                                logs (collector)
//! ```
//!
//! Per new head (every `every_blocks`): the schedule picks what to simulate, the scanner reads
//! every target (one Multicall3 pass, plus a follow-up for fresh triggers), the perform policy
//! decides, the logs collector reports who performed, and the executor gets the decisions and
//! a tick for the transaction manager. Everything the engine decides is also published as a
//! [`Status`] (the devnet's status line reads it).

mod executor;
mod offpeak;

pub(crate) use offpeak::CalendarOffPeak;

use std::{collections::HashMap, sync::Arc};

use alloy::primitives::U256;
use tokio::sync::{mpsc, watch};

use crate::{
    keeper::{
        collect::{
            blocks::{BlockEvent, Head},
            logs::LogsCollector,
            scan::{CheckOutcome, ScanPlan, Scanner},
        },
        config::{Mode, TargetKind},
        execute::perform::Outcome,
        metrics::{self as m, Health, names},
        strategy::{
            perform::{CheckSeen, Decision, Policy},
            schedule::Schedule,
        },
        targets::Target,
    },
    store::{Source, TxState},
};

/// What the engine hears.
#[derive(Debug)]
pub enum Event {
    /// From the blocks collector.
    Block(BlockEvent),
    /// An executor finished with a decision.
    Executed {
        /// The target.
        index: usize,
        /// The work.
        work: String,
        /// What happened.
        outcome: Outcome,
    },
    /// A keeper transaction is final (mined, cancelled or lost).
    Finished {
        /// Its work.
        work: String,
        /// Its final state.
        state: TxState,
    },
}

/// What the executor is asked.
#[derive(Debug)]
pub enum Action {
    /// Perform a target.
    Perform {
        /// The target.
        index: usize,
        /// The decision.
        decision: Decision,
        /// The head it was decided at.
        head: u64,
    },
    /// A new head: let the transaction manager advance.
    Tick {
        /// The head.
        head: u64,
    },
}

/// One target in the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetStatus {
    /// Its label.
    pub name: String,
    /// Its kind.
    pub kind: TargetKind,
    /// Its mode.
    pub mode: Mode,
    /// The largest global drift of its portfolios at the last scan, bps.
    pub drift_bps: Option<u64>,
    /// Its trigger band, bps.
    pub band_bps: Option<u16>,
    /// Whether its check said needed at the last simulation.
    pub needed: bool,
}

/// What the keeper has seen and done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// The head last scanned.
    pub head: u64,
    /// Per target.
    pub targets: Vec<TargetStatus>,
    /// Performs observed by source (all four present).
    pub performs: HashMap<Source, u64>,
    /// Fills observed.
    pub fills: u64,
    /// Performs the keeper sent.
    pub sent: u64,
    /// Duplicates refused (never sent) and simulations that reverted (never sent).
    pub refused: u64,
    /// Simulations made and skipped by the forecast.
    pub simulations: (u64, u64),
}

pub(crate) use executor::{execute, managers};

/// The engine loop's state.
pub(crate) struct Engine {
    pub(crate) targets: Arc<Vec<Target>>,
    pub(crate) policies: Vec<Policy>,
    pub(crate) schedule: Schedule,
    pub(crate) scanner: Scanner,
    pub(crate) logs: LogsCollector,
    /// Upkeep ids whose registry check a scan simulates (fallback targets with an upkeep).
    pub(crate) registry_ids: Vec<Option<U256>>,
    pub(crate) every_blocks: u64,
    pub(crate) health: Arc<Health>,
    pub(crate) status: watch::Sender<Status>,
    pub(crate) actions: mpsc::Sender<Action>,
    pub(crate) last_scan: Option<u64>,
    pub(crate) last_head: Option<Head>,
    pub(crate) block_time_s: f64,
    pub(crate) needed: Vec<bool>,
    /// Drift samples (`[scan] sample_secs`): the report's charts, the bands job's history.
    pub(crate) sampler: DriftSampler,
    /// Off-peak timing of deferrable calendar rebalances (`[perform] offpeak_*`).
    pub(crate) offpeak: offpeak::CalendarOffPeak,
}

/// Records each balancer's drift, band and forecast volatility every `every_s` from the scans
/// (the adaptive-bands job's history).
pub(crate) struct DriftSampler {
    pub(crate) store: crate::store::Store,
    pub(crate) chain_id: u64,
    pub(crate) every_s: u64,
    pub(crate) last: Vec<Option<u64>>,
}

impl DriftSampler {
    async fn sample(&mut self, schedule: &Schedule, targets: &[Target], block: u64, at_s: u64) {
        for (i, t) in targets.iter().enumerate() {
            if t.kind() != crate::keeper::config::TargetKind::Balancer {
                continue;
            }
            let due = self
                .last
                .get(i)
                .copied()
                .flatten()
                .is_none_or(|l| at_s >= l.saturating_add(self.every_s));
            let (Some(drift_bps), Some(band)) = (schedule.drift_bps(i), schedule.band_bps(i))
            else {
                continue;
            };
            if !due {
                continue;
            }
            let sample = crate::store::DriftSample {
                target: t.address(),
                block,
                at_s,
                drift_bps,
                band_bps: u32::from(band),
                clear_bps: schedule.clear_bps(i).map(u32::from),
                vol_annual: schedule.vol_annual(i),
            };
            match self.store.record_drift_sample(self.chain_id, &sample).await {
                Ok(()) => {
                    if let Some(l) = self.last.get_mut(i) {
                        *l = Some(at_s);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot record a drift sample"),
            }
        }
    }
}

impl Engine {
    /// Handles one event.
    pub(crate) async fn on_event(&mut self, event: Event) {
        match event {
            Event::Block(BlockEvent::Head(h)) => self.on_head(h).await,
            Event::Block(BlockEvent::Error(e)) => {
                m::error("rpc", "head");
                tracing::warn!(error = %e, "cannot read the chain head; retrying");
            }
            Event::Executed {
                index,
                work,
                outcome,
            } => {
                let done = match &outcome {
                    Outcome::Sent { .. } | Outcome::Queued { .. } => {
                        self.status.send_modify(|s| s.sent += 1);
                        false
                    }
                    Outcome::Duplicate { in_flight } => {
                        self.status.send_modify(|s| s.refused += 1);
                        !in_flight
                    }
                    Outcome::NotNeeded { .. } => {
                        self.status.send_modify(|s| s.refused += 1);
                        true
                    }
                    Outcome::Failed { error } => {
                        tracing::warn!(work, %error, "perform not sent; decided again when still needed");
                        true
                    }
                };
                if done && let Some(p) = self.policies.get_mut(index) {
                    p.on_finished(&work);
                }
            }
            Event::Finished { work, state } => {
                tracing::debug!(work, %state, "keeper transaction final");
                for p in &mut self.policies {
                    p.on_finished(&work);
                }
            }
        }
    }

    async fn on_head(&mut self, h: Head) {
        self.health.head(h.number);
        self.offpeak.observe(&h);
        metrics::gauge!(names::HEAD).set(h.number as f64);
        if let Some(prev) = self.last_head
            && h.number > prev.number
            && h.timestamp >= prev.timestamp
        {
            let dt = (h.timestamp - prev.timestamp) as f64 / (h.number - prev.number) as f64;
            self.block_time_s = 0.8 * self.block_time_s + 0.2 * dt.max(0.001);
        }
        if self.last_scan.is_some_and(|s| h.number < s) {
            // The chain went back (a node restarted from an older state): scan from here.
            tracing::warn!(
                head = h.number,
                "the chain head went back; scanning from it"
            );
            self.last_scan = None;
        }
        self.last_head = Some(h);
        if self
            .last_scan
            .is_some_and(|s| h.number < s.saturating_add(self.every_blocks))
        {
            return;
        }
        self.scan(h).await;
        self.poll_logs(h.number).await;
        if self
            .actions
            .send(Action::Tick { head: h.number })
            .await
            .is_err()
        {
            tracing::warn!("the executor has stopped");
        }
    }

    async fn scan(&mut self, h: Head) {
        let now = h.timestamp as f64;
        let horizon = self.block_time_s * self.every_blocks as f64;
        let n = self.targets.len();
        let policies = &self.policies;
        let simulate = self.schedule.plan(now, horizon, |i| {
            policies
                .get(i)
                .is_some_and(|p| p.watching() || p.in_flight().is_some())
        });
        let mut made = simulate.iter().filter(|&&s| s).count() as u64;
        let mut skipped = n as u64 - made;
        let plan = ScanPlan {
            simulate,
            registry: self.registry_ids.clone(),
            checks_only: false,
        };
        let report = match self.scanner.scan(&self.targets, &plan, h.number).await {
            Ok(r) => r,
            Err(e) => {
                m::error("rpc", "scan");
                tracing::warn!(error = %e, "scan failed; retrying on the next block");
                return;
            }
        };
        let mut requests = report.requests;
        let mut seconds = report.seconds;
        let mut checks: Vec<(usize, CheckOutcome, Option<_>)> = Vec::new();
        for (i, t) in report.targets.iter().enumerate() {
            self.schedule
                .observe(i, &self.targets[i], &t.reads, h.timestamp);
            if let Some(c) = &t.check {
                self.schedule.simulated(i, now);
                checks.push((i, c.clone(), t.registry));
            }
        }
        self.sampler
            .sample(&self.schedule, &self.targets, h.number, h.timestamp)
            .await;
        // Fresh triggers among the targets not simulated: simulate them in this block too.
        let follow = self.schedule.follow_up(&plan.simulate);
        if !follow.is_empty() {
            let mut extra = ScanPlan {
                simulate: vec![false; n],
                registry: self.registry_ids.clone(),
                checks_only: true,
            };
            for &i in &follow {
                extra.simulate[i] = true;
            }
            match self.scanner.scan(&self.targets, &extra, h.number).await {
                Ok(r) => {
                    requests += r.requests;
                    seconds += r.seconds;
                    made += follow.len() as u64;
                    skipped = skipped.saturating_sub(follow.len() as u64);
                    for &i in &follow {
                        if let Some(c) = &r.targets[i].check {
                            self.schedule.simulated(i, now);
                            checks.push((i, c.clone(), r.targets[i].registry));
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "follow-up scan failed"),
            }
        }
        self.health.scanned();
        self.last_scan = Some(h.number);
        metrics::histogram!(names::SCAN_SECONDS).record(seconds);
        metrics::gauge!(names::SCAN_CALLS).set(report.calls as f64);
        metrics::gauge!(names::SCAN_TARGETS).set(n as f64);
        metrics::counter!(names::SCAN_REQUESTS).increment(requests);
        metrics::counter!(names::SIMULATIONS).increment(made);
        metrics::counter!(names::SIMULATIONS_SKIPPED).increment(skipped);
        for (i, c, registry) in checks {
            let (needed, perform_data) = match c {
                CheckOutcome::Answered {
                    needed,
                    perform_data,
                } => (needed, perform_data),
                CheckOutcome::Reverted(e) => {
                    m::error("check", &e.name);
                    tracing::debug!(target = self.targets[i].spec.name, error = %e, "checkUpkeep reverts");
                    (false, Default::default())
                }
            };
            self.needed[i] = needed;
            if !needed {
                self.offpeak.clear(i);
            }
            let decision = self.policies[i].on_check(&CheckSeen {
                block: h.number,
                needed,
                perform_data,
                registry,
            });
            if let Some(decision) = decision {
                if !self.offpeak_go(i, &h, &decision.work) {
                    continue;
                }
                tracing::info!(target = self.targets[i].spec.name, work = decision.work, reason = %decision.reason, "perform decided");
                let action = Action::Perform {
                    index: i,
                    decision,
                    head: h.number,
                };
                if self.actions.send(action).await.is_err() {
                    tracing::warn!("the executor has stopped");
                }
            }
        }
        self.publish(h.number, made, skipped);
    }

    async fn poll_logs(&mut self, head: u64) {
        let polled = match self.logs.poll(head).await {
            Ok(p) => p,
            Err(e) => {
                m::error("logs", "poll");
                tracing::warn!(error = %e, "reading logs failed; retrying on the next block");
                return;
            }
        };
        for s in &polled.performs {
            if let Some(p) = self.policies.get_mut(s.target) {
                p.on_perform_seen();
            }
            self.offpeak.clear(s.target);
            tracing::info!(target = self.targets[s.target].spec.name, source = %s.source, block = s.block, tx = %s.tx, "perform seen");
        }
        for (source, n) in &polled.by_source {
            metrics::counter!(names::PERFORMS, "source" => source.as_str()).increment(*n);
        }
        metrics::counter!(names::FILLS).increment(polled.fills);
        self.status.send_modify(|s| {
            for (source, n) in &polled.by_source {
                *s.performs.entry(*source).or_default() += n;
            }
            s.fills += polled.fills;
        });
    }

    fn publish(&self, head: u64, made: u64, skipped: u64) {
        let targets: Vec<TargetStatus> = self
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| TargetStatus {
                name: t.spec.name.clone(),
                kind: t.kind(),
                mode: t.spec.mode,
                drift_bps: self.schedule.drift_bps(i),
                band_bps: self.schedule.band_bps(i),
                needed: self.needed[i],
            })
            .collect();
        self.status.send_modify(|s| {
            s.head = head;
            s.targets = targets;
            s.simulations.0 += made;
            s.simulations.1 += skipped;
        });
    }
}
