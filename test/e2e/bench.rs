//! `onebalancer bench scan` end to end, small: 50 balancers on a fresh anvil, the debug build.
//! It checks the report's shape and the two bars a small fleet can show — one scan round in at
//! most 10 requests, and faster than the naive keeper — not the ×20 of 1,000 balancers, which is
//! the benchmark's own report, not a timed test.

use serde_json::Value;

use crate::support::{built, onebalancer_bin, run_bin, stderr, stdout};

#[test]
fn bench_scan_reports_every_figure_for_50_balancers() {
    built();
    let started = std::time::Instant::now();
    let out = run_bin(
        onebalancer_bin(),
        &[
            "bench",
            "scan",
            "--balancers",
            "50",
            "--format",
            "json",
            "--no-build",
        ],
        &[],
    );
    assert!(out.status.success(), "bench scan failed:\n{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object on stdout");
    println!(
        "bench scan, 50 balancers, {:.0} s: {report}",
        started.elapsed().as_secs_f64()
    );
    for field in [
        "balancers",
        "build_profile",
        "setup_secs",
        "multicall_secs",
        "naive_secs",
        "speedup",
        "rpc_requests",
        "rpc_calls_by_method",
        "resident_mib",
        "repetitions",
        "bars",
    ] {
        assert!(report.get(field).is_some(), "no `{field}` in {report}");
    }
    assert_eq!(report["balancers"], 50);
    assert_eq!(report["build_profile"], "debug");
    assert_eq!(report["repetitions"], 5);
    assert_eq!(report["checks_needed"], 0, "funded at their targets");
    let n = |k: &str| {
        report[k]
            .as_f64()
            .unwrap_or_else(|| panic!("{k} is a number"))
    };
    assert!(n("setup_secs") > 0.0 && n("multicall_secs") > 0.0 && n("naive_secs") > 0.0);
    assert!(
        (n("speedup") - n("naive_secs") / n("multicall_secs")).abs() < 1e-6,
        "speedup = naive / multicall"
    );
    let requests = report["rpc_requests"].as_u64().unwrap();
    assert!((1..=10).contains(&requests), "{requests} requests");
    // Only eth_calls in a round: the block is fixed, nothing else is asked.
    let methods = report["rpc_calls_by_method"].as_object().unwrap();
    assert_eq!(methods.keys().collect::<Vec<_>>(), ["eth_call"]);
    assert_eq!(methods["eth_call"].as_u64(), Some(requests));
    assert_eq!(report["naive_rpc_requests"], 50);
    assert!(n("speedup") > 1.0, "the scan beats the naive keeper");
    assert!(n("resident_mib") > 1.0 && n("resident_mib") < 1024.0);
    assert!(report["keeper_scans"].as_u64().unwrap() >= 5);
    for (bar, limit) in [
        ("speedup", "min"),
        ("rpc_requests", "max"),
        ("resident_mib", "max"),
    ] {
        let b = &report["bars"][bar];
        assert!(b["met"].is_boolean(), "bars.{bar}.met in {report}");
        assert!(b[limit].is_number(), "bars.{bar}.{limit} in {report}");
        assert_eq!(b["value"].as_f64(), Some(n(bar)), "bars.{bar}.value");
    }
    assert_eq!(report["bars"]["rpc_requests"]["met"], true);
    // The keeper's own rounds in a quiet market: reads only, in fewer requests.
    assert_eq!(report["keeper_round_checks"], 0, "{report}");
    assert!(report["keeper_round_requests"].as_u64().unwrap() <= requests);
    assert!(n("keeper_round_secs") > 0.0 && n("naive_ms_per_request") > 0.0);
}

/// In a drifted market the keeper's schedule checks every balancer — its gate skips only what
/// cannot need work — and every check says so.
#[test]
fn bench_scan_in_a_drifted_market_checks_every_balancer() {
    built();
    let out = run_bin(
        onebalancer_bin(),
        &[
            "bench",
            "scan",
            "--balancers",
            "20",
            "--repetitions",
            "2",
            "--drifted",
            "--format",
            "json",
            "--no-build",
        ],
        &[],
    );
    assert!(out.status.success(), "bench scan failed:\n{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object on stdout");
    assert_eq!(report["drifted"], true);
    assert_eq!(report["checks_needed"], 20, "{report}");
    assert_eq!(report["keeper_round_checks"], 20, "{report}");
}
