//! `devnet`'s helpers: the dev keys, the price job, the manifest's code check, the hub summary
//! and the wait for a stop.

use super::*;

/// The hub's numbers from its keeper's store.
pub(super) async fn hub_summary(
    store: &str,
    chain_id: u64,
    section: &crate::keeper::config::HubSection,
) -> eyre::Result<crate::keeper::hub::report::HubSummary> {
    use crate::keeper::{config::KeeperConfig, hub::report};
    let mut config = KeeperConfig::new(chain_id, ".");
    config.hub = Some(section.clone());
    let settings = config
        .hub()?
        .ok_or_else(|| eyre!("the devnet hub's section went missing"))?;
    let store = crate::store::Store::open(store).await?;
    let (requests, batches) = report::read(&store, chain_id, &settings).await?;
    store.close().await;
    Ok(report::summarize(&settings, &requests, &batches)?)
}

/// anvil's development key `index` (a well-known test key).
pub(super) fn dev_signer(
    chain: &LocalChain,
    index: usize,
) -> eyre::Result<alloy::signers::local::PrivateKeySigner> {
    chain
        .dev_signer(index)
        .ok_or_else(|| eyre!("anvil reported no development account {index} — restart devnet"))
}

/// The DON signers' keys (anvil accounts 1–4, the local default of `[don] signers`).
pub(super) fn dev_signers(
    chain: &LocalChain,
) -> eyre::Result<Vec<alloy::signers::local::PrivateKeySigner>> {
    DON_SIGNER_ACCOUNTS
        .iter()
        .map(|i| dev_signer(chain, *i))
        .collect()
}

/// The price mover, unless prices stay still: the demo feeds walk from the demo's starting
/// prices; the registry's three feeds are refreshed.
pub(super) async fn price_job(
    args: &DevnetArgs,
    chain: &LocalChain,
    url: &str,
    manifest: &Manifest,
    demo: &DemoRecord,
) -> eyre::Result<Option<PriceJob>> {
    if args.price_every == 0 {
        return Ok(None);
    }
    let start: Vec<i64> = DEMO_ASSETS
        .iter()
        .map(|a| i64::try_from(a.price).unwrap_or(i64::MAX))
        .collect();
    let stable: Vec<bool> = DEMO_ASSETS.iter().map(|a| a.stable).collect();
    let walk = PriceWalk::new(&start, &stable, args.price_step_bps, args.price_seed)?;
    let multicall = stack_address(manifest, "multicall3")?;
    let registry = AutomationRegistry2_3::new(
        stack_address(manifest, "registry")?,
        provider::read_only(url)?,
    );
    let read = |what: &'static str| {
        move |e: alloy::contract::Error| eyre!("reading the registry's {what} feed: {e}")
    };
    let registry_feeds = vec![
        registry
            .getLinkUSDFeedAddress()
            .call()
            .await
            .map_err(read("LINK/USD"))?,
        registry
            .getNativeUSDFeedAddress()
            .call()
            .await
            .map_err(read("native/USD"))?,
        registry
            .getFastGasFeedAddress()
            .call()
            .await
            .map_err(read("fast gas"))?,
    ];
    let conn: Connection = provider::connect(url, dev_signer(chain, PRICE_MOVER_ACCOUNT)?).await?;
    Ok(Some(PriceJob::new(
        conn,
        multicall,
        demo.assets.iter().map(|a| a.feed).collect(),
        registry_feeds,
        walk,
    )))
}

pub(super) fn stack_address(manifest: &Manifest, key: &str) -> eyre::Result<Address> {
    manifest.address(key).ok_or_else(|| {
        eyre!("the manifest has no `{key}` — the deployment is incomplete; rerun devnet")
    })
}

/// Checks every manifest contract has exactly the recorded code; returns how many do.
pub(super) async fn verify(
    conn: &provider::Connection,
    manifest: &Manifest,
) -> eyre::Result<usize> {
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

/// Waits for Ctrl-C (or SIGTERM), the time limit, or the chain to stop answering (the health
/// check); then stops the jobs, waiting for the runs in flight, and returns their report.
pub(super) async fn watch(
    mut jobs: Jobs,
    secs: Option<u64>,
) -> Result<JobReport, (JobReport, eyre::Report)> {
    let limit = async {
        match secs {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => std::future::pending().await,
        }
    };
    let result = tokio::select! {
        () = crate::cli::keeper::stop_signal() => Ok(()),
        () = limit => Ok(()),
        Some(reason) = jobs.failed.recv() => Err(eyre!("the devnet chain stopped answering: {reason} — restart `onebalancer devnet`")),
    };
    let report = jobs.stop().await;
    match result {
        Ok(()) => Ok(report),
        Err(e) => Err((report, e)),
    }
}
