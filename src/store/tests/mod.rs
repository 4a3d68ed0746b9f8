//! Tests of the keeper store: opening, restarts, corruption and the shared helpers; the
//! transaction and telemetry tests are in the submodules.

mod bands;
mod funding;
mod hub;
mod relay;
mod report;
mod telemetry;
mod txs;

use alloy::primitives::{Address, B256, Bytes, U256};

use super::*;

pub(super) const CHAIN: u64 = 31337;

pub(super) fn sender() -> Address {
    Address::repeat_byte(0x5e)
}

pub(super) fn new_tx(work: &str) -> NewTx {
    NewTx {
        chain_id: CHAIN,
        sender: sender(),
        work: work.to_owned(),
        kind: TxKind::Perform,
        to: Address::repeat_byte(0xba),
        data: Bytes::from(vec![0x12, 0x34, 0x00, 0xff]),
        value: U256::ZERO,
        gas_limit: 600_000,
        created_block: 100,
        label: format!("perform {work}"),
    }
}

pub(super) fn attempt(seed: u8, purpose: AttemptPurpose) -> NewAttempt {
    NewAttempt {
        hash: B256::repeat_byte(seed),
        raw: Bytes::from(vec![0x02, seed, 0x00, 0x00, seed, 0xff]),
        purpose,
        max_fee_per_gas: u128::from(u64::MAX) * 3 + u128::from(seed),
        max_priority_fee_per_gas: 1_000_000_000 + u128::from(seed),
        created_block: 100 + u64::from(seed),
    }
}

pub(super) fn created(c: Creation) -> TxRecord {
    match c {
        Creation::Created(tx) => tx,
        Creation::Refused { existing } => panic!("expected Created, got Refused by {existing:?}"),
    }
}

pub(super) fn finish(state: TxState) -> Finish {
    Finish {
        state,
        mined_hash: None,
        block: Some(120),
        gas_used: None,
    }
}

/// A store with the sender's nonce synced at `nonce`.
pub(super) async fn synced(nonce: u64) -> Store {
    let store = Store::open_in_memory().await.unwrap();
    store.sync_nonce(CHAIN, sender(), nonce).await.unwrap();
    store
}

#[tokio::test]
async fn in_memory_locations_open_separate_databases() {
    let a = Store::open_in_memory().await.unwrap();
    let b = Store::open(":memory:").await.unwrap();
    let c = Store::open("sqlite::memory:").await.unwrap();
    let d = Store::open("sqlite://:memory:").await.unwrap();
    assert_eq!(d.next_nonce(CHAIN, sender()).await.unwrap(), None);
    assert_eq!(a.location(), ":memory:");
    assert_eq!(c.location(), "sqlite::memory:");
    a.sync_nonce(CHAIN, sender(), 4).await.unwrap();
    assert_eq!(
        a.clone().next_nonce(CHAIN, sender()).await.unwrap(),
        Some(4)
    );
    assert_eq!(b.next_nonce(CHAIN, sender()).await.unwrap(), None);
    assert_eq!(c.next_nonce(CHAIN, sender()).await.unwrap(), None);
}

#[tokio::test]
async fn cursors_resume_per_chain_and_name() {
    let store = Store::open_in_memory().await.unwrap();
    assert_eq!(store.cursor(CHAIN, "performs").await.unwrap(), None);
    store.set_cursor(CHAIN, "performs", 10).await.unwrap();
    store.set_cursor(CHAIN, "fills", 7).await.unwrap();
    store.set_cursor(1, "performs", 99).await.unwrap();
    assert_eq!(store.cursor(CHAIN, "performs").await.unwrap(), Some(10));
    store.set_cursor(CHAIN, "performs", 5).await.unwrap(); // a rewind after a reorg
    assert_eq!(store.cursor(CHAIN, "performs").await.unwrap(), Some(5));
    assert_eq!(store.cursor(CHAIN, "fills").await.unwrap(), Some(7));
    assert_eq!(store.cursor(1, "performs").await.unwrap(), Some(99));
}

#[tokio::test]
async fn a_file_store_keeps_every_row_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state").join("deep").join("keeper.db");
    let path = path.to_str().unwrap().to_owned();

    let store = Store::open(&path).await.unwrap();
    store.sync_nonce(CHAIN, sender(), 3).await.unwrap();
    let tx = created(
        store
            .create_tx(new_tx("perform/31337/0xba/epoch/1"))
            .await
            .unwrap(),
    );
    let a = store
        .add_attempt(tx.id, attempt(1, AttemptPurpose::Original))
        .await
        .unwrap();
    store.mark_broadcast(a.id, 101).await.unwrap();
    let done = created(
        store
            .create_tx(new_tx("perform/31337/0xba/epoch/2"))
            .await
            .unwrap(),
    );
    store
        .finish_tx(done.id, finish(TxState::Failed))
        .await
        .unwrap();
    store
        .record_refusal(CHAIN, "perform/31337/0xba/epoch/1", "pending", 102)
        .await
        .unwrap();
    store
        .record_perform(telemetry::perform(1, 0, Some(1)))
        .await
        .unwrap();
    store.record_round(telemetry::round(2, 0)).await.unwrap();
    store.record_fill(telemetry::fill(3, 0)).await.unwrap();
    store
        .record_failure(telemetry::failure(FailureStage::Rpc, "Timeout"))
        .await
        .unwrap();
    store.set_cursor(CHAIN, "performs", 150).await.unwrap();
    let tx = store.tx(tx.id).await.unwrap().unwrap();
    let done = store.tx(done.id).await.unwrap().unwrap();
    let summary = store.summary(CHAIN).await.unwrap();
    store.close().await;
    drop(store);

    for location in [path.clone(), format!("sqlite:{path}")] {
        let store = Store::open(&location).await.unwrap(); // migrations run again: a no-op
        store.migrate().await.unwrap(); // and once more
        assert_eq!(store.location(), location);
        assert_eq!(store.tx(tx.id).await.unwrap().as_ref(), Some(&tx));
        assert_eq!(store.tx(done.id).await.unwrap().as_ref(), Some(&done));
        assert_eq!(
            store.open_txs(CHAIN, sender()).await.unwrap(),
            vec![tx.clone()]
        );
        assert_eq!(store.next_nonce(CHAIN, sender()).await.unwrap(), Some(5));
        assert_eq!(store.cursor(CHAIN, "performs").await.unwrap(), Some(150));
        assert_eq!(store.summary(CHAIN).await.unwrap(), summary);
        assert!(
            !store
                .record_perform(telemetry::perform(1, 0, Some(1)))
                .await
                .unwrap()
        );
        store.close().await;
    }
    assert_eq!(summary.performs_by_source[&Source::Chainlink], 1);
    assert_eq!(summary.duplicates_refused, 1);
    assert_eq!(summary.fills, 1);
}

#[tokio::test]
async fn an_uncreatable_path_is_a_clear_error() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().join("sub").join("keeper.db");
    let path = path.to_str().unwrap().to_owned();
    let err = Store::open(&path).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Open { location, .. } if *location == path),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(&path), "{message}");
    assert!(
        message.contains("set [keeper] store to another path"),
        "{message}"
    );

    let err = Store::open("  ").await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
}

#[tokio::test]
async fn a_corrupted_value_is_a_corrupt_error_not_a_panic() {
    let store = synced(0).await;
    let tx = created(store.create_tx(new_tx("w")).await.unwrap());
    store
        .add_attempt(tx.id, attempt(1, AttemptPurpose::Original))
        .await
        .unwrap();
    store
        .record_perform(telemetry::perform(1, 0, None))
        .await
        .unwrap();

    let corrupt = |table: &'static str, column: &'static str, value: &str| {
        let value = value.to_owned();
        move |e: StoreError| match e {
            StoreError::Corrupt {
                table: t,
                column: c,
                value: v,
            } => {
                assert_eq!((t, c, v.as_str()), (table, column, value.as_str()));
            }
            other => panic!("expected Corrupt in {table}.{column}, got {other:?}"),
        }
    };

    sqlx::query("UPDATE txs SET state = 'bogus'")
        .execute(&store.pool)
        .await
        .unwrap();
    corrupt("txs", "state", "bogus")(store.tx(tx.id).await.unwrap_err());
    let err = store.summary(CHAIN).await.unwrap_err();
    corrupt("txs", "state", "bogus")(err);
    sqlx::query("UPDATE txs SET state = 'pending'")
        .execute(&store.pool)
        .await
        .unwrap();

    sqlx::query("UPDATE attempts SET purpose = 'Bump'")
        .execute(&store.pool)
        .await
        .unwrap();
    corrupt("attempts", "purpose", "Bump")(store.tx(tx.id).await.unwrap_err());
    sqlx::query("UPDATE attempts SET purpose = 'bump', max_fee_per_gas = '-1'")
        .execute(&store.pool)
        .await
        .unwrap();
    corrupt("attempts", "max_fee_per_gas", "-1")(store.tx(tx.id).await.unwrap_err());
    sqlx::query("UPDATE attempts SET max_fee_per_gas = '1'")
        .execute(&store.pool)
        .await
        .unwrap();

    sqlx::query("UPDATE txs SET value = '0x10'")
        .execute(&store.pool)
        .await
        .unwrap();
    corrupt("txs", "value", "0x10")(store.tx(tx.id).await.unwrap_err());
    sqlx::query("UPDATE txs SET value = '0'")
        .execute(&store.pool)
        .await
        .unwrap();
    assert!(store.tx(tx.id).await.unwrap().is_some());

    sqlx::query("UPDATE performs SET source = 'nobody'")
        .execute(&store.pool)
        .await
        .unwrap();
    corrupt("performs", "source", "nobody")(store.summary(CHAIN).await.unwrap_err());

    sqlx::query("UPDATE nonces SET next_nonce = -4")
        .execute(&store.pool)
        .await
        .unwrap();
    corrupt("nonces", "next_nonce", "-4")(store.next_nonce(CHAIN, sender()).await.unwrap_err());
    sqlx::query("UPDATE nonces SET next_nonce = 'seven'")
        .execute(&store.pool)
        .await
        .unwrap();
    let err = store.next_nonce(CHAIN, sender()).await.unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Corrupt {
                table: "nonces",
                column: "next_nonce",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("restore it from a backup"),
        "{err}"
    );
}

#[tokio::test]
async fn integers_beyond_i64_are_refused_not_wrapped() {
    let store = Store::open_in_memory().await.unwrap();
    let err = store
        .sync_nonce(CHAIN, sender(), u64::MAX)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::OutOfRange {
                field: "chain_pending",
                ..
            }
        ),
        "{err:?}"
    );
    let err = store.set_cursor(CHAIN, "x", 1 << 63).await.unwrap_err();
    assert!(matches!(err, StoreError::OutOfRange { field: "block", value } if value == 1 << 63));
    store.set_cursor(CHAIN, "x", i64::MAX as u64).await.unwrap();
    assert_eq!(
        store.cursor(CHAIN, "x").await.unwrap(),
        Some(i64::MAX as u64)
    );
}

#[test]
fn enums_round_trip_their_text_and_name_a_bad_value() {
    fn check<E>(all: &[E], as_str: fn(E) -> &'static str)
    where
        E: Copy + std::fmt::Debug + PartialEq + std::str::FromStr<Err = UnknownValue>,
    {
        for e in all {
            assert_eq!(as_str(*e).parse::<E>(), Ok(*e));
        }
        let err = "Nope".parse::<E>().unwrap_err();
        assert_eq!(err.value, "Nope");
        let message = err.to_string();
        assert!(
            message.contains("\"Nope\"") && message.contains(as_str(all[0])),
            "{message}"
        );
    }
    check(TxKind::ALL, TxKind::as_str);
    check(TxState::ALL, TxState::as_str);
    check(AttemptPurpose::ALL, AttemptPurpose::as_str);
    check(AttemptState::ALL, AttemptState::as_str);
    check(Source::ALL, Source::as_str);
    check(FailureStage::ALL, FailureStage::as_str);
    let texts: Vec<_> = Source::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(texts, ["chainlink", "keeper", "cre", "other"]);
    assert_eq!(serde_json::to_string(&Source::Cre).unwrap(), "\"cre\"");
    assert_eq!(
        serde_json::to_string(&TxState::Cancelled).unwrap(),
        "\"cancelled\""
    );
    assert_eq!(TxKind::NoOp.to_string(), "noop");
}
