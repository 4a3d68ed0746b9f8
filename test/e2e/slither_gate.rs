//! The slither gate (script/slither_gate.py) fails on exactly the findings it should.

use std::{path::Path, process::Command};

use crate::support::root;

/// Where the fixture's one gated finding is: `Tmp.f` (line shifts do not change it).
const OWN_MEDIUM: &str = "Tmp.f";
/// Its own text: it has no node elements, so its description without source locations.
const OWN_MEDIUM_WHAT: &str =
    "Tmp.f(uint256,uint256) performs a multiplication on the result of a division";

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
        r#"[{{"check":"divide-before-multiply","where":"{OWN_MEDIUM}","what":"{OWN_MEDIUM_WHAT}","reason":"rounding is intended"}}]"#
    );
    let (code, text) = gate(&fixture(), &ok);
    assert_eq!(code, 0, "{text}");

    let stale = format!(
        r#"[{{"check":"divide-before-multiply","where":"{OWN_MEDIUM}","what":"{OWN_MEDIUM_WHAT}","reason":"r"}},{{"check":"reentrancy-eth","where":"Gone.g","what":"x","reason":"r"}}]"#
    );
    let (code, text) = gate(&fixture(), &stale);
    assert_eq!(code, 1);
    assert!(
        text.contains("stale triage entry") && text.contains("Gone.g"),
        "{text}"
    );

    let reasonless = format!(
        r#"[{{"check":"divide-before-multiply","where":"{OWN_MEDIUM}","what":"{OWN_MEDIUM_WHAT}","reason":" "}}]"#
    );
    let (code, text) = gate(&fixture(), &reasonless);
    assert_eq!(code, 1);
    assert!(
        text.contains("needs non-empty check, where, what and reason"),
        "{text}"
    );
}

/// A finding in our code at `Tmp.fund`, pointing at the expression `expr`.
fn equality_finding(expr: &str) -> String {
    format!(
        r#"{{"check":"incorrect-equality","impact":"Medium","confidence":"High","description":"Tmp.fund() (contracts/Tmp.sol#3-9) uses a dangerous strict equality:\n\t- {expr} (contracts/Tmp.sol#4)\n","elements":[{{"type":"function","name":"fund()","source_mapping":{{"filename_relative":"contracts/Tmp.sol"}},"type_specific_fields":{{"parent":{{"type":"contract","name":"Tmp"}}}}}},{{"type":"node","name":"{expr}","source_mapping":{{"filename_relative":"contracts/Tmp.sol"}}}}]}}"#
    )
}

#[test]
fn a_second_finding_of_the_same_check_in_the_same_function_needs_its_own_entry() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let write = |findings: &[String]| {
        std::fs::write(
            &report,
            format!(
                r#"{{"success": true, "error": null, "results": {{"detectors": [{}]}}}}"#,
                findings.join(",")
            ),
        )
        .unwrap();
    };
    let triage = r#"[{"check":"incorrect-equality","where":"Tmp.fund","what":"supply == 0","reason":"first deposit"}]"#;
    write(&[equality_finding("supply == 0")]);
    let (code, text) = gate(&report, triage);
    assert_eq!(code, 0, "{text}");
    // the same check, the same function, a new comparison: not covered by the entry above
    write(&[
        equality_finding("supply == 0"),
        equality_finding("balance == amount"),
    ]);
    let (code, text) = gate(&report, triage);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            r#"UNTRIAGED Medium incorrect-equality where=Tmp.fund what="balance == amount""#
        ),
        "{text}"
    );
    assert!(text.contains("1 triaged, 1 untriaged"), "{text}");
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
