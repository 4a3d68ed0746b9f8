//! The registry 2.3 charge against the shared vectors and hand-checked cases.

use alloy::primitives::U256;

use crate::model::fees::{
    l1::{FjordL1, fjord_linear_regression, l1_fee_upper_bound},
    registry::{ChargeError, transmit_gas_overhead},
    vectors::{self, BillingVector},
};

fn vectors_file() -> Vec<BillingVector> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test/vectors/billing.json");
    vectors::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The charges the fleet comparison measured (`test/gas/AutomationCharges.t.sol`): a balancer as
/// its own upkeep, ten in one report, ten behind one manager upkeep.
#[test]
fn every_fleet_charge_vector_matches_to_the_wei() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test/vectors/billing-fleet.json"
    );
    let all = vectors::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(all.len(), 12, "standalone, ten in a report, the manager");
    let failures: Vec<String> = all
        .iter()
        .filter_map(|v| v.check().err().map(|e| e.to_string()))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(all.iter().any(|v| v.name().starts_with("manager k10")));
}

#[test]
fn every_billing_vector_matches_to_the_wei() {
    let all = vectors_file();
    assert!(all.len() >= 50, "{} vectors", all.len());
    let failures: Vec<String> = all
        .iter()
        .filter_map(|v| v.check().err().map(|e| e.to_string()))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_vectors_are_registry_written_and_cover_every_input() {
    let all = vectors_file();
    let mut names = std::collections::BTreeSet::new();
    for v in &all {
        assert!(
            names.insert(v.name()),
            "duplicate vector name {:?}",
            v.name()
        );
        let source = match v {
            BillingVector::Perform(p) => &p.source,
            BillingVector::MinBalance(m) => &m.source,
        };
        assert!(source.starts_with("registry-written: "), "{source}");
    }
    let performs: Vec<_> = all
        .iter()
        .filter_map(|v| match v {
            BillingVector::Perform(p) => Some(p),
            BillingVector::MinBalance(_) => None,
        })
        .collect();
    let min_balances = all.len() - performs.len();
    assert!(min_balances >= 5, "{min_balances} min_balance vectors");
    // A 6-decimal billing token, the ceiling binding, a zero gas price, an OP-stack L1 fee, an
    // exact overhead split and a zero premium (billing override) are all among them.
    assert!(performs.iter().any(|p| p.token.decimals == 6));
    assert!(
        performs
            .iter()
            .any(|p| p.tx_gas_price > p.fast_gas_wei * U256::from(p.gas_ceiling_multiplier))
    );
    assert!(performs.iter().any(|p| p.tx_gas_price.is_zero()));
    assert!(
        performs
            .iter()
            .any(|p| p.l1.is_some() && !p.l1_cost_wei.is_zero())
    );
    assert!(performs.iter().any(|p| p.overhead_split.is_some()));
    assert!(performs.iter().any(|p| p.token.gas_fee_ppb == 0));
}

#[test]
fn a_wrong_vector_is_reported() {
    let mut all = vectors_file();
    let BillingVector::Perform(v) = &mut all[0] else {
        panic!("first vector is a perform")
    };
    let total = v.expected.total;
    v.expected.total += U256::from(1u8);
    let e = all[0].check().unwrap_err().to_string();
    assert!(e.contains(&format!("total is {total} by the model")), "{e}");
}

#[test]
fn unknown_vector_fields_are_rejected() {
    let e = vectors::parse(r#"[{"kind":"min_balance","name":"x","bogus":1}]"#).unwrap_err();
    assert!(e.to_string().contains("bogus"), "{e}");
}

#[test]
fn overhead_split_rounds_down() {
    let o = transmit_gas_overhead(U256::from(100_000u32), 1_000, 3).unwrap();
    assert_eq!(o, U256::from(70_566u32));
    assert_eq!(
        transmit_gas_overhead(U256::ZERO, 0, 0),
        Err(ChargeError::Zero("numUpkeepsPassedChecks"))
    );
}

#[test]
fn fjord_regression_has_a_floor() {
    assert_eq!(fjord_linear_regression(0), U256::from(100_000_000u64));
    assert_eq!(fjord_linear_regression(1_790), U256::from(1_454_749_400u64));
    let l1 = FjordL1 {
        l1_base_fee: U256::from(10_000_000_000u64),
        blob_base_fee: U256::from(1_000_000_000u64),
        base_fee_scalar: 2_269,
        blob_base_fee_scalar: 1_055_762,
    };
    assert_eq!(
        l1_fee_upper_bound(1_700, &l1).unwrap(),
        U256::from(2_064_001_358_218u64)
    );
    let huge = FjordL1 {
        base_fee_scalar: u32::MAX,
        ..l1
    };
    assert!(l1_fee_upper_bound(1, &huge).is_err());
}
