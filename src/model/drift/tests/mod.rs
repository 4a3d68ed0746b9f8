//! Tests of the drift core: the shared vectors in both directions, unit tests, property tests.

mod generator;
mod props;
mod units;
mod vectors;

use vectors::{Case, CaseInput, lines, path, render};

/// Every case of `test/vectors/drift.json` (written by the libraries) reproduced exactly, and
/// each line re-serialised byte for byte.
#[test]
fn vectors_solidity_to_rust() {
    let text = std::fs::read_to_string(path("drift.json")).expect("test/vectors/drift.json");
    let cases: Vec<Case> = serde_json::from_str(&text).expect("drift.json parses");
    let file_lines = lines(&text);
    assert!(cases.len() >= 200, "{} cases", cases.len());
    assert_eq!(cases.len(), file_lines.len());
    for (case, line) in cases.iter().zip(file_lines) {
        let name = &case.input.name;
        let out = case
            .input
            .run()
            .unwrap_or_else(|e| panic!("case {name}: the model fails: {e}"));
        assert_eq!(
            out, case.output,
            "case {name}: the model differs from the libraries"
        );
        let ours = serde_json::to_string(case).expect("serialises");
        assert_eq!(ours, line, "case {name}: the line differs");
    }
}

/// `test/vectors/drift-rust.json` is what the generator writes (regenerate with
/// `DRIFT_VECTORS_WRITE=1 cargo test --locked --lib model::drift::tests::vectors_rust_to_solidity`,
/// then replay with `forge test --match-path test/unit/DriftRustVectors.t.sol`).
#[test]
fn vectors_rust_to_solidity() {
    let cases: Vec<Case> = generator::generate()
        .into_iter()
        .map(|input: CaseInput| {
            let output = input
                .run()
                .unwrap_or_else(|e| panic!("case {}: {e}", input.name));
            Case { input, output }
        })
        .collect();
    let text = render(&cases);
    let file = path("drift-rust.json");
    if std::env::var_os("DRIFT_VECTORS_WRITE").is_some() {
        std::fs::write(&file, &text).expect("write drift-rust.json");
    }
    let committed = std::fs::read_to_string(&file).expect("test/vectors/drift-rust.json");
    for (i, (a, b)) in lines(&text).iter().zip(lines(&committed)).enumerate() {
        assert_eq!(a, &b, "drift-rust.json case {i} is stale: regenerate it");
    }
    assert_eq!(text, committed, "drift-rust.json is stale: regenerate it");
    let triggered = cases.iter().filter(|c| c.output.upkeep_needed).count();
    assert!(
        triggered >= cases.len() / 5,
        "only {triggered} cases trigger"
    );
}
