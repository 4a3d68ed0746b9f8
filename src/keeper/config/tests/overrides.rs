//! Environment overrides and secrets.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};

use super::*;
use crate::keeper::config::overrides::FIELDS;

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
