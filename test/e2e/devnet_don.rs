//! `onebalancer devnet` with its jobs running: the price mover walks the demo feeds and the
//! simulated DON performs a demo upkeep through the registry and its forwarder, charging it.
//! Test-only knobs make it quick: a price step every second, 8 % per step, a fixed seed.

use std::time::{Duration, Instant};

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use onebalancer::chain::{
    bindings::{AutomationRegistry2_3, MockV3Aggregator},
    ours::{Balancer, UpkeepManager},
    provider,
};

use crate::{
    devnet::{ctrl_c, spawn_devnet},
    support::*,
};

#[tokio::test]
async fn devnet_performs_a_demo_upkeep_when_prices_move() {
    let dir = tempfile::tempdir().unwrap();
    let manifest_path = dir.path().join("devnet.json");
    let (child, manifest, demo) = spawn_devnet(
        &manifest_path,
        &[
            ("ONEBALANCER_DEVNET_PRICE_SECS", "1"),
            ("ONEBALANCER_DEVNET_PRICE_STEP_BPS", "800"),
            ("ONEBALANCER_DEVNET_PRICE_SEED", "7"),
        ],
    );
    let reader = provider::read_only(manifest.rpc_url.as_deref().unwrap()).unwrap();
    let registry_address = manifest.address("registry").unwrap();
    let registry = AutomationRegistry2_3::new(registry_address, &reader);
    let ids: Vec<U256> = demo
        .balancers
        .iter()
        .map(|b| b.upkeep.as_ref().unwrap().id)
        .collect();

    // Wait for the first perform of a demo balancer's own upkeep.
    let started = Instant::now();
    let performed = first_perform(&reader, registry_address, &ids, started).await;
    let event = AutomationRegistry2_3::UpkeepPerformed::decode_log_data(performed.data()).unwrap();
    let index = ids
        .iter()
        .position(|id| *id == event.id)
        .expect("a demo upkeep");
    let record = &demo.balancers[index];
    let upkeep = record.upkeep.as_ref().unwrap();
    assert!(event.success, "upkeep {} perform reverted", event.id);

    // Prices moved: the WBTC feed is no longer at its start.
    let wbtc = MockV3Aggregator::new(demo.assets[2].feed, &reader);
    assert_ne!(
        wbtc.latestAnswer().call().await.unwrap().to_string(),
        "6000000000000"
    );
    // The DON's transmitter sent it to the registry, which called the balancer through the
    // forwarder: the balancer's own perform event is in the same transaction.
    let tx = performed.transaction_hash.unwrap();
    let receipt = reader.get_transaction_receipt(tx).await.unwrap().unwrap();
    assert_eq!(
        receipt.from,
        onebalancer::deploy::config::ANVIL_DEV_ACCOUNTS[5]
    );
    assert_eq!(receipt.to, Some(registry_address));
    let profiled: Vec<Address> = receipt
        .inner
        .logs()
        .iter()
        .filter(|l| Balancer::OrdersPublished::decode_log_data(l.data()).is_ok())
        .map(|l| l.address())
        .collect();
    assert!(profiled.contains(&record.address), "{profiled:?}");
    let balancer = Balancer::new(record.address, &reader);
    assert_eq!(balancer.forwarder().call().await.unwrap(), upkeep.forwarder);
    assert!(balancer.state().call().await.unwrap().epoch >= 1);

    // Charged: its balance fell by exactly what the registry reported for its performs.
    let charged = charged_so_far(&reader, registry_address, event.id).await;
    assert!(!charged.is_zero());
    // The devnet keeper's funding job may have topped it up meanwhile (from its funding key).
    let funder = alloy::signers::local::PrivateKeySigner::decrypt_keystore(
        dir.path().join("funding-key.json"),
        "devnet",
    )
    .unwrap()
    .address();
    let topped_up = topped_up_so_far(&reader, registry_address, event.id, funder).await;
    let balance = U256::from(registry.getBalance(event.id).call().await.unwrap());
    assert_eq!(
        balance,
        upkeep.funded + topped_up - charged,
        "{}",
        record.key
    );
    println!(
        "devnet perform: {} upkeep {} gas used {}, overhead {}, charged {} {}-wei, {:.1} s after the manifest",
        record.key,
        event.id,
        event.gasUsed,
        event.gasOverhead,
        event.totalPayment,
        upkeep.billing_symbol,
        started.elapsed().as_secs_f64()
    );

    let fleet_round =
        fleet_is_performed_in_one_upkeep(&manifest, &demo, &reader, started, funder).await;
    println!("{fleet_round}");
    println!(
        "{}",
        report_matches_the_registry(dir.path(), &demo, &reader, registry_address).await
    );

    let out = ctrl_c(child);
    let printed = stdout(&out);
    let summary = printed
        .lines()
        .find(|l| l.starts_with("simulated DON: ") && l.contains("rounds"))
        .unwrap_or_else(|| panic!("no DON summary:\n{printed}"));
    println!("{summary}");
    assert!(!summary.contains(" 0 performs"), "{summary}");
    assert!(
        stderr(&out).contains("DON performed upkeep"),
        "{}",
        stderr(&out)
    );
    assert!(
        printed.contains("WBTC and WETH walk 800 bp per step every 1 s (seed 7)"),
        "{printed}"
    );
}

/// The first `UpkeepPerformed` of any of `ids` (waits up to 60 s from `started`).
async fn first_perform(
    reader: &alloy::providers::DynProvider,
    registry: Address,
    ids: &[U256],
    started: Instant,
) -> alloy::rpc::types::Log {
    loop {
        let logs = reader
            .get_logs(
                &Filter::new()
                    .address(registry)
                    .event_signature(AutomationRegistry2_3::UpkeepPerformed::SIGNATURE_HASH)
                    .from_block(0),
            )
            .await
            .unwrap();
        let found = logs.into_iter().find(|l| {
            AutomationRegistry2_3::UpkeepPerformed::decode_log_data(l.data())
                .is_ok_and(|e| ids.contains(&e.id))
        });
        if let Some(log) = found {
            return log;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no upkeep of {ids:?} performed within 60 s of moving prices"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The manager's one upkeep rebalances the whole fleet: one transmit, one `RoundPerformed` with
/// every member performed, each member's epoch advanced, the upkeep charged exactly.
async fn fleet_is_performed_in_one_upkeep(
    manifest: &onebalancer::deploy::manifest::Manifest,
    demo: &onebalancer::devnet::record::DemoRecord,
    reader: &alloy::providers::DynProvider,
    started: Instant,
    funder: Address,
) -> String {
    let fleet = demo.fleet.clone().unwrap();
    let registry_address = manifest.address("registry").unwrap();
    let manager = UpkeepManager::new(fleet.manager, reader);
    assert_eq!(
        manager.fleetSize().call().await.unwrap(),
        U256::from(fleet.balancers.len())
    );
    assert_eq!(
        manager.forwarder().call().await.unwrap(),
        fleet.upkeep.forwarder
    );
    let performed = first_perform(reader, registry_address, &[fleet.upkeep.id], started).await;
    let event = AutomationRegistry2_3::UpkeepPerformed::decode_log_data(performed.data()).unwrap();
    assert!(event.success, "the manager's perform reverted");
    let receipt = reader
        .get_transaction_receipt(performed.transaction_hash.unwrap())
        .await
        .unwrap()
        .unwrap();
    let round = receipt
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == fleet.manager)
        .find_map(|l| UpkeepManager::RoundPerformed::decode_log_data(l.data()).ok())
        .expect("the manager closed its round");
    assert_eq!(
        round.performed,
        U256::from(fleet.balancers.len()),
        "failed {}, deferred {}",
        round.failed,
        round.deferred
    );
    assert_eq!(round.failed, U256::ZERO);
    for b in &fleet.balancers {
        let balancer = Balancer::new(b.address, reader);
        assert_eq!(balancer.manager().call().await.unwrap(), fleet.manager);
        assert!(
            balancer.state().call().await.unwrap().epoch >= 1,
            "{}",
            b.key
        );
    }
    let registry = AutomationRegistry2_3::new(registry_address, reader);
    let charged = charged_so_far(reader, registry_address, fleet.upkeep.id).await;
    let topped_up = topped_up_so_far(reader, registry_address, fleet.upkeep.id, funder).await;
    let balance = U256::from(registry.getBalance(fleet.upkeep.id).call().await.unwrap());
    assert_eq!(balance, fleet.upkeep.funded + topped_up - charged);
    format!(
        "devnet fleet round: {} balancers in one upkeep, gas used {}, overhead {}, charged {} LINK-wei ({} per balancer)",
        fleet.balancers.len(),
        event.gasUsed,
        event.gasOverhead,
        event.totalPayment,
        U256::from(event.totalPayment) / U256::from(fleet.balancers.len())
    )
}

/// `onebalancer report`, run on the devnet keeper's store while it works: each upkeep's measured
/// charges equal the registry's `UpkeepCharged` receipts through the block the report read to,
/// the fee model from the same inputs is within 1 % of them, and the charts are written.
async fn report_matches_the_registry(
    dir: &std::path::Path,
    demo: &onebalancer::devnet::record::DemoRecord,
    reader: &alloy::providers::DynProvider,
    registry: Address,
) -> String {
    let chart = dir.join("report.svg");
    let out = std::process::Command::new(onebalancer_bin())
        .args(["report", "--config"])
        .arg(dir.join("keeper.toml"))
        .args(["--format", "json", "--chart"])
        .arg(&chart)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let through = json["through_block"].as_u64().unwrap();
    let mut upkeeps: Vec<(Address, &onebalancer::devnet::record::UpkeepRecord)> = demo
        .balancers
        .iter()
        .filter_map(|b| b.upkeep.as_ref().map(|u| (b.address, u)))
        .collect();
    let fleet = demo.fleet.as_ref().unwrap();
    upkeeps.push((fleet.manager, &fleet.upkeep));
    let mut compared = 0;
    for (target, upkeep) in upkeeps {
        let logs = reader
            .get_logs(
                &Filter::new()
                    .address(registry)
                    .event_signature(AutomationRegistry2_3::UpkeepCharged::SIGNATURE_HASH)
                    .topic1(upkeep.id)
                    .from_block(0)
                    .to_block(through),
            )
            .await
            .unwrap();
        let registry_total = logs.iter().fold(U256::ZERO, |sum, l| {
            let r = AutomationRegistry2_3::UpkeepCharged::decode_log_data(l.data())
                .unwrap()
                .receipt;
            assert_eq!(r.billingToken, upkeep.billing_token);
            sum + U256::from(r.gasChargeInBillingToken) + U256::from(r.premiumInBillingToken)
        });
        let row = json["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["address"] == target.to_string());
        let measured = row
            .and_then(|r| r["charges_measured"][upkeep.billing_token.to_string()].as_str())
            .map_or(U256::ZERO, |v| v.parse().unwrap());
        assert_eq!(measured, registry_total, "upkeep {}", upkeep.id);
        if !logs.is_empty() {
            let err = row.unwrap()["charge_model_error_pct"].as_f64().unwrap();
            assert!(err < 1.0, "upkeep {}: model {err} % off", upkeep.id);
            compared += logs.len();
        }
    }
    assert!(compared > 0, "no charge through block {through}");
    let fleet_err = json["fleet"]["charge_model_error_pct"].as_f64().unwrap();
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("drift against its bands"), "no drift chart");
    assert!(
        svg.contains("balance against its refill threshold"),
        "no balance chart"
    );
    format!(
        "report: {compared} registry charges through block {through} equal the store's; fee model error {fleet_err} %; fleet {}",
        json["fleet"]["charges_measured"]
    )
}

/// Everything the registry has charged upkeep `id` so far (its `UpkeepPerformed` payments).
/// What `funder` added to upkeep `id` (`FundsAdded` from it).
async fn topped_up_so_far(
    reader: &alloy::providers::DynProvider,
    registry: Address,
    id: U256,
    funder: Address,
) -> U256 {
    let all = reader
        .get_logs(
            &Filter::new()
                .address(registry)
                .event_signature(AutomationRegistry2_3::FundsAdded::SIGNATURE_HASH)
                .topic1(id)
                .topic2(funder.into_word())
                .from_block(0),
        )
        .await
        .unwrap();
    all.iter().fold(U256::ZERO, |sum, l| {
        let e = AutomationRegistry2_3::FundsAdded::decode_log_data(l.data()).unwrap();
        sum + U256::from(e.amount)
    })
}

async fn charged_so_far(
    reader: &alloy::providers::DynProvider,
    registry: Address,
    id: U256,
) -> U256 {
    let all = reader
        .get_logs(
            &Filter::new()
                .address(registry)
                .event_signature(AutomationRegistry2_3::UpkeepPerformed::SIGNATURE_HASH)
                .topic1(id)
                .from_block(0),
        )
        .await
        .unwrap();
    all.iter().fold(U256::ZERO, |sum, l| {
        let e = AutomationRegistry2_3::UpkeepPerformed::decode_log_data(l.data()).unwrap();
        sum + U256::from(e.totalPayment)
    })
}
