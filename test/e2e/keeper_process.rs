//! `onebalancer keeper run` as its own process against a devnet that runs no keeper, in primary
//! mode, with the chain and the node misbehaving under it: killed with SIGKILL between broadcast
//! and confirmation (and the mempool lost) then restarted; an RPC that answers errors, then
//! hangs, for 30 s; the node restarted from a dump of its state. Each time it recovers by
//! itself: no duplicate perform, no stuck nonce, nothing lost from the store.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, I256},
    providers::{DynProvider, Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use onebalancer::{
    chain::{anvil::LocalChain, bindings::MockV3Aggregator, provider},
    deploy::config::ANVIL_DEV_ACCOUNTS,
    devnet::{
        record::DemoRecord,
        rpc_proxy::{Fault, RpcProxy},
    },
    store::{Store, TxState},
};

use crate::{
    devnet::{ctrl_c, spawn_devnet},
    keeper_devnet::{KEEPER, OnChain, performs},
    support::*,
};

/// A devnet where nobody performs (DON stopped, no keeper) and prices stay still.
fn quiet_devnet(dir: &Path) -> (Child, String, DemoRecord) {
    let (child, manifest, demo) = spawn_devnet(
        &dir.join("devnet.json"),
        &[
            ("ONEBALANCER_DON_STOPPED", "1"),
            ("ONEBALANCER_DEVNET_PRICE_SECS", "0"),
            ("ONEBALANCER_DEVNET_NO_KEEPER", "1"),
        ],
    );
    (child, manifest.rpc_url.unwrap(), demo)
}

/// `keeper run` on the devnet's `keeper.toml`, primary, through `rpc` when given.
fn keeper(dir: &Path, rpc: Option<&str>, log: &str) -> Child {
    let out = std::fs::File::create(dir.join(format!("{log}.out"))).unwrap();
    let err = std::fs::File::create(dir.join(format!("{log}.err"))).unwrap();
    let mut cmd = Command::new(onebalancer_bin());
    cmd.args(["keeper", "run", "--config"])
        .arg(dir.join("keeper.toml"))
        .current_dir(root())
        .env_remove("ONEBALANCER_PRIVATE_KEY")
        .env_remove("ONEBALANCER_RPC_URL")
        .env("ONEBALANCER_KEYSTORE_PASSWORD", "devnet")
        .env("ONEBALANCER_KEEPER__PERFORM__MODE", "primary")
        .env("ONEBALANCER_KEEPER__CHAIN__POLL_MS", "200")
        .env("ONEBALANCER_KEEPER__CHAIN__REQUEST_TIMEOUT_MS", "2000")
        .env("ONEBALANCER_KEEPER__METRICS__HEAD_STALE_SECS", "5")
        .env("ONEBALANCER_KEEPER__METRICS__LISTEN", "127.0.0.1:0")
        .env("ONEBALANCER_LOG", "onebalancer=debug")
        .env("NO_COLOR", "1")
        .stdout(out)
        .stderr(err);
    if let Some(url) = rpc {
        cmd.env("ONEBALANCER_RPC_URL", url);
    }
    cmd.spawn().unwrap()
}

fn signal(child: &Child, sig: &str) {
    assert!(
        Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
}

fn store_path(dir: &Path) -> PathBuf {
    dir.join("keeper").join("keeper.sqlite")
}

/// Moves the WBTC feed by `bps` (sent from anvil account 1; mined with the next block).
async fn move_wbtc(reader: &DynProvider, demo: &DemoRecord, bps: i64) {
    let feed = MockV3Aggregator::new(demo.assets[2].feed, reader);
    let now = feed.latestAnswer().call().await.unwrap();
    let next = now * I256::try_from(10_000 + bps).unwrap() / I256::try_from(10_000).unwrap();
    let tx = TransactionRequest::default()
        .with_from(ANVIL_DEV_ACCOUNTS[1])
        .with_to(demo.assets[2].feed)
        .with_input(MockV3Aggregator::updateAnswerCall { _answer: next }.abi_encode())
        .with_gas_limit(150_000);
    let _pending = reader.send_transaction(tx).await.unwrap();
}

/// The targets the keeper performed, by (target, epoch).
async fn keeper_performs(reader: &DynProvider, demo: &DemoRecord) -> Vec<OnChain> {
    let (bundles, rounds) = performs(reader, demo).await;
    bundles
        .into_iter()
        .chain(rounds)
        .filter(|p| p.from == KEEPER)
        .collect()
}

/// Whether the keeper has performed every target (both balancers and the fleet's round).
async fn keeper_served_all(reader: &DynProvider, demo: &DemoRecord) -> bool {
    let mut done: Vec<Address> = keeper_performs(reader, demo)
        .await
        .iter()
        .map(|p| p.target)
        .collect();
    done.sort();
    done.dedup();
    done.len() > demo.balancers.len()
}

/// Waits up to `limit` until the keeper has performed every target.
async fn until_keeper_served_all(reader: &DynProvider, demo: &DemoRecord, limit: Duration) {
    let started = Instant::now();
    while !keeper_served_all(reader, demo).await {
        assert!(
            started.elapsed() < limit,
            "the keeper did not serve every target within {limit:?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Every (balancer, epoch) published at most once, and the keeper's nonce equal to the store's
/// finished transactions: nothing twice, nothing stuck, nothing lost.
async fn consistent(reader: &DynProvider, demo: &DemoRecord, store: &Path) -> u64 {
    let (bundles, _) = performs(reader, demo).await;
    let mut seen = std::collections::BTreeSet::new();
    for b in &bundles {
        assert!(
            seen.insert((b.target, b.epoch)),
            "{} epoch {} traded twice",
            b.target,
            b.epoch
        );
    }
    let store = Store::open(&store.to_string_lossy()).await.unwrap();
    let summary = store.summary(31337).await.unwrap();
    let open = store.open_txs(31337, KEEPER).await.unwrap();
    assert!(open.is_empty(), "transactions still open: {open:?}");
    let finished: u64 = summary
        .keeper_txs
        .iter()
        .filter(|(s, _)| **s != TxState::Pending)
        .map(|(_, n)| n)
        .sum();
    let nonce = reader.get_transaction_count(KEEPER).await.unwrap();
    assert_eq!(
        nonce, finished,
        "chain nonce vs the store's transactions: {summary:?}"
    );
    assert_eq!(summary.double_trades, 0);
    nonce
}

/// Mines a block every `every` until `done` or `limit`.
async fn mine_until<F, Fut>(
    reader: &DynProvider,
    every: Duration,
    limit: Duration,
    what: &str,
    done: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        reader.evm_mine(None).await.unwrap();
        tokio::time::sleep(every).await;
    }
}

#[tokio::test]
async fn sigkill_between_broadcast_and_receipt_then_restart_sends_each_perform_once() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, url, demo) = quiet_devnet(dir.path());
    let reader = provider::read_only(&url).unwrap();
    // Blocks only when the test mines them.
    reader.anvil_set_interval_mining(0).await.unwrap();
    reader.anvil_set_auto_mine(false).await.unwrap();
    move_wbtc(&reader, &demo, 1_000).await;
    reader.evm_mine(None).await.unwrap();
    let mut k = keeper(dir.path(), None, "first");
    let store = store_path(dir.path());
    // Mine until the keeper has broadcast a perform (persisted first), then kill it at once:
    // its transaction sits in the mempool, unmined.
    mine_until(
        &reader,
        Duration::from_millis(600),
        Duration::from_secs(60),
        "a broadcast",
        || async {
            if !store.exists() {
                return false;
            }
            let Ok(s) = Store::open(&store.to_string_lossy()).await else {
                return false;
            };
            s.open_txs(31337, KEEPER)
                .await
                .is_ok_and(|txs| txs.iter().any(|t| !t.attempts.is_empty()))
        },
    )
    .await;
    signal(&k, "-KILL");
    let _ = k.wait();
    // The mempool is lost too: only the store remembers.
    reader.anvil_drop_all_transactions().await.unwrap();
    let before = Store::open(&store.to_string_lossy())
        .await
        .unwrap()
        .open_txs(31337, KEEPER)
        .await
        .unwrap();
    assert!(!before.is_empty());
    reader.evm_mine(None).await.unwrap();
    assert_eq!(
        reader.get_transaction_count(KEEPER).await.unwrap(),
        0,
        "nothing mined yet"
    );

    k = keeper(dir.path(), None, "second");
    mine_until(
        &reader,
        Duration::from_millis(600),
        Duration::from_secs(90),
        "every target performed",
        || keeper_served_all(&reader, &demo),
    )
    .await;
    for _ in 0..3 {
        reader.evm_mine(None).await.unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success(), "clean exit on SIGTERM");
    let log = std::fs::read_to_string(dir.path().join("second.err")).unwrap();
    assert!(log.contains("broadcast again from the store"), "{log}");
    // The transactions persisted before the kill are the ones that were mined.
    let s = Store::open(&store.to_string_lossy()).await.unwrap();
    for t in &before {
        let now = s.tx(t.id).await.unwrap().unwrap();
        assert_eq!(now.state, TxState::Confirmed, "{}", now.work_key);
        assert_eq!(
            s.txs_for_work(&t.work).await.unwrap().len(),
            1,
            "{}",
            t.work
        );
    }
    let n = consistent(&reader, &demo, &store).await;
    println!(
        "sigkill + lost mempool + restart: {n} keeper transactions, each perform once; {} resumed from the store",
        before.len()
    );
    ctrl_c(devnet);
}

#[tokio::test]
async fn an_rpc_failing_for_30_seconds_is_survived_and_health_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, url, demo) = quiet_devnet(dir.path());
    let reader = provider::read_only(&url).unwrap();
    let proxy = RpcProxy::start(&url).unwrap();
    let mut k = keeper(dir.path(), Some(&proxy.url()), "run");
    let metrics = metrics_url(&dir.path().join("run.out")).await;
    let health = |m: String| async move {
        reqwest::get(m.replace("/metrics", "/healthz"))
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    wait(
        Duration::from_secs(30),
        "healthy",
        || health(metrics.clone()),
        |s| s == 200,
    )
    .await;
    // 15 s of errors, then 15 s of no answers at all.
    proxy.set_fault(Fault::Error {
        code: -32603,
        message: "internal error".into(),
    });
    move_wbtc(&reader, &demo, 1_000).await;
    tokio::time::sleep(Duration::from_secs(15)).await;
    assert_eq!(
        health(metrics.clone()).await,
        503,
        "unhealthy while the node fails"
    );
    proxy.set_fault(Fault::Hang);
    tokio::time::sleep(Duration::from_secs(15)).await;
    assert_eq!(health(metrics.clone()).await, 503);
    assert!(
        k.try_wait().unwrap().is_none(),
        "the keeper is still running"
    );
    assert_eq!(
        reader.get_transaction_count(KEEPER).await.unwrap(),
        0,
        "nothing sent meanwhile"
    );
    proxy.clear_faults();
    wait(
        Duration::from_secs(30),
        "healthy again",
        || health(metrics.clone()),
        |s| s == 200,
    )
    .await;
    until_keeper_served_all(&reader, &demo, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success());
    let n = consistent(&reader, &demo, &store_path(dir.path())).await;
    let stats = proxy.stats();
    println!(
        "30 s of RPC errors and hangs: recovered, {n} keeper transactions after it; {} requests failed by the proxy",
        stats.failed_injected
    );
    ctrl_c(devnet);
}

#[tokio::test]
async fn a_node_restarted_from_a_dump_of_its_state_is_served_on() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, url, demo) = quiet_devnet(dir.path());
    let a = provider::read_only(&url).unwrap();
    let proxy = RpcProxy::start(&url).unwrap();
    let mut k = keeper(dir.path(), Some(&proxy.url()), "run");
    move_wbtc(&a, &demo, 1_000).await;
    until_keeper_served_all(&a, &demo, Duration::from_secs(60)).await;
    let targets = demo.balancers.len() + 1;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let first = keeper_performs(&a, &demo).await.len();
    let height = a.get_block_number().await.unwrap();
    // Dump, stop the node (the devnet goes with it), start a new one from the dump.
    let state = a.anvil_dump_state().await.unwrap();
    ctrl_c(devnet);
    let b_chain = LocalChain::start(
        &project().anvil().unwrap(),
        &["--accounts", "12", "--block-time", "1"],
    )
    .unwrap();
    let b = provider::read_only(&b_chain.endpoint()).unwrap();
    assert!(b.anvil_load_state(state).await.unwrap());
    proxy.set_upstream(&b_chain.endpoint()).unwrap();
    let restored = b.get_block_number().await.unwrap();
    // Past every cooldown and bundle, and another move: the keeper must perform again.
    b.anvil_increase_time(7 * 3_600).await.unwrap();
    b.evm_mine(None).await.unwrap();
    move_wbtc(&b, &demo, 1_000).await;
    let started = Instant::now();
    while keeper_performs(&b, &demo).await.len() < first + targets {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "performs on the restored node"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success());
    let n = consistent(&b, &demo, &store_path(dir.path())).await;
    println!(
        "node restarted from its dump (height {height} → {restored}): served on, {n} keeper transactions, each epoch once"
    );
    drop(b_chain);
}

/// The `/metrics` URL `keeper run` printed.
async fn metrics_url(out: &Path) -> String {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(out).unwrap_or_default();
        if let Some(url) = text
            .split_whitespace()
            .find(|w| w.starts_with("http://") && w.ends_with("/metrics"))
        {
            return url.trim_end_matches(';').to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no metrics URL in {text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait<F, Fut, T>(limit: Duration, what: &str, get: F, ok: impl Fn(T) -> bool)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let started = Instant::now();
    while !ok(get().await) {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
