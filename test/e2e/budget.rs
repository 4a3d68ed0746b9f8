//! `onebalancer budget`: the real binary prints the fee tables, JSON, a chart, and rejects bad
//! configs with one line naming the field.

use crate::support::*;

#[test]
fn default_tables_show_the_documents_baseline_and_its_errors() {
    let o = run_bin(onebalancer_bin(), &["budget"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "stable       140000         264000              0.0000792",
        "Base Case       30       8              0.0034704              0.0416448",
        "monthly 0.34704 ETH, annual 4.16448 ETH, fund 0.69408 ETH",
        "Discrepancies in the economics document",
        "correct: 0.00084 ETH",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
}

#[test]
fn json_is_exact() {
    let o = run_bin(onebalancer_bin(), &["budget", "--format", "json"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["drift"][1]["scenario"], "Base Case");
    assert_eq!(v["drift"][1]["monthly_wei"], "3470400000000000");
    assert_eq!(v["per_upkeep"][0]["fee_wei"], "79200000000000");
    assert!(v["discrepancies"].as_array().unwrap().len() >= 15);
    assert!(v["savings_exact"].is_array() && v["min_balance"].is_object());
}

#[test]
fn config_overrides_a_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("b.toml");
    std::fs::write(
        &cfg,
        "gas_price_gwei = \"0.60\"\n[scenarios.base]\nstable = 30\nglobal = 8\n",
    )
    .unwrap();
    let o = run_bin(
        onebalancer_bin(),
        &[
            "budget",
            "--format",
            "json",
            "--config",
            cfg.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["drift"][1]["monthly_wei"], "6940800000000000");
}

#[test]
fn bad_configs_are_one_line_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "gas_price_gwei = 20000\n",
            vec!["gas_price_gwei = 20000", "absurd", "e.g. 0.30"],
        ),
        (
            "gas_price_gwei = -0.3\n",
            vec!["gas_price_gwei = -0.3 is negative"],
        ),
        (
            "premium_percent = 100\n",
            vec!["premium_percent = 100", "at or above 100 %"],
        ),
        ("link_price_eth = 0\n", vec!["link_price_eth = 0 is zero"]),
        (
            "[min_balance]\nfast_gas_gwei = \"fast\"\n",
            vec!["line 2, column 17", "fast_gas_gwei"],
        ),
        (
            "gas_price = 1\n",
            vec!["unknown field `gas_price`", "line 1"],
        ),
    ];
    for (i, (text, needles)) in cases.iter().enumerate() {
        let cfg = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&cfg, text).unwrap();
        let o = run_bin(
            onebalancer_bin(),
            &["budget", "--config", cfg.to_str().unwrap()],
            &[],
        );
        assert_one_error_line(&o, needles);
    }
    let o = run_bin(
        onebalancer_bin(),
        &["budget", "--config", "/nonexistent.toml"],
        &[],
    );
    assert_one_error_line(
        &o,
        &["cannot read --config /nonexistent.toml", "check the path"],
    );
}

#[test]
fn chart_is_an_svg() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("cost.svg");
    let o = run_bin(
        onebalancer_bin(),
        &["budget", "--chart", svg.to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(text.trim_end().ends_with("</svg>"));
    assert_eq!(text.matches("<polyline").count(), 3);
    for label in [
        "Low Vol",
        "Base Case",
        "High Vol",
        "gas price (gwei)",
        "monthly cost (ETH)",
    ] {
        assert!(text.contains(label), "missing {label}");
    }
    // Well-formed enough: every opened tag is closed or self-closed.
    assert_eq!(
        text.matches("<text").count(),
        text.matches("</text>").count()
    );
}
