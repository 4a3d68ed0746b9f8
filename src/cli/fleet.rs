//! `onebalancer fleet status` and the report of `deploy --portfolio`.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};
use clap::{Parser, Subcommand};
use eyre::WrapErr;

use crate::{
    chain::provider::{self, Connection},
    cli::output::{self, amount, group},
    deploy::{
        manifest::Manifest,
        portfolio::{
            PortfolioSpec,
            check::check,
            report::{Report, Status},
            run,
            status::{FleetStatus, fleet_status},
        },
    },
    project::Project,
};

/// `fleet` options.
#[derive(Debug, Parser)]
pub struct FleetArgs {
    /// What to show.
    #[command(subcommand)]
    pub command: FleetCommand,
}

/// `fleet` subcommands.
#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// What the manifest records for the portfolio against the chain: each balancer and
    /// manager (address, code, owner, assets and targets against --portfolio), each upkeep
    /// (balance, minimum balance, paused, cancelled). Reads only; no key needed.
    Status(StatusArgs),
}

/// `fleet status` options.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// JSON-RPC endpoint.
    #[arg(
        long,
        env = "ONEBALANCER_RPC_URL",
        default_value = "http://127.0.0.1:8545"
    )]
    pub rpc_url: String,
    /// Manifest to read [default: deployments/<chainId>.json].
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// The portfolio spec to compare assets and targets with.
    #[arg(long, value_name = "FILE")]
    pub portfolio: Option<PathBuf>,
}

/// Runs `fleet …`.
pub async fn run(args: FleetArgs) -> eyre::Result<()> {
    match args.command {
        FleetCommand::Status(a) => status(a).await,
    }
}

async fn status(args: StatusArgs) -> eyre::Result<()> {
    provider::parse_url(&args.rpc_url)?;
    let spec = args
        .portfolio
        .as_deref()
        .map(PortfolioSpec::from_file)
        .transpose()?;
    let chain_id = provider::chain_id_of(&args.rpc_url).await?;
    let path = match args.manifest {
        Some(p) => p,
        None => Project::locate()?
            .deployments_dir()
            .join(format!("{chain_id}.json")),
    };
    let manifest = Manifest::load_for_chain(&path, chain_id, &args.rpc_url)?;
    let from = manifest.deployer.unwrap_or(Address::ZERO);
    let conn = provider::connect_read_only(&args.rpc_url, from).await?;
    let s = fleet_status(&conn, &manifest, spec.as_ref()).await?;
    print_status(&s, chain_id, &path);
    let problems = s.problems();
    if problems.is_empty() {
        return Ok(());
    }
    Err(eyre::eyre!(
        "the fleet needs attention: {} — deploy what is missing with `deploy --portfolio`, fund or unpause the upkeeps named",
        problems.join("; ")
    ))
}

fn print_status(s: &FleetStatus, chain_id: u64, path: &Path) {
    output::line(&format!("fleet on chain {chain_id} ({})", path.display()));
    output::line(&format!(
        "{:<28} {:<42} {:<5} {:<42} spec",
        "contract", "address", "code", "owner"
    ));
    for c in &s.contracts {
        let owner = c.owner.map_or_else(|| "-".into(), |o| o.to_string());
        let spec = match &c.matches {
            None => "-".to_string(),
            Some(Ok(())) => "matches".to_string(),
            Some(Err(why)) => format!("DIFFERS: {why}"),
        };
        let code = if c.has_code { "yes" } else { "NO" };
        output::line(&format!(
            "{:<28} {:<42} {:<5} {owner:<42} {spec}",
            c.key, c.address, code
        ));
    }
    if !s.upkeeps.is_empty() {
        output::line(&format!(
            "{:<28} {:>24} {:>24} {:>24}  state",
            "upkeep", "id", "balance", "min balance"
        ));
        for u in &s.upkeeps {
            let mut state = Vec::new();
            if u.cancelled {
                state.push("CANCELLED");
            }
            if u.paused {
                state.push("PAUSED");
            }
            if u.balance < u.min_balance {
                state.push("UNDERFUNDED");
            }
            if !u.target_matches {
                state.push("TARGET DIFFERS");
            }
            if state.is_empty() {
                state.push("active");
            }
            let id = u.id.to_string();
            let id = if id.len() > 24 {
                format!("…{}", &id[id.len() - 23..])
            } else {
                id
            };
            output::line(&format!(
                "{:<28} {id:>24} {:>24} {:>24}  {}",
                u.key,
                amount(u.balance, 18),
                amount(u.min_balance, 18),
                state.join(", ")
            ));
        }
    }
    for m in &s.missing {
        output::line(&format!(
            "{m:<28} not deployed (in the spec, not in the manifest)"
        ));
    }
    output::line(if s.healthy() {
        "fleet: healthy"
    } else {
        "fleet: NEEDS ATTENTION"
    });
}

/// `deploy --portfolio`: the on-chain checks, then the walk (or its plan), then the report.
pub(crate) async fn deploy_portfolio(
    conn: &Connection,
    project: &Project,
    spec: &PortfolioSpec,
    path: &Path,
    manifest: &mut Manifest,
    dry_run: bool,
) -> eyre::Result<()> {
    let resolved = check(conn, spec, manifest)
        .await
        .wrap_err_with(|| format!("portfolio check on chain {} (nothing sent)", conn.chain_id))?;
    let report = run::run(
        conn,
        &project.out_dir(),
        path,
        manifest,
        spec,
        &resolved,
        dry_run,
    )
    .await
    .wrap_err_with(|| format!("portfolio deployment to chain {} stopped", conn.chain_id))?;
    let mode = if dry_run {
        "portfolio plan (dry run, nothing sent)"
    } else {
        "portfolio deployed"
    };
    output::line(&format!("{mode}: chain {} as {}", conn.chain_id, conn.from));
    print_report(&report);
    if !dry_run {
        output::line(&format!("manifest: {}", path.display()));
    }
    Ok(())
}

fn print_report(r: &Report) {
    output::line(&format!(
        "{:<40} {:<14} {:<42} {:>11}",
        "step", "status", "address", "gas"
    ));
    for l in &r.lines {
        let status = match l.status {
            Status::Done => "done",
            Status::Unchanged => "unchanged",
            Status::Would => "would send",
        };
        let address = l.address.map_or_else(|| "-".into(), |a| a.to_string());
        let gas = l.gas.map_or_else(
            || "-".into(),
            |g| group(usize::try_from(g).unwrap_or(usize::MAX)),
        );
        let note = if l.assumed {
            "  (assumed: target not deployed yet)"
        } else {
            ""
        };
        output::line(&format!(
            "{:<40} {status:<14} {address:<42} {gas:>11}{note}",
            l.key
        ));
    }
    if !r.sends_anything() {
        output::line("nothing to send: every step is recorded and unchanged");
        return;
    }
    let verb = if r.lines.iter().any(|l| l.status == Status::Would) {
        "estimated"
    } else {
        "used"
    };
    let value = if r.value.is_zero() {
        String::new()
    } else {
        format!(
            " + {} native for native-billed upkeeps",
            amount(r.value, 18)
        )
    };
    output::line(&format!(
        "{verb}: {} gas x {} gwei = {} native{value} = {} native",
        group(usize::try_from(r.gas()).unwrap_or(usize::MAX)),
        amount(U256::from(r.gas_price), 9),
        amount(r.native_cost() - r.value, 18),
        amount(r.native_cost(), 18),
    ));
    for u in &r.upkeeps {
        output::line(&format!(
            "upkeep {}: funding {} {sym}, registry minimum balance {} {sym}, a perform at its whole gas limit {} {sym} (fee model) at current prices",
            u.key,
            amount(u.funding, 18),
            amount(u.min_balance, 18),
            amount(u.perform_charge, 18),
            sym = u.symbol
        ));
    }
}
