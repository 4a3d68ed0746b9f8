//! The two ways to check N balancers at one block, timed against the same anvil through the same
//! [`RpcProxy`], which counts the HTTP requests and the JSON-RPC calls of each round.
//!
//! - **Multicall** (the keeper's way): [`targets::sync`] once (not timed), then rounds of
//!   [`Scanner::scan`] with every target simulated — per target its four reads and its
//!   `checkUpkeep("")`, the feeds once, all packed into Multicall3 batches from address 0 under
//!   the keeper's default call gas cap.
//! - **Naive**: one `eth_call` of `checkUpkeep("")` per balancer from address 0, one after the
//!   other, at the same block.
//!
//! Both must agree: every check answers, the same ones need work, and every balance the scan
//! reads is what the setup deposited.

use std::{collections::BTreeMap, time::Instant};

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use eyre::{WrapErr, eyre};

use crate::{
    chain::{multicall::Multicall, ours::Balancer},
    devnet::{
        bench::{fleet::Fleet, resident},
        rpc_proxy::RpcProxy,
    },
    keeper::{
        collect::scan::{CheckOutcome, ScanPlan, ScanReport, Scanner},
        config::{Mode, TargetKind, TargetSpec},
        strategy::schedule::Schedule,
        targets::{self, Target},
    },
};

/// What the rounds measured.
#[derive(Debug, Clone)]
pub(crate) struct Rounds {
    /// Seconds of each multicall round.
    pub(crate) multicall_secs: Vec<f64>,
    /// HTTP requests of each multicall round.
    pub(crate) requests: Vec<u64>,
    /// JSON-RPC calls by method of the last multicall round.
    pub(crate) by_method: BTreeMap<String, u64>,
    /// Multicall3 sub-calls in one round.
    pub(crate) calls: usize,
    /// Targets whose check says a perform is needed.
    pub(crate) needed: usize,
    /// Seconds of each naive round.
    pub(crate) naive_secs: Vec<f64>,
    /// CPU seconds anvil and this process spent in each multicall round.
    pub(crate) multicall_cpu: Vec<Cpu>,
    /// The same for each naive round.
    pub(crate) naive_cpu: Vec<Cpu>,
    /// HTTP requests of one naive round.
    pub(crate) naive_requests: u64,
    /// Seconds of each round as the keeper plans it (its [`Schedule`] after one full round).
    pub(crate) keeper_secs: Vec<f64>,
    /// HTTP requests of each such round.
    pub(crate) keeper_requests: Vec<u64>,
    /// Checks the keeper's schedule simulated in its last round (follow-ups included).
    pub(crate) keeper_checks: usize,
}

/// CPU seconds spent during one round.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Cpu {
    /// By anvil.
    pub(crate) anvil: f64,
    /// By this process (the scan or the naive loop, and the proxy).
    pub(crate) client: f64,
}

/// CPU counters of anvil and this process.
struct CpuMeter {
    anvil: String,
    start: (f64, f64),
}

impl CpuMeter {
    fn start(anvil_pid: u32) -> Self {
        let anvil = anvil_pid.to_string();
        let start = Self::now(&anvil);
        Self { anvil, start }
    }

    fn now(anvil: &str) -> (f64, f64) {
        (
            resident::cpu_secs(anvil).unwrap_or(0.0),
            resident::cpu_secs("self").unwrap_or(0.0),
        )
    }

    fn stop(self) -> Cpu {
        let (a, c) = Self::now(&self.anvil);
        Cpu {
            anvil: a - self.start.0,
            client: c - self.start.1,
        }
    }
}

/// How the rounds run: how many of each kind, anvil's process for its CPU time, and the
/// keeper's scan cadence from its configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pace {
    /// Timed rounds of each kind.
    pub(crate) repetitions: usize,
    /// anvil's process id.
    pub(crate) anvil_pid: u32,
    /// Seconds until the next scan (the forecast's horizon).
    pub(crate) horizon_s: f64,
    /// The schedule's heartbeat, seconds.
    pub(crate) max_skip_s: f64,
}

/// Reads the `fleet`'s balancers as the keeper `keeper` would, through `proxy`, at the current
/// block, as often as `pace` says.
pub(crate) async fn rounds(
    proxy: &RpcProxy,
    multicall: Multicall,
    registry: Option<Address>,
    fleet: &Fleet,
    keeper: Address,
    pace: Pace,
) -> eyre::Result<Rounds> {
    let Pace {
        repetitions,
        anvil_pid,
        ..
    } = pace;
    let (balancers, units) = (&fleet.balancers[..], &fleet.units[..]);
    let reader = multicall.provider().clone();
    let block = reader.get_block_number().await.map_err(|e| {
        eyre!("eth_blockNumber failed: {e} — the benchmark's anvil stopped answering; rerun")
    })?;
    let specs = balancers
        .iter()
        .enumerate()
        .map(|(i, &address)| TargetSpec {
            address,
            kind: Some(TargetKind::Balancer),
            name: format!("bench_{i}"),
            mode: Mode::Fallback,
            grace_blocks: 3,
            upkeep_id: None,
            origin: format!("bench balancer {i}"),
        })
        .collect();
    let targets = targets::sync(&multicall, specs, keeper, block).await?;
    if let Some(t) = targets.iter().find(|t| !t.keeper_allowed) {
        return Err(eyre!(
            "{} does not allow-list the keeper {keeper} — its setFallbackKeeper did not land; rerun",
            t.spec.name
        ));
    }
    let scanner = Scanner::new(multicall, registry, &targets);
    let n = targets.len();
    let plan = ScanPlan {
        simulate: vec![true; n],
        registry: vec![None; n],
        checks_only: false,
    };
    let mut multicall_secs = Vec::with_capacity(repetitions);
    let mut requests = Vec::with_capacity(repetitions);
    let mut by_method = BTreeMap::new();
    let mut last = None;
    let mut multicall_cpu = Vec::with_capacity(repetitions);
    for _ in 0..repetitions {
        proxy.reset_stats();
        let cpu = CpuMeter::start(anvil_pid);
        let started = Instant::now();
        let report = scanner
            .scan(&targets, &plan, block)
            .await
            .wrap_err("the keeper's scan failed")?;
        multicall_secs.push(started.elapsed().as_secs_f64());
        multicall_cpu.push(cpu.stop());
        let stats = proxy.stats();
        requests.push(stats.http_requests);
        by_method = stats.by_method;
        last = Some(report);
    }
    let report = last.ok_or_else(|| eyre!("--repetitions must be at least 1"))?;
    let answers = verify(&targets, &report, units)?;
    let keeper_rounds = scheduled(proxy, &scanner, &targets, &report, &reader, block, pace).await?;

    let mut naive_secs = Vec::with_capacity(repetitions);
    let mut naive_requests = 0;
    let mut naive_cpu = Vec::with_capacity(repetitions);
    for _ in 0..repetitions {
        proxy.reset_stats();
        let cpu = CpuMeter::start(anvil_pid);
        let started = Instant::now();
        let naive = naive_round(&reader, balancers, block).await?;
        naive_secs.push(started.elapsed().as_secs_f64());
        naive_cpu.push(cpu.stop());
        naive_requests = proxy.stats().http_requests;
        if naive != answers {
            return Err(eyre!(
                "the naive checks and the keeper's scan disagree at block {block} — a bug in the scan; report it"
            ));
        }
    }
    Ok(Rounds {
        multicall_secs,
        requests,
        by_method,
        calls: report.calls,
        needed: answers.iter().filter(|&&needed| needed).count(),
        naive_secs,
        naive_requests,
        multicall_cpu,
        naive_cpu,
        keeper_secs: keeper_rounds.0,
        keeper_requests: keeper_rounds.1,
        keeper_checks: keeper_rounds.2,
    })
}

/// Rounds as the keeper's engine runs them at `block`: a [`Schedule`] fed the full round
/// `first` (every target read and simulated, as the keeper's first scan is), then each round's
/// plan from it — reads of every target, checks where it expects work, and the follow-up checks
/// of fresh triggers in the same block. Seconds, requests and the last round's checks.
async fn scheduled(
    proxy: &RpcProxy,
    scanner: &Scanner,
    targets: &[Target],
    first: &ScanReport,
    reader: &DynProvider,
    block: u64,
    pace: Pace,
) -> eyre::Result<(Vec<f64>, Vec<u64>, usize)> {
    let registry = vec![None; targets.len()];
    let timestamp = reader
        .get_block_by_number(block.into())
        .await
        .map_err(|e| eyre!("eth_getBlockByNumber({block}) failed: {e} — the benchmark's anvil stopped answering; rerun"))?
        .ok_or_else(|| eyre!("anvil has no block {block} — rerun"))?
        .header
        .timestamp;
    let now = timestamp as f64;
    let mut schedule = Schedule::new(targets, true, pace.max_skip_s);
    for (i, t) in first.targets.iter().enumerate() {
        schedule.observe(i, &targets[i], &t.reads, timestamp);
        schedule.simulated(i, now);
    }
    let (mut secs, mut requests, mut checks) = (Vec::new(), Vec::new(), 0);
    for _ in 0..pace.repetitions {
        proxy.reset_stats();
        let started = Instant::now();
        let plan = ScanPlan {
            simulate: schedule.plan(now, pace.horizon_s, |_| false),
            registry: registry.clone(),
            checks_only: false,
        };
        let report = scanner
            .scan(targets, &plan, block)
            .await
            .wrap_err("the keeper's scheduled scan failed")?;
        checks = report.simulated;
        for (i, t) in report.targets.iter().enumerate() {
            schedule.observe(i, &targets[i], &t.reads, timestamp);
        }
        let follow = schedule.follow_up(&plan.simulate);
        if !follow.is_empty() {
            let mut simulate = vec![false; targets.len()];
            for &i in &follow {
                simulate[i] = true;
            }
            let extra = ScanPlan {
                simulate,
                registry: registry.clone(),
                checks_only: true,
            };
            let r = scanner
                .scan(targets, &extra, block)
                .await
                .wrap_err("the keeper's follow-up scan failed")?;
            checks += r.simulated;
        }
        secs.push(started.elapsed().as_secs_f64());
        requests.push(proxy.stats().http_requests);
    }
    Ok((secs, requests, checks))
}

/// Checks the scan read every balancer as set up; returns each check's `upkeepNeeded`.
fn verify(targets: &[Target], report: &ScanReport, units: &[U256]) -> eyre::Result<Vec<bool>> {
    let mut needed = Vec::with_capacity(targets.len());
    for (t, s) in targets.iter().zip(&report.targets) {
        let name = &t.spec.name;
        let read = s.reads.first().and_then(Option::as_ref).ok_or_else(|| {
            eyre!("the scan could not read {name} — its reads failed; rerun with ONEBALANCER_LOG=onebalancer=debug")
        })?;
        if read.balances != units {
            return Err(eyre!(
                "{name} holds {:?}, not the {units:?} deposited — its funding did not land; rerun",
                read.balances
            ));
        }
        match &s.check {
            Some(CheckOutcome::Answered { needed: n, .. }) => needed.push(*n),
            Some(CheckOutcome::Reverted(e)) => {
                return Err(eyre!(
                    "{name}'s checkUpkeep reverted in the scan: {e} — the benchmark's balancers are misconfigured"
                ));
            }
            None => {
                return Err(eyre!(
                    "the scan did not simulate {name} — a bug in the scan"
                ));
            }
        }
    }
    Ok(needed)
}

/// One `eth_call` of `checkUpkeep("")` per balancer from address 0 at `block`, in order; each
/// one's `upkeepNeeded`.
async fn naive_round(
    reader: &DynProvider,
    balancers: &[Address],
    block: u64,
) -> eyre::Result<Vec<bool>> {
    let data = Bytes::from(Balancer::checkUpkeepCall(Bytes::new()).abi_encode());
    let mut out = Vec::with_capacity(balancers.len());
    for &b in balancers {
        let request = TransactionRequest::default()
            .with_from(Address::ZERO)
            .with_to(b)
            .with_input(data.clone());
        let raw = reader
            .call(request)
            .block(BlockId::number(block))
            .await
            .map_err(|e| {
                eyre!("the naive eth_call of {b}.checkUpkeep failed: {e} — the benchmark's anvil stopped answering; rerun")
            })?;
        let r = Balancer::checkUpkeepCall::abi_decode_returns(&raw).map_err(|e| {
            eyre!("{b}.checkUpkeep's answer does not decode: {e} — rebuild the contracts and rerun")
        })?;
        out.push(r.upkeepNeeded);
    }
    Ok(out)
}
