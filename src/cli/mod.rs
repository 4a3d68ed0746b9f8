//! The command line: one module per subcommand; their clap doc comments are the `--help`.
//!
//! Errors reach the user as one line, `error: <what went wrong> — <how to fix it>`, and exit
//! code 1; nothing panics.

pub mod bench;
pub mod budget;
pub mod deploy;
pub mod devnet;
pub mod fleet;
pub mod forecast;
pub mod hub;
pub mod keeper;
pub(crate) mod output;
pub mod report;
pub(crate) mod svg;

use std::{io::IsTerminal, process::ExitCode};

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Environment variable with a tracing filter (e.g. `onebalancer=debug`).
pub const LOG_ENV: &str = "ONEBALANCER_LOG";

/// onebalancer: keeper-driven portfolio rebalancers on Chainlink Automation and 1inch.
#[derive(Debug, Parser)]
#[command(name = "onebalancer", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a local anvil chain with Multicall3, the 1inch Limit Order Protocol, the
    /// Chainlink Automation 2.3 stack and the balancer factory deployed, plus a demo
    /// DriftBalancer and TimeBalancer funded with $100,000 each and registered as Automation
    /// upkeeps; print their state; then move the demo prices and perform the upkeeps with a
    /// simulated DON until Ctrl-C (or ONEBALANCER_DEVNET_SECS seconds).
    Devnet(devnet::DevnetArgs),
    /// Deploy the stack, or a portfolio onto it (`--portfolio`), to an RPC endpoint (the same
    /// as the `deploy` binary).
    Deploy(deploy::DeployArgs),
    /// A deployed portfolio against the chain: `fleet status`.
    Fleet(fleet::FleetArgs),
    /// The keeper: serve balancers and upkeep managers as their primary or fallback performer
    /// (`keeper run`), or check a configuration without sending anything (`keeper
    /// check-config`).
    Keeper(keeper::KeeperArgs),
    /// The hub: quote a rebalance request's fees, plan a batch from a file of pending requests,
    /// show a hub keeper's queue, batches and P&L, or hand it a user's signed pull.
    Hub(hub::HubArgs),
    /// Report on a keeper's store: performs by source and path, gas per path and per bp of
    /// drift removed, drift at trigger, fills against the oracle, registry charges measured
    /// against the fee model, cost per month and the next 7 days, top-ups and band changes;
    /// `--chart` draws drift against the bands and upkeep balances against their refill level.
    Report(report::ReportArgs),
    /// Print the Automation fee budget: per-upkeep fees, Drift/Time balancers and fleets per
    /// volatility scenario, buffers, sensitivity, savings, and the economics document's errors.
    Budget(budget::BudgetArgs),
    /// Off-chain drift forecast: evaluate it on simulated markets.
    Forecast(forecast::ForecastArgs),
    /// Benchmarks on a local anvil: what one scan round of N balancers costs the keeper.
    Bench(bench::BenchArgs),
}

/// Entry point of the `onebalancer` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Devnet(args) => run_async(devnet::run(args)),
        Command::Deploy(args) => run_async(deploy::run(args)),
        Command::Fleet(args) => run_async(fleet::run(args)),
        Command::Keeper(args) => run_async(keeper::run(args)),
        Command::Hub(args) => run_async(hub::run(args)),
        Command::Report(args) => run_async(report::run(args)),
        Command::Budget(args) => run_sync(|| budget::run(args)),
        Command::Forecast(args) => run_sync(|| forecast::run(args)),
        Command::Bench(args) => run_async(bench::run(args)),
    }
}

/// Entry point of the `deploy` binary (`script/deploy.rs`).
pub fn deploy_main() -> ExitCode {
    let args = deploy::DeployCli::parse();
    run_async(deploy::run(args.args))
}

fn run_async(fut: impl std::future::Future<Output = eyre::Result<()>>) -> ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(&eyre::eyre!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(fut) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

/// Runs a command that needs no async runtime (pure computation).
fn run_sync(f: impl FnOnce() -> eyre::Result<()>) -> ExitCode {
    init_tracing();
    match f() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

fn init_tracing() {
    let filter = EnvFilter::try_from_env(LOG_ENV)
        .unwrap_or_else(|_| EnvFilter::new("onebalancer=info,warn"));
    // A second initialisation (tests) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Prints an error as one line (its causes joined by ": ") and returns exit code 1.
fn report(err: &eyre::Report) -> ExitCode {
    let line = err
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    output::error_line(&line);
    ExitCode::FAILURE
}

/// The store a keeper config names, which must exist already (read-only commands never create
/// one): `hub status`, `report`.
pub(crate) async fn open_keeper_store(
    config: &crate::keeper::config::KeeperConfig,
) -> eyre::Result<crate::store::Store> {
    use crate::keeper::config::StoreLocation;
    let path = match config.store_location()? {
        StoreLocation::Sqlite(p) => p,
        StoreLocation::Postgres(_) => {
            return Err(eyre::eyre!(
                "[keeper] store is a PostgreSQL URL; this build keeps its state in SQLite — point store at the keeper's SQLite file"
            ));
        }
    };
    if !path.exists() {
        return Err(eyre::eyre!(
            "no keeper store at {} — start the keeper (`onebalancer keeper run --config {}`) first; it creates it",
            path.display(),
            config.file()
        ));
    }
    Ok(crate::store::Store::open(&path.to_string_lossy()).await?)
}
