//! The hub keeper (`keeper run` on the devnet's `hub.toml`) against the real `HubDepository` on
//! anvil, with the devnet's hub users as the test's hands: five requests within the window
//! settle in one `settleBatch` at the quoted fee with a positive P&L; every kind of request the
//! hub must not serve is left out with its reason in `hub status`; a hub keeper killed between
//! broadcast and confirmation (its mempool lost) settles every request exactly once after a
//! restart; a batch short of reserve pulls the fewest signed offers (handed over with `hub offer`)
//! before its push.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ext::AnvilApi},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
};
use onebalancer::{
    chain::{
        Connection,
        ours::{
            HubDepository,
            hub::HubDepository::{BatchSettled, RebalanceRequested, RebalanceSettled},
        },
        provider,
    },
    devnet::hub::{USERS, user_key},
    keeper::config::{HubSettings, KeeperConfig},
    model::hub::units::parse_decimal,
    store::{HubBatchState, Store},
};
use serde_json::Value;

use crate::{
    devnet::{ctrl_c, spawn_devnet},
    support::*,
};

/// A devnet whose only actor is the hub: no DON, still prices, no keepers, no simulated users.
fn hub_devnet(dir: &Path) -> (Child, String) {
    let (child, manifest, _) = spawn_devnet(
        &dir.join("devnet.json"),
        &[
            ("ONEBALANCER_DON_STOPPED", "1"),
            ("ONEBALANCER_DEVNET_PRICE_SECS", "0"),
            ("ONEBALANCER_DEVNET_NO_KEEPER", "1"),
            ("ONEBALANCER_DEVNET_NO_TAKER", "1"),
            ("ONEBALANCER_DEVNET_HUB_EVERY", "0"),
        ],
    );
    let started = Instant::now();
    while KeeperConfig::load(&dir.join("hub.toml")).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "no hub.toml");
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, manifest.rpc_url.unwrap())
}

/// The hub's settings as its keeper reads them from `config`.
fn settings(config: &Path) -> HubSettings {
    KeeperConfig::load(config).unwrap().hub().unwrap().unwrap()
}

/// The hub's key, from the keystore the devnet wrote.
fn hub_key(dir: &Path) -> PrivateKeySigner {
    PrivateKeySigner::decrypt_keystore(dir.join("hub-key.json"), "devnet").unwrap()
}

/// `keeper run --config <config>` as its own process.
fn hub_keeper(dir: &Path, config: &Path, log: &str) -> Child {
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
        .env("ONEBALANCER_KEEPER__METRICS__LISTEN", "127.0.0.1:0")
        .env("ONEBALANCER_LOG", "onebalancer=debug")
        .env("NO_COLOR", "1")
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
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
    dir.join("hub").join("keeper.sqlite")
}

async fn users(url: &str) -> Vec<Connection> {
    let mut out = Vec::new();
    for i in 0..USERS {
        out.push(provider::connect(url, user_key(i).unwrap()).await.unwrap());
    }
    out
}

async fn now(reader: &DynProvider) -> u64 {
    reader
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp
}

fn usdc(s: &HubSettings, whole: &str) -> U256 {
    parse_decimal(whole, s.tokens[0].decimals).unwrap()
}

/// `user` asks the hub for `amount`; returns the request's id.
async fn request(
    user: &Connection,
    s: &HubSettings,
    hub: Address,
    amount: U256,
    max_fee: U256,
    deadline: u64,
) -> U256 {
    let call = HubDepository::requestRebalanceCall {
        hub,
        token: s.tokens[0].address,
        amount,
        maxFee: max_fee,
        deadline,
    };
    let r = user
        .call("requestRebalance", s.depository, call.abi_encode().into())
        .await
        .unwrap();
    r.inner
        .logs()
        .iter()
        .find_map(|l| {
            RebalanceRequested::decode_log_data(l.data())
                .ok()
                .map(|e| e.id)
        })
        .unwrap()
}

/// Every `RebalanceSettled` so far: (id, fee, transaction).
async fn settled(reader: &DynProvider, dep: Address) -> Vec<(U256, U256, B256)> {
    let f = Filter::new()
        .address(dep)
        .event_signature(RebalanceSettled::SIGNATURE_HASH)
        .from_block(0);
    reader
        .get_logs(&f)
        .await
        .unwrap()
        .iter()
        .map(|l| {
            let e = RebalanceSettled::decode_log_data(l.data()).unwrap();
            (e.id, e.fee, l.transaction_hash.unwrap())
        })
        .collect()
}

async fn batches_on_chain(reader: &DynProvider, dep: Address) -> Vec<(U256, U256, B256)> {
    let f = Filter::new()
        .address(dep)
        .event_signature(BatchSettled::SIGNATURE_HASH)
        .from_block(0);
    reader
        .get_logs(&f)
        .await
        .unwrap()
        .iter()
        .map(|l| {
            let e = BatchSettled::decode_log_data(l.data()).unwrap();
            (e.round, e.pushes, l.transaction_hash.unwrap())
        })
        .collect()
}

fn status(config: &Path) -> Value {
    try_status(config).unwrap_or_else(|e| panic!("{e}"))
}

/// `hub status --format json`, or its error (the store may not exist yet).
fn try_status(config: &Path) -> Result<Value, String> {
    let o = run_bin(
        onebalancer_bin(),
        &[
            "hub",
            "status",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    if !o.status.success() {
        return Err(stderr(&o));
    }
    serde_json::from_str(&stdout(&o)).map_err(|e| e.to_string())
}

/// Waits (polling every 500 ms, mining a block each time when `mine`) until `ok`.
async fn until<F, Fut>(reader: &DynProvider, limit: Duration, mine: bool, what: &str, ok: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !ok().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        if mine {
            reader.evm_mine(None).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The node's gas price once it has settled (anvil's base fee falls over the first blocks).
async fn settled_gas_price(reader: &DynProvider) -> u128 {
    let mut last = reader.get_gas_price().await.unwrap();
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let now = reader.get_gas_price().await.unwrap();
        if now == last {
            return now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the gas price did not settle"
        );
        last = now;
    }
}

#[tokio::test]
async fn five_requests_in_the_window_settle_in_one_batch_at_the_quote_with_a_profit() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, url) = hub_devnet(dir.path());
    let config = dir.path().join("hub.toml");
    let s = settings(&config);
    let hub = hub_key(dir.path()).address();
    let reader = provider::read_only(&url).unwrap();
    let gas = settled_gas_price(&reader).await;

    // What `hub quote` says each amount costs in a batch of five, at the node's gas price and
    // with the depository's measured gas figures (the hub's planner defaults).
    let params = dir.path().join("params.toml");
    std::fs::write(
        &params,
        format!(
            "gas_per_batch = {}\ngas_per_operation = {}\n",
            s.planner.gas_per_batch, s.planner.gas_per_operation
        ),
    )
    .unwrap();
    let amounts = ["1000", "1250.5", "1500", "1750", "2000"];
    let mut quoted = BTreeMap::new();
    for a in amounts {
        let o = run_bin(
            onebalancer_bin(),
            &[
                "hub",
                "quote",
                "--rpc-url",
                &url,
                "--depository",
                &s.depository.to_string(),
                "--hub",
                &hub.to_string(),
                "--token",
                &s.tokens[0].address.to_string(),
                "--amount",
                a,
                "--batch-size",
                "5",
                "--eth-usd",
                "4000",
                "--config",
                params.to_str().unwrap(),
                "--format",
                "json",
            ],
            &[],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let q: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(q["gas_price_source"], "node");
        assert_eq!(q["reserve_covers"], true, "{q}");
        quoted.insert(usdc(&s, a), usdc(&s, q["total_fee"].as_str().unwrap()));
    }

    let hands = users(&url).await;
    let nonce_before = reader.get_transaction_count(hub).await.unwrap();
    let mut k = hub_keeper(dir.path(), &config, "hub");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let deadline = now(&reader).await + 900;
    let started = Instant::now();
    let mut ids = BTreeMap::new();
    for (i, a) in amounts.iter().enumerate() {
        let amount = usdc(&s, a);
        let id = request(
            &hands[i],
            &s,
            hub,
            amount,
            amount * U256::from(3) / U256::from(100),
            deadline,
        )
        .await;
        ids.insert(id, amount);
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "five requests within 10 s"
    );
    let dep = s.depository;
    until(
        &reader,
        Duration::from_secs(60),
        false,
        "five settled",
        || async { settled(&reader, dep).await.len() == 5 },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let on_chain = settled(&reader, dep).await;
    let batches = batches_on_chain(&reader, dep).await;
    assert_eq!(batches.len(), 1, "one settleBatch: {batches:?}");
    assert_eq!(batches[0].1, U256::from(5));
    assert_eq!(
        reader.get_transaction_count(hub).await.unwrap(),
        nonce_before + 1,
        "the hub sent exactly one transaction"
    );
    for (id, fee, tx) in &on_chain {
        assert_eq!(*tx, batches[0].2, "request {id} in the batch's transaction");
        let amount = ids[id];
        assert_eq!(
            *fee, quoted[&amount],
            "request {id} of {amount}: fee = the quote"
        );
    }
    let st = status(&config);
    assert_eq!(st["requests"]["settled"], 5, "{st:#}");
    let b = &st["batches"][0];
    assert_eq!(
        (b["state"].as_str(), b["pushes"].as_u64()),
        (Some("settled"), Some(5))
    );
    assert_eq!(
        b["planned_gas_price_gwei"]
            .as_str()
            .map(|g| parse_decimal(g, 9).unwrap()),
        Some(U256::from(gas)),
        "fees planned at the node's gas price"
    );
    let net = st["pnl"]["net_eth"].as_str().unwrap();
    assert!(
        !net.starts_with('-') && parse_decimal(net, 18).unwrap() > U256::ZERO,
        "P&L {net}"
    );
    println!(
        "5 requests → 1 settleBatch ({} gas), fees {} USDC, P&L {net} ETH",
        b["gas_used"], st["pnl"]["fees"]["USDC"]
    );
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success());
    k = hub_keeper(dir.path(), &config, "again");
    tokio::time::sleep(Duration::from_secs(4)).await;
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success());
    assert_eq!(
        batches_on_chain(&reader, dep).await.len(),
        1,
        "a restart sends nothing"
    );
    ctrl_c(devnet);
}

#[tokio::test]
async fn requests_the_hub_must_not_serve_are_skipped_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, url) = hub_devnet(dir.path());
    // The devnet's hub.toml with a per-user cap of 2,500 and no max below 100,000.
    let text = std::fs::read_to_string(dir.path().join("hub.toml"))
        .unwrap()
        .replace("max_amount = \"5000\"", "max_amount = \"100000\"")
        .replace("max_per_user = \"8000\"", "max_per_user = \"2500\"");
    assert!(text.contains("max_per_user = \"2500\""), "{text}");
    let config = dir.path().join("skips.toml");
    std::fs::write(&config, text).unwrap();
    let s = settings(&config);
    let key = hub_key(dir.path());
    let hub = key.address();
    let reader = provider::read_only(&url).unwrap();
    // The hub keeps 1,000 of its reserve.
    let hub_conn = provider::connect(&url, key).await.unwrap();
    let withdraw = HubDepository::withdrawCall {
        token: s.tokens[0].address,
        amount: usdc(&s, "19000"),
    };
    hub_conn
        .call("withdraw", s.depository, withdraw.abi_encode().into())
        .await
        .unwrap();

    let u = users(&url).await;
    let t = now(&reader).await;
    let fee3 = |a: U256| a * U256::from(3) / U256::from(100);
    let mut expect: BTreeMap<U256, &str> = BTreeMap::new();
    let a = usdc(&s, "400");
    let served = request(&u[0], &s, hub, a, fee3(a), t + 900).await;
    let a = usdc(&s, "1500");
    expect.insert(
        request(&u[1], &s, hub, a, fee3(a), t + 900).await,
        "unaffordable",
    );
    let a = usdc(&s, "2600");
    expect.insert(
        request(&u[2], &s, hub, a, fee3(a), t + 900).await,
        "over_user_cap",
    );
    let a = usdc(&s, "2");
    expect.insert(
        request(&u[3], &s, hub, a, fee3(a), t + 900).await,
        "below_soft_limit",
    );
    let a = usdc(&s, "300");
    let cheap = request(&u[4], &s, hub, a, usdc(&s, "1"), t + 900).await;
    expect.insert(cheap, "fee_above_max");
    let a = usdc(&s, "150000");
    expect.insert(
        request(&u[1], &s, hub, a, fee3(a), t + 900).await,
        "over_max_amount",
    );
    let a = usdc(&s, "350");
    let cancelled = request(&u[5], &s, hub, a, fee3(a), t + 900).await;
    let cancel = HubDepository::cancelRequestCall {
        id: cancelled,
        hub,
        token: s.tokens[0].address,
        amount: a,
        maxFee: fee3(a),
        deadline: t + 900,
    };
    u[5].call("cancelRequest", s.depository, cancel.abi_encode().into())
        .await
        .unwrap();
    expect.insert(cancelled, "cancelled");
    let a = usdc(&s, "500");
    let soon = now(&reader).await + 6;
    expect.insert(request(&u[0], &s, hub, a, fee3(a), soon).await, "expired");
    let fee_payer_reserve = HubDepository::new(s.depository, &reader)
        .reserveOf(u[4].from, s.tokens[0].address)
        .call()
        .await
        .unwrap();

    // Without hub.from_block a fresh store would start at the head and miss these requests:
    // the keeper refuses to start.
    let text = std::fs::read_to_string(&config).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("from_block"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, text, "the devnet writes hub.from_block");
    let bare = dir.path().join("no-from-block.toml");
    std::fs::write(
        &bare,
        without.replace("data_dir = \"hub\"", "data_dir = \"bare\""),
    )
    .unwrap();
    let o = run_bin(
        onebalancer_bin(),
        &["keeper", "run", "--config", bare.to_str().unwrap()],
        &[
            ("ONEBALANCER_KEYSTORE_PASSWORD", "devnet"),
            ("ONEBALANCER_KEEPER__METRICS__LISTEN", "off"),
        ],
    );
    assert!(!o.status.success());
    assert_one_error_line(&o, &["hub.from_block", "already holds 8 requests"]);

    let mut k = hub_keeper(dir.path(), &config, "hub");
    let reasons = || async {
        let st = try_status(&config).unwrap_or_default();
        let queue = st["queue"].as_array().cloned().unwrap_or_default();
        let got: BTreeMap<U256, String> = queue
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().parse::<U256>().unwrap(),
                    r["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (st, got)
    };
    until(
        &reader,
        Duration::from_secs(60),
        false,
        "every reason",
        || async {
            let (st, got) = reasons().await;
            st["requests"]["settled"] == 1
                && expect
                    .iter()
                    .all(|(id, r)| got.get(id).map(String::as_str) == Some(*r))
        },
    )
    .await;
    let (st, _) = reasons().await;
    for r in st["queue"].as_array().unwrap() {
        assert!(!r["detail"].as_str().unwrap().is_empty(), "{r}");
    }
    let ids: Vec<U256> = settled(&reader, s.depository)
        .await
        .iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(ids, vec![served], "only the servable request was settled");
    let after = HubDepository::new(s.depository, &reader)
        .reserveOf(u[4].from, s.tokens[0].address)
        .call()
        .await
        .unwrap();
    assert_eq!(after, fee_payer_reserve, "no fee without its top-up");
    let table = run_bin(
        onebalancer_bin(),
        &["hub", "status", "--config", config.to_str().unwrap()],
        &[],
    );
    let table = stdout(&table);
    for code in [
        "unaffordable",
        "over_user_cap",
        "below_soft_limit",
        "fee_above_max",
        "cancelled",
        "expired",
        "over_max_amount",
    ] {
        assert!(table.contains(code), "{code} in:\n{table}");
    }
    println!("{table}");
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success(), "clean exit on SIGTERM");
    ctrl_c(devnet);
}

#[tokio::test]
async fn a_hub_keeper_killed_after_broadcast_settles_each_request_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, url) = hub_devnet(dir.path());
    let config = dir.path().join("hub.toml");
    let s = settings(&config);
    let hub = hub_key(dir.path()).address();
    let reader = provider::read_only(&url).unwrap();
    // Blocks only when the test mines them.
    reader.anvil_set_interval_mining(0).await.unwrap();
    reader.anvil_set_auto_mine(false).await.unwrap();
    let u = users(&url).await;
    let t = now(&reader).await;
    let mut ids = Vec::new();
    for (i, a) in ["700", "800", "900"].iter().enumerate() {
        let amount = usdc(&s, a);
        let call = HubDepository::requestRebalanceCall {
            hub,
            token: s.tokens[0].address,
            amount,
            maxFee: amount / U256::from(20),
            deadline: t + 900,
        };
        let tx = alloy::rpc::types::TransactionRequest::default()
            .with_to(s.depository)
            .with_input(call.abi_encode());
        use alloy::network::TransactionBuilder;
        let pending = u[i].provider.send_transaction(tx).await.unwrap();
        ids.push(*pending.tx_hash());
    }
    reader.evm_mine(None).await.unwrap();
    let nonce_before = reader.get_transaction_count(hub).await.unwrap();

    let mut k = hub_keeper(dir.path(), &config, "first");
    let store = store_path(dir.path());
    // Mine until the batch is recorded and its transaction broadcast, then kill at once.
    until(
        &reader,
        Duration::from_secs(60),
        true,
        "a broadcast batch",
        || async {
            if !store.exists() {
                return false;
            }
            let Ok(st) = Store::open(&store.to_string_lossy()).await else {
                return false;
            };
            st.open_txs(31337, hub)
                .await
                .is_ok_and(|txs| txs.iter().any(|t| !t.attempts.is_empty()))
        },
    )
    .await;
    signal(&k, "-KILL");
    let _ = k.wait();
    reader.anvil_drop_all_transactions().await.unwrap();
    reader.evm_mine(None).await.unwrap();
    assert_eq!(
        reader.get_transaction_count(hub).await.unwrap(),
        nonce_before,
        "nothing mined"
    );
    assert!(settled(&reader, s.depository).await.is_empty());
    let st = Store::open(&store.to_string_lossy()).await.unwrap();
    let open = st
        .hub_open_batch(31337, s.depository)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        open.requests.len(),
        3,
        "the batch was recorded before it was sent"
    );

    k = hub_keeper(dir.path(), &config, "second");
    until(
        &reader,
        Duration::from_secs(90),
        true,
        "three settled",
        || async { settled(&reader, s.depository).await.len() == 3 },
    )
    .await;
    for _ in 0..6 {
        reader.evm_mine(None).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success(), "clean exit on SIGTERM");
    let log = std::fs::read_to_string(dir.path().join("second.err")).unwrap();
    // The stored transaction is resumed at its nonce: broadcast again as stored, or replaced at
    // a higher fee when its bump is already due (the test mines blocks while waiting).
    assert!(
        log.contains("broadcast again from the store") || log.contains("replacement sent tx_id=1 "),
        "{log}"
    );

    let on_chain = settled(&reader, s.depository).await;
    let mut seen: Vec<U256> = on_chain.iter().map(|x| x.0).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "each request settled once: {on_chain:?}");
    assert_eq!(batches_on_chain(&reader, s.depository).await.len(), 1);
    assert_eq!(
        reader.get_transaction_count(hub).await.unwrap(),
        nonce_before + 1
    );
    let batches = st.hub_batches(31337, s.depository, 10).await.unwrap();
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert_eq!(batches[0].state, HubBatchState::Settled);
    assert!(batches[0].gas_used.is_some() && batches[0].gas_price.is_some());
    println!(
        "SIGKILL after broadcast, mempool lost, restart: 3 requests settled once in round {} ({} gas)",
        batches[0].round,
        batches[0].gas_used.unwrap_or_default()
    );
    ctrl_c(devnet);
}

/// `user`'s signed pull of `amount` of its side, signed by `signer` (the user, or not), as the
/// JSON `hub offer --file` takes; written to `path`.
async fn offer_file(
    reader: &DynProvider,
    s: &HubSettings,
    hub: Address,
    (user, signer): (Address, &PrivateKeySigner),
    amount: U256,
    path: &Path,
) {
    use alloy::signers::SignerSync;
    use onebalancer::chain::ours::hub::IHubDepository::Diff;
    let dep = HubDepository::new(s.depository, reader);
    let nonce = dep.nonceOf(hub, user).call().await.unwrap();
    let delta = alloy::primitives::I256::try_from(amount).unwrap();
    let diffs = vec![Diff {
        token: s.tokens[0].address,
        shareDelta: delta,
        pull: amount,
    }];
    let digest = dep
        .settlementDigest(hub, user, hub, nonce, diffs)
        .call()
        .await
        .unwrap();
    let sig = signer.sign_hash_sync(&digest).unwrap();
    let json = serde_json::json!({
        "depository": s.depository,
        "hub": hub,
        "user": user,
        "nonce": nonce.to_string(),
        "diffs": [{
            "token": s.tokens[0].address,
            "share_delta": delta.to_string(),
            "pull": amount.to_string(),
        }],
        "signature": alloy::hex::encode_prefixed(sig.as_bytes()),
    });
    std::fs::write(path, json.to_string()).unwrap();
}

fn hub_offer(config: &Path, file: &Path) -> std::process::Output {
    run_bin(
        onebalancer_bin(),
        &[
            "hub",
            "offer",
            "--file",
            file.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    )
}

#[tokio::test]
async fn a_batch_short_of_reserve_pulls_the_fewest_signed_offers_first() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, url) = hub_devnet(dir.path());
    let config = dir.path().join("hub.toml");
    let s = settings(&config);
    let key = hub_key(dir.path());
    let hub = key.address();
    let reader = provider::read_only(&url).unwrap();
    let token = s.tokens[0].address;
    let dep = HubDepository::new(s.depository, &reader);
    // The hub keeps 100 of its reserve: a push of 600 needs a pull.
    let hub_conn = provider::connect(&url, key).await.unwrap();
    let withdraw = HubDepository::withdrawCall {
        token,
        amount: usdc(&s, "19900"),
    };
    hub_conn
        .call("withdraw", s.depository, withdraw.abi_encode().into())
        .await
        .unwrap();
    let u = users(&url).await;
    let keys: Vec<PrivateKeySigner> = (0..3).map(|i| user_key(i).unwrap()).collect();

    // A pull signed by someone else than the account's user is refused, and nothing is stored.
    let forged = dir.path().join("forged.json");
    offer_file(
        &reader,
        &s,
        hub,
        (u[0].from, &keys[1]),
        usdc(&s, "800"),
        &forged,
    )
    .await;
    let o = hub_offer(&config, &forged);
    assert_one_error_line(&o, &["signature", "does not recover the user", "sign"]);

    // Two genuine offers: 800 of user 0's side and 300 of user 2's.
    for (i, amount) in [(0usize, "800"), (2, "300")] {
        let f = dir.path().join(format!("offer-{i}.json"));
        offer_file(
            &reader,
            &s,
            hub,
            (u[i].from, &keys[i]),
            usdc(&s, amount),
            &f,
        )
        .await;
        let o = hub_offer(&config, &f);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("stored"), "{}", stdout(&o));
        let again = hub_offer(&config, &f);
        assert!(
            stdout(&again).contains("stored already"),
            "{}",
            stdout(&again)
        );
    }
    let before = dep.accountOf(hub, u[0].from, token).call().await.unwrap();
    let reserve_before = dep.reserveOf(hub, token).call().await.unwrap();

    let mut k = hub_keeper(dir.path(), &config, "hub");
    let amount = usdc(&s, "600");
    let t = now(&reader).await;
    let id = request(&u[1], &s, hub, amount, amount / U256::from(20), t + 900).await;
    until(
        &reader,
        Duration::from_secs(60),
        false,
        "the push settled",
        || async { settled(&reader, s.depository).await.len() == 1 },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let on_chain = settled(&reader, s.depository).await;
    assert_eq!(on_chain[0].0, id);
    let fee = on_chain[0].1;

    let f = Filter::new()
        .address(s.depository)
        .event_signature(BatchSettled::SIGNATURE_HASH)
        .from_block(0);
    let logs = reader.get_logs(&f).await.unwrap();
    assert_eq!(logs.len(), 1);
    let b = BatchSettled::decode_log_data(logs[0].data()).unwrap();
    assert_eq!(
        (b.pulls, b.pushes),
        (U256::from(1), U256::from(1)),
        "one pull (the largest offer covers the shortfall) before one push"
    );
    // User 0's 800 moved from its side to the hub's reserve; user 2's offer was not needed.
    let after = dep.accountOf(hub, u[0].from, token).call().await.unwrap();
    assert_eq!(after.collateral, before.collateral - usdc(&s, "800"));
    assert_eq!(
        dep.reserveOf(hub, token).call().await.unwrap(),
        reserve_before + usdc(&s, "800") + fee - amount,
        "the hub's reserve: + the pull + the fee − the push"
    );
    assert_eq!(
        dep.nonceOf(hub, u[2].from).call().await.unwrap(),
        U256::ZERO,
        "user 2's offer unused"
    );
    let st = status(&config);
    assert_eq!(st["offers"]["used"], 1, "{st:#}");
    assert_eq!(st["offers"]["open"], 1, "{st:#}");
    assert_eq!(st["batches"][0]["pulls"], 1, "{st:#}");
    println!(
        "reserve 100 USDC, push 600: one batch, 1 pull of 800 + 1 push ({} gas)",
        st["batches"][0]["gas_used"]
    );
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success(), "clean exit on SIGTERM");
    k = hub_keeper(dir.path(), &config, "again");
    tokio::time::sleep(Duration::from_secs(4)).await;
    signal(&k, "-TERM");
    assert!(k.wait().unwrap().success());
    assert_eq!(
        reader.get_logs(&f).await.unwrap().len(),
        1,
        "nothing more sent"
    );
    ctrl_c(devnet);
}
