//! `deploy --portfolio` on anvil: a DriftBalancer behind an UpkeepManager registered in LINK and
//! a TimeBalancer with its own upkeep billed in native coin. The dry run shows gas and cost and
//! sends nothing; the deployment is what the spec says; a re-run sends nothing; `fleet status`
//! agrees with the chain; bad specs fail on one line, before anything is sent.

use std::path::Path;

use alloy::primitives::{Address, I256, U256};
use onebalancer::{
    artifacts::{Artifact, ArtifactId},
    chain::{
        Connection,
        anvil::LocalChain,
        bindings::{AutomationRegistry2_3, LinkToken, MockV3Aggregator},
        ours::{Balancer, TestERC20, UpkeepManager},
    },
    deploy::manifest::Manifest,
};

use alloy::sol_types::{SolCall, SolConstructor};

use crate::support::*;

struct Fixture {
    chain: LocalChain,
    _dir: tempfile::TempDir,
    manifest: std::path::PathBuf,
    spec: std::path::PathBuf,
    key: String,
    /// (name, token, feed)
    assets: Vec<(&'static str, Address, Address)>,
}

impl Fixture {
    fn deploy(&self, extra: &[&str], spec: &Path) -> std::process::Output {
        let url = self.chain.endpoint();
        let mut args = vec![
            "--rpc-url",
            &url,
            "--manifest",
            self.manifest.to_str().unwrap(),
            "--no-build",
            "--portfolio",
            spec.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run_bin(
            deploy_bin(),
            &args,
            &[("ONEBALANCER_PRIVATE_KEY", &self.key)],
        )
    }

    fn status(&self) -> std::process::Output {
        let url = self.chain.endpoint();
        let args = [
            "fleet",
            "status",
            "--rpc-url",
            &url,
            "--manifest",
            self.manifest.to_str().unwrap(),
            "--portfolio",
            self.spec.to_str().unwrap(),
        ];
        run_bin(onebalancer_bin(), &args, &[])
    }

    fn spec_text(&self) -> String {
        self.assets_text() + TWO_BALANCERS
    }

    fn assets_text(&self) -> String {
        let mut s = String::new();
        for (name, token, feed) in &self.assets {
            let stable = *name != "WETH";
            s += &format!(
                "[assets.{name}]\ntoken = \"{token}\"\nfeed = \"{feed}\"\nheartbeat_secs = 86400\ndeviation_bps = 25\nstable = {stable}\n\n"
            );
        }
        s
    }
}

const TWO_BALANCERS: &str = r#"
[managers.main.upkeep]
billing = "link"
gas_limit = 1500000
funding = "10000000000000000000"

[balancers.core]
kind = "drift"
assets = ["USDC", "DAI", "WETH"]
targets_bps = [3000, 2000, 5000]
manager = "main"
[balancers.core.params]
drift_bps = 250
clear_bps = 200

[balancers.calendar]
kind = "time"
assets = ["USDC", "WETH"]
targets_bps = [5000, 5000]
[balancers.calendar.calendar]
interval_secs = 86400
dust_floor_bps = 10
[balancers.calendar.upkeep]
billing = "native"
gas_limit = 500000
funding = "5000000000000000"
"#;

/// anvil with the stack (the deploy binary) and three test tokens with their feeds.
async fn fixture() -> (Fixture, Connection) {
    let project = built();
    let chain = anvil();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.json");
    let key = dev_key_hex(&chain);
    let url = chain.endpoint();
    let o = run_bin(
        deploy_bin(),
        &[
            "--rpc-url",
            &url,
            "--manifest",
            manifest.to_str().unwrap(),
            "--no-build",
        ],
        &[("ONEBALANCER_PRIVATE_KEY", &key)],
    );
    assert!(o.status.success(), "stack: {}", stderr(&o));
    let conn = connect(&chain, 0).await;
    let token = Artifact::load(
        &project.out_dir(),
        ArtifactId::new("TestERC20.sol", "TestERC20"),
    )
    .unwrap();
    let feed = Artifact::load(
        &project.out_dir(),
        ArtifactId::new("MockV3Aggregator.sol", "MockV3Aggregator"),
    )
    .unwrap();
    let mut assets = Vec::new();
    for (name, decimals, price) in [
        ("USDC", 6u8, 100_000_000u64),
        ("DAI", 18, 100_000_000),
        ("WETH", 18, 300_000_000_000),
    ] {
        let args = TestERC20::constructorCall {
            name_: name.into(),
            symbol_: name.into(),
            decimals_: decimals,
        }
        .abi_encode();
        let (_, t) = conn.deploy(name, token.init_code(&args)).await.unwrap();
        let args = MockV3Aggregator::constructorCall {
            _decimals: 8,
            _initialAnswer: I256::from_raw(U256::from(price)),
        }
        .abi_encode();
        let (_, f) = conn.deploy(name, feed.init_code(&args)).await.unwrap();
        assets.push((name, t, f));
    }
    let spec = dir.path().join("portfolio.toml");
    let fx = Fixture {
        chain,
        _dir: dir,
        manifest,
        spec,
        key,
        assets,
    };
    std::fs::write(&fx.spec, fx.spec_text()).unwrap();
    (fx, conn)
}

#[tokio::test]
async fn deploys_a_portfolio_idempotently_and_fleet_status_agrees() {
    let (fx, conn) = fixture().await;
    let before = std::fs::read(&fx.manifest).unwrap();
    let nonce = conn.nonce().await.unwrap();

    // Dry run: the plan with its gas and cost; nothing sent, the manifest untouched.
    let o = fx.deploy(&["--dry-run"], &fx.spec);
    let out = stdout(&o);
    let plan = out.clone();
    println!("{out}");
    assert!(o.status.success(), "{}", stderr(&o));
    for needle in [
        "manager.main",
        "balancer.core",
        "balancer.calendar",
        "balancer.core.set_manager",
        "manager.main.add_balancer.core",
        "manager.main.upkeep",
        "balancer.calendar.upkeep",
        "would send",
        "estimated:",
        "gwei",
        "registry minimum balance",
        "a perform at its whole gas limit",
        "(fee model)",
    ] {
        assert!(out.contains(needle), "dry run lacks {needle:?}:\n{out}");
    }
    assert_eq!(
        conn.nonce().await.unwrap(),
        nonce,
        "a dry run sends nothing"
    );
    assert_eq!(std::fs::read(&fx.manifest).unwrap(), before);

    // The deployment.
    let o = fx.deploy(&[], &fx.spec);
    let out = stdout(&o);
    println!("{out}");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("used:"), "{out}");
    let m = Manifest::load_for_chain(&fx.manifest, 31337, "").unwrap();
    let core = m.contracts["balancer.core"].address;
    let calendar = m.contracts["balancer.calendar"].address;
    let manager = m.contracts["manager.main"].address;
    for address in [core, calendar, manager] {
        assert!(
            plan.contains(&address.to_string()),
            "the dry run predicted {address}:\n{plan}"
        );
    }
    let c = Balancer::new(core, &conn.provider);
    assert_eq!(c.owner().call().await.unwrap(), conn.from);
    assert_eq!(c.targets().call().await.unwrap(), vec![3000, 2000, 5000]);
    assert_eq!(c.manager().call().await.unwrap(), manager);
    assert_eq!(c.params().call().await.unwrap().driftBps, 250);
    let um = UpkeepManager::new(manager, &conn.provider);
    assert_eq!(um.fleetSize().call().await.unwrap(), U256::from(1u8));
    let t = Balancer::new(calendar, &conn.provider);
    assert_eq!(t.interval().call().await.unwrap(), 86_400);
    let up = &m.upkeeps["balancer.calendar"];
    assert_eq!(t.forwarder().call().await.unwrap(), up.forwarder);
    let mu = &m.upkeeps["manager.main"];
    assert_eq!(um.forwarder().call().await.unwrap(), mu.forwarder);
    let reg = AutomationRegistry2_3::new(mu.registry, &conn.provider);
    let balance = U256::from(reg.getBalance(mu.id).call().await.unwrap());
    assert_eq!(balance, U256::from(10u64).pow(U256::from(19u8)));

    // Re-run: nothing sent, even with the deployer's LINK spent (registered upkeeps need no more).
    let link = m.contracts["link"].address;
    let held = LinkToken::new(link, &conn.provider)
        .balanceOf(conn.from)
        .call()
        .await
        .unwrap();
    let drain = LinkToken::transferCall {
        to: Address::repeat_byte(1),
        amount: held,
    };
    conn.call("drain LINK", link, drain.abi_encode().into())
        .await
        .unwrap();
    let nonce = conn.nonce().await.unwrap();
    let saved = std::fs::read(&fx.manifest).unwrap();
    let o = fx.deploy(&[], &fx.spec);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing to send"), "{}", stdout(&o));
    assert_eq!(conn.nonce().await.unwrap(), nonce, "a re-run sends nothing");
    assert_eq!(std::fs::read(&fx.manifest).unwrap(), saved);
    let o = fx.deploy(&["--dry-run"], &fx.spec);
    assert!(stdout(&o).contains("nothing to send"), "{}", stdout(&o));

    // A deployed balancer is never replaced: a changed spec under the same name is refused.
    let changed = fx.manifest.with_file_name("changed.toml");
    let text = fx
        .spec_text()
        .replace("[3000, 2000, 5000]", "[2000, 3000, 5000]");
    std::fs::write(&changed, text).unwrap();
    let o = fx.deploy(&[], &changed);
    assert_one_error_line(
        &o,
        &[
            &format!("balancer.core at {core} was created from a different spec"),
            "new name",
        ],
    );
    assert_eq!(conn.nonce().await.unwrap(), nonce, "nothing sent");

    // A registration the manifest lost (a run interrupted before its save) is found, not repeated.
    let mut lost = Manifest::load_for_chain(&fx.manifest, 31337, "").unwrap();
    let id = lost.upkeeps.remove("balancer.calendar").unwrap().id;
    lost.save(&fx.manifest).unwrap();
    let o = fx.deploy(&[], &fx.spec);
    assert!(stdout(&o).contains("nothing to send"), "{}", stdout(&o));
    assert_eq!(conn.nonce().await.unwrap(), nonce, "not registered again");
    let found = Manifest::load_for_chain(&fx.manifest, 31337, "").unwrap();
    assert_eq!(found.upkeeps["balancer.calendar"].id, id);

    // fleet status agrees with the chain.
    let o = fx.status();
    let out = stdout(&o);
    println!("{out}");
    assert!(o.status.success(), "{}", stderr(&o));
    for (key, address) in [
        ("balancer.core", core),
        ("balancer.calendar", calendar),
        ("manager.main", manager),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(key) && l.contains(&address.to_string()))
            .unwrap_or_else(|| panic!("{key}:\n{out}"));
        assert!(
            line.contains("yes") && line.contains(&conn.from.to_string()),
            "{line}"
        );
    }
    assert_eq!(out.matches("matches").count(), 3, "{out}");
    assert!(out.contains("10.00"), "the manager upkeep's 10 LINK: {out}");
    assert!(out.contains("fleet: healthy"), "{out}");

    // A spec entry the manifest lacks: the table says so, and the command fails on one line.
    let grown = fx.spec.with_extension("grown.toml");
    std::fs::write(
        &grown,
        fx.spec_text()
            + "\n[balancers.extra]\nkind = \"drift\"\nassets = [\"USDC\", \"WETH\"]\ntargets_bps = [5000, 5000]\n",
    )
    .unwrap();
    let url = fx.chain.endpoint();
    let o = run_bin(
        onebalancer_bin(),
        &[
            "fleet",
            "status",
            "--rpc-url",
            &url,
            "--manifest",
            fx.manifest.to_str().unwrap(),
            "--portfolio",
            grown.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        stdout(&o).contains("fleet: NEEDS ATTENTION"),
        "{}",
        stdout(&o)
    );
    assert_one_error_line(
        &o,
        &[
            "the fleet needs attention",
            "balancer.extra not deployed",
            "deploy --portfolio",
        ],
    );
}

#[tokio::test]
async fn bad_specs_fail_on_one_line_and_send_nothing() {
    let (fx, conn) = fixture().await;
    let before = std::fs::read(&fx.manifest).unwrap();
    let nonce = conn.nonce().await.unwrap();
    let good = fx.spec_text();
    let (_, usdc, usdc_feed) = fx.assets[0];
    let nowhere = Address::repeat_byte(0x42);
    let m = Manifest::load_for_chain(&fx.manifest, 31337, "").unwrap();
    let no_decimals = m.contracts["limit_order_protocol"].address;
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            good.replace("[3000, 2000, 5000]", "[3000, 2000, 4000]"),
            vec![
                "balancers.core.targets_bps = [3000, 2000, 4000] (sum 9000)".into(),
                "sum to exactly 10000".into(),
            ],
        ),
        (
            good.replace(&usdc_feed.to_string(), &nowhere.to_string()),
            vec![
                format!("assets.USDC.feed = {nowhere}"),
                "no code there on chain 31337".into(),
            ],
        ),
        (
            good.replacen(&usdc_feed.to_string(), &usdc.to_string(), 1),
            vec![
                format!("assets.USDC.feed = {usdc}"),
                "does not answer latestRoundData()".into(),
            ],
        ),
        (
            good.replace(&usdc_feed.to_string(), &no_decimals.to_string()),
            vec![
                format!("assets.USDC.feed = {no_decimals}"),
                "does not answer decimals()".into(),
            ],
        ),
        (
            good.replace(&usdc.to_string(), &nowhere.to_string()),
            vec![
                format!("assets.USDC.token = {nowhere}"),
                "no code there".into(),
            ],
        ),
        (
            good.replacen("heartbeat_secs = 86400", "heartbeat_secs = 0", 1),
            vec![
                "heartbeat_secs = 0".into(),
                "use the feed's heartbeat in seconds".into(),
            ],
        ),
    ];
    let bad = fx.manifest.with_file_name("bad.toml");
    for (text, needles) in cases {
        std::fs::write(&bad, text).unwrap();
        for extra in [&[][..], &["--dry-run"][..]] {
            let o = fx.deploy(extra, &bad);
            let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
            assert_one_error_line(&o, &needles);
            println!(
                "{}",
                stderr(&o)
                    .lines()
                    .find(|l| l.starts_with("error:"))
                    .unwrap()
            );
        }
        assert_eq!(conn.nonce().await.unwrap(), nonce, "nothing sent");
        assert_eq!(
            std::fs::read(&fx.manifest).unwrap(),
            before,
            "manifest unchanged"
        );
    }
}

#[tokio::test]
async fn a_manager_wired_to_cre_gets_its_keystone() {
    let (fx, conn) = fixture().await;
    let m = Manifest::load_for_chain(&fx.manifest, 31337, "").unwrap();
    // Any contract stands in for the chain's Keystone forwarder (it must have code).
    let forwarder = m.contracts["registry"].address;
    let workflow_owner = Address::repeat_byte(0x77);
    let tail = format!(
        "[managers.cre.keystone]\nforwarder = \"{forwarder}\"\nworkflow_owner = \"{workflow_owner}\"\n\n[balancers.core]\nkind = \"drift\"\nassets = [\"USDC\", \"WETH\"]\ntargets_bps = [4000, 6000]\nmanager = \"cre\"\n"
    );
    std::fs::write(&fx.spec, fx.assets_text() + &tail).unwrap();
    let o = fx.deploy(&["--dry-run"], &fx.spec);
    assert!(
        stdout(&o).contains("manager.cre.set_keystone"),
        "{}",
        stdout(&o)
    );
    let o = fx.deploy(&[], &fx.spec);
    println!("{}", stdout(&o));
    assert!(o.status.success(), "{}", stderr(&o));
    let m = Manifest::load_for_chain(&fx.manifest, 31337, "").unwrap();
    let um = UpkeepManager::new(m.contracts["manager.cre"].address, &conn.provider);
    assert_eq!(um.keystoneForwarder().call().await.unwrap(), forwarder);
    assert_eq!(um.workflowOwner().call().await.unwrap(), workflow_owner);
    assert_eq!(um.fleetSize().call().await.unwrap(), U256::from(1u8));
    assert!(m.upkeeps.is_empty());
    let nonce = conn.nonce().await.unwrap();
    let o = fx.deploy(&[], &fx.spec);
    assert!(stdout(&o).contains("nothing to send"), "{}", stdout(&o));
    assert_eq!(conn.nonce().await.unwrap(), nonce);
    let o = fx.status();
    assert!(stdout(&o).contains("fleet: healthy"), "{}", stdout(&o));
}
