//! `onebalancer forecast eval`: the real binary, its JSON, the bars, and its input errors.
//!
//! The test binary is a debug build, so this runs 100 paths of 3 days per volatility level; the
//! reported figures (1,000 paths × 30 days, the CLI default) come from the release build.

use serde_json::Value;

use crate::support::{assert_one_error_line, onebalancer_bin, run_bin, stdout};

fn eval(args: &[&str]) -> std::process::Output {
    let mut all = vec!["forecast", "eval"];
    all.extend_from_slice(args);
    run_bin(onebalancer_bin(), &all, &[])
}

#[test]
fn eval_json_reports_every_regime_and_meets_the_bars() {
    let out = eval(&[
        "--paths", "100", "--days", "3", "--seed", "7", "--format", "json",
    ]);
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let regimes = json["regimes"].as_array().unwrap();
    let vols: Vec<f64> = regimes.iter().map(|r| r["vol"].as_f64().unwrap()).collect();
    assert_eq!(vols, [0.2, 0.6, 1.2]);
    for r in regimes {
        assert_eq!(r["paths"], 100);
        assert_eq!(r["days"], 3);
        assert_eq!(r["seed"], 7);
        assert_eq!(r["naive_checks"], 100 * 3 * 1440);
        let triggers = r["triggers"].as_u64().unwrap();
        let naive_noop = r["naive_noop_checks"].as_u64().unwrap();
        assert_eq!(naive_noop + triggers, 100 * 3 * 1440);
        assert!(r["forecast_checks"].as_u64().unwrap() > 0);
        let skipped = r["noop_checks_skipped_pct"].as_f64().unwrap();
        let delayed = r["triggers_delayed_pct"].as_f64().unwrap();
        assert!(skipped >= 70.0, "{r}");
        assert!(delayed <= 0.5, "{r}");
        assert_eq!(r["bars_met"], true);
    }
    assert!(regimes[2]["triggers"].as_u64() > regimes[0]["triggers"].as_u64());
    assert_eq!(json["bars_met"], true);
}

#[test]
fn eval_table_is_for_people() {
    let out = eval(&["--paths", "2", "--days", "1", "--vol", "60"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("2 paths × 1 days, seed 42"), "{text}");
    assert!(text.contains("skipped") && text.contains(" 60%"), "{text}");
}

#[test]
fn eval_is_reproducible_for_a_seed() {
    let args = [
        "--paths", "3", "--days", "1", "--vol", "120", "--format", "json",
    ];
    assert_eq!(stdout(&eval(&args)), stdout(&eval(&args)));
}

#[test]
fn eval_rejects_bad_input_naming_field_and_value() {
    assert_one_error_line(&eval(&["--paths", "0"]), &["paths = 0", "at least 1"]);
    assert_one_error_line(&eval(&["--vol", "20,-5"]), &["--vol -5", "percent"]);
    assert_one_error_line(
        &eval(&["--correlation", "1.5"]),
        &["correlation = 1.5", "[-1, 1]"],
    );
    assert_one_error_line(&eval(&["--risk", "0"]), &["risk = 0"]);
}
