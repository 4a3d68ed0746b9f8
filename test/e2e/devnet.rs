//! `onebalancer devnet` as a user runs it: it comes up with every contract deployed (checked here
//! by code at each manifest address) and the demo balancers registered as upkeeps, stays up, and
//! stops cleanly on Ctrl-C (SIGINT). This run keeps the DON stopped and the prices still, so the
//! start state is exact; `devnet_don.rs` runs it with both moving.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Bytes, I256, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use onebalancer::{
    chain::{
        bindings::{AutomationRegistry2_3, MockV3Aggregator},
        ours::{Balancer, TestERC20, UpkeepManager},
        provider,
    },
    deploy::{config::ANVIL_DEV_ACCOUNTS, manifest::Manifest},
    devnet::record::{self, DemoRecord},
};

use crate::support::*;

/// Starts `onebalancer devnet` writing its manifest to `manifest_path`, with `env` on top of a
/// clean environment, and waits until the manifest is complete (written last).
pub fn spawn_devnet(manifest_path: &Path, env: &[(&str, &str)]) -> (Child, Manifest, DemoRecord) {
    built();
    let mut cmd = Command::new(onebalancer_bin());
    cmd.args([
        "devnet",
        "--no-build",
        "--manifest",
        manifest_path.to_str().unwrap(),
    ])
    .current_dir(root())
    .env("ONEBALANCER_DEVNET_SECS", "120")
    .env("NO_COLOR", "1")
    .env_remove("ONEBALANCER_DON_STOPPED")
    .env_remove("ONEBALANCER_DEVNET_PRICE_SECS")
    .env_remove("ONEBALANCER_DEVNET_PRICE_STEP_BPS")
    .env_remove("ONEBALANCER_DEVNET_PRICE_SEED")
    .env_remove("ONEBALANCER_DEVNET_NO_KEEPER")
    .env_remove("ONEBALANCER_DEVNET_NO_TAKER")
    .env_remove("ONEBALANCER_DEVNET_CHAOS")
    .env_remove("ONEBALANCER_DEVNET_KEEPER_MODE")
    .env_remove("ONEBALANCER_DEVNET_COOLDOWN_SECS")
    .env_remove("ONEBALANCER_DEVNET_ORDER_TTL_SECS")
    .env_remove("ONEBALANCER_DEVNET_GRACE_BLOCKS")
    // Tests run devnets side by side: each keeper's /metrics on a port of its own.
    .env("ONEBALANCER_KEEPER__METRICS__LISTEN", "127.0.0.1:0")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();

    // The devnet is up once the demo is recorded (written last, beside the manifest).
    let started = Instant::now();
    let demo_path = record::path_beside(manifest_path);
    let (manifest, demo) = loop {
        if let Ok(demo) = DemoRecord::load(&demo_path)
            && demo_path.with_file_name("keeper.toml").exists()
            && let Ok(text) = std::fs::read_to_string(manifest_path)
            && let Ok(m) = serde_json::from_str::<Manifest>(&text)
            && m.actions.contains_key("registry.set_config")
        {
            break (m, demo);
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "devnet did not come up"
        );
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!("devnet exited early ({status}): {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    (child, manifest, demo)
}

/// SIGINT, as Ctrl-C sends it; returns the output of a clean exit.
pub fn ctrl_c(child: Child) -> std::process::Output {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "clean exit on Ctrl-C: {}",
        stderr(&out)
    );
    out
}

#[tokio::test]
async fn devnet_deploys_everything_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let manifest_path = dir.path().join("devnet.json");
    let (child, manifest, demo) = spawn_devnet(
        &manifest_path,
        &[
            ("ONEBALANCER_DON_STOPPED", "1"),
            ("ONEBALANCER_DEVNET_PRICE_SECS", "0"),
            // Nobody performs: this run checks that a stopped DON performs nothing.
            ("ONEBALANCER_DEVNET_NO_KEEPER", "1"),
        ],
    );

    let url = manifest
        .rpc_url
        .clone()
        .expect("devnet records its endpoint");
    let reader = provider::read_only(&url).unwrap();
    assert_eq!(manifest.contracts.len(), 18);
    for (key, record) in &manifest.contracts {
        let code = reader.get_code_at(record.address).await.unwrap();
        assert!(!code.is_empty(), "{key}: no code at {}", record.address);
        assert_eq!(
            alloy::primitives::keccak256(&code),
            record.code_hash,
            "{key}"
        );
    }
    // Before the demo check moves WBTC: the fleet shares the demo's feeds.
    assert_eq!(demo.chain_id, manifest.chain_id);
    assert!(
        !std::fs::read_to_string(&manifest_path)
            .unwrap()
            .contains("\"demo\""),
        "the deploy manifest carries no demo records"
    );
    fleet_is_wired_and_registered(&manifest, &demo, &reader).await;
    demo_balancers_are_funded_and_balanced(&manifest, &demo, &reader).await;

    // Interval mining: the chain moves on by itself.
    let b0 = reader.get_block_number().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        reader.get_block_number().await.unwrap() > b0,
        "blocks keep coming"
    );

    let out = ctrl_c(child);
    let printed = stdout(&out);
    assert!(printed.contains("verified: 18/18"), "{printed}");
    assert!(printed.contains("registry.set_config"), "{printed}");
    for (key, kind) in [
        ("drift_balancer", "DriftBalancer"),
        ("time_balancer", "TimeBalancer"),
    ] {
        let line = printed
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} line:\n{printed}"));
        assert!(line.contains(kind), "{line}");
        assert!(line.contains("total value $100,000.00"), "{line}");
        assert!(line.contains("drift 0 bps"), "{line}");
    }
    assert_eq!(
        printed
            .matches("checkUpkeep (eth_call from 0x0): needed false, performData 0x\n")
            .count(),
        2,
        "{printed}"
    );
    assert!(printed.contains("calendar every 86,400 s"), "{printed}");
    for (key, token) in [("drift_balancer", "LINK"), ("time_balancer", "WETH")] {
        assert!(
            printed.lines().any(|l| l.starts_with(key)
                && l.contains(&format!("billed in {token}"))
                && l.contains("gas limit 500,000")),
            "{printed}"
        );
    }
    assert!(printed.contains("stopped (--don-stopped)"), "{printed}");
    assert!(printed.contains("prices: still"), "{printed}");
    assert!(
        printed.contains("simulated DON: 0 rounds, 0 performs"),
        "{printed}"
    );
    assert!(
        reader.get_block_number().await.is_err(),
        "anvil stopped with devnet"
    );
}

#[test]
fn devnet_exits_by_itself_after_devnet_secs() {
    built();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.json");
    let started = Instant::now();
    let o = run_bin(
        onebalancer_bin(),
        &[
            "devnet",
            "--no-build",
            "--manifest",
            manifest.to_str().unwrap(),
        ],
        &[("ONEBALANCER_DEVNET_SECS", "1")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("stopping after 1 s"));
    let demo = DemoRecord::load(&record::path_beside(&manifest)).unwrap();
    assert_eq!(demo.balancers.len(), 2);
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// The demo: four assets and two balancers with code, each worth $100,000 at its targets, not in
/// need of an upkeep; `checkUpkeep` answers only a simulation from 0x0, and a 10 % WBTC move
/// makes the DriftBalancer's upkeep needed.
async fn demo_balancers_are_funded_and_balanced(
    manifest: &Manifest,
    demo: &DemoRecord,
    reader: &DynProvider,
) {
    let symbols: Vec<&str> = demo.assets.iter().map(|a| a.symbol.as_str()).collect();
    assert_eq!(symbols, ["USDC", "DAI", "WBTC", "WETH"]);
    for a in &demo.assets {
        for at in [a.token, a.feed] {
            assert!(
                !reader.get_code_at(at).await.unwrap().is_empty(),
                "{}",
                a.symbol
            );
        }
        let token = TestERC20::new(a.token, reader);
        assert_eq!(token.decimals().call().await.unwrap(), a.decimals);
    }
    let keys: Vec<&str> = demo.balancers.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(keys, ["drift_balancer", "time_balancer"]);
    let dollar = U256::from(10u64).pow(U256::from(18u64));
    for b in &demo.balancers {
        assert!(
            !reader.get_code_at(b.address).await.unwrap().is_empty(),
            "{}",
            b.key
        );
        let balancer = Balancer::new(b.address, reader);
        let total = balancer.totalValue().call().await.unwrap();
        let want = U256::from(100_000u64) * dollar;
        assert!(total <= want && want - total < dollar, "{}: {total}", b.key);
        assert_eq!(
            balancer.owner().call().await.unwrap(),
            manifest.deployer.unwrap()
        );
        let check = balancer
            .checkUpkeep(Bytes::new())
            .from(alloy::primitives::Address::ZERO)
            .call()
            .await
            .unwrap();
        assert!(!check.upkeepNeeded, "{}: balanced at start", b.key);
        // `cannotExecute`: a call from any other origin reverts.
        let from_user = balancer
            .checkUpkeep(Bytes::new())
            .from(ANVIL_DEV_ACCOUNTS[1]);
        assert!(from_user.call().await.is_err(), "{}", b.key);
    }
    assert_eq!(
        Balancer::new(demo.balancers[1].address, reader)
            .interval()
            .call()
            .await
            .unwrap(),
        86_400
    );

    // Each is an upkeep: LINK for the DriftBalancer, wrapped native for the TimeBalancer, both
    // funded twice (registration + top-up), performed only through the registry's forwarder.
    let registry = AutomationRegistry2_3::new(manifest.address("registry").unwrap(), reader);
    let mut balances = Vec::new();
    for (b, (token, funded)) in demo.balancers.iter().zip([
        ("link", U256::from(10u64) * dollar),
        ("weth", U256::from(100_000_000_000_000_000u64)),
    ]) {
        let u = b.upkeep.as_ref().expect("registered");
        assert_eq!(
            u.billing_token,
            manifest.address(token).unwrap(),
            "{}",
            b.key
        );
        assert_eq!(u.funded, funded, "{}", b.key);
        assert_eq!(u.gas_limit, 500_000);
        let balance = U256::from(registry.getBalance(u.id).call().await.unwrap());
        assert_eq!(balance, funded, "{}: nothing spent yet", b.key);
        balances.push(balance);
        assert_eq!(
            registry.getForwarder(u.id).call().await.unwrap(),
            u.forwarder
        );
        let balancer = Balancer::new(b.address, reader);
        assert_eq!(balancer.forwarder().call().await.unwrap(), u.forwarder);
    }

    // WBTC $60,000 → $66,000: its weight goes to 32.04 %, past the 200 bps band.
    let wbtc_feed = demo.assets[2].feed;
    let update = MockV3Aggregator::updateAnswerCall {
        _answer: I256::try_from(6_600_000_000_000i64).unwrap(),
    };
    let tx = TransactionRequest::default()
        .with_from(ANVIL_DEV_ACCOUNTS[1])
        .with_to(wbtc_feed)
        .with_input(update.abi_encode())
        .with_gas_limit(150_000);
    let receipt = reader
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "updateAnswer reverted: {receipt:?}");
    let drift = Balancer::new(demo.balancers[0].address, reader);
    let check = drift
        .checkUpkeep(Bytes::new())
        .from(alloy::primitives::Address::ZERO)
        .call()
        .await
        .unwrap();
    assert!(check.upkeepNeeded, "a 10 % WBTC move needs a rebalance");
    assert!(!check.performData.is_empty());

    // The DON is stopped: a few rounds' worth of blocks later nothing was performed or charged.
    let epoch = drift.state().call().await.unwrap().epoch;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let check = drift
        .checkUpkeep(Bytes::new())
        .from(alloy::primitives::Address::ZERO)
        .call()
        .await
        .unwrap();
    assert!(check.upkeepNeeded, "still needed: nobody performed it");
    assert_eq!(drift.state().call().await.unwrap().epoch, epoch);
    for (b, before) in demo.balancers.iter().zip(balances) {
        let id = b.upkeep.as_ref().unwrap().id;
        let now = U256::from(registry.getBalance(id).call().await.unwrap());
        assert_eq!(now, before, "{}: nothing charged", b.key);
    }
}

/// The manager-served fleet: five funded DriftBalancers, each naming the manager, the manager
/// serving all five, registered as one LINK upkeep whose forwarder it accepts; balanced at start.
async fn fleet_is_wired_and_registered(
    manifest: &Manifest,
    demo: &DemoRecord,
    reader: &DynProvider,
) {
    let fleet = demo.fleet.clone().unwrap();
    assert!(!reader.get_code_at(fleet.manager).await.unwrap().is_empty());
    let manager = UpkeepManager::new(fleet.manager, reader);
    assert_eq!(manager.fleetSize().call().await.unwrap(), U256::from(5u8));
    assert_eq!(
        manager.owner().call().await.unwrap(),
        manifest.deployer.unwrap()
    );
    assert_eq!(
        manager.forwarder().call().await.unwrap(),
        fleet.upkeep.forwarder
    );
    assert_eq!(fleet.upkeep.billing_symbol, "LINK");
    assert_eq!(
        manager.feeds().call().await.unwrap().len(),
        4,
        "the demo's four feeds, shared"
    );
    let dollar = U256::from(10u64).pow(U256::from(18u64));
    for b in &fleet.balancers {
        let balancer = Balancer::new(b.address, reader);
        assert_eq!(balancer.manager().call().await.unwrap(), fleet.manager);
        let total = balancer.totalValue().call().await.unwrap();
        let want = U256::from(20_000u64) * dollar;
        assert!(total <= want && want - total < dollar, "{}: {total}", b.key);
    }
    let check = manager
        .checkUpkeep(alloy::primitives::Bytes::new())
        .from(alloy::primitives::Address::ZERO)
        .call()
        .await
        .unwrap();
    assert!(!check.upkeepNeeded, "the fleet is balanced at start");
}
