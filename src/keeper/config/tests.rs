use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256, address};

use super::{overrides::FIELDS, *};

const A1: &str = "0x1111111111111111111111111111111111111111";
const A2: &str = "0x2222222222222222222222222222222222222222";
const A3: &str = "0x3333333333333333333333333333333333333333";
const A4: &str = "0x4444444444444444444444444444444444444444";
const A5: &str = "0x5555555555555555555555555555555555555555";

/// The smallest valid file: a chain and one target.
const BASE: &str = r#"[chain]
rpc_url = "http://127.0.0.1:8545"
chain_id = 31337

[[targets]]
address = "0x1111111111111111111111111111111111111111"
"#;

/// anvil's public account-0 key: stands in for a secret that must never be echoed.
const SECRET: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse_in(
    text: &str,
    dir: &Path,
    pairs: &[(&str, &str)],
) -> Result<KeeperConfig, KeeperConfigError> {
    KeeperConfig::from_toml_str(text, dir, &env(pairs))
}

fn parse(text: &str) -> Result<KeeperConfig, KeeperConfigError> {
    parse_in(text, Path::new("/cfg"), &[])
}

fn parse_err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

/// BASE with the overrides, validated; the error message.
fn invalid(pairs: &[(&str, &str)]) -> String {
    parse_in(BASE, Path::new("/cfg"), pairs)
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string()
}

fn addr(s: &str) -> Address {
    s.parse().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_has(msg: &str, parts: &[&str]) {
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

// ---- ranges and other invalid values --------------------------------------------------------

#[test]
fn every_range_error_names_field_value_and_fix() {
    // variable suffix, field, lowest, highest, default ("-" where 0 is the lowest of a u64)
    let cases = "
        CHAIN__POLL_MS              chain.poll_ms              100     60000      1000
        CHAIN__CALL_GAS_CAP         chain.call_gas_cap         1000000 1000000000 30000000
        CHAIN__REQUEST_TIMEOUT_MS   chain.request_timeout_ms   100     120000     10000
        SCAN__EVERY_BLOCKS          scan.every_blocks          1       1000       1
        SCAN__MAX_SKIP_SECS         scan.max_skip_secs         1       86400      300
        PERFORM__GRACE_BLOCKS       perform.grace_blocks       0       1000       3
        PERFORM__GAS_MARGIN_PERCENT perform.gas_margin_percent 0       300        25
        TX__BUMP_AFTER_BLOCKS       tx.bump_after_blocks       1       100        3
        TX__FEE_HISTORY_BLOCKS      tx.fee_history_blocks      1       1024       10
        TX__TIP_PERCENTILE          tx.tip_percentile          1       99         20
        TX__MAX_ATTEMPTS            tx.max_attempts            1       100        10
        METRICS__HEAD_STALE_SECS    metrics.head_stale_secs    1       3600       30
        METRICS__SCAN_STALE_SECS    metrics.scan_stale_secs    1       3600       60";
    let mut checked = 0;
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let [var, field, lo, hi, default] = line.split_whitespace().collect::<Vec<_>>()[..] else {
            panic!("bad case {line}");
        };
        let var = format!("ONEBALANCER_KEEPER__{var}");
        let (lo_n, hi_n): (u64, u64) = (lo.parse().unwrap(), hi.parse().unwrap());
        let mut bad = vec![(hi_n + 1).to_string()];
        if lo_n > 0 {
            bad.push((lo_n - 1).to_string());
        }
        for value in &bad {
            let msg = invalid(&[(&var, value)]);
            assert_has(
                &msg,
                &[
                    "keeper config (inline TOML): ",
                    &format!("{field} = {value} is out of range"),
                    &format!("— set it to {lo}..={hi} (default {default})"),
                ],
            );
        }
        for ok in [lo, hi, default] {
            let c = parse_in(BASE, Path::new("/cfg"), &[(&var, ok)]).unwrap();
            c.validate()
                .unwrap_or_else(|e| panic!("{field} = {ok}: {e}"));
        }
        checked += 1;
    }
    assert_eq!(checked, 13);
    // Per-target and per-set overrides are ranged too.
    let text = format!("{BASE}grace_blocks = 1001\n");
    let msg = parse(&text).unwrap().validate().unwrap_err().to_string();
    assert_has(
        &msg,
        &["targets[0].grace_blocks = 1001 is out of range", "0..=1000"],
    );
    let text = format!("{BASE}[[target_sets]]\nmanifest = \"m.json\"\ngrace_blocks = 2000\n");
    let msg = parse(&text).unwrap().validate().unwrap_err().to_string();
    assert_has(
        &msg,
        &["target_sets[0].grace_blocks = 2000 is out of range"],
    );
}

#[test]
fn fee_rules_are_checked() {
    let msg = invalid(&[("ONEBALANCER_KEEPER__TX__BUMP_PERCENT", "9")]);
    assert_has(
        &msg,
        &["tx.bump_percent = 9 is below 10", "10 or more", "geth"],
    );
    parse_in(
        BASE,
        Path::new("/"),
        &[("ONEBALANCER_KEEPER__TX__BUMP_PERCENT", "10")],
    )
    .unwrap()
    .validate()
    .unwrap();
    let msg = invalid(&[
        ("ONEBALANCER_KEEPER__TX__MAX_FEE_PER_GAS_WEI", "99"),
        ("ONEBALANCER_KEEPER__TX__BUMP_MIN_WEI", "100"),
    ]);
    assert_has(
        &msg,
        &[
            "tx.max_fee_per_gas_wei = \"99\" is below tx.bump_min_wei = \"100\"",
            "raise",
        ],
    );
    let msg = invalid(&[("ONEBALANCER_KEEPER__TX__MAX_FEE_PER_GAS_WEI", "0")]);
    assert_has(&msg, &["tx.max_fee_per_gas_wei = \"0\" allows no fee"]);
}

#[test]
fn rpc_url_must_be_present_and_http() {
    let no_url = format!("[chain]\nchain_id = 1\n[[targets]]\naddress = \"{A1}\"\n");
    let c = parse(&no_url).unwrap();
    let msg = c.validate().unwrap_err().to_string();
    assert_has(&msg, &["chain.rpc_url is not set", "ONEBALANCER_RPC_URL"]);
    let msg = invalid(&[("ONEBALANCER_RPC_URL", "ftp://node.example.org/")]);
    assert_has(
        &msg,
        &[
            "chain.rpc_url = \"ftp://node.example.org\" is not an http(s) URL",
            "https://",
        ],
    );
    let msg = invalid(&[("ONEBALANCER_RPC_URL", "127.0.0.1 8545")]);
    assert_has(&msg, &["chain.rpc_url = \"127.0.0.1 8545\" is not a URL"]);
    // A path or query (often an API key) is never repeated.
    let msg = invalid(&[("ONEBALANCER_RPC_URL", "wss://eth.example.org/v2/APIKEY123")]);
    assert_has(&msg, &["\"wss://eth.example.org/…\" is not an http(s) URL"]);
    assert!(!msg.contains("APIKEY123"), "{msg}");
}

#[test]
fn chain_id_zero_and_zero_addresses_are_refused() {
    let msg = invalid(&[("ONEBALANCER_KEEPER__CHAIN__CHAIN_ID", "0")]);
    assert_has(&msg, &["chain.chain_id = 0 is not a chain id", "31337"]);
    let zero = "0x0000000000000000000000000000000000000000";
    let msg = invalid(&[("ONEBALANCER_KEEPER__CONTRACTS__REGISTRY", zero)]);
    assert_has(&msg, &["contracts.registry = 0x0 is the zero address"]);
    let text = format!(
        "[chain]\nrpc_url = \"http://x:1\"\nchain_id = 1\n[[targets]]\naddress = \"{zero}\"\n"
    );
    let msg = parse(&text).unwrap().validate().unwrap_err().to_string();
    assert_has(
        &msg,
        &[
            "targets[0].address = 0x0 is the zero address",
            "give the contract's address",
        ],
    );
}

#[test]
fn listen_is_a_socket_address_or_off() {
    let c = parse_in(
        BASE,
        Path::new("/"),
        &[("ONEBALANCER_KEEPER__METRICS__LISTEN", "OFF")],
    )
    .unwrap();
    assert_eq!(c.metrics_listen().unwrap(), None);
    let c = parse_in(
        BASE,
        Path::new("/"),
        &[("ONEBALANCER_KEEPER__METRICS__LISTEN", "[::1]:9000")],
    )
    .unwrap();
    assert_eq!(
        c.metrics_listen().unwrap(),
        Some("[::1]:9000".parse().unwrap())
    );
    let msg = invalid(&[("ONEBALANCER_KEEPER__METRICS__LISTEN", "localhost:9464")]);
    assert_has(
        &msg,
        &[
            "metrics.listen = \"localhost:9464\" is not a socket address",
            "\"off\"",
        ],
    );
}

#[test]
fn wei_amounts_take_integers_and_decimal_or_hex_strings() {
    for (value, expected) in [
        ("1000", 1000u64),
        ("\"1_000\"", 1000),
        ("\"0x10\"", 16),
        ("\"50000000000000000\"", 50_000_000_000_000_000),
    ] {
        let text = format!("{BASE}\n[keeper]\nmin_balance_wei = {value}\n");
        assert_eq!(
            parse(&text).unwrap().keeper.min_balance_wei,
            U256::from(expected),
            "{value}"
        );
    }
    let msg = parse_err(&format!("{BASE}\n[keeper]\nmin_balance_wei = -1\n"));
    assert_has(&msg, &[":9:19: keeper.min_balance_wei = -1 is negative"]);
    let msg = parse_err(&format!("{BASE}\n[keeper]\nmin_balance_wei = \"1e18\"\n"));
    assert_has(
        &msg,
        &["keeper.min_balance_wei = \"1e18\" is not a number — give a whole number"],
    );
    let msg = parse_err(&format!("{BASE}\n[keeper]\nmin_balance_wei = 0.5\n"));
    assert_has(
        &msg,
        &["keeper.min_balance_wei is invalid: invalid type: floating point"],
    );
}

// ---- parse errors with their position --------------------------------------------------------

#[test]
fn unknown_fields_are_reported_with_their_line() {
    let text = format!("{BASE}\n[scan]\nforecast = false\nevery_blockz = 2\n");
    let msg = parse_err(&text);
    assert_has(
        &msg,
        &[
            "keeper config (inline TOML):10:1: scan.every_blockz is not a known field",
            "`every_blocks`",
            "correct its spelling or remove it",
        ],
    );
    let text = format!("{BASE}\n[[targets]]\nadress = \"{A2}\"\n");
    let msg = parse_err(&text);
    assert_has(
        &msg,
        &[":9:1: targets[1].adress is not a known field", "`address`"],
    );
    let msg = parse_err(&format!("{BASE}\n[scann]\nevery_blocks = 2\n"));
    assert_has(&msg, &[":8:2: scann is not a known field", "`scan`"]);
}

#[test]
fn bad_values_name_field_line_and_fix() {
    let text =
        format!("{BASE}\n[[targets]]\naddress = \"{A2}\"\n\n[[targets]]\naddress = \"0x12\"\n");
    let msg = parse_err(&text);
    assert_has(
        &msg,
        &[
            ":12:11: targets[2].address = \"0x12\" is not an address — give 20 bytes of hex, 0x-prefixed",
        ],
    );
    // Mixed case must be a valid checksum; all lower case needs none.
    let bad_sum = "0xcA11bde05977b3631167028862bE2a173976cA11";
    let msg = parse_err(&format!(
        "{BASE}\n[contracts]\nmulticall3 = \"{bad_sum}\"\n"
    ));
    assert_has(
        &msg,
        &["contracts.multicall3 = ", "EIP-55 checksum", "lower case"],
    );
    let good = "0xca11bde05977b3631167028862be2a173976ca11";
    let c = parse(&format!("{BASE}\n[contracts]\nmulticall3 = \"{good}\"\n")).unwrap();
    assert_eq!(c.multicall3().unwrap(), MULTICALL3_CANONICAL_FOR_TEST);
    let msg = parse_err(&format!("{BASE}upkeep_id = \"0xzz\"\n"));
    assert_has(
        &msg,
        &[":7:13: targets[0].upkeep_id = \"0xzz\" is not a number"],
    );
    for (id, expected) in [("\"123\"", 123u64), ("123", 123), ("\"0x7b\"", 123)] {
        let c = parse(&format!("{BASE}upkeep_id = {id}\n")).unwrap();
        assert_eq!(c.targets[0].upkeep_id, Some(U256::from(expected)));
    }
    let msg = parse_err(&format!("{BASE}mode = \"primry\"\n"));
    assert_has(
        &msg,
        &[
            ":7:8: targets[0].mode is invalid: unknown variant `primry`",
            "`primary`",
            "use one of",
        ],
    );
    let msg = parse_err(&format!("{BASE}\n[scan]\nforecast = \"yes\"\n"));
    assert_has(
        &msg,
        &[":9:12: scan.forecast is invalid: invalid type: string \"yes\", expected a boolean"],
    );
}

#[test]
fn missing_required_fields_are_named() {
    let msg = parse_err("[chain]\nrpc_url = \"http://x:1\"\n");
    assert_has(&msg, &["chain.chain_id is missing", "add it"]);
    let msg = parse_err("[scan]\nevery_blocks = 1\n");
    assert_has(&msg, &["[chain] is missing", "chain_id"]);
    let msg = parse_err("[chain]\nchain_id = 1\n[[targets]]\nname = \"x\"\n");
    assert_has(&msg, &["targets[0].address is missing"]);
}

#[test]
fn syntax_errors_give_line_and_column() {
    let msg = parse_err("[chain]\nchain_id = 1\npoll_ms = = 5\n");
    assert_has(
        &msg,
        &[
            "keeper config (inline TOML):3:",
            "invalid TOML",
            "fix the syntax",
        ],
    );
}

// ---- environment overrides -------------------------------------------------------------------

#[test]
fn rpc_url_variable_wins() {
    let dir = Path::new("/cfg");
    let c = parse_in(
        BASE,
        dir,
        &[("ONEBALANCER_RPC_URL", "https://node.example.org")],
    )
    .unwrap();
    assert_eq!(c.rpc_url().unwrap(), "https://node.example.org");
    let both = [
        ("ONEBALANCER_KEEPER__CHAIN__RPC_URL", "http://a:1"),
        ("ONEBALANCER_RPC_URL", "http://b:2"),
    ];
    assert_eq!(
        parse_in(BASE, dir, &both).unwrap().rpc_url().unwrap(),
        "http://b:2"
    );
    // The file may leave it out; an empty variable counts as unset.
    let no_url = format!("[chain]\nchain_id = 1\n[[targets]]\naddress = \"{A1}\"\n");
    let c = parse_in(&no_url, dir, &[("ONEBALANCER_RPC_URL", "http://c:3")]).unwrap();
    c.validate().unwrap();
    assert_eq!(c.rpc_url().unwrap(), "http://c:3");
    assert_eq!(
        parse_in(BASE, dir, &[("ONEBALANCER_RPC_URL", "")])
            .unwrap()
            .rpc_url()
            .unwrap(),
        "http://127.0.0.1:8545"
    );
}

#[test]
fn field_variables_set_numbers_booleans_and_strings() {
    let dir = Path::new("/cfg");
    let c = parse_in(
        BASE,
        dir,
        &[
            ("ONEBALANCER_KEEPER__SCAN__EVERY_BLOCKS", "7"),
            ("onebalancer_keeper__scan__forecast", "false"),
            ("ONEBALANCER_KEEPER__Tx__Bump_Percent", "30"),
            ("ONEBALANCER_KEEPER__KEEPER__DATA_DIR", "2024"),
            ("ONEBALANCER_KEEPER__PERFORM__MODE", "primary"),
            (
                "ONEBALANCER_KEEPER__TX__MAX_FEE_PER_GAS_WEI",
                "1000000000000000000000",
            ),
            (
                "ONEBALANCER_KEEPER__CONTRACTS__REGISTRY",
                "0x0000000000000000000000000000000000000001",
            ),
            ("ONEBALANCER_PRIVATE_KEY", SECRET),
            ("PATH", "/usr/bin"),
        ],
    )
    .unwrap();
    assert_eq!(c.scan.every_blocks, 7);
    assert!(!c.scan.forecast);
    assert_eq!(c.tx.bump_percent, 30);
    assert_eq!(c.keeper.data_dir, PathBuf::from("2024"));
    assert_eq!(c.perform.mode, Mode::Primary);
    assert_eq!(
        c.tx.max_fee_per_gas_wei,
        U256::from(10u64).pow(U256::from(21u64))
    );
    assert_eq!(c.registry().unwrap(), Some(Address::with_last_byte(1)));
    // A variable can set a section the file does not have, and a required field.
    let no_id = "[chain]\nrpc_url = \"http://x:1\"\n";
    let c = parse_in(
        no_id,
        dir,
        &[
            ("ONEBALANCER_KEEPER__CHAIN__CHAIN_ID", "5"),
            ("ONEBALANCER_KEEPER__METRICS__HEAD_STALE_SECS", "9"),
        ],
    )
    .unwrap();
    assert_eq!((c.chain.chain_id, c.metrics.head_stale_secs), (5, 9));
}

#[test]
fn unknown_or_malformed_variables_are_errors() {
    let dir = Path::new("/cfg");
    let err = |pairs: &[(&str, &str)]| parse_in(BASE, dir, pairs).unwrap_err().to_string();
    let msg = err(&[("ONEBALANCER_KEEPER__CHIAN__POLL_MS", "5")]);
    assert_has(
        &msg,
        &[
            "ONEBALANCER_KEEPER__CHIAN__POLL_MS",
            "there is no section [chian]",
            "chain, keeper, contracts, scan, perform, tx, metrics",
        ],
    );
    let msg = err(&[("ONEBALANCER_KEEPER__SCAN__EVERY_BLOCK", "5")]);
    assert_has(
        &msg,
        &[
            "ONEBALANCER_KEEPER__SCAN__EVERY_BLOCK",
            "[scan] has no field every_block",
            "every_blocks, forecast, max_skip_secs",
        ],
    );
    let msg = err(&[("ONEBALANCER_KEEPER__SCAN", "5")]);
    assert_has(&msg, &["ONEBALANCER_KEEPER__SCAN", "exactly one `__`"]);
    // A value of the wrong type names its variable.
    let msg = err(&[("ONEBALANCER_KEEPER__SCAN__FORECAST", "maybe")]);
    assert_has(
        &msg,
        &[
            "(environment variable ONEBALANCER_KEEPER__SCAN__FORECAST = \"maybe\")",
            "scan.forecast is invalid",
        ],
    );
}

#[test]
fn override_fields_match_the_structs() {
    for (section, fields) in FIELDS {
        let text = if *section == "chain" {
            "[chain]\nchain_id = 1\nzzz = 1\n".to_string()
        } else {
            format!("[chain]\nchain_id = 1\n[{section}]\nzzz = 1\n")
        };
        let msg = parse_err(&text);
        let mut listed: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
        let mut known: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
        listed.sort_unstable();
        known.sort_unstable();
        assert_eq!(listed, known, "[{section}]: {msg}");
    }
}

// ---- secrets ---------------------------------------------------------------------------------

#[test]
fn secrets_are_refused_without_echo() {
    let cases = [
        (
            format!("{BASE}\n[keeper]\nprivate_key = \"0x{SECRET}\"\n"),
            "keeper.private_key",
            9,
        ),
        (
            format!("{BASE}privateKey = \"{SECRET}\"\n"),
            "targets[0].privateKey",
            7,
        ),
        (format!("mnemonic = \"{SECRET}\"\n{BASE}"), "mnemonic", 1),
        (
            BASE.replace("chain_id", &format!("password = \"{SECRET}\"\nchain_id")),
            "chain.password",
            3,
        ),
        (
            format!("{BASE}\n[extra]\nkey = \"{SECRET}\"\n"),
            "extra.key",
            9,
        ),
        (
            format!("{BASE}\n[keeper]\nsigner = {{ Private-Key = \"{SECRET}\" }}\n"),
            "keeper.signer.Private-Key",
            9,
        ),
        // Malformed (unquoted): still refused as a secret, never described.
        (
            format!("{BASE}\n[keeper]\nprivate_key = {SECRET}\n"),
            "keeper.private_key",
            9,
        ),
        (
            format!("{BASE}\n[keeper]\nmnemonic = test test test junk\n"),
            "keeper.mnemonic",
            9,
        ),
        (
            format!("{BASE}\n[keeper]\nseed phrase = \"junk\"\n"),
            "seed phrase",
            9,
        ),
    ];
    for (text, field, line) in cases {
        let err = parse(&text).unwrap_err();
        assert!(matches!(err, KeeperConfigError::Secret { .. }), "{err}");
        let msg = err.to_string();
        assert_has(
            &msg,
            &[
                &format!(":{line}: {field} looks like a secret"),
                "keys never go in config files",
                "ONEBALANCER_PRIVATE_KEY",
                "[keeper] keystore",
                "ONEBALANCER_KEYSTORE_PASSWORD",
            ],
        );
        assert!(!msg.contains(SECRET) && !msg.contains("junk"), "{msg}");
    }
    // Variables too.
    let err = parse_in(
        BASE,
        Path::new("/"),
        &[("ONEBALANCER_KEEPER__KEEPER__PRIVATE_KEY", SECRET)],
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, KeeperConfigError::SecretOverride { .. }),
        "{msg}"
    );
    assert_has(
        &msg,
        &[
            "ONEBALANCER_KEEPER__KEEPER__PRIVATE_KEY",
            "keys never go in config files",
        ],
    );
    assert!(!msg.contains(SECRET), "{msg}");
    // `keystore` is a path, not a secret.
    let c = parse(&format!("{BASE}\n[keeper]\nkeystore = \"k.json\"\n")).unwrap();
    assert_eq!(c.keystore_path(), Some(PathBuf::from("/cfg/k.json")));
}

// ---- manifests -------------------------------------------------------------------------------

fn manifest_json() -> String {
    format!(
        r#"{{
  "schema": 1,
  "chainId": 31337,
  "balancers": [
    {{ "key": "drift_balancer", "kind": "DriftBalancer", "address": "{A1}",
       "upkeep": {{ "id": "0x2a", "gasLimit": 500000 }} }},
    {{ "key": "time_balancer", "kind": "TimeBalancer", "address": "{A2}" }}
  ],
  "fleet": {{ "manager": "{A3}", "balancers": [ {{ "key": "f0", "kind": "DriftBalancer",
       "address": "0x9999999999999999999999999999999999999999" }} ], "upkeep": {{ "id": "0x10" }} }},
  "fleets": [ {{ "manager": "{A4}", "balancers": [], "upkeep": {{ "id": "7" }} }} ],
  "somethingNew": true
}}"#
    )
}

fn with_set(extra: &str) -> String {
    format!("[chain]\nrpc_url = \"http://x:1\"\nchain_id = 31337\n{extra}")
}

#[test]
fn target_sets_read_balancers_and_fleets() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".devnet/demo.json", &manifest_json());
    let text = with_set(
        "[perform]\ngrace_blocks = 4\n[[target_sets]]\nmanifest = \".devnet/demo.json\"\nmode = \"primary\"\n",
    );
    let c = parse_in(&text, dir.path(), &[]).unwrap();
    c.validate().unwrap();
    let t = c.targets().unwrap();
    let base = "target_sets[0] (.devnet/demo.json)";
    let summary: Vec<_> = t
        .iter()
        .map(|t| {
            (
                t.address,
                t.kind,
                t.name.as_str(),
                t.upkeep_id,
                t.origin.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                addr(A1),
                Some(TargetKind::Balancer),
                "drift_balancer",
                Some(U256::from(42u64)),
                format!("{base} balancers[0]")
            ),
            (
                addr(A2),
                Some(TargetKind::Balancer),
                "time_balancer",
                None,
                format!("{base} balancers[1]")
            ),
            (
                addr(A3),
                Some(TargetKind::Manager),
                "fleet",
                Some(U256::from(16u64)),
                format!("{base} fleet")
            ),
            (
                addr(A4),
                Some(TargetKind::Manager),
                "fleets[0]",
                Some(U256::from(7u64)),
                format!("{base} fleets[0]")
            ),
        ]
    );
    assert!(
        t.iter()
            .all(|t| t.mode == Mode::Primary && t.grace_blocks == 4)
    );
}

#[test]
fn devnet_manifests_list_targets_under_demo() {
    let dir = tempfile::tempdir().unwrap();
    let json = format!(
        r#"{{ "schema": 1, "chainId": 31337, "contracts": {{}},
  "demo": {{ "assets": [], "balancers": [ {{ "key": "drift_balancer", "address": "{A1}" }} ],
            "fleet": {{ "manager": "{A2}", "tx": "0x00", "balancers": [], "upkeep": {{ "id": "0x1" }} }} }} }}"#
    );
    write(dir.path(), "manifest.json", &json);
    let c = parse_in(
        &with_set("[[target_sets]]\nmanifest = \"manifest.json\"\n"),
        dir.path(),
        &[],
    )
    .unwrap();
    let t = c.targets().unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(
        t[0].origin,
        "target_sets[0] (manifest.json) demo.balancers[0]"
    );
    assert_eq!(
        (t[1].kind, t[1].name.as_str()),
        (Some(TargetKind::Manager), "fleet")
    );
    assert_eq!(t[1].origin, "target_sets[0] (manifest.json) demo.fleet");
}

#[test]
fn bad_manifests_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let set = with_set("[[target_sets]]\nmanifest = \"m.json\"\n");
    let check = |json: Option<&str>, parts: &[&str]| {
        let path = dir.path().join("m.json");
        match json {
            Some(j) => std::fs::write(&path, j).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
        let c = parse_in(&set, dir.path(), &[]).unwrap();
        let msg = c.validate().unwrap_err().to_string();
        assert_has(&msg, parts);
        assert_has(
            &msg,
            &["target_sets[0].manifest", &path.display().to_string()],
        );
    };
    check(None, &["cannot read it", "onebalancer devnet"]);
    check(
        Some("{ \"balancers\": [ \n"),
        &["is not a usable manifest", "line 2"],
    );
    check(
        Some("{ \"chainId\": 1, \"balancers\": [] }"),
        &[
            "is for chain 1 but chain.chain_id = 31337",
            "set chain.chain_id = 1",
        ],
    );
    check(
        Some("{ \"balancers\": [ { \"key\": \"x\", \"address\": \"0x12\" } ] }"),
        &["\"0x12\" is not an address", "line 1"],
    );
    // A manifest that lists nothing, and no explicit targets: nothing to keep.
    std::fs::write(dir.path().join("m.json"), "{ \"chainId\": 31337 }").unwrap();
    let c = parse_in(&set, dir.path(), &[]).unwrap();
    assert!(matches!(
        c.targets(),
        Err(KeeperConfigError::NoTargets { .. })
    ));
    let msg = parse(&with_set(""))
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert_has(&msg, &["no targets", "[[targets]]", "[[target_sets]]"]);
}

#[test]
fn a_target_listed_twice_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "demo.json", &manifest_json());
    let twice = format!("{BASE}[[targets]]\naddress = \"{A1}\"\n");
    let msg = parse(&twice).unwrap().validate().unwrap_err().to_string();
    assert_has(
        &msg,
        &[&format!(
            "target {} is listed twice, as targets[0] and as targets[1]",
            addr(A1)
        )],
    );
    let set = "[[target_sets]]\nmanifest = \"demo.json\"\n";
    let explicit_and_set = format!("{BASE}{set}");
    let msg = parse_in(&explicit_and_set, dir.path(), &[])
        .unwrap()
        .targets()
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &["as targets[0] and as target_sets[0] (demo.json) balancers[0]"],
    );
    let two_sets = with_set(&format!("{set}{set}"));
    let msg = parse_in(&two_sets, dir.path(), &[])
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[
            "as target_sets[0] (demo.json) balancers[0] and as target_sets[1] (demo.json) balancers[0]",
        ],
    );
}

#[test]
fn contracts_come_from_the_file_then_the_manifest_then_the_canonical_address() {
    let dir = tempfile::tempdir().unwrap();
    let json = format!(
        r#"{{ "chainId": 31337, "contracts": {{ "multicall3": {{ "address": "{A2}", "artifact": "M" }},
             "registry": {{ "address": "{A3}" }}, "link": {{ "address": "{A4}" }} }} }}"#
    );
    write(dir.path(), "d.json", &json);
    let c = parse_in(
        &format!("{BASE}\n[contracts]\nmanifest = \"d.json\"\n"),
        dir.path(),
        &[],
    )
    .unwrap();
    c.validate().unwrap();
    assert_eq!(c.multicall3().unwrap(), addr(A2));
    assert_eq!(c.registry().unwrap(), Some(addr(A3)));
    let text = format!("{BASE}\n[contracts]\nmanifest = \"d.json\"\nregistry = \"{A5}\"\n");
    let c = parse_in(&text, dir.path(), &[]).unwrap();
    assert_eq!(c.registry().unwrap(), Some(addr(A5)));
    write(
        dir.path(),
        "d.json",
        "{ \"chainId\": 8453, \"contracts\": {} }",
    );
    let msg = c.validate().unwrap_err().to_string();
    assert_has(
        &msg,
        &[
            "contracts.manifest",
            "is for chain 8453 but chain.chain_id = 31337",
        ],
    );
    write(
        dir.path(),
        "d.json",
        "{ \"contracts\": { \"registry\": { \"address\": \"nope\" } } }",
    );
    let msg = c.multicall3().unwrap_err().to_string();
    assert_has(
        &msg,
        &["contracts.registry.address = \"nope\" is not an address"],
    );
}

// ---- paths -----------------------------------------------------------------------------------

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "conf/demo.json", &manifest_json());
    let text = format!(
        "{BASE}\n[keeper]\nkeystore = \"keys/k.json\"\ndata_dir = \"state\"\n\n[[target_sets]]\nmanifest = \"demo.json\"\n"
    )
    .replace(A1, A5);
    let path = write(dir.path(), "conf/keeper.toml", &text);
    let c = KeeperConfig::load_with_env(&path, &[]).unwrap();
    c.validate().unwrap();
    let conf = dir.path().join("conf");
    assert_eq!(c.base_dir(), conf);
    assert_eq!(c.file(), path.display().to_string());
    assert_eq!(c.keystore_path(), Some(conf.join("keys/k.json")));
    assert_eq!(c.data_dir(), conf.join("state"));
    assert_eq!(
        c.store_location().unwrap(),
        StoreLocation::Sqlite(conf.join("state/keeper.sqlite"))
    );
    assert_eq!(c.targets().unwrap().len(), 5);
    // Absolute paths stay; store URLs.
    let store = |s: &str| {
        let text = format!("{BASE}\n[keeper]\nstore = \"{s}\"\n");
        parse_in(&text, &conf, &[]).unwrap().store_location()
    };
    assert_eq!(
        store("db/k.sqlite").unwrap(),
        StoreLocation::Sqlite(conf.join("db/k.sqlite"))
    );
    assert_eq!(
        store("/var/k.sqlite").unwrap(),
        StoreLocation::Sqlite(PathBuf::from("/var/k.sqlite"))
    );
    assert_eq!(
        store("sqlite://k.db").unwrap(),
        StoreLocation::Sqlite(conf.join("k.db"))
    );
    assert_eq!(
        store("sqlite:k.db").unwrap(),
        StoreLocation::Sqlite(conf.join("k.db"))
    );
    assert_eq!(
        store("sqlite:///srv/k.db").unwrap(),
        StoreLocation::Sqlite(PathBuf::from("/srv/k.db"))
    );
    let pg = "postgres://keeper:hunter2@db/keeper";
    assert_eq!(store(pg).unwrap(), StoreLocation::Postgres(pg.into()));
    let msg = store("mysql://keeper:hunter2@db/keeper")
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[
            "keeper.store = \"mysql://…@db/keeper\" has the unsupported scheme",
            "postgres://",
        ],
    );
    assert!(!msg.contains("hunter2"), "{msg}");
    let msg = store("sqlite::memory:").unwrap_err().to_string();
    assert_has(&msg, &["names no database file"]);
    let msg = store("sqlite:k.db?mode=rwc").unwrap_err().to_string();
    assert_has(&msg, &["has URL parameters"]);
}

#[test]
fn load_reads_the_file_and_reports_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let msg = KeeperConfig::load_with_env(&missing, &[])
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &["cannot read keeper config", &missing.display().to_string()],
    );
    let path = write(
        dir.path(),
        "k.toml",
        &format!("{BASE}\n[scan]\nevery_blocks = 0\n"),
    );
    let msg = KeeperConfig::load(&path)
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[&format!(
            "keeper config {}: scan.every_blocks = 0",
            path.display()
        )],
    );
    let path = write(dir.path(), "k.toml", "[chain]\nchain_id = 1\nbogus = 2\n");
    let msg = KeeperConfig::load_with_env(&path, &[])
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[&format!(
            "keeper config {}:3:1: chain.bogus",
            path.display()
        )],
    );
}
