//! The deploy path against a spawned anvil: everything deployed, its code checked against the
//! artifacts, the registry configured, re-runs idempotent, dry runs exact.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, U256},
    sol_types::{SolEvent, eip712_domain},
};
use foundry_compilers::artifacts::ConfigurableContractArtifact;
use onebalancer::{
    artifacts::Artifact,
    chain::bindings::{
        AutomationRegistrar2_3, AutomationRegistry2_3, LimitOrderProtocol, LinkToken,
        MockV3Aggregator, Multicall3, WETH9,
    },
    deploy::{
        Deployer, Status,
        config::DeployConfig,
        manifest::{Manifest, Origin},
        plan,
    },
};

use crate::support::*;

async fn deploy_fresh(
    chain: &onebalancer::chain::anvil::LocalChain,
    config: &DeployConfig,
    path: &std::path::Path,
) -> (Manifest, Vec<onebalancer::deploy::Outcome>) {
    let project = built();
    let conn = connect(chain, 0).await;
    let mut manifest = Manifest::load_for_chain(path, conn.chain_id, &conn.url).unwrap();
    let config = config.clone().with_chain_defaults(conn.chain_id);
    let outcomes = Deployer::new(&conn, &project.out_dir(), path, false)
        .run(&plan::stack(), &config, &mut manifest)
        .await
        .unwrap();
    (manifest, outcomes)
}

#[tokio::test]
async fn deploys_the_stack_with_exactly_the_compiled_code() {
    let chain = anvil();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let (manifest, outcomes) = deploy_fresh(&chain, &DeployConfig::default(), &path).await;
    let conn = connect(&chain, 0).await;

    // Every contract of the plan is deployed, and its on-chain code is the artifact's code
    // (byte for byte outside immutables) with the hash the manifest recorded.
    let contract_steps: Vec<_> = plan::stack()
        .steps
        .into_iter()
        .filter_map(|s| match s {
            plan::Step::Contract(c) => Some(c),
            plan::Step::Call(_) => None,
        })
        .collect();
    assert_eq!(manifest.contracts.len(), contract_steps.len());
    for step in &contract_steps {
        let record = &manifest.contracts[step.key];
        assert_eq!(record.origin, Origin::Deployed, "{}", step.key);
        let code = conn.code_at(record.address).await.unwrap();
        let artifact = Artifact::load(&built().out_dir(), step.artifact).unwrap();
        assert!(
            artifact.runtime_matches(&code),
            "{}: code differs from artifact",
            step.key
        );
        assert_eq!(
            alloy::primitives::keccak256(&code),
            record.code_hash,
            "{}",
            step.key
        );
        assert_eq!(record.code_size, code.len());
    }
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o.status, Status::Deployed | Status::Called))
    );
    assert_eq!(
        Manifest::load_for_chain(&path, 31337, "").unwrap(),
        manifest,
        "saved as returned"
    );

    // The registry is configured with the DON, the registrar and both billing tokens.
    let p = &conn.provider;
    let registry = AutomationRegistry2_3::new(manifest.address("registry").unwrap(), p);
    assert_eq!(
        registry.typeAndVersion().call().await.unwrap(),
        "AutomationRegistry 2.3.0"
    );
    let details = registry.latestConfigDetails().call().await.unwrap();
    assert_eq!(details.configCount, 1);
    let onchain = registry.getConfig().call().await.unwrap();
    assert_eq!(
        onchain.registrars,
        vec![manifest.address("registrar").unwrap()]
    );
    assert_eq!(
        onchain.chainModule,
        manifest.address("chain_module").unwrap()
    );
    assert_eq!(onchain.gasCeilingMultiplier, 5);
    let tokens = registry.getBillingTokens().call().await.unwrap();
    assert_eq!(
        tokens,
        vec![
            manifest.address("link").unwrap(),
            manifest.address("weth").unwrap()
        ]
    );
    let registrar = AutomationRegistrar2_3::new(manifest.address("registrar").unwrap(), p);
    assert_eq!(
        registrar
            .getMinimumRegistrationAmount(manifest.address("link").unwrap())
            .call()
            .await
            .unwrap(),
        U256::from(10u64).pow(U256::from(17u64))
    );

    // The 1inch protocol signs under the EIP-712 domain of its sources.
    let lop_address = manifest.address("limit_order_protocol").unwrap();
    let lop = LimitOrderProtocol::new(lop_address, p);
    let domain = eip712_domain! {
        name: "1inch Limit Order Protocol",
        version: "4",
        chain_id: 31337,
        verifying_contract: lop_address,
    };
    assert_eq!(
        lop.DOMAIN_SEPARATOR().call().await.unwrap(),
        domain.separator()
    );
    assert_eq!(lop.owner().call().await.unwrap(), conn.from);

    // Feeds, LINK and Multicall3 answer as configured.
    let feed = MockV3Aggregator::new(manifest.address("native_usd_feed").unwrap(), p);
    assert_eq!(
        feed.latestAnswer().call().await.unwrap().to_string(),
        "400000000000"
    );
    let link = LinkToken::new(manifest.address("link").unwrap(), p);
    assert_eq!(
        link.balanceOf(conn.from).call().await.unwrap(),
        U256::from(10u64).pow(U256::from(24u64))
    );
    let mc = Multicall3::new(manifest.address("multicall3").unwrap(), p);
    assert_eq!(mc.getChainId().call().await.unwrap(), U256::from(31337u64));
}

#[tokio::test]
async fn rerun_changes_nothing_and_a_config_change_redeploys_only_what_depends_on_it() {
    let chain = anvil();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let (first, _) = deploy_fresh(&chain, &DeployConfig::default(), &path).await;
    let conn = connect(&chain, 0).await;
    let nonce = conn.nonce().await.unwrap();

    let (second, outcomes) = deploy_fresh(&chain, &DeployConfig::default(), &path).await;
    assert_eq!(first.contracts, second.contracts);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o.status, Status::Unchanged | Status::AlreadyApplied)),
        "{outcomes:?}"
    );
    assert_eq!(
        conn.nonce().await.unwrap(),
        nonce,
        "a re-run sends no transaction"
    );

    // A new LINK/USD starting price changes that feed; everything built on it (registry logic,
    // registry, registrar) follows, the registry is configured again; the rest stays.
    let mut config = DeployConfig::default();
    config.feeds.link_usd = 1_500_000_000;
    let (third, outcomes) = deploy_fresh(&chain, &config, &path).await;
    let status: BTreeMap<&str, &Status> = outcomes.iter().map(|o| (o.key, &o.status)).collect();
    for key in [
        "weth",
        "link",
        "native_usd_feed",
        "fast_gas_feed",
        "chain_module",
        "multicall3",
        "drift_balancer_impl",
        "time_balancer_impl",
        "balancer_factory",
    ] {
        assert_eq!(status[key], &Status::Unchanged, "{key}");
        assert_eq!(first.contracts[key], third.contracts[key]);
    }
    for key in [
        "link_usd_feed",
        "registry_logic_c",
        "registry_logic_b",
        "registry_logic_a",
        "registry",
        "registrar",
    ] {
        assert!(
            matches!(status[key], Status::Redeployed(_)),
            "{key}: {:?}",
            status[key]
        );
        assert_ne!(
            first.contracts[key].address, third.contracts[key].address,
            "{key}"
        );
    }
    assert_eq!(status["registry.set_config"], &Status::Called);
    assert_eq!(status["link.mint_to_deployer"], &Status::AlreadyApplied);
    // LOP depends only on WETH: unchanged.
    assert_eq!(status["limit_order_protocol"], &Status::Unchanged);
}

#[tokio::test]
async fn dry_run_predicts_exactly_what_a_real_run_does() {
    let chain = anvil();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let project = built();
    let conn = connect(&chain, 0).await;
    let config = DeployConfig::default().with_chain_defaults(conn.chain_id);
    let mut manifest = Manifest::new(conn.chain_id);
    let planned = Deployer::new(&conn, &project.out_dir(), &path, true)
        .run(&plan::stack(), &config, &mut manifest)
        .await
        .unwrap();
    assert!(!path.exists(), "a dry run writes no manifest");
    assert_eq!(conn.nonce().await.unwrap(), 0, "a dry run sends nothing");
    assert!(manifest.contracts.is_empty());

    let (real, _) = deploy_fresh(&chain, &DeployConfig::default(), &path).await;
    for o in &planned {
        match &o.status {
            Status::WouldDeploy(_) => assert_eq!(o.address, real.address(o.key), "{}", o.key),
            Status::WouldCall => assert!(real.actions.contains_key(o.key), "{}", o.key),
            other => panic!("{}: unexpected {other}", o.key),
        }
    }
}

#[tokio::test]
async fn existing_contracts_are_used_not_redeployed() {
    let chain = anvil();
    let dir = tempfile::tempdir().unwrap();
    let (first, _) =
        deploy_fresh(&chain, &DeployConfig::default(), &dir.path().join("a.json")).await;
    let mut config = DeployConfig::default();
    config
        .existing
        .insert("link".into(), first.address("link").unwrap());
    config
        .existing
        .insert("weth".into(), first.address("weth").unwrap());
    let (second, outcomes) = deploy_fresh(&chain, &config, &dir.path().join("b.json")).await;
    let status: BTreeMap<&str, &Status> = outcomes.iter().map(|o| (o.key, &o.status)).collect();
    assert_eq!(status["link"], &Status::Existing);
    assert_eq!(second.contracts["link"].origin, Origin::Existing);
    assert_eq!(second.address("link"), first.address("link"));
    assert_eq!(
        status["link.mint_to_deployer"],
        &Status::SkippedExternal,
        "not ours to mint"
    );
    assert_eq!(status["registry"], &Status::Deployed);

    // An `existing` address without code is refused before anything is sent.
    let mut bad = DeployConfig::default().with_chain_defaults(31337);
    bad.existing
        .insert("weth".into(), Address::repeat_byte(0x42));
    let conn = connect(&chain, 0).await;
    let nonce = conn.nonce().await.unwrap();
    let mut m = Manifest::new(31337);
    let err = Deployer::new(&conn, &built().out_dir(), &dir.path().join("c.json"), false)
        .run(&plan::stack(), &bad, &mut m)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("existing.weth") && err.contains("has no code"),
        "{err}"
    );
    assert_eq!(conn.nonce().await.unwrap(), nonce);

    // So is a key the plan does not know.
    let mut typo = DeployConfig::default().with_chain_defaults(31337);
    typo.existing
        .insert("wteh".into(), first.address("weth").unwrap());
    let err = Deployer::new(&conn, &built().out_dir(), &dir.path().join("c.json"), false)
        .run(&plan::stack(), &typo, &mut m)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("existing.wteh") && err.contains("weth"),
        "{err}"
    );
    assert_eq!(conn.nonce().await.unwrap(), nonce);
    assert!(!dir.path().join("c.json").exists());
}

/// Every selector the hand-written third-party bindings declare exists in the compiled
/// artifact's ABI, and the bindings of our own contracts (generated from `contracts/abi/`) bind
/// every function, event and custom error of the compiled contract — no more, no fewer.
#[test]
fn bindings_match_artifacts() {
    fn abi(contract: &str) -> alloy::json_abi::JsonAbi {
        let path = built()
            .out_dir()
            .join(format!("{contract}.sol/{contract}.json"));
        let artifact: ConfigurableContractArtifact =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        artifact.abi.unwrap()
    }
    fn selectors(contract: &str) -> Vec<[u8; 4]> {
        abi(contract).functions().map(|f| f.selector().0).collect()
    }
    // The registry's external functions live on the main contract and its logic fallbacks.
    let registry: Vec<[u8; 4]> = ["", "LogicA", "LogicB", "LogicC"]
        .iter()
        .flat_map(|part| selectors(&format!("AutomationRegistry{part}2_3")))
        .collect();
    type Case<'a> = (&'a str, Vec<[u8; 4]>, &'a [[u8; 4]]);
    let cases: [Case<'_>; 7] = [
        (
            "Multicall3",
            selectors("Multicall3"),
            Multicall3::Multicall3Calls::SELECTORS,
        ),
        (
            "MockV3Aggregator",
            selectors("MockV3Aggregator"),
            MockV3Aggregator::MockV3AggregatorCalls::SELECTORS,
        ),
        (
            "LinkToken",
            selectors("LinkToken"),
            LinkToken::LinkTokenCalls::SELECTORS,
        ),
        ("WETH9", selectors("WETH9"), WETH9::WETH9Calls::SELECTORS),
        (
            "AutomationRegistry2_3",
            registry,
            AutomationRegistry2_3::AutomationRegistry2_3Calls::SELECTORS,
        ),
        (
            "AutomationRegistrar2_3",
            selectors("AutomationRegistrar2_3"),
            AutomationRegistrar2_3::AutomationRegistrar2_3Calls::SELECTORS,
        ),
        (
            "LimitOrderProtocol",
            selectors("LimitOrderProtocol"),
            LimitOrderProtocol::LimitOrderProtocolCalls::SELECTORS,
        ),
    ];
    for (contract, available, declared) in cases {
        assert!(!declared.is_empty(), "{contract}");
        for sel in declared {
            assert!(
                available.contains(sel),
                "{contract} has no function 0x{}",
                alloy::hex::encode(sel)
            );
        }
    }
    // The events decoded from receipts: the factory's (devnet demo), the registry's (upkeep
    // registration and the DON simulator) and the balancer's perform profile.
    use AutomationRegistry2_3 as R;
    let events: [(&str, &str, alloy::primitives::B256); 6] = [
        (
            "AutomationRegistry2_3",
            R::UpkeepRegistered::SIGNATURE,
            R::UpkeepRegistered::SIGNATURE_HASH,
        ),
        (
            "AutomationRegistry2_3",
            R::UpkeepPerformed::SIGNATURE,
            R::UpkeepPerformed::SIGNATURE_HASH,
        ),
        (
            "AutomationRegistry2_3",
            R::UpkeepCharged::SIGNATURE,
            R::UpkeepCharged::SIGNATURE_HASH,
        ),
        (
            "AutomationRegistry2_3",
            R::StaleUpkeepReport::SIGNATURE,
            R::StaleUpkeepReport::SIGNATURE_HASH,
        ),
        (
            "AutomationRegistry2_3",
            R::ReorgedUpkeepReport::SIGNATURE,
            R::ReorgedUpkeepReport::SIGNATURE_HASH,
        ),
        (
            "AutomationRegistry2_3",
            R::CancelledUpkeepReport::SIGNATURE,
            R::CancelledUpkeepReport::SIGNATURE_HASH,
        ),
    ];
    for (contract, signature, topic) in events {
        let topics: Vec<_> = abi(contract).events().map(|e| e.selector()).collect();
        assert!(
            topics.contains(&topic),
            "{contract} has no event {signature}"
        );
    }
    // Our own contracts: generated from contracts/abi/, which must be what forge compiled.
    fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        v.sort();
        v
    }
    fn ours(contract: &str) -> [Vec<Vec<u8>>; 3] {
        // A balancer's ABI, as script/abi.sh writes it: its own, its admin module's (reached
        // through its fallback) and IBalancer's events and errors (some are emitted from assembly).
        let balancer = matches!(contract, "DriftBalancer" | "TimeBalancer");
        let mut parts = vec![abi(contract)];
        if balancer {
            parts.push(abi("BalancerAdminModule"));
        }
        let union = |f: &dyn Fn(&alloy::json_abi::JsonAbi) -> Vec<Vec<u8>>, with_iface: bool| {
            let mut v: Vec<Vec<u8>> = parts.iter().flat_map(f).collect();
            if balancer && with_iface {
                v.extend(f(&abi("IBalancer")));
            }
            v.sort();
            v.dedup();
            v
        };
        [
            union(
                &|a| a.functions().map(|f| f.selector().to_vec()).collect(),
                false,
            ),
            union(
                &|a| a.events().map(|e| e.selector().to_vec()).collect(),
                true,
            ),
            union(
                &|a| a.errors().map(|e| e.selector().to_vec()).collect(),
                true,
            ),
        ]
    }
    fn bound(calls: &[[u8; 4]], events: &[[u8; 32]], errors: &[[u8; 4]]) -> [Vec<Vec<u8>>; 3] {
        [
            sorted(calls.iter().map(|s| s.to_vec()).collect()),
            sorted(events.iter().map(|s| s.to_vec()).collect()),
            sorted(errors.iter().map(|s| s.to_vec()).collect()),
        ]
    }
    use onebalancer::chain::ours::{balancer, factory, manager, test_token, time_balancer};
    let generated = [
        (
            "DriftBalancer",
            bound(
                balancer::DriftBalancer::DriftBalancerCalls::SELECTORS,
                balancer::DriftBalancer::DriftBalancerEvents::SELECTORS,
                balancer::DriftBalancer::DriftBalancerErrors::SELECTORS,
            ),
        ),
        (
            "TimeBalancer",
            bound(
                time_balancer::TimeBalancer::TimeBalancerCalls::SELECTORS,
                time_balancer::TimeBalancer::TimeBalancerEvents::SELECTORS,
                time_balancer::TimeBalancer::TimeBalancerErrors::SELECTORS,
            ),
        ),
        (
            "BalancerFactory",
            bound(
                factory::BalancerFactory::BalancerFactoryCalls::SELECTORS,
                factory::BalancerFactory::BalancerFactoryEvents::SELECTORS,
                factory::BalancerFactory::BalancerFactoryErrors::SELECTORS,
            ),
        ),
        (
            "UpkeepManager",
            bound(
                manager::UpkeepManager::UpkeepManagerCalls::SELECTORS,
                manager::UpkeepManager::UpkeepManagerEvents::SELECTORS,
                manager::UpkeepManager::UpkeepManagerErrors::SELECTORS,
            ),
        ),
        (
            "TestERC20",
            bound(
                test_token::TestERC20::TestERC20Calls::SELECTORS,
                test_token::TestERC20::TestERC20Events::SELECTORS,
                test_token::TestERC20::TestERC20Errors::SELECTORS,
            ),
        ),
    ];
    for (contract, got) in generated {
        let want = ours(contract);
        for (what, (g, w)) in ["functions", "events", "errors"]
            .iter()
            .zip(got.iter().zip(&want))
        {
            assert_eq!(
                g, w,
                "{contract}: {what} bound ≠ compiled — run script/abi.sh"
            );
        }
        assert!(
            !want[2].is_empty() || contract == "TestERC20",
            "{contract} has errors"
        );
    }
}
