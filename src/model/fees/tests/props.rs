//! Properties of both models.

use alloy::primitives::U256;
use proptest::prelude::*;

use crate::model::fees::{
    doc_model::{juels_to_wei, upkeep_fee_wei, wei_to_juels},
    registry::{
        BillingToken, MaxPaymentParams, PaymentParams, Trigger, calculate_payment_amount,
        max_payment, transmit_gas_overhead,
    },
};

const GWEI: u128 = 1_000_000_000;

fn link() -> BillingToken {
    BillingToken {
        decimals: 18,
        gas_fee_ppb: 500_000_000,
        flat_fee_milli_cents: 20_000,
        price_usd: U256::from(2_000_000_000u64),
    }
}

fn params(gas_used: u64, overhead: u64, tx: u64, fast: u64) -> PaymentParams {
    PaymentParams {
        gas_limit: U256::from(gas_used),
        gas_overhead: U256::from(overhead),
        l1_cost_wei: U256::ZERO,
        fast_gas_wei: U256::from(fast),
        gas_ceiling_multiplier: 5,
        tx_gas_price: Some(U256::from(tx)),
        link_usd: U256::from(2_000_000_000u64),
        native_usd: U256::from(400_000_000_000u64),
        token: link(),
    }
}

fn total(p: &PaymentParams) -> U256 {
    calculate_payment_amount(p).unwrap().total().unwrap()
}

proptest! {
    #[test]
    fn doc_fee_is_monotone(g in 1u128..10_000 * GWEI, dg in 0u128..GWEI, gas in 0u128..30_000_000,
                           dgas in 0u128..1_000_000, p in 0u128..999_999_999) {
        let f = upkeep_fee_wei(g, gas, 80_000, p).unwrap();
        prop_assert!(upkeep_fee_wei(g + dg, gas, 80_000, p).unwrap() >= f);
        prop_assert!(upkeep_fee_wei(g, gas + dgas, 80_000, p).unwrap() >= f);
        // Never below the premium-free gas cost.
        prop_assert!(f >= g * (gas + 80_000));
    }

    #[test]
    fn link_fee_times_rate_covers_native_fee(g in 1u128..10_000 * GWEI, gas in 0u128..30_000_000,
                                             p in 0u128..999_999_999, rate in 1u128..10u128.pow(21)) {
        let native = upkeep_fee_wei(g, gas, 80_000, p).unwrap();
        let juels = wei_to_juels(native, rate).unwrap();
        prop_assert!(juels_to_wei(juels, rate).unwrap() >= native);
    }

    #[test]
    fn registry_charge_is_monotone(gas in 0u64..5_000_000, dgas in 0u64..100_000,
                                   tx in 0u64..50_000_000_000, dtx in 0u64..1_000_000_000) {
        let base = total(&params(gas, 100_000, tx, 1_000_000_000));
        prop_assert!(total(&params(gas + dgas, 100_000, tx, 1_000_000_000)) >= base);
        prop_assert!(total(&params(gas, 100_000, tx + dtx, 1_000_000_000)) >= base);
    }

    #[test]
    fn sharing_a_report_never_costs_more(gas in 0u64..5_000_000, tally in 0u64..2_000_000,
                                         len in 0u64..20_000, n in 1u32..50) {
        let alone = transmit_gas_overhead(U256::from(tally), len, 1).unwrap();
        let shared = transmit_gas_overhead(U256::from(tally), len, n).unwrap();
        prop_assert!(shared <= alone);
        let o = |x: U256| u64::try_from(x).unwrap();
        prop_assert!(total(&params(gas, o(shared), 1_000_000_000, 1_000_000_000))
            <= total(&params(gas, o(alone), 1_000_000_000, 1_000_000_000)));
    }

    #[test]
    fn min_balance_covers_any_charge_under_the_ceiling(
        limit in 1u32..5_000_000, used_frac in 0u32..=1000, fast in 1u64..100_000_000_000,
        tx in 0u64..u64::MAX / 4, f in 0u8..10, len in 0u64..2_000,
    ) {
        let min = max_payment(&MaxPaymentParams {
            trigger: Trigger::Conditional,
            perform_gas_limit: limit,
            f,
            max_perform_data_size: 2_000,
            chain_module_fixed_overhead: 300,
            chain_module_per_byte_overhead: 0,
            module_max_l1_fee: U256::ZERO,
            fast_gas_wei: U256::from(fast),
            gas_ceiling_multiplier: 5,
            link_usd: U256::from(2_000_000_000u64),
            native_usd: U256::from(400_000_000_000u64),
            token: link(),
        }).unwrap();
        let used = u64::from(limit) * u64::from(used_frac) / 1000;
        // A single-upkeep transmit's overhead stays below the registry's max estimate when the
        // measured tally is within what the max estimate budgets for.
        let overhead = transmit_gas_overhead(U256::from(30_000u32), len + 1_200, 1).unwrap();
        let charge = total(&PaymentParams {
            gas_limit: U256::from(used),
            gas_overhead: overhead,
            ..params(0, 0, tx, fast)
        });
        prop_assert!(min >= charge, "min {min} < charge {charge}");
    }
}
