//! The slither gate (script/slither_gate.py) fails on exactly the findings it should.

use std::{path::Path, process::Command};

use crate::support::root;

/// Where the fixture's one gated finding is: `Tmp.f` (line shifts do not change it).
const OWN_MEDIUM: &str = "Tmp.f";

fn gate(report: &Path, triage: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let triage_path = dir.path().join("triage.json");
    std::fs::write(&triage_path, triage).unwrap();
    let out = Command::new("python3")
        .arg(root().join("script/slither_gate.py"))
        .args([
            "--report",
            report.to_str().unwrap(),
            "--triage",
            triage_path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap(), text)
}

fn fixture() -> std::path::PathBuf {
    root().join("test/e2e/fixtures/slither-report.json")
}

#[test]
fn untriaged_medium_in_our_code_fails_and_library_or_low_findings_do_not() {
    let (code, text) = gate(&fixture(), "[]");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!(
            "UNTRIAGED Medium divide-before-multiply where={OWN_MEDIUM}"
        )),
        "{text}"
    );
    assert!(
        !text.contains("aaaa") && !text.contains("bbbb"),
        "lib/ and low findings are not gated: {text}"
    );
    assert!(
        text.contains("1 high/medium finding(s) in contracts/"),
        "{text}"
    );
}

#[test]
fn triaged_with_reason_passes_and_stale_or_reasonless_entries_fail() {
    let ok = format!(
        r#"[{{"check":"divide-before-multiply","where":"{OWN_MEDIUM}","reason":"rounding is intended"}}]"#
    );
    let (code, text) = gate(&fixture(), &ok);
    assert_eq!(code, 0, "{text}");

    let stale = format!(
        r#"[{{"check":"divide-before-multiply","where":"{OWN_MEDIUM}","reason":"r"}},{{"check":"reentrancy-eth","where":"Gone.g","reason":"r"}}]"#
    );
    let (code, text) = gate(&fixture(), &stale);
    assert_eq!(code, 1);
    assert!(
        text.contains("stale triage entry") && text.contains("Gone.g"),
        "{text}"
    );

    let reasonless =
        format!(r#"[{{"check":"divide-before-multiply","where":"{OWN_MEDIUM}","reason":" "}}]"#);
    let (code, text) = gate(&fixture(), &reasonless);
    assert_eq!(code, 1);
    assert!(
        text.contains("needs non-empty check, where and reason"),
        "{text}"
    );
}

#[test]
fn a_failed_slither_run_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    std::fs::write(
        &report,
        r#"{"success": false, "error": "compilation failed", "results": {}}"#,
    )
    .unwrap();
    let (code, text) = gate(&report, "[]");
    assert_eq!(code, 1);
    assert!(
        text.contains("slither failed: compilation failed"),
        "{text}"
    );
    let (code, text) = gate(&dir.path().join("missing.json"), "[]");
    assert_eq!(code, 1);
    assert!(text.contains("did slither run?"), "{text}");
}
