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

#[test]
fn every_billing_vector_matches_to_the_wei() {
    let all = vectors_file();
    assert!(all.len() >= 10);
    let failures: Vec<String> = all
        .iter()
        .filter_map(|v| v.check().err().map(|e| e.to_string()))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_wrong_vector_is_reported() {
    let mut all = vectors_file();
    let BillingVector::Perform(v) = &mut all[0] else {
        panic!("first vector is a perform")
    };
    v.expected.total += U256::from(1u8);
    let e = all[0].check().unwrap_err().to_string();
    assert!(e.contains("total is 47628300000000000 by the model"), "{e}");
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
