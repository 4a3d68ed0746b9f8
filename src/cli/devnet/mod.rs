//! `onebalancer devnet`: a local chain with everything deployed, up until Ctrl-C.
//!
//! Starts anvil (from the tools `script/setup.sh` installed) on a free port, builds the contracts
//! with forge, deploys the stack through the same deployer as `script/deploy.rs`, checks the code
//! at every manifest address, creates and funds the demo balancers, registers them as Chainlink
//! Automation upkeeps (recorded in the manifest's `demo` section), writes the manifest, prints a
//! summary with the balancers' state, then keeps the chain mining until Ctrl-C or
//! `ONEBALANCER_DEVNET_SECS` seconds, with scheduled jobs ([`jobs`]): a health check, a
//! simulated DON that performs the upkeeps, and a price mover that walks the demo feeds.

mod args;
mod helpers;
mod live;

pub use args::{DevnetArgs, KeeperModeArg};
use helpers::{dev_signer, dev_signers, hub_summary, price_job, stack_address, verify, watch};

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ext::AnvilApi},
};
use eyre::{WrapErr, eyre};

use crate::{
    chain::{
        Connection,
        anvil::LocalChain,
        bindings::{AutomationRegistry2_3, LinkToken},
        provider,
        provider::code_hash,
    },
    cli::{deploy::deploy_stack, output},
    deploy::{config::DeployConfig, manifest::Manifest},
    devnet::{
        chaos::Chaos,
        demo::{self, spec::DEMO_ASSETS},
        don::Don,
        hub::{self as devnet_hub, HubUsers},
        jobs::{ChaosJob, DonJob, JobReport, JobSpecs, Jobs, PriceJob},
        keeper::{self as devnet_keeper, Serves},
        price_walk::PriceWalk,
        record::{self, DemoRecord},
        summary::{self, DevnetSummary},
        taker::Taker,
    },
    keeper::config::Mode,
    project::Project,
};

/// anvil account that transmits the simulated DON's reports (the first `[don]` transmitter).
const DON_TRANSMITTER_ACCOUNT: usize = 5;
/// anvil accounts whose keys sign the DON's reports (the `[don]` signers).
const DON_SIGNER_ACCOUNTS: [usize; 4] = [1, 2, 3, 4];
/// anvil account that sends the price moves (no other role).
const PRICE_MOVER_ACCOUNT: usize = 9;
/// anvil account that takes the demo's orders.
const TAKER_ACCOUNT: usize = 11;
/// Development accounts anvil starts with: 0 deployer, 1–4 DON signers, 5–8 transmitters, 9
/// price mover, 10 keeper, 11 taker, 12 the hub (its own keeper), 13 the keeper's funding key.
const ANVIL_ACCOUNTS: usize = 14;
/// How often the devnet's keeper asks for a new head (blocks come every second).
const KEEPER_POLL_MS: u64 = 250;

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
    let accounts = ANVIL_ACCOUNTS.to_string();
    let chain = LocalChain::start(&anvil, &["--accounts", &accounts])?;
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
    let demo_path = record::path_beside(&manifest_path);
    let dir = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    for stale in [
        manifest_path.clone(),
        demo_path.clone(),
        dir.join(devnet_keeper::CONFIG_FILE),
        dir.join(devnet_keeper::HUB_FILES.config),
        dir.join(summary::FILE_NAME),
    ] {
        if stale.exists() {
            std::fs::remove_file(&stale)
                .wrap_err_with(|| format!("cannot replace {}", stale.display()))?;
        }
    }
    // The keepers' stores describe the old chain too.
    for data in [
        devnet_keeper::KEEPER_FILES.data_dir,
        devnet_keeper::HUB_FILES.data_dir,
    ] {
        let store_dir = dir.join(data);
        if store_dir.exists() {
            std::fs::remove_dir_all(&store_dir)
                .wrap_err_with(|| format!("cannot replace {}", store_dir.display()))?;
        }
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
    // The demo portfolio on the fresh chain: tokens, feeds, one balancer of each kind, funded,
    // each registered as an upkeep performed through the registry's forwarder.
    let mut demo = demo::create(&conn, &project.out_dir(), &manifest)
        .await
        .wrap_err("devnet demo failed")?;
    let automation = demo::upkeeps::register(&conn, &manifest, &mut demo)
        .await
        .wrap_err("registering the demo upkeeps failed")?;
    // The manager-served fleet: more DriftBalancers behind one UpkeepManager, one upkeep.
    demo.fleet = Some(
        demo::fleet::create(&conn, &project.out_dir(), &manifest, &demo, &automation)
            .await
            .wrap_err("creating the demo fleet failed")?,
    );
    if args.cooldown.is_some() || args.order_ttl.is_some() {
        let d = demo::spec::default_params();
        let cooldown = args.cooldown.unwrap_or(d.globalCooldown);
        demo::tune(&conn, &demo, cooldown, args.order_ttl.unwrap_or(d.orderTtl))
            .await
            .wrap_err("tuning the demo balancers failed")?;
    }
    let keeper_key = dev_signer(&chain, devnet_keeper::KEEPER_ACCOUNT)?;
    // Allow-listed even with --no-keeper: `.devnet/keeper.toml` is for running one by hand.
    devnet_keeper::allow(&conn, &demo, keeper_key.address())
        .await
        .wrap_err("allow-listing the devnet keeper failed")?;
    // The keeper's upkeeps are funded from anvil account 13 (its own nonces), with LINK from
    // the deployer; its native coin is anvil's.
    let funding_key = dev_signer(&chain, devnet_keeper::FUNDING_ACCOUNT)?;
    demo::send(
        &conn,
        "LINK.transfer(funding account, 10,000 LINK)",
        automation.link,
        &LinkToken::transferCall {
            to: funding_key.address(),
            amount: U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u8)),
        },
    )
    .await
    .wrap_err("funding the devnet's funding account with LINK failed")?;
    // A second keeper, of anvil account 12, is the hub of the stack's HubDepository for the
    // demo's USDC.
    let hub_key = dev_signer(&chain, devnet_keeper::HUB_ACCOUNT)?;
    let hub = {
        let usdc = demo
            .assets
            .iter()
            .find(|a| a.symbol == "USDC")
            .ok_or_else(|| eyre!("the demo has no USDC for the hub"))?;
        let hub_conn = provider::connect(&url, hub_key.clone()).await?;
        let setup = devnet_hub::setup(
            &conn,
            &hub_conn,
            (
                stack_address(&manifest, "hub_depository")?,
                manifest
                    .contracts
                    .get("hub_depository")
                    .and_then(|c| c.block),
            ),
            usdc.token,
            usdc.decimals,
        )
        .await
        .wrap_err("setting up the devnet hub failed")?;
        drop(hub_conn);
        setup
    };
    let hub_section = hub.section(config.feeds.native_usd);
    let mut states = Vec::with_capacity(demo.balancers.len());
    for b in &demo.balancers {
        states.push(demo::state::read_state(&conn, &b.key, &b.kind, b.address).await?);
    }
    let don = Don::connect(
        &url,
        automation.registry,
        dev_signers(&chain)?,
        dev_signer(&chain, DON_TRANSMITTER_ACCOUNT)?,
    )
    .await
    .wrap_err("cannot start the simulated DON")?;
    don.set_stopped(args.don_stopped);
    let prices = price_job(&args, &chain, &url, &manifest, &demo).await?;
    if args.block_time > 0 {
        conn.provider
            .anvil_set_interval_mining(args.block_time)
            .await
            .wrap_err("cannot switch anvil to interval mining")?;
    }
    manifest.save(&manifest_path)?;
    // Written last: the demo record means the chain is in its final mode and nothing of ours is
    // still setting up (the jobs start after it).
    demo.save(&demo_path)?;

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
    output::line(&format!("demo: {}", demo_path.display()));
    output::demo_upkeeps(&demo.balancers);
    if let Some(f) = &demo.fleet {
        output::demo_fleet(f);
    }
    output::line(&format!(
        "simulated DON: reports signed by {} of the registry's signers (f + 1, anvil accounts {}–{}), transmitted by {} (anvil account {DON_TRANSMITTER_ACCOUNT}); {}",
        don.signers().len(),
        DON_SIGNER_ACCOUNTS[0],
        DON_SIGNER_ACCOUNTS[0] + don.signers().len().saturating_sub(1),
        don.transmitter(),
        if args.don_stopped {
            "stopped (--don-stopped): upkeeps are not performed".to_string()
        } else if args.chaos {
            format!(
                "a round every {} s, stopping for random windows (--chaos, seed {})",
                args.don_every, args.chaos_seed
            )
        } else {
            format!("a round every {} s", args.don_every)
        }
    ));
    output::line(&match &prices {
        Some(_) => format!(
            "prices: WBTC and WETH walk {} bp per step every {} s (seed {}), stables ±2 bp; registry feeds refreshed each step",
            args.price_step_bps, args.price_every, args.price_seed
        ),
        None => "prices: still (--price-every 0)".into(),
    });

    let options = devnet_keeper::Options {
        mode: match args.keeper_mode {
            KeeperModeArg::Fallback => Mode::Fallback,
            KeeperModeArg::Primary => Mode::Primary,
        },
        grace_blocks: args.grace_blocks,
        poll_ms: KEEPER_POLL_MS,
    };
    let file = |p: &Path| {
        p.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let files = (file(&manifest_path), file(&demo_path));
    let chain_at = (conn.chain_id, url.as_str());
    let (keeper_files, hub_files) = (
        (&devnet_keeper::KEEPER_FILES, files.0.as_str()),
        (&devnet_keeper::HUB_FILES, files.0.as_str()),
    );
    let (keeper, hub_keeper) = if args.no_keeper {
        let (_, path) = devnet_keeper::write_config(
            &dir,
            chain_at,
            keeper_files,
            Serves::Demo(&files.1, Some(&funding_key)),
            &keeper_key,
            options,
        )
        .wrap_err("cannot write the devnet keeper's config")?;
        let (_, hub_path) = devnet_keeper::write_config(
            &dir,
            chain_at,
            hub_files,
            Serves::Hub(&hub_section),
            &hub_key,
            options,
        )
        .wrap_err("cannot write the devnet hub keeper's config")?;
        output::line(&format!(
            "keeper: none (--no-keeper); to run them: ONEBALANCER_KEYSTORE_PASSWORD={} onebalancer keeper run --config {} (and --config {} for the hub)",
            devnet_keeper::KEYSTORE_PASSWORD,
            path.display(),
            hub_path.display()
        ));
        (None, None)
    } else {
        let running = devnet_keeper::start(
            &dir,
            chain_at,
            keeper_files,
            Serves::Demo(&files.1, Some(&funding_key)),
            keeper_key,
            options,
        )
        .await
        .wrap_err("cannot start the devnet keeper")?;
        output::line(&format!(
            "keeper: {} (anvil account {}) serves the demo in {} mode{} through the same code as `keeper run`; config {}, store {}, metrics {}",
            running.address,
            devnet_keeper::KEEPER_ACCOUNT,
            match options.mode {
                Mode::Fallback => "fallback",
                Mode::Primary => "primary",
            },
            match options.mode {
                Mode::Fallback =>
                    format!(" (after {} blocks without a perform)", options.grace_blocks),
                Mode::Primary => String::new(),
            },
            running.config.display(),
            running.store,
            running.metrics.as_deref().unwrap_or("off"),
        ));
        let hub_running = devnet_keeper::start(
            &dir,
            chain_at,
            hub_files,
            Serves::Hub(&hub_section),
            hub_key,
            options,
        )
        .await
        .wrap_err("cannot start the devnet hub keeper")?;
        (Some(running), Some(hub_running))
    };
    let taker = if args.no_taker {
        output::line("taker: none (--no-taker): published orders expire unfilled");
        None
    } else {
        let lop = stack_address(&manifest, "limit_order_protocol")?;
        let taker_conn = provider::connect(&url, dev_signer(&chain, TAKER_ACCOUNT)?).await?;
        output::line(&format!(
            "taker: {} (anvil account {TAKER_ACCOUNT}) fills the demo's published orders on the 1inch protocol when they pay at the feed prices",
            taker_conn.from
        ));
        let from = conn.provider.get_block_number().await?;
        Some(Taker::new(taker_conn, lop, &demo, from))
    };
    let hub_users = match (&hub_keeper, args.hub_every) {
        (Some(k), every) if every > 0 => {
            let users = HubUsers::new(
                hub.clone(),
                &url,
                Path::new(&k.store),
                conn.chain_id,
                args.price_seed,
            )
            .await
            .wrap_err("cannot start the devnet hub's users")?;
            Some((users, Duration::from_secs(every)))
        }
        _ => None,
    };
    output::line(&format!(
        "hub: {} (anvil account {}, a keeper of its own) is the hub of HubDepository {} for USDC ({} reserve); {}; see `onebalancer hub status --config {}`",
        hub.hub,
        devnet_keeper::HUB_ACCOUNT,
        hub.depository,
        devnet_hub::HUB_RESERVE,
        match &hub_users {
            Some((_, every)) => format!(
                "{} simulated users ask for top-ups, cancel and sign pulls every {} s",
                devnet_hub::USERS,
                every.as_secs()
            ),
            None => "no simulated users (--hub-every 0 or --no-keeper)".into(),
        },
        dir.join(devnet_keeper::HUB_FILES.config).display()
    ));
    match args.secs {
        Some(secs) => output::line(&format!("devnet ready; stopping after {secs} s")),
        None => output::line("devnet ready; press Ctrl-C to stop"),
    }

    let chaos = (args.chaos && !args.don_stopped)
        .then(|| ChaosJob::new(Chaos::new(args.chaos_seed), don.stop_switch()));
    let switch = don.stop_switch();
    let don_job = DonJob::new(don, automation);
    let started = std::time::Instant::now();
    let jobs = Jobs::start(
        provider::read_only(&url)?,
        JobSpecs {
            don: Some((don_job, Duration::from_secs(args.don_every))),
            prices: prices.map(|p| (p, Duration::from_secs(args.price_every))),
            taker: taker.map(|t| (t, Duration::from_secs(1))),
            chaos,
            hub_users,
        },
    )
    .await?;
    let status = keeper.as_ref().map(|k| k.status.clone());
    let live = live::Live::start(provider::read_only(&url)?, &demo, status, switch);
    let stopped = watch(jobs, args.secs).await;
    let (report, outcome) = match stopped {
        Ok(report) => (report, Ok(())),
        Err((report, e)) => (report, Err(e)),
    };
    drop(live);
    if let Some(line) = &report.don_line {
        output::line(line);
    }
    let hub_numbers = match hub_keeper {
        Some(h) => {
            let store = h.store.clone();
            if let Err(e) = h.stop().await {
                tracing::warn!(error = %format!("{e:#}"), "the hub keeper stopped with an error");
            }
            match hub_summary(&store, conn.chain_id, &hub_section).await {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot summarise the hub");
                    None
                }
            }
        }
        None => None,
    };
    if let Some(k) = keeper {
        let symbol = |t: Address| automation.symbol(t);
        let (address, locations) = (k.address, (k.store.clone(), k.metrics.clone()));
        match k.stop().await {
            Ok(store_summary) => {
                let mut s = DevnetSummary::new(
                    started.elapsed().as_secs(),
                    &store_summary,
                    address,
                    report.don.clone(),
                    report.taker,
                    symbol,
                    locations.clone(),
                );
                if let Some(h) = hub_numbers {
                    s = s.with_hub(h, report.hub_users);
                }
                for line in s.lines() {
                    output::line(&line);
                }
                let path = dir.join(summary::FILE_NAME);
                s.save(&path)
                    .wrap_err_with(|| format!("cannot write {}", path.display()))?;
                output::line(&format!("summary: {}", path.display()));
            }
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "the keeper stopped with an error"),
        }
    }
    // Close every client before the chain goes away, so no background poller outlives it.
    drop(conn);
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(chain);
    tracing::info!("anvil stopped");
    outcome
}
