use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256, address};

use super::{overrides::FIELDS, *};

mod invalid;
mod overrides;
mod targets;

pub(super) const A1: &str = "0x1111111111111111111111111111111111111111";
pub(super) const A2: &str = "0x2222222222222222222222222222222222222222";
pub(super) const A3: &str = "0x3333333333333333333333333333333333333333";
pub(super) const A4: &str = "0x4444444444444444444444444444444444444444";
pub(super) const A5: &str = "0x5555555555555555555555555555555555555555";

/// The smallest valid file: a chain and one target.
pub(super) const BASE: &str = r#"[chain]
rpc_url = "http://127.0.0.1:8545"
chain_id = 31337

[[targets]]
address = "0x1111111111111111111111111111111111111111"
"#;

/// anvil's public account-0 key: stands in for a secret that must never be echoed.
pub(super) const SECRET: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

pub(super) fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn parse_in(
    text: &str,
    dir: &Path,
    pairs: &[(&str, &str)],
) -> Result<KeeperConfig, KeeperConfigError> {
    KeeperConfig::from_toml_str(text, dir, &env(pairs))
}

pub(super) fn parse(text: &str) -> Result<KeeperConfig, KeeperConfigError> {
    parse_in(text, Path::new("/cfg"), &[])
}

pub(super) fn parse_err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

/// BASE with the overrides, validated; the error message.
pub(super) fn invalid(pairs: &[(&str, &str)]) -> String {
    parse_in(BASE, Path::new("/cfg"), pairs)
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string()
}

pub(super) fn addr(s: &str) -> Address {
    s.parse().unwrap()
}

pub(super) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

pub(super) fn assert_has(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "{msg:?} lacks {p:?}");
    }
}

// ---- defaults, example, round trip -----------------------------------------------------------

#[test]
fn defaults_fill_every_omitted_field() {
    let c = parse(BASE).unwrap();
    c.validate().unwrap();
    assert_eq!(c.rpc_url().unwrap(), "http://127.0.0.1:8545");
    assert_eq!(c.chain.chain_id, 31337);
    assert_eq!(c.chain.poll_ms, 1000);
    assert_eq!(c.chain.call_gas_cap, 30_000_000);
    assert_eq!(c.chain.request_timeout_ms, 10_000);
    assert_eq!(c.keeper.keystore, None);
    assert_eq!(c.keeper.data_dir, PathBuf::from(".keeper"));
    assert_eq!(c.keeper.store, None);
    assert_eq!(
        c.keeper.min_balance_wei,
        U256::from(50_000_000_000_000_000u64)
    );
    assert_eq!(c.contracts, ContractsSection::default());
    assert_eq!(
        (c.scan.every_blocks, c.scan.forecast, c.scan.max_skip_secs),
        (1, true, 300)
    );
    assert_eq!(c.perform.mode, Mode::Fallback);
    assert_eq!(
        (c.perform.grace_blocks, c.perform.gas_margin_percent),
        (3, 25)
    );
    let t = &c.tx;
    assert_eq!(
        (t.bump_after_blocks, t.bump_percent, t.fee_history_blocks),
        (3, 20, 10)
    );
    assert_eq!((t.tip_percentile, t.max_attempts), (20, 10));
    assert_eq!(t.bump_min_wei, U256::from(100u64));
    assert_eq!(t.max_fee_per_gas_wei, U256::from(500_000_000_000u64));
    assert_eq!(c.metrics.listen, "127.0.0.1:9464");
    assert_eq!(
        (c.metrics.head_stale_secs, c.metrics.scan_stale_secs),
        (30, 60)
    );
    // Resolved accessors.
    assert_eq!(c.multicall3().unwrap(), MULTICALL3_CANONICAL_FOR_TEST);
    assert_eq!(c.registry().unwrap(), None);
    assert_eq!(c.keystone_forwarder(), None);
    assert_eq!(c.keystore_path(), None);
    assert_eq!(
        c.store_location().unwrap(),
        StoreLocation::Sqlite(PathBuf::from("/cfg/.keeper/keeper.sqlite"))
    );
    assert_eq!(
        c.metrics_listen().unwrap(),
        Some("127.0.0.1:9464".parse().unwrap())
    );
    assert_eq!(c.poll_interval(), std::time::Duration::from_secs(1));
    assert_eq!(c.request_timeout(), std::time::Duration::from_secs(10));
    assert_eq!(c.max_skip(), std::time::Duration::from_secs(300));
    assert_eq!(c.head_stale(), std::time::Duration::from_secs(30));
    assert_eq!(c.scan_stale(), std::time::Duration::from_secs(60));
    let targets = c.targets().unwrap();
    assert_eq!(
        targets,
        vec![TargetSpec {
            address: addr(A1),
            kind: None,
            name: addr(A1).to_checksum(None),
            mode: Mode::Fallback,
            grace_blocks: 3,
            upkeep_id: None,
            origin: "targets[0]".into(),
        }]
    );
}

const MULTICALL3_CANONICAL_FOR_TEST: Address = address!("cA11bde05977b3631167028862bE2a173976CA11");

#[test]
fn example_parses_shows_the_defaults_and_validates_with_a_target() {
    let dir = Path::new("/cfg");
    let c = KeeperConfig::from_toml_str(KeeperConfig::example(), dir, &[]).unwrap();
    let mut expected = KeeperConfig::new(31337, dir);
    expected.chain.rpc_url = Some("http://127.0.0.1:8545".into());
    assert_eq!(c, expected, "the example's values must be the defaults");
    assert!(matches!(
        c.validate(),
        Err(KeeperConfigError::NoTargets { .. })
    ));
    let with_target = format!(
        "{}\n[[targets]]\naddress = \"{A1}\"\n",
        KeeperConfig::example()
    );
    let c = KeeperConfig::from_toml_str(&with_target, dir, &[]).unwrap();
    c.validate().unwrap();
    // Every field appears in the example (set, or commented out).
    for (section, fields) in FIELDS {
        assert!(
            KeeperConfig::example().contains(&format!("[{section}]")),
            "{section}"
        );
        for (field, _) in *fields {
            assert!(
                KeeperConfig::example().contains(&format!("{field} = ")),
                "{section}.{field} is not in the example"
            );
        }
    }
}

#[test]
fn every_field_round_trips_through_toml() {
    let text = format!(
        r#"[chain]
rpc_url = "https://rpc.example.org/v2/abc"
chain_id = 8453
poll_ms = 250
call_gas_cap = 50000000
request_timeout_ms = 5000

[keeper]
keystore = "keys/keeper.json"
data_dir = "state"
store = "postgres://keeper@db.local/keeper"
min_balance_wei = "123456789012345678901234567890"

[contracts]
manifest = "deployments/8453.json"
multicall3 = "{A2}"
registry = "{A3}"
keystone_forwarder = "{A4}"

[scan]
every_blocks = 2
forecast = false
max_skip_secs = 60

[perform]
mode = "primary"
grace_blocks = 0
gas_margin_percent = 300

[tx]
bump_after_blocks = 5
bump_percent = 12
bump_min_wei = "1000"
max_fee_per_gas_wei = "2000000000"
fee_history_blocks = 20
tip_percentile = 50
max_attempts = 3

[metrics]
listen = "off"
head_stale_secs = 10
scan_stale_secs = 20

[[targets]]
address = "{A1}"
kind = "manager"
name = "fleet a"
mode = "fallback"
grace_blocks = 9
upkeep_id = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

[[targets]]
address = "{A5}"

[[target_sets]]
manifest = ".devnet/demo.json"
mode = "primary"
grace_blocks = 1
"#
    );
    let dir = Path::new("/cfg");
    let a = parse_in(&text, dir, &[]).unwrap();
    assert_eq!(a.targets[0].upkeep_id, Some(U256::MAX));
    assert_eq!(a.targets[0].kind, Some(TargetKind::Manager));
    let written = a.to_toml_string().unwrap();
    let b = parse_in(&written, dir, &[]).unwrap();
    assert_eq!(a, b, "{written}");
    // Defaults round-trip too, and optional fields stay absent.
    let c = KeeperConfig::new(1, dir);
    let written = c.to_toml_string().unwrap();
    assert!(
        !written.contains("rpc_url") && !written.contains("targets"),
        "{written}"
    );
    assert_eq!(parse_in(&written, dir, &[]).unwrap(), c);
}
