//! The report's telemetry: idempotent on the log, read back exactly.

use alloy::primitives::{Address, B256, U256};

use super::*;
use crate::{
    model::report::Charge,
    store::{ChargeRecord, FillQuote, FillRecord, UpkeepSample},
};

fn charge(block: u64) -> ChargeRecord {
    ChargeRecord {
        chain_id: CHAIN,
        tx_hash: B256::repeat_byte(block as u8),
        log_index: 3,
        registry: Address::repeat_byte(0x2e),
        charge: Charge {
            block,
            at_s: 1_000 + block,
            upkeep_id: U256::MAX,
            target: Address::repeat_byte(0xba),
            token: Address::repeat_byte(0x11),
            gas_charge: U256::from(10u128.pow(30)),
            premium: U256::from(7u8),
            gas_used: U256::from(150_000u32),
            gas_overhead: U256::from(93_861u32),
            tx_gas_price: U256::from(1_000_000_007u64),
            fast_gas_wei: U256::from(2_000_000_000u64),
            gas_ceiling_multiplier: 3,
            link_usd: U256::from(2_000_000_000u64),
            native_usd: U256::from(400_000_000_000u64),
            billing_usd: U256::from(2_000_000_000u64),
            decimals: 18,
            gas_fee_ppb: 500_000_000,
            flat_fee_milli_cents: 16_777_215,
        },
    }
}

#[tokio::test]
async fn a_charge_is_recorded_once_and_read_back_exactly() {
    let store = Store::open_in_memory().await.unwrap();
    assert!(store.record_charge(&charge(9)).await.unwrap());
    assert!(
        !store.record_charge(&charge(9)).await.unwrap(),
        "same log twice"
    );
    assert!(store.record_charge(&charge(12)).await.unwrap());
    let all = store.report_charges(CHAIN, 0).await.unwrap();
    assert_eq!(all, vec![charge(9).charge, charge(12).charge]);
    // --since cuts on the block's time
    let late = store.report_charges(CHAIN, 1_010).await.unwrap();
    assert_eq!(late, vec![charge(12).charge]);
    assert!(store.report_charges(CHAIN + 1, 0).await.unwrap().is_empty());
    assert_eq!(store.telemetry_chains().await.unwrap(), vec![CHAIN]);
}

#[tokio::test]
async fn a_fill_is_read_with_its_quote_and_without_one() {
    let store = Store::open_in_memory().await.unwrap();
    for (seed, block) in [(1u8, 50u64), (2, 51)] {
        store
            .record_fill(FillRecord {
                chain_id: CHAIN,
                block,
                tx_hash: B256::repeat_byte(seed),
                log_index: 0,
                balancer: Address::repeat_byte(0xba),
                order_hash: B256::repeat_byte(0xee),
                maker_asset: Address::repeat_byte(0x11),
                making: U256::from(5u8),
                taking: U256::from(6u8),
                taker: None,
            })
            .await
            .unwrap();
    }
    let quote = FillQuote {
        tx_hash: B256::repeat_byte(1),
        log_index: 0,
        balancer: Address::repeat_byte(0xba),
        block: 50,
        taker_asset: Address::repeat_byte(0x22),
        gave_usd: U256::from(10_000u32),
        got_usd: U256::from(9_994u32),
        vs_oracle_bps: -6,
    };
    store.record_fill_quote(CHAIN, &quote).await.unwrap();
    store.record_fill_quote(CHAIN, &quote).await.unwrap();
    let fills = store.report_fills(CHAIN, 0).await.unwrap();
    assert_eq!(
        fills
            .iter()
            .map(|f| (f.block, f.vs_oracle_bps))
            .collect::<Vec<_>>(),
        vec![(50, Some(-6)), (51, None)]
    );
}

#[tokio::test]
async fn upkeep_samples_come_back_in_order() {
    let store = Store::open_in_memory().await.unwrap();
    let s = |block: u64, balance: u64| UpkeepSample {
        registry: Address::repeat_byte(0x2e),
        upkeep_id: U256::from(7u8),
        block,
        at_s: 100 + block,
        token: Address::repeat_byte(0x11),
        balance: U256::from(balance),
        min_balance: U256::from(3u8),
        month: U256::from(40u8),
        refill_at: U256::from(40u8),
    };
    store.record_upkeep_sample(CHAIN, &s(5, 90)).await.unwrap();
    store.record_upkeep_sample(CHAIN, &s(9, 80)).await.unwrap();
    assert_eq!(
        store.upkeep_samples(CHAIN, 0).await.unwrap(),
        vec![s(5, 90), s(9, 80)]
    );
    assert_eq!(
        store.upkeep_samples(CHAIN, 106).await.unwrap(),
        vec![s(9, 80)]
    );
}
