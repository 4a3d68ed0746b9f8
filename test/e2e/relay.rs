//! The keeper's relay ([relay] in keeper.toml) posting every order the devnet balancers publish
//! to order sinks, each exactly once, across a SIGKILL and a restart.
//!
//! **1inch's Orderbook API is a hosted service that cannot run here.** Its place is taken by a
//! local HTTP stand-in on 127.0.0.1 that checks every POST against the API as 1inch documents it
//! (`POST /orderbook/v4.0/{chain}/`, `Authorization: Bearer <key>`, a JSON body of exactly
//! `orderHash`, `signature` and `data` with the nine order fields; addresses lowercase hex;
//! amounts, salt and maker traits decimal strings; the salt's low 160 bits the extension's
//! hash), recomputes the order hash from the fields with alloy's own EIP-712 code under the
//! protocol's domain, compares it with the deployed protocol's `hashOrder`, and checks that the
//! maker accepts the signature (`isValidSignature(orderHash, signature)` on chain, as an
//! orderbook must for a contract maker). A webhook stand-in checks the webhook message the same
//! way, with its bearer token and `Idempotency-Key`. Neither stand-in is 1inch: what they prove
//! is that our payloads follow the documented format and are fillable on the real protocol.
//!
//! The run: a quiet devnet (no DON, no keeper of its own, the taker on, 60 s orders, 5 s
//! cooldowns); the
//! keeper in primary mode with both sinks; the 1inch stand-in answers 503 at first, so its
//! orders wait (retried with backoff) while the webhook gets each at once; the keeper is killed
//! with SIGKILL, the stand-in recovers, the keeper restarts on the same store and delivers the
//! waiting orders; a second price move publishes more bundles, relayed too. Each order on chain
//! reaches each sink exactly once. A sink URL that is not http(s) is refused by check-config and
//! run with one line naming the field, and nothing is posted.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    process::{Child, Command},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, FixedBytes, I256, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, TransactionRequest},
    sol,
    sol_types::{SolCall, SolEvent, SolStruct, eip712_domain},
};
use onebalancer::{
    chain::{
        bindings::{LimitOrderProtocol, MockV3Aggregator},
        ours::Balancer,
        provider,
    },
    deploy::config::ANVIL_DEV_ACCOUNTS,
    devnet::record::DemoRecord,
    model::drift,
    store::{RelayState, Store},
};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::{
    devnet::{ctrl_c, spawn_devnet},
    support::*,
};

sol! {
    /// The LOP v4 order as EIP-712 types it (the stand-in's own hashing, not ours).
    struct Order {
        uint256 salt;
        address maker;
        address receiver;
        address makerAsset;
        address takerAsset;
        uint256 makingAmount;
        uint256 takingAmount;
        uint256 makerTraits;
    }
}

sol! {
    #[sol(rpc)]
    contract Erc1271 {
        function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4);
    }
}

const ONEINCH_KEY: &str = "test-1inch-key-not-secret";
const HOOK_TOKEN: &str = "test-hook-token";
const CHAIN: u64 = 31337;

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// What a stand-in saw.
#[derive(Debug, Default)]
struct Seen {
    /// Accepted orders: hash → (times accepted, unix ms of the first).
    accepted: BTreeMap<B256, (u32, u128)>,
    /// Requests refused for a schema or signature problem (each a failure of the test).
    violations: Vec<String>,
    /// 503 answers given.
    unavailable_answers: u64,
    /// Every request.
    requests: u64,
}

/// A stand-in sink.
#[derive(Clone)]
struct StandIn {
    seen: Arc<Mutex<Seen>>,
    /// Answer 503 to everything while true.
    down: Arc<Mutex<bool>>,
    port: u16,
}

/// What a stand-in checks against.
#[derive(Clone)]
struct Chain {
    reader: DynProvider,
    lop: Address,
    balancers: BTreeSet<Address>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    OneInch,
    Webhook,
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// Starts a stand-in on 127.0.0.1 (an ephemeral port).
async fn stand_in(kind: Kind, chain: Chain, down: bool) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = StandIn {
        seen: Arc::default(),
        down: Arc::new(Mutex::new(down)),
        port,
    };
    let me = s.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let me = me.clone();
            let chain = chain.clone();
            tokio::spawn(async move {
                let Some(req) = read_request(&mut sock).await else {
                    return;
                };
                let (status, body) = me.answer(kind, &chain, req).await;
                let reason = if status < 300 { "OK" } else { "Error" };
                let text = format!(
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(text.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    s
}

/// One HTTP/1.1 request with a Content-Length body.
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

impl StandIn {
    async fn answer(&self, kind: Kind, chain: &Chain, req: Request) -> (u16, String) {
        self.seen.lock().unwrap().requests += 1;
        if *self.down.lock().unwrap() {
            self.seen.lock().unwrap().unavailable_answers += 1;
            return (503, "{\"error\":\"stand-in is down\"}".into());
        }
        let checked = match kind {
            Kind::OneInch => check_oneinch(chain, &req).await,
            Kind::Webhook => check_webhook(chain, &req).await,
        };
        match checked {
            Ok(hash) => {
                let mut seen = self.seen.lock().unwrap();
                let e = seen.accepted.entry(hash).or_insert((0, unix_ms()));
                e.0 += 1;
                (201, "{}".into())
            }
            Err(why) => {
                self.seen.lock().unwrap().violations.push(why.clone());
                (400, serde_json::json!({ "error": why }).to_string())
            }
        }
    }

    fn accepted(&self) -> BTreeMap<B256, (u32, u128)> {
        self.seen.lock().unwrap().accepted.clone()
    }
}

fn lower_hex(s: &str, bytes: Option<usize>) -> bool {
    let Some(d) = s.strip_prefix("0x") else {
        return false;
    };
    d.len() % 2 == 0
        && bytes.is_none_or(|n| d.len() == 2 * n)
        && d.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

fn decimal(s: &str) -> Option<U256> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    U256::from_str_radix(s, 10).ok()
}

/// The nine order fields of `data` (1inch) or of `order` + `extension` (webhook), checked.
fn order_fields(o: &Value, extension: &str) -> Result<(Order, Vec<u8>), String> {
    let addr = |f: &str| -> Result<Address, String> {
        let s = o[f]
            .as_str()
            .ok_or(format!("{f} missing or not a string"))?;
        if !lower_hex(s, Some(20)) {
            return Err(format!("{f} = {s:?} is not a lowercase 0x address"));
        }
        s.parse().map_err(|_| format!("{f}: bad address"))
    };
    let num = |f: &str| -> Result<U256, String> {
        let s = o[f]
            .as_str()
            .ok_or(format!("{f} missing or not a string"))?;
        decimal(s).ok_or(format!("{f} = {s:?} is not a decimal string"))
    };
    if !lower_hex(extension, None) {
        return Err(format!("extension {extension:?} is not 0x hex"));
    }
    let ext = alloy::hex::decode(extension).map_err(|e| e.to_string())?;
    let order = Order {
        salt: num("salt")?,
        maker: addr("maker")?,
        receiver: addr("receiver")?,
        makerAsset: addr("makerAsset")?,
        takerAsset: addr("takerAsset")?,
        makingAmount: num("makingAmount")?,
        takingAmount: num("takingAmount")?,
        makerTraits: num("makerTraits")?,
    };
    // the documented rule for an order with an extension
    let low = (U256::from(1u8) << 160) - U256::from(1u8);
    if order.salt & low != U256::from_be_bytes(keccak256(&ext).0) & low {
        return Err("the salt's low 160 bits are not the extension's hash".into());
    }
    Ok((order, ext))
}

/// The hash recomputed under the protocol's domain, equal to the protocol's own `hashOrder`,
/// and the maker's ERC-1271 answer to the signature.
async fn check_order(
    chain: &Chain,
    order: &Order,
    claimed: &str,
    signature: &str,
) -> Result<B256, String> {
    if !lower_hex(claimed, Some(32)) {
        return Err(format!(
            "orderHash {claimed:?} is not 0x + 64 lowercase hex"
        ));
    }
    let claimed: B256 = claimed.parse().map_err(|_| "orderHash")?;
    let domain = eip712_domain! {
        name: "1inch Limit Order Protocol",
        version: "4",
        chain_id: CHAIN,
        verifying_contract: chain.lop,
    };
    let ours = order.eip712_signing_hash(&domain);
    if ours != claimed {
        return Err(format!(
            "orderHash {claimed} is not the order's EIP-712 hash {ours}"
        ));
    }
    let word = |a: Address| U256::from_be_bytes(a.into_word().0);
    let onchain = LimitOrderProtocol::new(chain.lop, &chain.reader)
        .hashOrder(LimitOrderProtocol::Order {
            salt: order.salt,
            maker: word(order.maker),
            receiver: word(order.receiver),
            makerAsset: word(order.makerAsset),
            takerAsset: word(order.takerAsset),
            makingAmount: order.makingAmount,
            takingAmount: order.takingAmount,
            makerTraits: order.makerTraits,
        })
        .call()
        .await
        .map_err(|e| e.to_string())?;
    if onchain != claimed {
        return Err(format!("hashOrder says {onchain}, the body {claimed}"));
    }
    if !chain.balancers.contains(&order.maker) {
        return Err(format!("maker {} is no demo balancer", order.maker));
    }
    if !lower_hex(signature, None) {
        return Err("signature is not 0x hex".into());
    }
    let sig = Bytes::from(alloy::hex::decode(signature).map_err(|e| e.to_string())?);
    let magic = Erc1271::new(order.maker, &chain.reader)
        .isValidSignature(claimed, sig)
        .call()
        .await
        .map_err(|e| e.to_string())?;
    if magic != FixedBytes([0x16, 0x26, 0xba, 0x7e]) {
        return Err(format!("the maker's isValidSignature answers {magic}"));
    }
    Ok(claimed)
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

async fn check_oneinch(chain: &Chain, req: &Request) -> Result<B256, String> {
    if req.method != "POST" || req.path != format!("/orderbook/v4.0/{CHAIN}/") {
        return Err(format!(
            "{} {}: not the submit endpoint",
            req.method, req.path
        ));
    }
    if req.headers.get("authorization") != Some(&format!("Bearer {ONEINCH_KEY}")) {
        return Err("no Bearer API key".into());
    }
    if !req
        .headers
        .get("content-type")
        .is_some_and(|c| c.starts_with("application/json"))
    {
        return Err("not application/json".into());
    }
    let v: Value = serde_json::from_slice(&req.body).map_err(|e| e.to_string())?;
    if keys(&v) != ["data", "orderHash", "signature"] {
        return Err(format!("top-level fields {:?}", keys(&v)));
    }
    let data = &v["data"];
    let want = [
        "extension",
        "maker",
        "makerAsset",
        "makerTraits",
        "makingAmount",
        "receiver",
        "salt",
        "takerAsset",
        "takingAmount",
    ];
    if keys(data) != want {
        return Err(format!("data fields {:?}", keys(data)));
    }
    let ext = data["extension"].as_str().unwrap_or("");
    let (order, _) = order_fields(data, ext)?;
    check_order(
        chain,
        &order,
        v["orderHash"].as_str().unwrap_or(""),
        v["signature"].as_str().unwrap_or(""),
    )
    .await
}

async fn check_webhook(chain: &Chain, req: &Request) -> Result<B256, String> {
    if req.method != "POST" || req.path != "/hook?src=relay-e2e" {
        return Err(format!("{} {}: not the hook", req.method, req.path));
    }
    if req.headers.get("authorization") != Some(&format!("Bearer {HOOK_TOKEN}")) {
        return Err("no bearer token".into());
    }
    let v: Value = serde_json::from_slice(&req.body).map_err(|e| e.to_string())?;
    let want = [
        "balancer",
        "bundleSize",
        "chainId",
        "domainSeparator",
        "epoch",
        "expiry",
        "extension",
        "fillMethod",
        "index",
        "order",
        "orderHash",
        "protocol",
        "schema",
        "signature",
        "signatureKind",
    ];
    if keys(&v) != want {
        return Err(format!("fields {:?}", keys(&v)));
    }
    if v["schema"] != "onebalancer.order.v1"
        || v["chainId"] != CHAIN
        || v["signatureKind"] != "erc1271"
        || v["fillMethod"] != "fillContractOrderArgs"
    {
        return Err("schema, chainId, signatureKind or fillMethod".into());
    }
    if v["protocol"] != alloy::hex::encode_prefixed(chain.lop) {
        return Err(format!("protocol {}", v["protocol"]));
    }
    let expiry = v["expiry"].as_u64().ok_or("expiry")?;
    let (order, _) = order_fields(&v["order"], v["extension"].as_str().unwrap_or(""))?;
    if v["balancer"] != alloy::hex::encode_prefixed(order.maker) {
        return Err("balancer is not the maker".into());
    }
    // the expiry in the traits (bits 80..119) is the message's
    let traits_expiry: U256 = (order.makerTraits >> 80) & U256::from(u64::MAX >> 24);
    if traits_expiry != U256::from(expiry) {
        return Err(format!("expiry {expiry} vs the traits' {traits_expiry}"));
    }
    let hash = check_order(
        chain,
        &order,
        v["orderHash"].as_str().unwrap_or(""),
        v["signature"].as_str().unwrap_or(""),
    )
    .await?;
    if req.headers.get("idempotency-key") != Some(&hash.to_string()) {
        return Err("Idempotency-Key is not the order hash".into());
    }
    Ok(hash)
}

/// Every order published on chain so far, by the protocol's `hashOrder`, with the timestamp of
/// its block.
async fn published(chain: &Chain, demo: &DemoRecord) -> BTreeMap<B256, u64> {
    let tokens: Vec<Address> = demo.assets.iter().map(|a| a.token).collect();
    let logs = chain
        .reader
        .get_logs(
            &Filter::new()
                .event_signature(Balancer::OrdersPublished::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for l in logs
        .iter()
        .filter(|l| chain.balancers.contains(&l.address()))
    {
        let e = Balancer::OrdersPublished::decode_log_data(l.data()).unwrap();
        let at = chain
            .reader
            .get_block_by_number(l.block_number.unwrap().into())
            .await
            .unwrap()
            .unwrap()
            .header
            .timestamp;
        for o in &e.orders {
            let full = drift::published_order(
                l.address(),
                &tokens,
                e.expiry,
                o.salt,
                o.makingAmount,
                o.takingAmount,
            )
            .unwrap();
            let word = |a: Address| U256::from_be_bytes(a.into_word().0);
            let h = LimitOrderProtocol::new(chain.lop, &chain.reader)
                .hashOrder(LimitOrderProtocol::Order {
                    salt: full.salt,
                    maker: word(full.maker),
                    receiver: word(full.receiver),
                    makerAsset: word(full.maker_asset),
                    takerAsset: word(full.taker_asset),
                    makingAmount: full.making_amount,
                    takingAmount: full.taking_amount,
                    makerTraits: full.maker_traits,
                })
                .call()
                .await
                .unwrap();
            out.insert(h, at);
        }
    }
    out
}

/// Moves the WBTC feed by `bps` (from anvil account 1).
async fn move_wbtc(reader: &DynProvider, demo: &DemoRecord, bps: i64) {
    let feed = MockV3Aggregator::new(demo.assets[2].feed, reader);
    let now = feed.latestAnswer().call().await.unwrap();
    let next = now * I256::try_from(10_000 + bps).unwrap() / I256::try_from(10_000).unwrap();
    let tx = TransactionRequest::default()
        .with_from(ANVIL_DEV_ACCOUNTS[1])
        .with_to(demo.assets[2].feed)
        .with_input(MockV3Aggregator::updateAnswerCall { _answer: next }.abi_encode())
        .with_gas_limit(150_000);
    let _ = reader
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
}

/// `keeper run` on `config` (primary, fast polling), with both sinks' tokens.
fn keeper(dir: &Path, log: &str) -> Child {
    let out = std::fs::File::create(dir.join(format!("{log}.out"))).unwrap();
    let err = std::fs::File::create(dir.join(format!("{log}.err"))).unwrap();
    Command::new(onebalancer_bin())
        .args(["keeper", "run", "--config"])
        .arg(dir.join("keeper.toml"))
        .current_dir(root())
        .env_remove("ONEBALANCER_PRIVATE_KEY")
        .env_remove("ONEBALANCER_RPC_URL")
        .env("ONEBALANCER_KEYSTORE_PASSWORD", "devnet")
        .env("ONEBALANCER_KEEPER__PERFORM__MODE", "primary")
        .env("ONEBALANCER_KEEPER__CHAIN__POLL_MS", "200")
        .env("ONEBALANCER_KEEPER__METRICS__LISTEN", "127.0.0.1:0")
        .env("ONEBALANCER_ONEINCH_API_KEY", ONEINCH_KEY)
        .env("TEST_HOOK_TOKEN", HOOK_TOKEN)
        .env("ONEBALANCER_LOG", "onebalancer=debug")
        .env("NO_COLOR", "1")
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
}

/// Waits up to `limit` for `done`.
async fn until<F, Fut>(limit: Duration, what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn relay_section(oneinch: u16, hook: u16) -> String {
    format!(
        "\n[relay]\nsinks = [\n  {{ kind = \"oneinch\", url = \"http://127.0.0.1:{oneinch}/orderbook/v4.0\" }},\n  {{ kind = \"webhook\", url = \"http://127.0.0.1:{hook}/hook?src=relay-e2e\", bearer_env = \"TEST_HOOK_TOKEN\" }},\n]\ntimeout_ms = 2000\nmax_attempts = 100\nbackoff_ms = 200\nmax_backoff_ms = 1000\n"
    )
}

#[tokio::test]
async fn every_published_order_reaches_each_sink_once_across_a_kill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, manifest, demo) = spawn_devnet(
        &dir.path().join("devnet.json"),
        &[
            ("ONEBALANCER_DON_STOPPED", "1"),
            ("ONEBALANCER_DEVNET_PRICE_SECS", "0"),
            ("ONEBALANCER_DEVNET_NO_KEEPER", "1"),
            ("ONEBALANCER_DEVNET_ORDER_TTL_SECS", "60"),
            ("ONEBALANCER_DEVNET_COOLDOWN_SECS", "5"),
        ],
    );
    let reader = provider::read_only(manifest.rpc_url.as_deref().unwrap()).unwrap();
    let chain = Chain {
        reader: reader.clone(),
        lop: manifest.address("limit_order_protocol").unwrap(),
        balancers: demo.all_balancers().map(|b| b.address).collect(),
    };
    let oneinch = stand_in(Kind::OneInch, chain.clone(), true).await;
    let hook = stand_in(Kind::Webhook, chain.clone(), false).await;
    let config = dir.path().join("keeper.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&relay_section(oneinch.port, hook.port));
    std::fs::write(&config, text).unwrap();

    // 1. WBTC +10 %: the keeper performs; the webhook takes every order, 1inch answers 503
    let mut first = keeper(dir.path(), "keeper1");
    tokio::time::sleep(Duration::from_secs(3)).await;
    move_wbtc(&reader, &demo, 1_000).await;
    until(
        Duration::from_secs(60),
        "the webhook got the first bundles",
        || async {
            let on_chain = published(&chain, &demo).await;
            !on_chain.is_empty() && on_chain.keys().all(|h| hook.accepted().contains_key(h))
        },
    )
    .await;
    until(Duration::from_secs(20), "1inch retried", || async {
        oneinch.seen.lock().unwrap().unavailable_answers >= 3
    })
    .await;
    let first_round = published(&chain, &demo).await;
    assert!(oneinch.accepted().is_empty());

    // 2. SIGKILL; the store holds the 1inch orders pending, each tried at least once
    first.kill().unwrap();
    first.wait().unwrap();
    let store_path = dir.path().join("keeper").join("keeper.sqlite");
    {
        let store = Store::open(&store_path.to_string_lossy()).await.unwrap();
        let rows = store.relay_sends(CHAIN).await.unwrap();
        let pending: Vec<_> = rows
            .iter()
            .filter(|r| r.sink.starts_with("oneinch") && r.state == RelayState::Pending)
            .collect();
        assert_eq!(pending.len(), first_round.len(), "{rows:?}");
        assert!(
            pending
                .iter()
                .all(|r| r.attempts >= 1 && r.status == Some(503))
        );
        store.close().await;
    }

    // 3. 1inch back, the keeper restarted on the same store: the waiting orders go out
    *oneinch.down.lock().unwrap() = false;
    let mut second = keeper(dir.path(), "keeper2");
    until(
        Duration::from_secs(30),
        "1inch got the waiting orders",
        || async {
            first_round
                .keys()
                .all(|h| oneinch.accepted().contains_key(h))
        },
    )
    .await;

    // 4. once the first bundles are closed (filled by the taker, or expired), WBTC −10 %
    //    publishes more, relayed to both
    tokio::time::sleep(Duration::from_secs(62)).await;
    move_wbtc(&reader, &demo, -1_000).await;
    until(
        Duration::from_secs(60),
        "the second bundles reached both sinks",
        || async {
            let on_chain = published(&chain, &demo).await;
            on_chain.len() > first_round.len()
                && on_chain
                    .keys()
                    .all(|h| hook.accepted().contains_key(h) && oneinch.accepted().contains_key(h))
        },
    )
    .await;
    // a little longer: nothing else may arrive
    tokio::time::sleep(Duration::from_secs(3)).await;
    second.kill().unwrap();
    second.wait().unwrap();

    let on_chain = published(&chain, &demo).await;
    for (name, s) in [("1inch", &oneinch), ("webhook", &hook)] {
        let seen = s.seen.lock().unwrap();
        assert!(seen.violations.is_empty(), "{name}: {:?}", seen.violations);
        let got: BTreeSet<B256> = seen.accepted.keys().copied().collect();
        let want: BTreeSet<B256> = on_chain.keys().copied().collect();
        assert_eq!(got, want, "{name}: every order on chain, nothing else");
        for (h, (n, _)) in &seen.accepted {
            assert_eq!(*n, 1, "{name}: {h} accepted {n} times");
        }
    }
    // the figure: from the publishing block's timestamp to the webhook's receipt
    let mut lat: Vec<u128> = hook
        .accepted()
        .iter()
        .map(|(h, (_, at))| at.saturating_sub(u128::from(on_chain[h]) * 1000))
        .collect();
    lat.sort_unstable();
    let bundles = {
        let store = Store::open(&store_path.to_string_lossy()).await.unwrap();
        let rows = store.relay_sends(CHAIN).await.unwrap();
        assert!(
            rows.iter().all(|r| r.state == RelayState::Delivered),
            "{rows:?}"
        );
        let b: BTreeSet<(Address, u32)> = rows.iter().map(|r| (r.balancer, r.epoch)).collect();
        b.len()
    };
    println!(
        "relay: {} orders in {bundles} bundles, each delivered once to 1inch (after {} answers 503 and a SIGKILL) and to the webhook; block timestamp to webhook receipt: median {} ms, max {} ms",
        on_chain.len(),
        oneinch.seen.lock().unwrap().unavailable_answers,
        lat[lat.len() / 2],
        lat[lat.len() - 1],
    );
    ctrl_c(devnet);
}

#[tokio::test]
async fn a_sink_url_that_is_not_http_is_refused_in_one_line_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    // a sink that would take anything: it must see no request
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(Mutex::new(0u32));
    let h = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((_s, _)) = listener.accept().await {
            *h.lock().unwrap() += 1;
        }
    });
    let config = dir.path().join("keeper.toml");
    std::fs::write(
        &config,
        format!(
            "[chain]\nrpc_url = \"http://127.0.0.1:1\"\nchain_id = 31337\n\n[[targets]]\naddress = \"0x1111111111111111111111111111111111111111\"\n\n[relay]\nsinks = [\n  {{ kind = \"webhook\", url = \"http://127.0.0.1:{port}/hook\" }},\n  {{ kind = \"oneinch\", url = \"ftp://x\" }},\n]\n"
        ),
    )
    .unwrap();
    let config = config.to_string_lossy().into_owned();
    for command in ["check-config", "run"] {
        let o = run_bin(
            onebalancer_bin(),
            &["keeper", command, "--config", &config],
            &[
                ("ONEBALANCER_PRIVATE_KEY", &"ab".repeat(32)),
                ("ONEBALANCER_ONEINCH_API_KEY", ONEINCH_KEY),
            ],
        );
        assert_one_error_line(
            &o,
            &[
                "relay.sinks[1].url = \"ftp://x\" is not an http(s) URL",
                "https://api.1inch.dev/orderbook/v4.0",
            ],
        );
        assert!(!stderr(&o).contains(ONEINCH_KEY));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(*hits.lock().unwrap(), 0, "nothing was sent");
    assert!(!dir.path().join(".keeper").exists(), "no store was created");
}
