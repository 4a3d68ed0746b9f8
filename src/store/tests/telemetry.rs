//! Telemetry idempotency and the summary's counts.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, U256};

use super::*;

pub(super) fn perform(seed: u8, log_index: u64, epoch: Option<u32>) -> PerformRecord {
    PerformRecord {
        chain_id: CHAIN,
        block: 200 + u64::from(seed),
        tx_hash: B256::repeat_byte(seed),
        log_index,
        target: Address::repeat_byte(0xba),
        via: None,
        source: Source::Chainlink,
        paths: 2,
        bitmap: 0b101,
        gas_used: 150_000,
        drift_before_bps: 420,
        expected_after_bps: 30,
        order_count: 3,
        epoch,
        upkeep_id: Some(U256::MAX),
        charge: None,
        charge_token: None,
    }
}

pub(super) fn round(seed: u8, log_index: u64) -> RoundRecord {
    RoundRecord {
        chain_id: CHAIN,
        block: 300 + u64::from(seed),
        tx_hash: B256::repeat_byte(seed),
        log_index,
        manager: Address::repeat_byte(0x3a),
        source: Source::Chainlink,
        performed: 5,
        failed: 1,
        deferred: 2,
        next_cursor: 8,
        upkeep_id: None,
        charge: None,
        charge_token: None,
    }
}

pub(super) fn fill(seed: u8, log_index: u64) -> FillRecord {
    FillRecord {
        chain_id: CHAIN,
        block: 400 + u64::from(seed),
        tx_hash: B256::repeat_byte(seed),
        log_index,
        balancer: Address::repeat_byte(0xba),
        order_hash: B256::repeat_byte(0x0d),
        maker_asset: Address::repeat_byte(0xa1),
        making: U256::from(10u64).pow(U256::from(30u64)),
        taking: U256::from(7u64),
        taker: Some(Address::repeat_byte(0x7a)),
    }
}

pub(super) fn failure(stage: FailureStage, error: &str) -> FailureRecord {
    FailureRecord {
        chain_id: CHAIN,
        block: Some(500),
        target: Some(Address::repeat_byte(0xba)),
        stage,
        error: error.to_owned(),
        detail: "execution reverted".to_owned(),
        tx_hash: None,
    }
}

#[tokio::test]
async fn recording_the_same_log_twice_counts_once() {
    let store = Store::open_in_memory().await.unwrap();
    assert!(store.record_perform(perform(1, 4, Some(1))).await.unwrap());
    assert!(!store.record_perform(perform(1, 4, Some(1))).await.unwrap());
    assert!(store.record_perform(perform(1, 5, Some(2))).await.unwrap()); // another log
    assert!(
        store
            .record_perform(PerformRecord {
                chain_id: 1,
                ..perform(1, 4, None)
            })
            .await
            .unwrap()
    );
    assert!(store.record_round(round(2, 0)).await.unwrap());
    assert!(!store.record_round(round(2, 0)).await.unwrap());
    assert!(store.record_fill(fill(3, 1)).await.unwrap());
    assert!(!store.record_fill(fill(3, 1)).await.unwrap());
    // Failures have no natural key: each is counted.
    store
        .record_failure(failure(FailureStage::Simulate, "StaleEpoch"))
        .await
        .unwrap();
    store
        .record_failure(failure(FailureStage::Simulate, "StaleEpoch"))
        .await
        .unwrap();

    let s = store.summary(CHAIN).await.unwrap();
    assert_eq!(s.performs_by_source[&Source::Chainlink], 2);
    assert_eq!(s.rounds_by_source[&Source::Chainlink], 1);
    assert_eq!(s.fills, 1);
    assert_eq!(s.gas_used, 300_000);
    assert_eq!(
        s.failures,
        [(FailureStage::Simulate, "StaleEpoch".to_owned(), 2)]
    );
    assert_eq!(
        store.summary(1).await.unwrap().performs_by_source[&Source::Chainlink],
        1
    );
}

#[tokio::test]
async fn a_charge_needs_its_token() {
    let store = Store::open_in_memory().await.unwrap();
    let p = PerformRecord {
        charge: Some(U256::from(1u64)),
        ..perform(1, 0, None)
    };
    let err = store.record_perform(p).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "perform.charge_token",
                ..
            }
        ),
        "{err:?}"
    );
    let r = RoundRecord {
        charge_token: Some(Address::repeat_byte(1)),
        ..round(1, 0)
    };
    let err = store.record_round(r).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "round.charge_token",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store.summary(CHAIN).await.unwrap().performs_by_source[&Source::Chainlink],
        0
    );
}

#[tokio::test]
async fn the_summary_counts_every_field() {
    let store = synced(0).await;
    let link = Address::repeat_byte(0x11);
    let weth = Address::repeat_byte(0x22);
    let big = U256::from(u64::MAX); // two of them and a 1 exceed 2^64
    let charged = |p: PerformRecord, amount: U256, token: Address| PerformRecord {
        charge: Some(amount),
        charge_token: Some(token),
        ..p
    };

    // Performs: chainlink 2 (one (target, epoch) twice: a double trade), keeper 2, cre 1.
    store
        .record_perform(charged(perform(1, 0, Some(7)), big, link))
        .await
        .unwrap();
    store
        .record_perform(charged(perform(2, 0, Some(7)), big, link))
        .await
        .unwrap();
    let keeper = PerformRecord {
        source: Source::Keeper,
        gas_used: 1,
        ..perform(3, 0, Some(8))
    };
    store.record_perform(keeper.clone()).await.unwrap();
    let other_target = Address::repeat_byte(0xbb);
    store
        .record_perform(PerformRecord {
            target: other_target,
            log_index: 1,
            ..keeper
        })
        .await
        .unwrap(); // same epoch, another balancer: not a double trade
    let cre = PerformRecord {
        source: Source::Cre,
        gas_used: 9,
        ..perform(4, 0, None)
    };
    store.record_perform(cre.clone()).await.unwrap();
    store
        .record_perform(PerformRecord {
            log_index: 1,
            ..cre
        })
        .await
        .unwrap(); // no epoch
    // Another chain is not counted.
    store
        .record_perform(PerformRecord {
            chain_id: 1,
            ..perform(1, 0, Some(7))
        })
        .await
        .unwrap();

    // Rounds: chainlink 1 (charged), other 1.
    let r = RoundRecord {
        charge: Some(U256::from(1u64)),
        charge_token: Some(link),
        ..round(5, 0)
    };
    store.record_round(r).await.unwrap();
    store
        .record_round(RoundRecord {
            source: Source::Other,
            ..round(6, 0)
        })
        .await
        .unwrap();
    let ten30 = U256::from(10u64).pow(U256::from(30u64));
    let mut weth_round = RoundRecord {
        charge: Some(ten30),
        charge_token: Some(weth),
        ..round(7, 0)
    };
    weth_round.chain_id = 1;
    store.record_round(weth_round).await.unwrap(); // another chain

    // Keeper transactions: pending 2, confirmed 1, reverted 1, failed 1; attempts 6.
    let mut ids = Vec::new();
    for work in ["a", "b", "c", "d", "e"] {
        ids.push(created(store.create_tx(new_tx(work)).await.unwrap()).id);
    }
    let purposes = [
        (ids[0], AttemptPurpose::Original),
        (ids[0], AttemptPurpose::Bump),
        (ids[0], AttemptPurpose::Bump),
        (ids[1], AttemptPurpose::Original),
        (ids[1], AttemptPurpose::Cancel),
        (ids[2], AttemptPurpose::Original),
    ];
    for (seed, (id, purpose)) in purposes.into_iter().enumerate() {
        store
            .add_attempt(id, attempt(seed as u8 + 1, purpose))
            .await
            .unwrap();
    }
    store
        .finish_tx(ids[1], finish(TxState::Confirmed))
        .await
        .unwrap();
    store
        .finish_tx(ids[2], finish(TxState::Reverted))
        .await
        .unwrap();
    store
        .finish_tx(ids[3], finish(TxState::Failed))
        .await
        .unwrap();

    store
        .record_refusal(CHAIN, "a", "pending tx 1", 210)
        .await
        .unwrap();
    store
        .record_refusal(CHAIN, "b", "confirmed tx 2", 211)
        .await
        .unwrap();
    store
        .record_refusal(1, "z", "elsewhere", 211)
        .await
        .unwrap();
    for seed in 1..=3 {
        store.record_fill(fill(seed, 0)).await.unwrap();
    }
    store
        .record_failure(failure(FailureStage::Simulate, "StaleEpoch"))
        .await
        .unwrap();
    store
        .record_failure(failure(FailureStage::Simulate, "StaleEpoch"))
        .await
        .unwrap();
    store
        .record_failure(failure(FailureStage::Broadcast, "nonce too low"))
        .await
        .unwrap();
    store
        .record_failure(failure(FailureStage::Simulate, "Paused"))
        .await
        .unwrap();

    let by_source = |c, k, r, o| {
        BTreeMap::from([
            (Source::Chainlink, c),
            (Source::Keeper, k),
            (Source::Cre, r),
            (Source::Other, o),
        ])
    };
    let expected = StoreSummary {
        chain_id: CHAIN,
        performs_by_source: by_source(2, 2, 2, 0),
        rounds_by_source: by_source(1, 0, 0, 1),
        duplicates_refused: 2,
        keeper_txs: BTreeMap::from([
            (TxState::Pending, 2),
            (TxState::Confirmed, 1),
            (TxState::Reverted, 1),
            (TxState::Cancelled, 0),
            (TxState::Failed, 1),
        ]),
        top_ups: FundingState::ALL.iter().map(|s| (*s, 0)).collect(),
        attempts: 6,
        replacements: 2,
        cancels: 1,
        fills: 3,
        failures: vec![
            (FailureStage::Simulate, "Paused".to_owned(), 1),
            (FailureStage::Simulate, "StaleEpoch".to_owned(), 2),
            (FailureStage::Broadcast, "nonce too low".to_owned(), 1),
        ],
        double_trades: 1,
        charges: BTreeMap::from([(link, big + big + U256::from(1u64))]),
        gas_used: 150_000 * 2 + 1 + 1 + 9 + 9,
    };
    let summary = store.summary(CHAIN).await.unwrap();
    assert_eq!(summary, expected);
    assert_eq!(
        summary.charges[&link],
        U256::from(2u128 << 64) - U256::from(1u64)
    );

    let other = store.summary(1).await.unwrap();
    assert_eq!((other.double_trades, other.charges[&weth]), (0, ten30));
    assert_eq!(other.keeper_txs[&TxState::Pending], 0);

    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["performs_by_source"]["chainlink"], 2);
    assert_eq!(json["keeper_txs"]["cancelled"], 0);
    assert_eq!(
        json["charges"][alloy::hex::encode_prefixed(link)],
        "36893488147419103231"
    );
    assert_eq!(
        json["failures"][0],
        serde_json::json!(["simulate", "Paused", 1])
    );
}
