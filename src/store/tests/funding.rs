//! Top-ups: one open per upkeep, sequences, ends; the charges behind a projection.

use alloy::primitives::{Address, B256, U256};

use super::{
    CHAIN,
    telemetry::{perform, round},
};
use crate::store::*;

fn new(upkeep: u64, amount: u64) -> NewFunding {
    NewFunding {
        chain_id: CHAIN,
        registry: Address::repeat_byte(0x2e),
        upkeep_id: U256::from(upkeep),
        sender: Address::repeat_byte(0xf0),
        token: Address::repeat_byte(0x11),
        native: false,
        amount: U256::from(amount),
        balance_before: U256::from(5u8),
        min_balance: U256::from(2u8),
        month: U256::from(100u8),
        month_source: "modelled".into(),
        refill_at: U256::from(100u8),
        target: U256::from(200u8),
        timing: "now".into(),
        gas_price: Some(7),
    }
}

#[tokio::test]
async fn one_top_up_is_open_per_upkeep_and_each_has_its_own_work_key() {
    let store = Store::open_in_memory().await.unwrap();
    let first = store.funding_plan(&new(7, 195)).await.unwrap().unwrap();
    assert_eq!(first.seq, 1);
    assert_eq!(first.state, FundingState::Planned);
    assert_eq!(
        first.work,
        format!("fund/{CHAIN}/{:#x}/7/1", Address::repeat_byte(0x2e))
    );
    assert_eq!(first.funding, new(7, 195));
    assert_eq!(
        store.funding_plan(&new(7, 300)).await.unwrap(),
        None,
        "a second top-up while one is open"
    );
    let other = store.funding_plan(&new(8, 10)).await.unwrap().unwrap();
    assert_eq!(other.seq, 1, "another upkeep is independent");

    store.funding_sent(first.id).await.unwrap();
    assert_eq!(store.fundings_open(CHAIN).await.unwrap().len(), 2);
    let end = FundingEnd {
        state: FundingState::Confirmed,
        tx_hash: Some(B256::repeat_byte(3)),
        block: Some(40),
        gas_used: Some(61_000),
        reason: None,
    };
    store.funding_finished(first.id, &end).await.unwrap();
    // Finishing twice changes nothing.
    let failed = FundingEnd {
        state: FundingState::Failed,
        reason: Some("late".into()),
        ..end.clone()
    };
    store.funding_finished(first.id, &failed).await.unwrap();
    let second = store.funding_plan(&new(7, 50)).await.unwrap().unwrap();
    assert_eq!(second.seq, 2);
    assert_ne!(second.work, first.work);
    let all = store.fundings(CHAIN, 0).await.unwrap();
    assert_eq!(all.len(), 3);
    let done = all.iter().find(|f| f.id == first.id).unwrap();
    assert_eq!(done.state, FundingState::Confirmed);
    assert_eq!(
        (done.tx_hash, done.block, done.gas_used, done.reason.clone()),
        (Some(B256::repeat_byte(3)), Some(40), Some(61_000), None)
    );
}

#[tokio::test]
async fn an_upkeeps_charges_add_performs_and_rounds_in_its_token_only() {
    let store = Store::open_in_memory().await.unwrap();
    let token = Address::repeat_byte(0x11);
    let id = U256::from(9u8);
    let mut p = perform(1, 0, Some(1));
    (p.upkeep_id, p.charge, p.charge_token) = (Some(id), Some(U256::from(30u8)), Some(token));
    store.record_perform(p.clone()).await.unwrap();
    let mut q = perform(2, 0, Some(2));
    (q.upkeep_id, q.charge, q.charge_token) = (Some(id), Some(U256::from(12u8)), Some(token));
    store.record_perform(q).await.unwrap();
    let mut other_token = perform(3, 0, Some(3));
    (
        other_token.upkeep_id,
        other_token.charge,
        other_token.charge_token,
    ) = (
        Some(id),
        Some(U256::from(1000u16)),
        Some(Address::repeat_byte(0x22)),
    );
    store.record_perform(other_token).await.unwrap();
    let mut r = round(4, 0);
    (r.upkeep_id, r.charge, r.charge_token) = (Some(id), Some(U256::from(8u8)), Some(token));
    store.record_round(r).await.unwrap();
    let c = store.upkeep_charges(CHAIN, id, token, 0).await.unwrap();
    assert_eq!((c.total, c.count), (U256::from(50u8), 3));
    assert!(c.first_ms.is_some());
    let later = store
        .upkeep_charges(CHAIN, id, token, i64::MAX)
        .await
        .unwrap();
    assert_eq!(later, Charges::default(), "nothing since the end of time");
    let none = store
        .upkeep_charges(CHAIN, U256::from(10u8), token, 0)
        .await
        .unwrap();
    assert_eq!(none.count, 0);
}

#[tokio::test]
async fn the_summary_counts_top_ups_apart_from_the_keepers_own_transactions() {
    let store = super::synced(0).await;
    store.create_tx(super::new_tx("perform/1")).await.unwrap();
    let f = store.funding_plan(&new(7, 195)).await.unwrap().unwrap();
    store
        .create_tx(NewTx {
            kind: TxKind::TopUp,
            ..super::new_tx(&f.work)
        })
        .await
        .unwrap();
    store.funding_sent(f.id).await.unwrap();
    let s = store.summary(CHAIN).await.unwrap();
    assert_eq!(
        s.keeper_txs[&TxState::Pending],
        1,
        "the top-up is not the keeper's"
    );
    assert_eq!(s.top_ups[&FundingState::Sent], 1);
    assert_eq!(s.top_ups[&FundingState::Confirmed], 0);
}
