//! `onebalancer keeper`: run the keeper as a daemon, or check its configuration.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use eyre::WrapErr;

use crate::{
    cli::output,
    keeper::{check, config::KeeperConfig, service::Keeper},
};

/// Options of `keeper`.
#[derive(Debug, Clone, Args)]
pub struct KeeperArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeeperCommand,
}

/// Subcommands of `keeper`.
#[derive(Debug, Clone, Subcommand)]
pub enum KeeperCommand {
    /// Serve the configured balancers and upkeep managers until Ctrl-C or SIGTERM: scan them
    /// every block (Multicall3, simulated from address 0), perform them — at once in primary
    /// mode, after the grace blocks in fallback mode — through the keeper's own transaction
    /// manager, and record everything in the store. The signing key comes from
    /// ONEBALANCER_PRIVATE_KEY, or the [keeper] keystore with ONEBALANCER_KEYSTORE_PASSWORD.
    /// Refuses to start on anything check-config refuses.
    Run(ConfigArg),
    /// Check a configuration without sending anything: the file, the node and its chain id, the
    /// key, every target's code and kind, the keeper's allow-listing on every target, its
    /// balance.
    CheckConfig(ConfigArg),
    /// Print a commented example configuration with every default.
    Example,
}

/// `--config FILE`.
#[derive(Debug, Clone, Args)]
pub struct ConfigArg {
    /// The keeper's TOML configuration (see `onebalancer keeper example`).
    #[arg(long, value_name = "FILE", default_value = "keeper.toml")]
    pub config: PathBuf,
}

/// Runs `keeper`.
pub async fn run(args: KeeperArgs) -> eyre::Result<()> {
    match args.command {
        KeeperCommand::Run(a) => {
            let config = KeeperConfig::load(&a.config)?;
            // Refuse at start whatever check-config refuses (a keeper not allow-listed, too
            // small a balance, …), before the store is created or anything is sent.
            check::check_config(&config).await?;
            let key = check::load_key(&config)?;
            let keeper = Keeper::start(&config, key).await?;
            output::line(&format!(
                "keeper {} serving {} targets on chain {}; store {}; metrics {}",
                keeper.address(),
                keeper.targets().len(),
                config.chain.chain_id,
                keeper.store().location(),
                keeper
                    .metrics_addr()
                    .map_or("off".to_string(), |a| format!("http://{a}/metrics")),
            ));
            let summary = keeper.run(stop_signal()).await?;
            output::line(&format!(
                "keeper stopped: {}",
                serde_json::to_string(&summary).wrap_err("printing the summary")?
            ));
            Ok(())
        }
        KeeperCommand::CheckConfig(a) => {
            let config = KeeperConfig::load(&a.config)?;
            let report = check::check_config(&config).await?;
            output::line(&report);
            Ok(())
        }
        KeeperCommand::Example => {
            output::line(KeeperConfig::example().trim_end());
            Ok(())
        }
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
