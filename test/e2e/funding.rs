//! The funding job (`[funding]` in keeper.toml) against the devnet's real registry 2.3: an empty
//! funding wallet raises the alert (log line and metric) and sends nothing; a funded one tops
//! the LINK upkeep up with `transferAndCall` and the wrapped-native one with `addFunds{value}`,
//! each to 2 × its projected month, and leaves the cancelled one alone; a restart sends nothing
//! more.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ext::AnvilApi},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use onebalancer::{
    chain::{
        bindings::{AutomationRegistry2_3, LinkToken},
        provider,
    },
    devnet::record::DemoRecord,
    store::{FundingRecord, FundingState, Store},
};

use crate::{
    devnet::{ctrl_c, spawn_devnet},
    support::*,
};

/// anvil's account 0: the devnet's deployer (registry owner, upkeep admin, LINK holder). A
/// public development key that holds nothing real.
const DEPLOYER_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The devnet's keeper.toml with its own data folder and `[funding]` (1,000 performs a day in
/// the fee model: every demo upkeep is below a month).
fn config(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(dir.join("keeper.toml")).unwrap();
    assert!(text.contains("data_dir = \"keeper\""), "{text}");
    // The devnet's own [funding] (its keystore) is the last table: replaced by the test's, whose
    // key comes from the environment.
    let (text, devnet_funding) = text.split_once("\n[funding]\n").unwrap();
    assert!(
        devnet_funding.contains("funding-key.json"),
        "{devnet_funding}"
    );
    let text = text.replace("data_dir = \"keeper\"", &format!("data_dir = \"{name}\""))
        + "\n[funding]\nevery_secs = 1\nperforms_per_day = 1000\n";
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn keeper(dir: &Path, config: &Path, log: &str, funder: &PrivateKeySigner, metrics: u16) -> Child {
    let out = std::fs::File::create(dir.join(format!("{log}.out"))).unwrap();
    let err = std::fs::File::create(dir.join(format!("{log}.err"))).unwrap();
    Command::new(onebalancer_bin())
        .args(["keeper", "run", "--config"])
        .arg(config)
        .current_dir(root())
        .env_remove("ONEBALANCER_PRIVATE_KEY")
        .env_remove("ONEBALANCER_RPC_URL")
        .env("ONEBALANCER_KEYSTORE_PASSWORD", "devnet")
        .env(
            "ONEBALANCER_FUNDING_PRIVATE_KEY",
            alloy::hex::encode(funder.to_bytes()),
        )
        .env("ONEBALANCER_KEEPER__CHAIN__POLL_MS", "200")
        .env(
            "ONEBALANCER_KEEPER__METRICS__LISTEN",
            format!("127.0.0.1:{metrics}"),
        )
        .env("ONEBALANCER_LOG", "onebalancer=info")
        .env("NO_COLOR", "1")
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
}

fn term(child: Child) {
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let mut child = child;
    assert!(child.wait().unwrap().success(), "clean exit on SIGTERM");
}

fn metrics(port: u16) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

async fn balance(reader: &DynProvider, registry: Address, id: U256) -> U256 {
    U256::from(
        AutomationRegistry2_3::new(registry, reader)
            .getBalance(id)
            .call()
            .await
            .unwrap(),
    )
}

async fn fundings(store: &Path) -> Vec<FundingRecord> {
    if !store.exists() {
        return Vec::new();
    }
    let Ok(st) = Store::open(&store.to_string_lossy()).await else {
        return Vec::new();
    };
    st.fundings(31337, 0).await.unwrap_or_default()
}

async fn wait_for<F, Fut>(limit: Duration, what: &str, ok: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !ok().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn the_funding_job_tops_up_link_and_native_upkeeps_to_two_months_and_alerts_when_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, manifest, demo): (Child, _, DemoRecord) = spawn_devnet(
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
    let registry = manifest.address("registry").unwrap();
    let link = manifest.address("link").unwrap();
    let drift = demo.balancers[0].upkeep.clone().unwrap();
    let time = demo.balancers[1].upkeep.clone().unwrap();
    let fleet = demo.fleet.clone().unwrap().upkeep;
    assert_eq!(
        (drift.billing_symbol.as_str(), time.billing_symbol.as_str()),
        ("LINK", "WETH")
    );

    // 1. An empty funding wallet: the alert, and nothing sent.
    let empty = PrivateKeySigner::random();
    let before = (
        balance(&reader, registry, drift.id).await,
        balance(&reader, registry, time.id).await,
    );
    let port = free_port();
    let cfg = config(dir.path(), "empty");
    let k = keeper(dir.path(), &cfg, "empty", &empty, port);
    let err = dir.path().join("empty.err");
    wait_for(Duration::from_secs(60), "the alert", || async {
        std::fs::read_to_string(&err)
            .unwrap_or_default()
            .contains("funding wallet cannot cover the next round of top-ups")
    })
    .await;
    let text = metrics(port);
    let short = text
        .lines()
        .find(|l| l.starts_with("onebalancer_funding_wallet_short{token=\"LINK\"}"))
        .unwrap_or_else(|| panic!("no LINK shortfall metric in:\n{text}"));
    let value: f64 = short.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(value > 0.0, "{short}");
    term(k);
    assert!(
        fundings(&dir.path().join("empty").join("keeper.sqlite"))
            .await
            .is_empty(),
        "nothing recorded"
    );
    assert_eq!(
        reader.get_transaction_count(empty.address()).await.unwrap(),
        0
    );
    assert_eq!(
        (
            balance(&reader, registry, drift.id).await,
            balance(&reader, registry, time.id).await
        ),
        before,
        "nothing sent"
    );

    // 2. A funded wallet; the fleet's upkeep cancelled by its admin.
    let funder = PrivateKeySigner::random();
    let deployer = provider::connect(
        &url,
        onebalancer::chain::signer::parse_private_key(DEPLOYER_KEY).unwrap(),
    )
    .await
    .unwrap();
    let transfer = LinkToken::transferAndCallCall {
        to: funder.address(),
        amount: U256::from(100_000u64) * U256::from(10u64).pow(U256::from(18u8)),
        data: Default::default(),
    };
    // LINK's transferAndCall to an account without code is a plain transfer.
    deployer
        .call("LINK to the funder", link, transfer.abi_encode().into())
        .await
        .unwrap();
    reader
        .anvil_set_balance(
            funder.address(),
            U256::from(100_000u64) * U256::from(10u64).pow(U256::from(18u8)),
        )
        .await
        .unwrap();
    let cancel = AutomationRegistry2_3::cancelUpkeepCall { id: fleet.id };
    deployer
        .call(
            "cancel the fleet's upkeep",
            registry,
            cancel.abi_encode().into(),
        )
        .await
        .unwrap();
    let fleet_before = balance(&reader, registry, fleet.id).await;
    let link_before = LinkToken::new(link, &reader)
        .balanceOf(funder.address())
        .call()
        .await
        .unwrap();

    let cfg = config(dir.path(), "fund");
    let store = dir.path().join("fund").join("keeper.sqlite");
    let k = keeper(dir.path(), &cfg, "fund", &funder, free_port());
    wait_for(Duration::from_secs(90), "two top-ups confirmed", || async {
        let f = fundings(&store).await;
        f.len() == 2 && f.iter().all(|f| f.state == FundingState::Confirmed)
    })
    .await;
    term(k);
    let f = fundings(&store).await;
    for (up, native) in [(&drift, false), (&time, true)] {
        let r = f
            .iter()
            .find(|r| r.funding.upkeep_id == up.id)
            .unwrap_or_else(|| panic!("no top-up of {}: {f:?}", up.id));
        let d = &r.funding;
        assert_eq!(d.native, native);
        assert_eq!(d.token, up.billing_token);
        assert_eq!(d.month_source, "modelled", "under a day of history");
        assert!(d.month > d.balance_before, "below a month");
        assert_eq!(d.target, d.month * U256::from(2u8), "to 2 × the month");
        assert_eq!(d.amount, d.target - d.balance_before);
        assert_eq!(d.timing, "now", "below a month it does not wait");
        assert_eq!(
            balance(&reader, registry, up.id).await,
            d.target,
            "upkeep {} topped up to its target",
            up.id
        );
        println!(
            "upkeep {} ({}): {} → {} (month {} modelled), gas {:?}",
            up.id, up.billing_symbol, d.balance_before, d.target, d.month, r.gas_used
        );
    }
    let link_paid = f.iter().find(|r| !r.funding.native).unwrap().funding.amount;
    assert_eq!(
        LinkToken::new(link, &reader)
            .balanceOf(funder.address())
            .call()
            .await
            .unwrap(),
        link_before - link_paid,
        "the funder paid exactly the LINK top-up"
    );
    assert!(
        f.iter().all(|r| r.funding.upkeep_id != fleet.id),
        "the cancelled upkeep is never topped up"
    );
    assert_eq!(balance(&reader, registry, fleet.id).await, fleet_before);

    // 3. A restart: the upkeeps hold their level; nothing more is sent.
    let nonce = reader
        .get_transaction_count(funder.address())
        .await
        .unwrap();
    let k = keeper(dir.path(), &cfg, "again", &funder, free_port());
    tokio::time::sleep(Duration::from_secs(6)).await;
    term(k);
    assert_eq!(fundings(&store).await.len(), 2, "no top-up twice");
    assert_eq!(
        reader
            .get_transaction_count(funder.address())
            .await
            .unwrap(),
        nonce
    );
    ctrl_c(devnet);
}
