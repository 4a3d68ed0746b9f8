//! `onebalancer hub`: the real binary quotes the plan document's worked example exactly, plans a
//! batch from a fixture, and refuses bad input with one error line naming the field.

use serde_json::Value;

use crate::support::*;

const FIXTURE: &str = "test/e2e/fixtures/hub-requests.json";

fn json_of(args: &[&str]) -> Value {
    let o = run_bin(onebalancer_bin(), args, &[]);
    assert!(o.status.success(), "stderr:\n{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn hub_quote_json_reproduces_the_worked_example() {
    let q = json_of(&[
        "hub",
        "quote",
        "--amount",
        "1000",
        "--gas-gwei",
        "50",
        "--eth-usd",
        "3500",
        "--format",
        "json",
    ]);
    // 150,000 gas × 50 gwei × $3,500 = $26.25; buffer 20 % of it; hub fee 1 %.
    assert_eq!(q["amount"], "1000.00");
    assert_eq!(q["hub_fee"], "10.00");
    assert_eq!(q["miner_fee"], "26.25");
    assert_eq!(q["buffer"], "5.25");
    assert_eq!(q["total_fee"], "41.50");
    assert_eq!(q["total"], "1041.50");
    assert_eq!(q["gas_units"], 150_000);
    assert_eq!(q["token_decimals"], 6);
    assert_eq!(q["soft_limit"], "2625.00");
    assert_eq!(q["below_soft_limit"], true);
}

#[test]
fn hub_quote_table_shows_the_breakdown() {
    let o = run_bin(
        onebalancer_bin(),
        &[
            "hub",
            "quote",
            "--amount",
            "1000",
            "--gas-gwei",
            "50",
            "--eth-usd",
            "3500",
        ],
        &[],
    );
    assert!(o.status.success(), "stderr:\n{}", stderr(&o));
    let out = stdout(&o);
    for (label, value) in [
        ("hub fee (1 %)", "10.00"),
        ("miner fee", "26.25"),
        ("gas buffer (20 %)", "5.25"),
        ("total", "1041.50"),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_default();
        assert!(line.contains(value), "{label} row lacks {value}:\n{out}");
    }
}

#[test]
fn hub_plan_on_the_fixture() {
    let p = json_of(&["hub", "plan", "--requests", FIXTURE, "--format", "json"]);
    assert_eq!(p["execute"], true);
    assert_eq!(p["decision"]["reason"], "window_elapsed");
    assert_eq!(p["batch_gas"], 175_000);
    let ops = p["operations"].as_array().unwrap();
    let ids: Vec<&str> = ops.iter().map(|o| o["request"].as_str().unwrap()).collect();
    assert_eq!(ids, ["req-alice-1", "req-bob"]);
    // 87,500 gas each at 10 gwei and $3,500 = 3.0625; buffer 0.6125; 1 % of 9,000 = 90.
    assert_eq!(ops[0]["total_fee"], "93.675");
    assert_eq!(ops[0]["user_pays"], "9093.675");
    let reasons: Vec<(&str, &str)> = p["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["request"].as_str().unwrap(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("req-grace", "over_max_amount"),
            ("req-alice-2", "over_user_cap"),
            ("req-carol", "unaffordable"),
            ("req-dave", "fee_above_max"),
            ("req-erin", "below_soft_limit"),
            ("req-frank", "below_min_amount"),
        ]
    );
    let usdc = &p["totals"]["USDC"];
    assert_eq!(usdc["reserves_out"], "11000.00");
    assert_eq!(usdc["reserve_after"], "1000.00");
    assert_eq!(usdc["fees"], "117.35");
    assert_eq!(usdc["user_debits"], "11117.35");
}

#[test]
fn hub_plan_table_on_the_fixture() {
    let o = run_bin(
        onebalancer_bin(),
        &["hub", "plan", "--requests", FIXTURE],
        &[],
    );
    assert!(o.status.success(), "stderr:\n{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("decision: execute now"), "{out}");
    assert!(out.contains("unaffordable: reserve left 1000.00"), "{out}");
    assert!(out.contains("USDC: reserve 12000.00 → 1000.00"), "{out}");
}

#[test]
fn hub_bad_flags_name_the_flag_and_the_fix() {
    let quote = |gas: &str, price: &str, amount: &str| {
        run_bin(
            onebalancer_bin(),
            &[
                "hub",
                "quote",
                "--amount",
                amount,
                "--gas-gwei",
                gas,
                "--eth-usd",
                price,
            ],
            &[],
        )
    };
    assert_one_error_line(
        &quote("-5", "3500", "1000"),
        &["--gas-gwei", "\"-5\"", "negative", "gwei"],
    );
    assert_one_error_line(
        &quote("5000000", "3500", "1000"),
        &["--gas-gwei 5000000", "absurd"],
    );
    assert_one_error_line(&quote("0", "3500", "1000"), &["--gas-gwei 0", "gas price"]);
    assert_one_error_line(&quote("50", "0", "1000"), &["--eth-usd 0", "e.g. 3500"]);
    assert_one_error_line(&quote("50", "3500", "0"), &["--amount 0", "positive"]);
}

#[test]
fn hub_bad_files_name_the_field_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hub.toml");
    std::fs::write(&config, "fee_bps = \"one percent\"\n").unwrap();
    let o = run_bin(
        onebalancer_bin(),
        &[
            "hub",
            "plan",
            "--requests",
            FIXTURE,
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    );
    assert_one_error_line(&o, &["fee_bps = \"one percent\"", "expected u32", "line 1"]);

    let fixture = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    let requests = dir.path().join("requests.json");
    std::fs::write(
        &requests,
        fixture.replace("\"amount\": \"2000\"", "\"amount\": -2000"),
    )
    .unwrap();
    let o = run_bin(
        onebalancer_bin(),
        &["hub", "plan", "--requests", requests.to_str().unwrap()],
        &[],
    );
    assert_one_error_line(
        &o,
        &["requests[1].amount = -2000", "negative", "decimal string"],
    );
}
