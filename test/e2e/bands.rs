//! The adaptive-bands job (`[bands]`) against a devnet balancer whose controller the keeper is:
//! its proposals are recorded with their reason and sent through `setBands`, step by step and
//! never outside the owner's limits; a controller asking for bands outside them is refused by
//! the contract itself.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256},
    providers::DynProvider,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolError},
};
use onebalancer::{
    chain::{
        ours::{Balancer, balancer::IBalancer::BandLimits},
        provider,
    },
    store::{BandChangeRecord, BandChangeState, Store},
};

use crate::{
    devnet::{ctrl_c, spawn_devnet},
    support::*,
};

/// anvil's account 0: the devnet's deployer, owner of the demo balancers (a public development
/// key that holds nothing real).
const DEPLOYER_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// The devnet's keeper.toml without its [funding], with `[bands]` every 8 s. The policy is made
/// deterministic: always calm (the base band widens a step each time), tracking error and gas
/// spikes out of reach.
fn config(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(dir.join("keeper.toml")).unwrap();
    let (text, _) = text.split_once("\n[funding]\n").unwrap();
    let text = text
        .replace("data_dir = \"keeper\"", "data_dir = \"bands\"")
        .replace("sample_secs = 5\n", "sample_secs = 1\n")
        + "\n[bands]\nevery_secs = 8\nmax_step_bps = 50\ncalm_vol = 1000.0\n\
           max_overshoot_bps = 10000.0\nmax_time_beyond_pct = 100.0\ngas_spike_multiple = 1000.0\n";
    let path = dir.join("bands.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn keeper(dir: &Path, config: &Path, log: &str) -> Child {
    let out = std::fs::File::create(dir.join(format!("{log}.out"))).unwrap();
    let err = std::fs::File::create(dir.join(format!("{log}.err"))).unwrap();
    Command::new(onebalancer_bin())
        .args(["keeper", "run", "--config"])
        .arg(config)
        .current_dir(root())
        .env_remove("ONEBALANCER_PRIVATE_KEY")
        .env_remove("ONEBALANCER_RPC_URL")
        .env("ONEBALANCER_KEYSTORE_PASSWORD", "devnet")
        .env("ONEBALANCER_KEEPER__CHAIN__POLL_MS", "200")
        .env("ONEBALANCER_KEEPER__METRICS__LISTEN", "off")
        .env("ONEBALANCER_LOG", "onebalancer=info")
        .env("NO_COLOR", "1")
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
}

fn term(mut child: Child) {
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success(), "clean exit on SIGTERM");
}

async fn changes(store: &Path) -> Vec<BandChangeRecord> {
    if !store.exists() {
        return Vec::new();
    }
    let Ok(st) = Store::open(&store.to_string_lossy()).await else {
        return Vec::new();
    };
    st.band_changes(31337).await.unwrap_or_default()
}

async fn bands(reader: &DynProvider, b: Address) -> (u16, u16, u16, u16) {
    let p = Balancer::new(b, reader).params().call().await.unwrap();
    (p.driftBps, p.clearBps, p.stableDriftBps, p.stableClearBps)
}

#[tokio::test]
async fn the_bands_job_widens_step_by_step_inside_the_owners_limits_and_the_contract_refuses_more()
{
    let dir = tempfile::tempdir().unwrap();
    let (devnet, manifest, demo) = spawn_devnet(
        &dir.path().join("devnet.json"),
        &[
            ("ONEBALANCER_DON_STOPPED", "1"),
            ("ONEBALANCER_DEVNET_PRICE_SECS", "0"),
            ("ONEBALANCER_DEVNET_NO_KEEPER", "1"),
            ("ONEBALANCER_DEVNET_NO_TAKER", "1"),
            ("ONEBALANCER_DEVNET_HUB_EVERY", "0"),
        ],
    );
    let url = manifest.rpc_url.clone().unwrap();
    let reader = provider::read_only(&url).unwrap();
    let drift = demo.balancers[0].address;
    let keeper_key =
        PrivateKeySigner::decrypt_keystore(dir.path().join("keeper-key.json"), "devnet").unwrap();
    let owner = provider::connect(
        &url,
        onebalancer::chain::signer::parse_private_key(DEPLOYER_KEY).unwrap(),
    )
    .await
    .unwrap();
    // The owner names the keeper controller and narrows its limits to 150–260 bp.
    let set = Balancer::setControllerCall {
        newController: keeper_key.address(),
    };
    owner
        .call("setController", drift, set.abi_encode().into())
        .await
        .unwrap();
    let limits = Balancer::setBandLimitsCall {
        l: BandLimits {
            minDriftBps: 150,
            maxDriftBps: 260,
            minStableDriftBps: 50,
            maxStableDriftBps: 300,
        },
    };
    owner
        .call("setBandLimits", drift, limits.abi_encode().into())
        .await
        .unwrap();
    assert_eq!(bands(&reader, drift).await, (200, 175, 100, 50));

    let cfg = config(dir.path());
    let store = dir.path().join("bands").join("keeper.sqlite");
    let k = keeper(dir.path(), &cfg, "bands");
    let started = Instant::now();
    loop {
        let c = changes(&store).await;
        if c.iter()
            .filter(|c| c.state == BandChangeState::Confirmed)
            .count()
            >= 2
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "two confirmed band changes: {c:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    term(k);
    let c = changes(&store).await;
    let confirmed: Vec<&BandChangeRecord> = c
        .iter()
        .filter(|c| c.state == BandChangeState::Confirmed)
        .collect();
    // One step of 50 bp, then the owner's maximum: never outside 150–260.
    assert_eq!(
        (
            confirmed[0].change.old_bands.as_str(),
            confirmed[0].change.new_bands.as_str()
        ),
        ("200/175/100/50", "250/225/100/50")
    );
    assert_eq!(confirmed[1].change.new_bands, "260/235/100/50");
    for r in &confirmed {
        assert_eq!(r.change.reason, "calm", "{r:?}");
        assert!(r.change.observations.contains("\"samples\""), "{r:?}");
        assert!(r.tx_hash.is_some());
    }
    assert_eq!(bands(&reader, drift).await, (260, 235, 100, 50));
    println!(
        "bands: {} decisions; {}",
        c.len(),
        confirmed
            .iter()
            .map(|r| format!(
                "{} → {} ({})",
                r.change.old_bands, r.change.new_bands, r.change.reason
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // The controller itself, asking for more than the owner allows: refused by the contract.
    let controller = provider::connect(&url, keeper_key).await.unwrap();
    let outside = Balancer::setBandsCall {
        driftBps: 300,
        clearBps: 275,
        stableDriftBps: 100,
        stableClearBps: 50,
    };
    let err = controller
        .call("setBands outside", drift, outside.abi_encode().into())
        .await
        .unwrap_err()
        .to_string();
    let expected = Balancer::OutsideLimits {
        value: U256::from(300u16),
        min: U256::from(150u16),
        max: U256::from(260u16),
    }
    .abi_encode();
    assert!(
        err.contains(&alloy::hex::encode(expected)),
        "OutsideLimits(300, 150, 260) expected: {err}"
    );
    assert_eq!(bands(&reader, drift).await, (260, 235, 100, 50));
    ctrl_c(devnet);
}
