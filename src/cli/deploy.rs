//! `deploy` (also `onebalancer deploy`): deploy the stack to an RPC endpoint, idempotently.

use std::path::PathBuf;

use alloy::primitives::Address;
use clap::Parser;
use eyre::WrapErr;

use crate::{
    chain::{
        provider::{self, Connection},
        signer::{self, SignerError},
    },
    cli::{fleet, output},
    deploy::{Deployer, config::DeployConfig, manifest::Manifest, plan, portfolio::PortfolioSpec},
    project::Project,
};

/// Deploy Multicall3, the 1inch Limit Order Protocol and the Chainlink Automation 2.3 stack to
/// an RPC endpoint, recording everything in deployments/<chainId>.json. Re-running skips what is
/// already deployed and unchanged. The signing key comes from ONEBALANCER_PRIVATE_KEY or
/// --keystore (password in ONEBALANCER_KEYSTORE_PASSWORD), never from arguments or files.
#[derive(Debug, Parser)]
#[command(name = "deploy", version)]
pub struct DeployCli {
    /// Deployment options.
    #[command(flatten)]
    pub args: DeployArgs,
}

/// Options of `deploy`.
#[derive(Debug, Clone, clap::Args)]
pub struct DeployArgs {
    /// JSON-RPC endpoint.
    #[arg(
        long,
        env = "ONEBALANCER_RPC_URL",
        default_value = "http://127.0.0.1:8545"
    )]
    pub rpc_url: String,
    /// Encrypted JSON keystore holding the deployer key (password from
    /// ONEBALANCER_KEYSTORE_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub keystore: Option<PathBuf>,
    /// Deploy configuration (TOML): existing contracts, DON, registry and registrar parameters.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Manifest to read and write [default: deployments/<chainId>.json].
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Show what would be deployed and configured, sending nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run and no key: plan as this deployer address.
    #[arg(long, value_name = "ADDRESS", requires = "dry_run")]
    pub from: Option<Address>,
    /// Do not run `forge build` first (use out/ as it is).
    #[arg(long)]
    pub no_build: bool,
    /// Deploy this portfolio spec (TOML: assets, feeds, balancers, managers, upkeeps; see
    /// script/portfolio.example.toml) onto the stack the manifest records, instead of the stack.
    /// Everything is checked on chain before anything is sent.
    #[arg(long, value_name = "FILE")]
    pub portfolio: Option<PathBuf>,
}

/// Runs a deployment.
pub async fn run(args: DeployArgs) -> eyre::Result<()> {
    // Inputs that need no network first, so a bad key or config fails before anything else.
    provider::parse_url(&args.rpc_url)?;
    let signer = match signer::load_signer(args.keystore.as_deref()) {
        Ok(s) => Some(s),
        Err(SignerError::Missing) if args.dry_run && args.from.is_some() => None,
        Err(e) => return Err(e.into()),
    };
    let config = DeployConfig::load(args.config.as_deref())?;
    let portfolio = args
        .portfolio
        .as_deref()
        .map(PortfolioSpec::from_file)
        .transpose()?;
    let project = Project::locate()?;

    let conn = match (signer, args.from) {
        (Some(signer), _) => provider::connect(&args.rpc_url, signer).await?,
        (None, Some(from)) => provider::connect_read_only(&args.rpc_url, from).await?,
        (None, None) => return Err(SignerError::Missing.into()),
    };
    let config = config.with_chain_defaults(conn.chain_id);
    config.validate()?;
    let manifest_path = args.manifest.clone().unwrap_or_else(|| {
        project
            .deployments_dir()
            .join(format!("{}.json", conn.chain_id))
    });
    let mut manifest = Manifest::load_for_chain(&manifest_path, conn.chain_id, &conn.url)?;

    if !args.no_build {
        project.forge_build()?;
    }
    if let Some(spec) = portfolio {
        return fleet::deploy_portfolio(
            &conn,
            &project,
            &spec,
            &manifest_path,
            &mut manifest,
            args.dry_run,
        )
        .await;
    }
    let outcomes = deploy_stack(
        &conn,
        &project,
        &config,
        &manifest_path,
        &mut manifest,
        args.dry_run,
    )
    .await
    .wrap_err_with(|| format!("deployment to chain {} stopped", conn.chain_id))?;

    let mode = if args.dry_run {
        "plan (dry run, nothing sent)"
    } else {
        "deployed"
    };
    output::line(&format!("{mode}: chain {} as {}", conn.chain_id, conn.from));
    output::deployment(&outcomes, &manifest);
    if !args.dry_run {
        output::line(&format!("manifest: {}", manifest_path.display()));
    }
    Ok(())
}

/// Deploys the whole stack (shared with `devnet`).
pub(crate) async fn deploy_stack(
    conn: &Connection,
    project: &Project,
    config: &DeployConfig,
    manifest_path: &std::path::Path,
    manifest: &mut Manifest,
    dry_run: bool,
) -> eyre::Result<Vec<crate::deploy::Outcome>> {
    let deployer = Deployer::new(conn, &project.out_dir(), manifest_path, dry_run);
    Ok(deployer.run(&plan::stack(), config, manifest).await?)
}
