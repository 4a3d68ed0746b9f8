//! `onebalancer bench`: benchmarks on a local anvil ([`crate::devnet::bench`] sets up and
//! measures; this module reads the options and prints the figures).
#![allow(clippy::print_stdout)] // the table and JSON printers below are this subcommand's output

use clap::{Args, Subcommand, ValueEnum};
use eyre::WrapErr;

use crate::devnet::bench::{self, Bar, ScanOptions, ScanReport};

/// Options of `bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// What to measure.
    #[command(subcommand)]
    pub command: BenchCommand,
}

/// Subcommands of `bench`.
#[derive(Debug, Clone, Subcommand)]
pub enum BenchCommand {
    /// Deploy N funded DriftBalancers on a fresh anvil and measure one full scan round of them:
    /// the keeper's Multicall3 scan against one eth_call per balancer (bar: ≥ 20× faster), its
    /// HTTP requests (bar: ≤ 10), and the resident memory of a keeper process serving them
    /// (bar: ≤ 64 MiB).
    Scan(ScanArgs),
}

/// Options of `bench scan`.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Balancers to create and scan.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub balancers: u64,
    /// Timed rounds of each kind; the medians are reported.
    #[arg(long, value_name = "R", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub repetitions: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Do not run `forge build` first (use out/ as it is).
    #[arg(long)]
    pub no_build: bool,
    /// Measure the scan in a drifted market: WETH's feed 20 % up, so every balancer needs a
    /// rebalance and every check builds its plan (the heavier check).
    #[arg(long)]
    pub drifted: bool,
    /// Hold every request of the timed rounds this many milliseconds in the proxy, as a remote
    /// RPC's round trip would (both the scan's and the naive keeper's; default: none, anvil's
    /// own sub-millisecond round trip).
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub rpc_latency_ms: u64,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// JSON for programs.
    Json,
}

/// Runs `bench`.
pub async fn run(args: BenchArgs) -> eyre::Result<()> {
    match args.command {
        BenchCommand::Scan(a) => {
            let report = bench::scan(ScanOptions {
                balancers: usize::try_from(a.balancers).unwrap_or(usize::MAX),
                repetitions: usize::try_from(a.repetitions).unwrap_or(usize::MAX),
                build: !a.no_build,
                drifted: a.drifted,
                rpc_latency_ms: a.rpc_latency_ms,
            })
            .await
            .wrap_err("bench scan")?;
            match a.format {
                Format::Json => {
                    let text =
                        serde_json::to_string_pretty(&report).wrap_err("bench scan: JSON")?;
                    println!("{text}");
                }
                Format::Table => table(&report),
            }
            Ok(())
        }
    }
}

fn table(r: &ScanReport) {
    println!(
        "bench scan: {} balancers on anvil{}, {} build, medians of {} rounds; setup {:.1} s ({} transactions)",
        r.balancers,
        match (r.drifted, r.rpc_latency_ms) {
            (false, 0) => String::new(),
            (true, 0) => " (drifted market)".into(),
            (false, ms) => format!(" (+{ms} ms per request)"),
            (true, ms) => format!(" (drifted market, +{ms} ms per request)"),
        },
        r.build_profile,
        r.repetitions,
        r.setup_secs,
        r.setup_transactions
    );
    println!("{:<18} {:>12}  {:<10} result", "figure", "value", "bar");
    row(
        "multicall_secs",
        &format!("{:.4}", r.multicall_secs),
        "",
        None,
    );
    row("naive_secs", &format!("{:.4}", r.naive_secs), "", None);
    row(
        "keeper_round_secs",
        &format!("{:.4}", r.keeper_round_secs),
        "",
        None,
    );
    row(
        "speedup",
        &format!("×{:.1}", r.speedup),
        &format!("≥ {}", bench::SPEEDUP_MIN),
        Some(&r.bars.speedup),
    );
    row(
        "keeper_speedup",
        &format!("×{:.1}", r.keeper_round_speedup),
        &format!("≥ {}", bench::SPEEDUP_MIN),
        Some(&r.bars.keeper_round_speedup),
    );
    row(
        "rpc_requests",
        &r.rpc_requests.to_string(),
        &format!("≤ {}", bench::RPC_REQUESTS_MAX),
        Some(&r.bars.rpc_requests),
    );
    row(
        "resident_mib",
        &format!("{:.1}", r.resident_mib),
        &format!("≤ {}", bench::RESIDENT_MIB_MAX),
        Some(&r.bars.resident_mib),
    );
    let methods: Vec<String> = r
        .rpc_calls_by_method
        .iter()
        .map(|(m, n)| format!("{m} {n}"))
        .collect();
    println!(
        "one round: {} Multicall3 sub-calls (call gas cap {}), calls by method: {}; naive: {} requests of {:.2} ms each; {} checks need work",
        r.scan_calls,
        r.call_gas_cap,
        methods.join(", "),
        r.naive_rpc_requests,
        r.naive_ms_per_request,
        r.checks_needed
    );
    println!(
        "the keeper's own round (after its first): {} checks simulated, {} requests; \
         multicall_secs and speedup simulate every check",
        r.keeper_round_checks, r.keeper_round_requests
    );
    println!(
        "keeper: peak VmRSS {:.1} MiB over {} readings, VmHWM {:.1} MiB, {} scans served",
        r.resident_mib, r.resident_readings, r.resident_hwm_mib, r.keeper_scans
    );
}

fn row(name: &str, value: &str, bar: &str, met: Option<&Bar>) {
    let result = match met {
        Some(b) if b.met => "met",
        Some(_) => "MISSED",
        None => "",
    };
    println!("{name:<18} {value:>12}  {bar:<10} {result}");
}
