//! `onebalancer forecast`: the off-chain drift forecast's tools.
#![allow(clippy::print_stdout)] // the table and JSON printers below are this subcommand's output

use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use eyre::WrapErr;

use crate::model::forecast::eval::{self, EvalConfig, EvalReport};

/// Options of `forecast`.
#[derive(Debug, Clone, Args)]
pub struct ForecastArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ForecastCommand,
}

/// Subcommands of `forecast`.
#[derive(Debug, Clone, Subcommand)]
pub enum ForecastCommand {
    /// Simulate markets (correlated GBM, volatility regimes, jumps; fixed seed) and compare the
    /// forecast policy with checking every 60 s, per volatility level: share of no-op checks
    /// skipped (bar ≥ 70 %) and share of band crossings noticed late (bar ≤ 0.5 %).
    Eval(EvalArgs),
}

/// Options of `forecast eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// Simulated paths per volatility level.
    #[arg(long, default_value_t = 1000)]
    pub paths: usize,
    /// Days per path (one step a minute).
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Seed of every random stream.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Annual volatilities of the volatile assets, in percent; one evaluation each.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "20,60,120",
        allow_hyphen_values = true
    )]
    pub vol: Vec<f64>,
    /// Correlation between the two volatile assets.
    #[arg(long, default_value_t = 0.8, allow_hyphen_values = true)]
    pub correlation: f64,
    /// Crossing probability the forecast accepts before its next check.
    #[arg(long, default_value_t = 0.001)]
    pub risk: f64,
    /// Standard deviation of the keeper's own price feed against the on-chain feeds, bp.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    pub feed_noise_bps: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// JSON for programs.
    Json,
}

/// Runs `forecast`.
pub fn run(args: ForecastArgs) -> eyre::Result<()> {
    match args.command {
        ForecastCommand::Eval(a) => run_eval(a),
    }
}

fn run_eval(args: EvalArgs) -> eyre::Result<()> {
    if let Some(bad) = args.vol.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        eyre::bail!(
            "forecast eval: --vol {bad} is out of range — give annual volatilities in percent, \
             0 or more (e.g. --vol 20,60,120)"
        );
    }
    let mut config = EvalConfig {
        paths: args.paths,
        days: args.days,
        seed: args.seed,
        vols: args.vol.iter().map(|v| v / 100.0).collect(),
        correlation: args.correlation,
        ..EvalConfig::default()
    };
    config.forecast.risk = args.risk;
    config.forecast.feed_noise_bps = args.feed_noise_bps;
    let started = Instant::now();
    let report = eval::run(&config).wrap_err("forecast eval")?;
    let secs = started.elapsed().as_secs_f64();
    match args.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&report).wrap_err("forecast eval: JSON")?;
            println!("{text}");
        }
        Format::Table => table(&report, secs),
    }
    Ok(())
}

fn table(report: &EvalReport, secs: f64) {
    let c = &report.config;
    println!(
        "{} paths × {} days, seed {}, step {} s, risk {} — {:.1} s",
        c.paths, c.days, c.seed, c.step_s, c.forecast.risk, secs
    );
    println!(
        "{:>5}  {:>11} {:>11} {:>9} {:>9} {:>8} {:>9} {:>8}  bars",
        "vol", "naive chk", "forecast", "f. noop", "triggers", "delayed", "skipped", "delay"
    );
    for r in &report.regimes {
        println!(
            "{:>4.0}%  {:>11} {:>11} {:>9} {:>9} {:>8} {:>8.2}% {:>7.3}%  {}",
            r.vol * 100.0,
            r.naive_checks,
            r.forecast_checks,
            r.forecast_noop_checks,
            r.triggers,
            r.triggers_delayed,
            r.noop_checks_skipped_pct,
            r.triggers_delayed_pct,
            if r.bars_met { "met" } else { "MISSED" }
        );
    }
    println!(
        "bars: skipped ≥ {}%, delayed ≤ {}% in every regime — {}",
        report.min_skipped_pct,
        report.max_delayed_pct,
        if report.bars_met { "met" } else { "MISSED" }
    );
}
