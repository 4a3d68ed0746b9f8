//! The keeper inside `onebalancer devnet`, measured on the chain itself: when Chainlink is
//! silent the fallback performs within `grace_blocks + 2` blocks of the trigger; while Chainlink
//! is active it never sends a perform; in primary mode every trigger is performed within 2
//! blocks; and racing the DON (with `--chaos`, or in primary mode) every epoch trades exactly
//! once. The trigger of a perform mined in block M is the first block T of the run of blocks
//! before M at which the target's `checkUpkeep` (simulated from 0x0 at that block) said needed.
//!
//! Run with `-- --nocapture` to see the figures (blocks from trigger to mined perform, median
//! and max; replacements per perform; duplicates refused).

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use onebalancer::{
    chain::{
        ours::{Balancer, UpkeepManager},
        provider,
    },
    deploy::manifest::Manifest,
    devnet::{record::DemoRecord, summary::DevnetSummary},
};
use serde_json::Value;

use crate::{
    devnet::{ctrl_c, spawn_devnet},
    support::*,
};

/// anvil's development account 10: the devnet's keeper.
pub const KEEPER: Address = alloy::primitives::address!("BcD4042DE499D14e55001CcbB24a551F3b954096");

/// A perform seen on chain.
#[derive(Debug, Clone)]
pub struct OnChain {
    /// The target performed (a balancer, or the fleet's manager for a round).
    pub target: Address,
    /// The balancer's epoch (0 for a round).
    pub epoch: u32,
    /// Its block.
    pub block: u64,
    /// The transaction's sender.
    pub from: Address,
}

/// Every standalone balancer's bundle and every fleet round so far.
pub async fn performs(reader: &DynProvider, demo: &DemoRecord) -> (Vec<OnChain>, Vec<OnChain>) {
    let standalone: Vec<Address> = demo.balancers.iter().map(|b| b.address).collect();
    let members: Vec<Address> = demo
        .fleet
        .iter()
        .flat_map(|f| f.balancers.iter().map(|b| b.address))
        .collect();
    let mut bundles = Vec::new();
    let logs = reader
        .get_logs(
            &Filter::new()
                .event_signature(Balancer::OrdersPublished::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    for l in logs {
        let a = l.address();
        if !standalone.contains(&a) && !members.contains(&a) {
            continue;
        }
        let e = Balancer::OrdersPublished::decode_log_data(l.data()).unwrap();
        let tx = l.transaction_hash.unwrap();
        bundles.push(OnChain {
            target: a,
            epoch: e.epoch,
            block: l.block_number.unwrap(),
            from: sender(reader, tx).await,
        });
    }
    let mut rounds = Vec::new();
    if let Some(f) = &demo.fleet {
        let logs = reader
            .get_logs(
                &Filter::new()
                    .address(f.manager)
                    .event_signature(UpkeepManager::RoundPerformed::SIGNATURE_HASH)
                    .from_block(0),
            )
            .await
            .unwrap();
        for l in logs {
            let tx = l.transaction_hash.unwrap();
            rounds.push(OnChain {
                target: f.manager,
                epoch: 0,
                block: l.block_number.unwrap(),
                from: sender(reader, tx).await,
            });
        }
    }
    (bundles, rounds)
}

async fn sender(reader: &DynProvider, tx: B256) -> Address {
    reader
        .get_transaction_by_hash(tx)
        .await
        .unwrap()
        .unwrap()
        .inner
        .signer()
}

/// Whether `target`'s check said needed at `block`.
async fn needed(reader: &DynProvider, target: Address, block: u64) -> bool {
    Balancer::new(target, reader)
        .checkUpkeep(Bytes::new())
        .from(Address::ZERO)
        .block(BlockId::number(block))
        .call()
        .await
        .is_ok_and(|r| r.upkeepNeeded)
}

/// The first block of the run of needed blocks right before `mined`.
pub async fn trigger(reader: &DynProvider, target: Address, mined: u64) -> u64 {
    let mut b = mined - 1;
    assert!(
        needed(reader, target, b).await,
        "{target} was not needed at block {b}, the block before its perform"
    );
    while b > 0 && needed(reader, target, b - 1).await {
        b -= 1;
    }
    b
}

/// Blocks from trigger to mined perform of every keeper perform (standalone balancers' bundles
/// and fleet rounds).
pub async fn keeper_delays(reader: &DynProvider, demo: &DemoRecord) -> Vec<u64> {
    let (bundles, rounds) = performs(reader, demo).await;
    let standalone: Vec<Address> = demo.balancers.iter().map(|b| b.address).collect();
    let mut out = Vec::new();
    for p in bundles
        .iter()
        .filter(|p| standalone.contains(&p.target))
        .chain(rounds.iter())
        .filter(|p| p.from == KEEPER)
    {
        out.push(p.block - trigger(reader, p.target, p.block).await);
    }
    out
}

/// (median, max).
pub fn median_max(v: &[u64]) -> (u64, u64) {
    let mut s = v.to_vec();
    s.sort_unstable();
    (s[(s.len() - 1) / 2], *s.last().unwrap())
}

/// Waits until `done` holds for the chain's performs (at most `limit`).
async fn wait_for(
    reader: &DynProvider,
    demo: &DemoRecord,
    limit: Duration,
    what: &str,
    done: impl Fn(&[OnChain], &[OnChain]) -> bool,
) {
    let started = Instant::now();
    loop {
        let (b, r) = performs(reader, demo).await;
        if done(&b, &r) {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{what}: not within {limit:?}: {b:?} {r:?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Waits (90 s at most) until both standalone balancers and the fleet were performed, by `who`
/// when given.
async fn every_target_performed(reader: &DynProvider, demo: &DemoRecord, who: Option<Address>) {
    let fleet = demo.fleet.as_ref().unwrap().manager;
    let by = |p: &OnChain| who.is_none_or(|w| p.from == w);
    wait_for(
        reader,
        demo,
        Duration::from_secs(90),
        "every target performed",
        |b, r| {
            demo.balancers
                .iter()
                .all(|x| b.iter().any(|p| p.target == x.address && by(p)))
                && r.iter().any(|p| p.target == fleet && by(p))
        },
    )
    .await;
}

/// Every (balancer, epoch) published once.
fn each_epoch_once(bundles: &[OnChain]) -> usize {
    let mut seen: BTreeMap<(Address, u32), usize> = BTreeMap::new();
    for b in bundles {
        *seen.entry((b.target, b.epoch)).or_default() += 1;
    }
    for ((a, e), n) in &seen {
        assert_eq!(*n, 1, "{a} epoch {e} traded {n} times");
    }
    seen.len()
}

fn summary(out: &std::process::Output, dir: &std::path::Path) -> (DevnetSummary, Value) {
    let printed = stdout(out);
    assert!(printed.contains("summary after"), "{printed}");
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    for key in ["chainlink", "keeper", "cre"] {
        assert!(json["performs_by_source"][key].is_u64(), "{text}");
    }
    assert!(
        json["duplicates_refused"].is_u64() && json["fills"].is_u64(),
        "{text}"
    );
    (serde_json::from_value(json.clone()).unwrap(), json)
}

async fn up(
    env: &[(&str, &str)],
) -> (
    tempfile::TempDir,
    std::process::Child,
    Manifest,
    DemoRecord,
    DynProvider,
) {
    let dir = tempfile::tempdir().unwrap();
    let (child, manifest, demo) = spawn_devnet(&dir.path().join("devnet.json"), env);
    let reader = provider::read_only(manifest.rpc_url.as_deref().unwrap()).unwrap();
    (dir, child, manifest, demo, reader)
}

#[tokio::test]
async fn a_silent_chainlink_is_covered_by_the_fallback_within_grace_plus_two_blocks() {
    let (dir, child, _, demo, reader) = up(&[
        ("ONEBALANCER_DON_STOPPED", "1"),
        ("ONEBALANCER_DEVNET_PRICE_SECS", "1"),
        ("ONEBALANCER_DEVNET_PRICE_STEP_BPS", "800"),
        ("ONEBALANCER_DEVNET_PRICE_SEED", "3"),
    ])
    .await;
    every_target_performed(&reader, &demo, Some(KEEPER)).await;
    let delays = keeper_delays(&reader, &demo).await;
    let (median, max) = median_max(&delays);
    println!(
        "fallback (grace 3), Chainlink silent: blocks from trigger to mined perform: median {median}, max {max} over {} performs {delays:?}",
        delays.len()
    );
    assert!(max <= 3 + 2, "{delays:?}");
    let out = ctrl_c(child);
    let (s, _) = summary(&out, dir.path());
    assert_eq!(s.performs_by_source["chainlink"], 0);
    assert!(
        s.performs_by_source["keeper"] >= 7,
        "{:?}",
        s.performs_by_source
    );
    assert_eq!(s.double_trades, 0);
    println!(
        "fallback: {} keeper transactions, {} replacements ({:.2} per perform), {} refused duplicates",
        s.keeper.txs.values().sum::<u64>(),
        s.keeper.replacements,
        s.keeper.replacements as f64 / s.keeper.txs.values().sum::<u64>().max(1) as f64,
        s.duplicates_refused
    );
}

#[tokio::test]
async fn an_active_chainlink_leaves_the_fallback_keeper_nothing_to_send() {
    let (dir, child, _, demo, reader) = up(&[
        ("ONEBALANCER_DEVNET_PRICE_SECS", "1"),
        ("ONEBALANCER_DEVNET_PRICE_STEP_BPS", "800"),
        ("ONEBALANCER_DEVNET_PRICE_SEED", "3"),
    ])
    .await;
    every_target_performed(&reader, &demo, None).await;
    // Some more blocks with the keeper watching.
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        reader.get_transaction_count(KEEPER).await.unwrap(),
        0,
        "the fallback keeper sent a transaction while Chainlink performed"
    );
    let out = ctrl_c(child);
    let (s, _) = summary(&out, dir.path());
    assert!(
        s.performs_by_source["chainlink"] >= 7,
        "{:?}",
        s.performs_by_source
    );
    assert_eq!(s.performs_by_source["keeper"], 0);
    assert_eq!(s.keeper.attempts, 0);
}

#[tokio::test]
async fn primary_mode_performs_every_trigger_within_two_blocks() {
    let (dir, child, _, demo, reader) = up(&[
        ("ONEBALANCER_DON_STOPPED", "1"),
        ("ONEBALANCER_DEVNET_KEEPER_MODE", "primary"),
        ("ONEBALANCER_DEVNET_PRICE_SECS", "1"),
        ("ONEBALANCER_DEVNET_PRICE_STEP_BPS", "800"),
        ("ONEBALANCER_DEVNET_PRICE_SEED", "3"),
    ])
    .await;
    every_target_performed(&reader, &demo, Some(KEEPER)).await;
    let delays = keeper_delays(&reader, &demo).await;
    let (median, max) = median_max(&delays);
    println!(
        "primary, DON stopped: blocks from trigger to mined perform: median {median}, max {max} over {} performs {delays:?}",
        delays.len()
    );
    assert!(max <= 2, "{delays:?}");
    let out = ctrl_c(child);
    let (s, _) = summary(&out, dir.path());
    assert_eq!(s.double_trades, 0);
    println!(
        "primary: {} replacements over {} transactions",
        s.keeper.replacements,
        s.keeper.txs.values().sum::<u64>()
    );
}

#[tokio::test]
async fn a_paused_upkeep_is_performed_by_the_fallback_at_once_not_after_its_grace() {
    // Grace 20 blocks: only the registry's own check saying UPKEEP_PAUSED makes the keeper act
    // early.
    let (dir, child, manifest, demo, reader) = up(&[
        ("ONEBALANCER_DEVNET_PRICE_SECS", "0"),
        ("ONEBALANCER_DEVNET_GRACE_BLOCKS", "20"),
    ])
    .await;
    let drift = &demo.balancers[0];
    let id = drift.upkeep.as_ref().unwrap().id;
    let registry = manifest.address("registry").unwrap();
    let admin = manifest.deployer.unwrap();
    let pause = onebalancer::chain::bindings::AutomationRegistry2_3::pauseUpkeepCall { id };
    let tx = alloy::rpc::types::TransactionRequest::default()
        .from(admin)
        .to(registry)
        .input(alloy::sol_types::SolCall::abi_encode(&pause).into());
    let r = reader
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(r.status(), "pauseUpkeep");
    // WBTC +10 %: both balancers need a rebalance; the DON performs the unpaused one.
    let feed = onebalancer::chain::bindings::MockV3Aggregator::new(demo.assets[2].feed, &reader);
    let up = feed
        .updateAnswer(alloy::primitives::I256::try_from(6_600_000_000_000i64).unwrap())
        .from(admin)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(up.status());
    wait_for(
        &reader,
        &demo,
        Duration::from_secs(60),
        "the paused upkeep performed",
        |b, _| b.iter().any(|p| p.target == drift.address),
    )
    .await;
    let (bundles, _) = performs(&reader, &demo).await;
    let p = bundles.iter().find(|p| p.target == drift.address).unwrap();
    assert_eq!(
        p.from, KEEPER,
        "the paused upkeep was performed by the keeper"
    );
    let delay = p.block - trigger(&reader, drift.address, p.block).await;
    println!("paused upkeep, fallback with grace 20: performed {delay} blocks after its trigger");
    assert!(
        delay <= 3,
        "{delay} blocks: the keeper waited for its grace"
    );
    // The unpaused TimeBalancer was Chainlink's.
    let time = &demo.balancers[1];
    if let Some(t) = bundles.iter().find(|p| p.target == time.address) {
        assert_ne!(t.from, KEEPER);
    }
    let out = ctrl_c(child);
    let (s, _) = summary(&out, dir.path());
    assert_eq!(s.double_trades, 0);
}

/// The chain's and the summary's account of a race: every epoch traded once, duplicates counted,
/// and every keeper transaction that lost a race reverted cheaply.
async fn race(env: &[(&str, &str)], secs: u64, label: &str) -> (DevnetSummary, usize) {
    let (dir, child, _, demo, reader) = up(env).await;
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (bundles, rounds) = performs(&reader, &demo).await;
    let epochs = each_epoch_once(&bundles);
    let head = reader.get_block_number().await.unwrap();
    let mut reverted_gas = Vec::new();
    for b in 0..=head {
        for r in reader
            .get_block_receipts(b.into())
            .await
            .unwrap()
            .unwrap_or_default()
        {
            if r.from == KEEPER && !r.status() {
                reverted_gas.push(r.gas_used);
            }
        }
    }
    let out = ctrl_c(child);
    let (s, _) = summary(&out, dir.path());
    assert_eq!(s.double_trades, 0, "{label}: an epoch traded twice (store)");
    assert_eq!(s.duplicates_reverted as usize, reverted_gas.len());
    assert!(
        reverted_gas.iter().all(|g| *g < 100_000),
        "{label}: a lost race cost {reverted_gas:?} gas"
    );
    let by_keeper = bundles
        .iter()
        .chain(&rounds)
        .filter(|p| p.from == KEEPER)
        .count();
    println!(
        "{label}: {epochs} epochs each traded once ({by_keeper} bundles/rounds by the keeper); performs {:?}, rounds {:?}; duplicates refused before sending {}, sent and reverted {} (gas {reverted_gas:?}); {} keeper transactions, {} replacements; DON outages {}",
        s.performs_by_source,
        s.rounds_by_source,
        s.duplicates_refused,
        s.duplicates_reverted,
        s.keeper.txs.values().sum::<u64>(),
        s.keeper.replacements,
        s.don.outages
    );
    (s, epochs)
}

#[tokio::test]
async fn racing_a_flaky_chainlink_trades_every_epoch_exactly_once() {
    let env = [
        ("ONEBALANCER_DEVNET_CHAOS", "1"),
        ("ONEBALANCER_DEVNET_CHAOS_SEED", "4"),
        ("ONEBALANCER_DEVNET_COOLDOWN_SECS", "5"),
        ("ONEBALANCER_DEVNET_ORDER_TTL_SECS", "60"),
        ("ONEBALANCER_DEVNET_PRICE_SECS", "1"),
        ("ONEBALANCER_DEVNET_PRICE_STEP_BPS", "400"),
        ("ONEBALANCER_DEVNET_PRICE_SEED", "5"),
    ];
    let (s, performed) = race(&env, 100, "fallback racing --chaos").await;
    assert!(performed >= 7, "{:?}", s.performs_by_source);
    assert!(s.don.outages >= 3, "{:?}", s.don);
    // The fallback took over during an outage, and Chainlink performed outside them.
    assert!(
        s.performs_by_source["keeper"] >= 1,
        "{:?}",
        s.performs_by_source
    );
    assert!(
        s.performs_by_source["chainlink"] >= 1,
        "{:?}",
        s.performs_by_source
    );
}

#[tokio::test]
async fn a_primary_keeper_racing_an_active_chainlink_trades_every_epoch_exactly_once() {
    let env = [
        ("ONEBALANCER_DEVNET_KEEPER_MODE", "primary"),
        ("ONEBALANCER_DEVNET_COOLDOWN_SECS", "5"),
        ("ONEBALANCER_DEVNET_ORDER_TTL_SECS", "60"),
        ("ONEBALANCER_DEVNET_PRICE_SECS", "1"),
        ("ONEBALANCER_DEVNET_PRICE_STEP_BPS", "400"),
        ("ONEBALANCER_DEVNET_PRICE_SEED", "5"),
    ];
    let (s, performed) = race(&env, 75, "primary racing an active DON").await;
    assert!(performed >= 7, "{:?}", s.performs_by_source);
}
