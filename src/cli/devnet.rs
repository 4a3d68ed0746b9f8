//! `onebalancer devnet`: a local chain with everything deployed, up until Ctrl-C.
//!
//! Starts anvil (from the tools `script/setup.sh` installed) on a free port, builds the contracts
//! with forge, deploys the stack through the same deployer as `script/deploy.rs`, checks the code
//! at every manifest address, creates and funds the demo balancers (recorded in the manifest's
//! `demo` section), writes the manifest, prints a summary with the balancers' state, then keeps
//! the chain mining and watched (a scheduled health check) until Ctrl-C or
//! `ONEBALANCER_DEVNET_SECS` seconds.

use std::{path::PathBuf, time::Duration};

use alloy::providers::{Provider, ext::AnvilApi};
use eyre::{WrapErr, eyre};
use tokio::sync::mpsc;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::{
    chain::{anvil::LocalChain, provider, provider::code_hash},
    cli::{deploy::deploy_stack, output},
    deploy::{config::DeployConfig, demo, manifest::Manifest},
    project::Project,
};

/// How often the health check asks the chain for its block number.
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(5);

/// Options of `devnet`.
#[derive(Debug, Clone, clap::Args)]
pub struct DevnetArgs {
    /// Where to write the deployment manifest (relative paths: from the project root).
    #[arg(long, value_name = "FILE", default_value = ".devnet/manifest.json")]
    pub manifest: PathBuf,
    /// Deploy configuration (TOML), as for `deploy`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Seconds between blocks once deployed (0: mine only on transactions).
    #[arg(long, default_value_t = 1)]
    pub block_time: u64,
    /// Stop after this many seconds instead of waiting for Ctrl-C.
    #[arg(long, env = "ONEBALANCER_DEVNET_SECS", value_name = "SECS")]
    pub secs: Option<u64>,
    /// Do not run `forge build` first (use out/ as it is).
    #[arg(long)]
    pub no_build: bool,
}

/// Runs the devnet.
pub async fn run(args: DevnetArgs) -> eyre::Result<()> {
    let project = Project::locate()?;
    let config = DeployConfig::load(args.config.as_deref())?;
    let manifest_path = if args.manifest.is_absolute() {
        args.manifest.clone()
    } else {
        project.root().join(&args.manifest)
    };
    if !args.no_build {
        tracing::info!("building contracts (forge build)");
        project.forge_build()?;
    }

    let anvil = project.anvil()?;
    let chain = LocalChain::start(&anvil, &[])?;
    let url = chain.endpoint();
    tracing::info!(%url, "anvil started");
    let deployer_key = chain
        .dev_signer(0)
        .ok_or_else(|| eyre!("anvil reported no development accounts"))?;
    let conn = provider::connect(&url, deployer_key).await?;

    let config = config.with_chain_defaults(conn.chain_id);
    // A fresh chain: any earlier devnet manifest describes a chain that is gone.
    let mut manifest = Manifest::new(conn.chain_id);
    manifest.rpc_url = Some(url.clone());
    if manifest_path.exists() {
        std::fs::remove_file(&manifest_path)
            .wrap_err_with(|| format!("cannot replace {}", manifest_path.display()))?;
    }
    let outcomes = deploy_stack(
        &conn,
        &project,
        &config,
        &manifest_path,
        &mut manifest,
        false,
    )
    .await
    .wrap_err("devnet deployment failed")?;

    let verified = verify(&conn, &manifest).await?;
    // The demo portfolio on the fresh chain: tokens, feeds, one balancer of each kind, funded.
    let demo = demo::create(&conn, &project.out_dir(), &manifest)
        .await
        .wrap_err("devnet demo failed")?;
    let mut states = Vec::with_capacity(demo.balancers.len());
    for b in &demo.balancers {
        states.push(demo::state::read_state(&conn, &b.key, &b.kind, b.address).await?);
    }
    manifest.demo = Some(demo);
    if args.block_time > 0 {
        conn.provider
            .anvil_set_interval_mining(args.block_time)
            .await
            .wrap_err("cannot switch anvil to interval mining")?;
    }
    // Written last: a manifest with its demo section means the chain is in its final mode and
    // nothing of ours is still sending transactions.
    manifest.save(&manifest_path)?;

    output::line(&format!(
        "onebalancer devnet: chain {} at {url} (anvil, {})",
        conn.chain_id,
        if args.block_time > 0 {
            format!("a block every {} s", args.block_time)
        } else {
            "mining on demand".into()
        }
    ));
    output::line(&format!("deployer {} (anvil account 0)", conn.from));
    output::deployment(&outcomes, &manifest);
    output::line(&format!("manifest: {}", manifest_path.display()));
    output::line(&format!(
        "verified: {verified}/{} contracts have the recorded code at their manifest address",
        manifest.contracts.len()
    ));
    output::demo_balancers(&states);
    match args.secs {
        Some(secs) => output::line(&format!("devnet ready; stopping after {secs} s")),
        None => output::line("devnet ready; press Ctrl-C to stop"),
    }

    let stopped = watch(&url, args.secs).await;
    // Close every client before the chain goes away, so no background poller outlives it.
    drop(conn);
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(chain);
    tracing::info!("anvil stopped");
    stopped
}

/// Checks every manifest contract has exactly the recorded code; returns how many do.
async fn verify(conn: &provider::Connection, manifest: &Manifest) -> eyre::Result<usize> {
    for (key, record) in &manifest.contracts {
        let code = conn.code_at(record.address).await?;
        if code.is_empty() || code_hash(&code) != record.code_hash {
            return Err(eyre!(
                "{key} at {}: on-chain code is not what was deployed — rerun devnet; if it repeats, delete out/ and rebuild",
                record.address
            ));
        }
    }
    Ok(manifest.contracts.len())
}

/// Waits for Ctrl-C, the time limit, or the chain to stop answering (a scheduled health check).
async fn watch(url: &str, secs: Option<u64>) -> eyre::Result<()> {
    let (failed_tx, mut failed_rx) = mpsc::channel::<String>(1);
    let scheduler = JobScheduler::new()
        .await
        .wrap_err("cannot start the scheduler")?;
    let reader = provider::read_only(url)?;
    let job = Job::new_repeated_async(HEALTH_CHECK_EVERY, move |_id, _sched| {
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
        .add(job)
        .await
        .wrap_err("cannot schedule the health check")?;
    scheduler
        .start()
        .await
        .wrap_err("cannot start the scheduler")?;

    let limit = async {
        match secs {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => std::future::pending().await,
        }
    };
    let result = tokio::select! {
        r = tokio::signal::ctrl_c() => r.wrap_err("cannot listen for Ctrl-C"),
        () = limit => Ok(()),
        Some(reason) = failed_rx.recv() => Err(eyre!("the devnet chain stopped answering: {reason} — restart `onebalancer devnet`")),
    };
    let mut scheduler = scheduler;
    if let Err(e) = scheduler.shutdown().await {
        tracing::warn!(error = %e, "scheduler shutdown");
    }
    result
}
