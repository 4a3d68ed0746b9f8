//! `onebalancer bench scan`: what one full scan round of N balancers costs the keeper, against
//! the naive keeper that calls each balancer's `checkUpkeep` on its own, on a real chain.
//!
//! It starts anvil (automine, default limits), deploys the stack with the devnet's deployer,
//! the four demo tokens and feeds, and N DriftBalancers through the factory, each funded at its
//! targets and allow-listing the keeper ([`fleet`]); the setup is timed on its own. Then, through
//! an [`RpcProxy`] in front of anvil ([`measure`]):
//! - `multicall_secs`: the median of `repetitions` rounds of the keeper's own
//!   [`Scanner::scan`](crate::keeper::collect::scan::Scanner::scan) with every target simulated,
//!   after one target sync; `rpc_requests` is the HTTP requests of a round (the largest seen);
//! - `naive_secs`: the median of as many rounds of one `eth_call` of `checkUpkeep("")` per
//!   balancer from address 0, sequential, at the same block;
//! - `keeper_round_secs`: the median of as many rounds as the keeper's engine plans them after
//!   that first full round ([`Schedule::plan`](crate::keeper::strategy::schedule::Schedule::plan)):
//!   every target read, checks only where the keeper's own drift evaluation or the forecast
//!   expects work, follow-up checks of fresh triggers in the same block. In a quiet market that
//!   is reads alone; in a drifted one (`--drifted`) every target is checked.
//!
//! On anvil at localhost the naive round trip is about half a millisecond and the scan is bound
//! by the EVM work anvil does for it (five sub-calls per balancer), so `naive_secs /
//! multicall_secs` stays near ×7 there; each millisecond of round trip a real RPC adds costs
//! the naive keeper N of them and the scan a handful. `naive_ms_per_request` says which case a
//! report measured.
//!
//! `--rpc-latency-ms` holds every request of the timed rounds that long in the proxy, as a
//! remote RPC would (both kinds alike; the target sync before them too).
//!
//! Last, `resident_mib`: the peak resident memory of a real `onebalancer keeper run` process
//! serving all N balancers while anvil mines a block a second ([`resident`]). The figures come
//! with the build profile of this executable: the scan code measured runs in it (and in the
//! keeper child, the same executable).

mod fleet;
mod measure;
mod pipeline;
mod report;
mod resident;

pub use report::{Bar, Bars, ScanReport, median};

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use alloy::providers::ext::AnvilApi;
use eyre::{WrapErr, eyre};

use crate::{
    chain::{anvil::LocalChain, multicall::Multicall, provider},
    cli::deploy::deploy_stack,
    deploy::{config::DeployConfig, manifest::Manifest},
    devnet::{
        keeper::KEEPER_ACCOUNT,
        rpc_proxy::{Fault, RpcProxy},
    },
    keeper::config::{KeeperConfig, TargetEntry, TargetKind},
    project::Project,
};

/// Bar: naive / multicall at least this.
pub const SPEEDUP_MIN: f64 = 20.0;
/// Bar: HTTP requests of one scan round at most this.
pub const RPC_REQUESTS_MAX: u64 = 10;
/// Bar: the keeper's resident memory at most this, MiB.
pub const RESIDENT_MIB_MAX: f64 = 64.0;
/// anvil's development accounts: 0 the deployer, [`KEEPER_ACCOUNT`] the keeper.
const ANVIL_ACCOUNTS: usize = KEEPER_ACCOUNT + 1;
/// Block states anvil keeps (the keeper reads at heads a few blocks old at most).
const KEPT_STATES: u64 = 64;

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions {
    /// Balancers to create and scan.
    pub balancers: usize,
    /// Timed rounds of each kind.
    pub repetitions: usize,
    /// Run `forge build` first.
    pub build: bool,
    /// Measure the scan in a drifted market: WETH 20 % up, so every check builds its plan
    /// (the price is restored before the keeper's memory is read).
    pub drifted: bool,
    /// Milliseconds the proxy holds every request of the timed rounds before forwarding it (a
    /// remote RPC's round trip; 0: anvil's own).
    pub rpc_latency_ms: u64,
}

/// Removes the benchmark's folder (config, manifest, keeper store) when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the benchmark.
pub async fn scan(options: ScanOptions) -> eyre::Result<ScanReport> {
    let project = Project::locate()?;
    if options.build {
        tracing::info!("building contracts (forge build)");
        project.forge_build()?;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let scratch = Scratch(
        std::env::temp_dir().join(format!("onebalancer-bench-{}-{nanos}", std::process::id())),
    );
    std::fs::create_dir_all(&scratch.0).map_err(|e| {
        eyre!(
            "cannot create {}: {e} — check the temporary folder is writable (TMPDIR)",
            scratch.0.display()
        )
    })?;

    let started = Instant::now();
    let accounts = ANVIL_ACCOUNTS.to_string();
    // Automine and anvil's default limits. `--prune-history` keeps only the last
    // [`KEPT_STATES`] block states, in memory: by default anvil also writes older states to
    // disk, which for the setup's thousands of one-transaction blocks costs gigabytes and most
    // of the time. Every read here is at the head.
    let kept = KEPT_STATES.to_string();
    let chain = LocalChain::start(
        &project.anvil()?,
        &["--accounts", &accounts, "--prune-history", &kept],
    )?;
    let url = chain.endpoint();
    tracing::info!(%url, balancers = options.balancers, "anvil started");
    let dev = |i: usize| {
        chain
            .dev_signer(i)
            .ok_or_else(|| eyre!("anvil reported no development account {i} — rerun"))
    };
    let conn = provider::connect(&url, dev(0)?).await?;
    let keeper_key = dev(KEEPER_ACCOUNT)?;
    let keeper = keeper_key.address();
    let mut manifest = Manifest::new(conn.chain_id);
    manifest.rpc_url = Some(url.clone());
    let config = DeployConfig::default().with_chain_defaults(conn.chain_id);
    let manifest_path = scratch.0.join("manifest.json");
    deploy_stack(
        &conn,
        &project,
        &config,
        &manifest_path,
        &mut manifest,
        false,
    )
    .await
    .wrap_err("deploying the stack for the benchmark failed")?;
    let multicall3 = stack(&manifest, "multicall3")?;
    let registry = manifest.address("registry");
    tracing::info!("stack deployed; creating the fleet");
    let fleet = fleet::create(
        &conn,
        &project.out_dir(),
        &manifest,
        options.balancers,
        keeper,
    )
    .await
    .wrap_err("setting up the benchmark fleet failed")?;
    let setup_secs = started.elapsed().as_secs_f64();
    tracing::info!(
        setup_secs,
        transactions = fleet.transactions,
        tokens = fleet.assets.len(),
        "fleet ready"
    );

    // The keeper's configuration: what the child runs with, and the measurement's gas cap and
    // request timeout.
    let mut kc = KeeperConfig::new(conn.chain_id, &scratch.0);
    kc.chain.rpc_url = Some(url.clone());
    kc.keeper.data_dir = PathBuf::from("keeper");
    kc.contracts.multicall3 = Some(multicall3);
    kc.contracts.registry = registry;
    kc.metrics.listen = "127.0.0.1:0".into();
    kc.targets = fleet
        .balancers
        .iter()
        .enumerate()
        .map(|(i, &address)| TargetEntry {
            address,
            kind: Some(TargetKind::Balancer),
            name: Some(format!("bench_{i}")),
            mode: None,
            grace_blocks: None,
            upkeep_id: None,
        })
        .collect();
    let config_path = resident::write_config(&scratch.0, &kc)?;

    if options.drifted {
        fleet::set_market(&conn, &fleet, true).await?;
    }
    let proxy = RpcProxy::start(&url)?;
    if options.rpc_latency_ms > 0 {
        proxy.set_fault(Fault::Delay(Duration::from_millis(options.rpc_latency_ms)));
    }
    let reader = provider::read_only_with_timeout(&proxy.url(), kc.request_timeout())?;
    let multicall = Multicall::new(reader, multicall3, kc.chain.call_gas_cap);
    let rounds = measure::rounds(
        &proxy,
        multicall,
        registry,
        &fleet,
        keeper,
        measure::Pace {
            repetitions: options.repetitions,
            anvil_pid: chain.pid(),
            // As the engine: the next scan `every_blocks` blocks of `poll_interval` away.
            horizon_s: kc.poll_interval().as_secs_f64().max(1.0) * kc.scan.every_blocks as f64,
            max_skip_s: kc.max_skip().as_secs_f64(),
        },
    )
    .await
    .wrap_err("measuring the scan failed")?;
    proxy.shutdown().await;
    if options.drifted {
        fleet::set_market(&conn, &fleet, false).await?;
    }

    conn.provider
        .anvil_set_interval_mining(1)
        .await
        .map_err(|e| eyre!("cannot switch anvil to a block a second: {e} — rerun"))?;
    let key_hex = alloy::hex::encode(keeper_key.to_bytes());
    let res = resident::measure(&config_path, &key_hex)
        .await
        .wrap_err("measuring the keeper's memory failed")?;
    drop(conn);
    drop(chain);

    let multicall_secs = median(&rounds.multicall_secs);
    let naive_secs = median(&rounds.naive_secs);
    let speedup = if multicall_secs > 0.0 {
        naive_secs / multicall_secs
    } else {
        0.0
    };
    let rpc_requests = rounds.requests.iter().copied().max().unwrap_or(0);
    let keeper_round_secs = median(&rounds.keeper_secs);
    let keeper_round_speedup = if keeper_round_secs > 0.0 {
        naive_secs / keeper_round_secs
    } else {
        0.0
    };
    Ok(ScanReport {
        balancers: options.balancers,
        build_profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        repetitions: options.repetitions,
        drifted: options.drifted,
        rpc_latency_ms: options.rpc_latency_ms,
        setup_secs,
        setup_transactions: fleet.transactions,
        multicall_secs,
        multicall_rounds_secs: rounds.multicall_secs,
        naive_secs,
        naive_rounds_secs: rounds.naive_secs,
        multicall_anvil_cpu_secs: median_of(&rounds.multicall_cpu, |c| c.anvil),
        multicall_client_cpu_secs: median_of(&rounds.multicall_cpu, |c| c.client),
        naive_anvil_cpu_secs: median_of(&rounds.naive_cpu, |c| c.anvil),
        naive_client_cpu_secs: median_of(&rounds.naive_cpu, |c| c.client),
        speedup,
        naive_ms_per_request: if rounds.naive_requests > 0 {
            naive_secs * 1000.0 / rounds.naive_requests as f64
        } else {
            0.0
        },
        keeper_round_secs,
        keeper_round_rounds_secs: rounds.keeper_secs,
        keeper_round_requests: rounds.keeper_requests.iter().copied().max().unwrap_or(0),
        keeper_round_checks: rounds.keeper_checks,
        keeper_round_speedup,
        rpc_requests,
        rpc_calls_by_method: rounds.by_method,
        naive_rpc_requests: rounds.naive_requests,
        scan_calls: rounds.calls,
        call_gas_cap: kc.chain.call_gas_cap,
        checks_needed: rounds.needed,
        resident_mib: res.peak_mib,
        resident_hwm_mib: res.hwm_mib,
        resident_readings: res.readings,
        keeper_scans: res.scans,
        bars: Bars {
            speedup: Bar::at_least(speedup, SPEEDUP_MIN),
            keeper_round_speedup: Bar::at_least(keeper_round_speedup, SPEEDUP_MIN),
            rpc_requests: Bar::at_most(rpc_requests as f64, RPC_REQUESTS_MAX as f64),
            resident_mib: Bar::at_most(res.peak_mib, RESIDENT_MIB_MAX),
        },
    })
}

fn stack(manifest: &Manifest, key: &str) -> eyre::Result<alloy::primitives::Address> {
    manifest.address(key).ok_or_else(|| {
        eyre!("the benchmark's deployment has no `{key}` — the stack is incomplete; rerun")
    })
}

fn median_of(xs: &[measure::Cpu], f: impl Fn(&measure::Cpu) -> f64) -> f64 {
    median(&xs.iter().map(f).collect::<Vec<_>>())
}
