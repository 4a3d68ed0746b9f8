//! Nonces, the idempotency rule of `create_tx`, attempts and finishing.

use alloy::primitives::{Address, B256, Bytes, U256};

use super::*;

#[tokio::test]
async fn the_nonce_is_never_lowered() {
    let store = Store::open_in_memory().await.unwrap();
    assert_eq!(store.next_nonce(CHAIN, sender()).await.unwrap(), None);
    assert_eq!(store.sync_nonce(CHAIN, sender(), 5).await.unwrap(), 5);
    assert_eq!(store.sync_nonce(CHAIN, sender(), 3).await.unwrap(), 5);
    assert_eq!(store.next_nonce(CHAIN, sender()).await.unwrap(), Some(5));
    assert_eq!(store.sync_nonce(CHAIN, sender(), 9).await.unwrap(), 9);
    assert_eq!(store.next_nonce(CHAIN, sender()).await.unwrap(), Some(9));
    // One counter per (chain, sender).
    assert_eq!(store.next_nonce(1, sender()).await.unwrap(), None);
    assert_eq!(
        store
            .next_nonce(CHAIN, Address::repeat_byte(1))
            .await
            .unwrap(),
        None
    );
    // A reservation moves it; a lagging chain does not move it back.
    let tx = created(store.create_tx(new_tx("w")).await.unwrap());
    assert_eq!(tx.nonce, 9);
    assert_eq!(store.sync_nonce(CHAIN, sender(), 9).await.unwrap(), 10);
}

#[tokio::test]
async fn create_tx_without_a_synced_nonce_is_nonce_not_synced() {
    let store = Store::open_in_memory().await.unwrap();
    let err = store.create_tx(new_tx("w")).await.unwrap_err();
    assert!(
        matches!(err, StoreError::NonceNotSynced { chain_id: CHAIN, sender: s } if s == sender()),
        "{err:?}"
    );
    assert!(err.to_string().contains("call sync_nonce"), "{err}");
    assert!(store.txs_for_work("w").await.unwrap().is_empty());
}

#[tokio::test]
async fn work_is_refused_while_pending_and_after_confirmed() {
    let store = synced(5).await;
    let work = "perform/31337/0xba/epoch/7";
    let first = created(store.create_tx(new_tx(work)).await.unwrap());
    assert_eq!(
        (first.nonce, first.work_key.as_str()),
        (5, "perform/31337/0xba/epoch/7#1")
    );
    assert_eq!(first.state, TxState::Pending);
    let n = new_tx(work);
    assert_eq!(
        (first.chain_id, first.sender, first.kind, first.to),
        (n.chain_id, n.sender, n.kind, n.to)
    );
    assert_eq!(
        (
            &first.data,
            first.value,
            first.gas_limit,
            first.created_block
        ),
        (&n.data, n.value, n.gas_limit, n.created_block)
    );
    assert_eq!(
        (first.work.as_str(), first.label.as_str()),
        (work, n.label.as_str())
    );
    assert_eq!(
        (first.final_block, first.final_hash, first.gas_used),
        (None, None, None)
    );
    assert!(
        first.created_at_ms > 1_600_000_000_000,
        "{}",
        first.created_at_ms
    );

    match store.create_tx(new_tx(work)).await.unwrap() {
        Creation::Refused { existing } => assert_eq!(existing, first),
        other => panic!("expected Refused, got {other:?}"),
    }
    assert_eq!(store.next_nonce(CHAIN, sender()).await.unwrap(), Some(6));

    let mined = B256::repeat_byte(0x77);
    let fin = Finish {
        state: TxState::Confirmed,
        mined_hash: Some(mined),
        block: Some(130),
        gas_used: Some(210_000),
    };
    store.finish_tx(first.id, fin).await.unwrap();
    let refusal = store.create_tx(new_tx(work)).await.unwrap();
    assert!(!refusal.is_created());
    let existing = refusal.tx();
    assert_eq!(
        (existing.id, existing.state),
        (first.id, TxState::Confirmed)
    );
    assert_eq!(
        (existing.final_hash, existing.final_block, existing.gas_used),
        (Some(mined), Some(130), Some(210_000))
    );
    assert_eq!(store.txs_for_work(work).await.unwrap().len(), 1);
    assert_eq!(store.next_nonce(CHAIN, sender()).await.unwrap(), Some(6));
    // Other work is not refused.
    assert_eq!(
        created(store.create_tx(new_tx("other")).await.unwrap()).nonce,
        6
    );
}

#[tokio::test]
async fn a_retry_after_reverted_cancelled_or_failed_takes_the_next_try_and_nonce() {
    let store = synced(0).await;
    let work = "perform/31337/0xba/epoch/8";
    let mut keys = Vec::new();
    for end in [TxState::Reverted, TxState::Cancelled, TxState::Failed] {
        let tx = created(store.create_tx(new_tx(work)).await.unwrap());
        keys.push((tx.work_key.clone(), tx.nonce));
        store.finish_tx(tx.id, finish(end)).await.unwrap();
    }
    let last = created(store.create_tx(new_tx(work)).await.unwrap());
    keys.push((last.work_key.clone(), last.nonce));
    let expected: Vec<_> = (1..=4).map(|n| (format!("{work}#{n}"), n - 1)).collect();
    assert_eq!(keys, expected);
    let states: Vec<_> = store
        .txs_for_work(work)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.state)
        .collect();
    assert_eq!(
        states,
        [
            TxState::Reverted,
            TxState::Cancelled,
            TxState::Failed,
            TxState::Pending
        ]
    );
    assert!(!store.create_tx(new_tx(work)).await.unwrap().is_created());
}

async fn race(store: Store) {
    store.sync_nonce(CHAIN, sender(), 40).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.create_tx(new_tx("perform/31337/0xba/epoch/9")).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap().unwrap());
    }
    let winners: Vec<_> = results.iter().filter(|c| c.is_created()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let id = winners[0].tx().id;
    assert!(results.iter().all(|c| c.tx().id == id));
    assert_eq!(
        store
            .txs_for_work("perform/31337/0xba/epoch/9")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.next_nonce(CHAIN, sender()).await.unwrap(), Some(41));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_creates_of_one_work_create_exactly_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.db");
    race(Store::open(path.to_str().unwrap()).await.unwrap()).await;
    race(Store::open_in_memory().await.unwrap()).await;
}

#[tokio::test]
async fn attempts_come_back_in_order_with_their_raw_bytes() {
    let store = synced(0).await;
    let tx = created(store.create_tx(new_tx("w")).await.unwrap());
    assert!(tx.attempts.is_empty());
    let mut stored = Vec::new();
    for (seed, purpose) in [
        (3, AttemptPurpose::Original),
        (1, AttemptPurpose::Bump),
        (2, AttemptPurpose::Cancel),
    ] {
        let new = attempt(seed, purpose);
        let a = store.add_attempt(tx.id, new.clone()).await.unwrap();
        assert_eq!(
            (a.tx_id, a.hash, &a.raw, a.purpose),
            (tx.id, new.hash, &new.raw, purpose)
        );
        assert_eq!(a.max_fee_per_gas, new.max_fee_per_gas);
        assert!(a.max_fee_per_gas > u128::from(u64::MAX));
        assert_eq!(
            (a.state, a.broadcasts, a.error.as_deref()),
            (AttemptState::Signed, 0, None)
        );
        stored.push(a);
    }
    store.mark_broadcast(stored[0].id, 104).await.unwrap();
    store.mark_broadcast(stored[0].id, 106).await.unwrap();
    store
        .mark_attempt_error(stored[1].id, "replacement transaction underpriced")
        .await
        .unwrap();
    stored[0].state = AttemptState::Broadcast;
    (stored[0].broadcasts, stored[0].last_broadcast_block) = (2, Some(106));
    stored[1].state = AttemptState::Error;
    stored[1].error = Some("replacement transaction underpriced".into());

    let read = store.tx(tx.id).await.unwrap().unwrap();
    assert_eq!(read.attempts, stored);
    assert!(stored.windows(2).all(|w| w[0].id < w[1].id));

    let err = store
        .add_attempt(tx.id, attempt(1, AttemptPurpose::Bump))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DuplicateAttempt { hash } if hash == B256::repeat_byte(1)));
    let err = store
        .add_attempt(999, attempt(9, AttemptPurpose::Original))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownTx { id: 999 }), "{err:?}");
    let err = store.mark_broadcast(999, 1).await.unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownAttempt { id: 999 }),
        "{err:?}"
    );
    let err = store.mark_attempt_error(999, "x").await.unwrap_err();
    assert!(
        matches!(err, StoreError::UnknownAttempt { id: 999 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn open_txs_are_the_pending_ones_by_nonce() {
    let store = synced(10).await;
    let mut txs = Vec::new();
    for work in ["a", "b", "c"] {
        txs.push(created(store.create_tx(new_tx(work)).await.unwrap()));
    }
    store
        .add_attempt(txs[2].id, attempt(5, AttemptPurpose::Original))
        .await
        .unwrap();
    store
        .finish_tx(txs[1].id, finish(TxState::Confirmed))
        .await
        .unwrap();
    let open = store.open_txs(CHAIN, sender()).await.unwrap();
    let nonces: Vec<_> = open.iter().map(|t| (t.nonce, t.attempts.len())).collect();
    assert_eq!(nonces, [(10, 0), (12, 1)]);
    assert!(
        store
            .open_txs(CHAIN, Address::repeat_byte(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.open_txs(1, sender()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_tx_is_finished_exactly_once() {
    let store = synced(0).await;
    let tx = created(store.create_tx(new_tx("w")).await.unwrap());
    let err = store
        .finish_tx(tx.id, finish(TxState::Pending))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::FinishPending { .. }), "{err:?}");
    store
        .finish_tx(tx.id, finish(TxState::Reverted))
        .await
        .unwrap();
    let err = store
        .finish_tx(tx.id, finish(TxState::Confirmed))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotPending { id, state: TxState::Reverted } if id == tx.id),
        "{err:?}"
    );
    assert!(err.to_string().contains("finished exactly once"), "{err}");
    assert_eq!(
        store.tx(tx.id).await.unwrap().unwrap().state,
        TxState::Reverted
    );
    let err = store
        .add_attempt(tx.id, attempt(1, AttemptPurpose::Bump))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotPending { .. }), "{err:?}");
    let err = store
        .finish_tx(999, finish(TxState::Failed))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownTx { id: 999 }), "{err:?}");
    assert_eq!(store.tx(999).await.unwrap(), None);
}

#[tokio::test]
async fn a_noop_with_empty_calldata_and_extreme_values_round_trips() {
    let store = synced(u64::try_from(i64::MAX).unwrap() - 1).await;
    let noop = NewTx {
        kind: TxKind::NoOp,
        to: sender(),
        data: Bytes::new(),
        value: U256::ZERO,
        gas_limit: 21_000,
        ..new_tx("noop/31337/gap")
    };
    let tx = created(store.create_tx(noop.clone()).await.unwrap());
    let read = store.tx(tx.id).await.unwrap().unwrap();
    assert_eq!(
        (read.kind, read.to, read.data.len()),
        (TxKind::NoOp, sender(), 0)
    );
    assert_eq!(read.nonce, u64::try_from(i64::MAX).unwrap() - 1);
    // The counter cannot pass i64::MAX: the next reservation is refused, not wrapped.
    let rich = NewTx {
        value: U256::MAX,
        ..new_tx("rich")
    };
    let err = store.create_tx(rich.clone()).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::OutOfRange {
                field: "next_nonce",
                ..
            }
        ),
        "{err:?}"
    );

    let store = synced(0).await;
    let tx = created(store.create_tx(rich).await.unwrap());
    assert_eq!(store.tx(tx.id).await.unwrap().unwrap().value, U256::MAX);
}
