//! Ranges, invalid values and parse errors with their position.

use std::path::Path;

use alloy::primitives::U256;

use super::*;

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

#[test]
fn funding_fields_name_field_value_and_fix() {
    let with = |funding: &str| {
        format!(
            "{BASE}\n[contracts]\nregistry = \"0x3333333333333333333333333333333333333333\"\n\n[funding]\n{funding}\n"
        )
    };
    let ok = parse(&with("")).unwrap();
    ok.validate().unwrap();
    let s = ok.funding().unwrap().unwrap();
    assert_eq!(
        (s.min_balance_multiple, s.performs_per_day, s.window_blocks),
        (3, 24, 1024),
        "the defaults"
    );
    assert_eq!(s.offpeak.percentile, 25);
    for (line, needles) in [
        (
            "min_balance_multiple = 0",
            &[
                "funding.min_balance_multiple = 0 is zero",
                "give at least 1",
            ][..],
        ),
        ("every_secs = 0", &["funding.every_secs = 0 is zero"][..]),
        (
            "performs_per_day = 0",
            &["funding.performs_per_day = 0"][..],
        ),
        (
            "offpeak_percentile = 101",
            &["funding.offpeak_percentile = 101 is outside 1–100"][..],
        ),
        (
            "offpeak_window_blocks = 1025",
            &["funding.offpeak_window_blocks = 1025", "eth_feeHistory"][..],
        ),
    ] {
        let msg = parse(&with(line))
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert_has(&msg, needles);
    }
    let msg = parse(&format!("{BASE}\n[funding]\n"))
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[
            "funding",
            "needs the Automation registry",
            "set [contracts] registry",
        ],
    );
    let msg = parse_err(&with("private_key = \"0x12\""));
    assert!(!msg.contains("0x12"), "{msg}");
}

#[test]
fn bands_fields_name_field_value_and_fix() {
    let with = |bands: &str| format!("{BASE}\n[bands]\n{bands}\n");
    let ok = parse(&with("")).unwrap();
    ok.validate().unwrap();
    let s = ok.bands().unwrap().unwrap();
    assert_eq!(s.every.as_secs(), 604_800, "weekly by default");
    assert_eq!((s.min_gap_bps, s.max_step_bps), (25, 50));
    for (line, needles) in [
        ("every_secs = 0", &["bands.every_secs = 0 is zero"][..]),
        ("max_step_bps = 0", &["bands.max_step_bps = 0 is zero"][..]),
        (
            "calm_vol = -1.0",
            &["bands.calm_vol = -1 is not a finite number"][..],
        ),
        (
            "gap_bps = 10",
            &["bands.gap_bps = 10 is below bands.min_gap_bps = 25"][..],
        ),
    ] {
        let msg = parse(&with(line))
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert_has(&msg, needles);
    }
}
