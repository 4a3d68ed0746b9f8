//! The relay's sends: recorded once per (sink, order), finished once, resumed after a restart.

use alloy::primitives::{Address, B256};

use super::super::*;

fn row(sink: &str, seed: u8) -> NewRelaySend {
    NewRelaySend {
        chain_id: 31337,
        sink: sink.into(),
        order_hash: B256::repeat_byte(seed),
        balancer: Address::repeat_byte(0xba),
        epoch: 7,
        order_index: u32::from(seed),
        expiry: 1_800_000_000,
        published_block: 42,
        payload: format!("{{\"n\":{seed}}}"),
    }
}

#[tokio::test]
async fn each_order_is_recorded_once_per_sink_and_finished_once() {
    let s = Store::open_in_memory().await.unwrap();
    let rows = [row("a", 1), row("a", 2), row("b", 1)];
    assert_eq!(s.relay_enqueue(&rows).await.unwrap(), 3);
    // the same bundle read again (a restart before the cursor moved): nothing new
    assert_eq!(s.relay_enqueue(&rows).await.unwrap(), 0);
    let due = s.relay_due(31337, i64::MAX, 100).await.unwrap();
    assert_eq!(due.len(), 3);
    assert!(
        due.iter()
            .all(|r| r.state == RelayState::Pending && r.attempts == 0)
    );
    let a1 = &due[0];
    assert!(s.relay_begin(a1.id, i64::MAX).await.unwrap());
    assert!(
        s.relay_finish(a1.id, RelayState::Delivered, Some(201), "{}")
            .await
            .unwrap()
    );
    // finished once: a second finish and a second begin change nothing
    assert!(
        !s.relay_finish(a1.id, RelayState::Refused, Some(400), "x")
            .await
            .unwrap()
    );
    assert!(!s.relay_begin(a1.id, 0).await.unwrap());
    assert!(
        s.relay_finish(a1.id, RelayState::Pending, None, "")
            .await
            .is_err()
    );
    // a 4xx keeps its answer; a retry waits
    let a2 = &due[1];
    s.relay_begin(a2.id, 0).await.unwrap();
    s.relay_finish(a2.id, RelayState::Refused, Some(400), &"e".repeat(5000))
        .await
        .unwrap();
    let b1 = &due[2];
    s.relay_begin(b1.id, 0).await.unwrap();
    s.relay_retry(b1.id, 5_000, Some(503), "busy")
        .await
        .unwrap();
    assert!(s.relay_due(31337, 4_999, 100).await.unwrap().is_empty());
    let again = s.relay_due(31337, 5_000, 100).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (
            again[0].attempts,
            again[0].status,
            again[0].response.as_deref()
        ),
        (1, Some(503), Some("busy"))
    );
    let all = s.relay_sends(31337).await.unwrap();
    assert_eq!(all[0].state, RelayState::Delivered);
    assert_eq!(all[1].state, RelayState::Refused);
    assert!(all[1].response.as_ref().unwrap().len() < 2_100);
    let counts = s.relay_counts(31337).await.unwrap();
    assert_eq!(counts[&("a".to_string(), RelayState::Delivered)], 1);
    assert_eq!(counts[&("b".to_string(), RelayState::Pending)], 1);
}

#[tokio::test]
async fn a_restarted_store_resumes_its_pending_sends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.sqlite");
    let s = Store::open(&path.to_string_lossy()).await.unwrap();
    s.relay_enqueue(&[row("a", 1)]).await.unwrap();
    let r = s.relay_due(31337, i64::MAX, 1).await.unwrap().remove(0);
    // killed after counting the try, before its answer
    s.relay_begin(r.id, 10).await.unwrap();
    s.close().await;
    let s = Store::open(&path.to_string_lossy()).await.unwrap();
    let due = s.relay_due(31337, 10, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].attempts, due[0].state), (1, RelayState::Pending));
    assert_eq!(due[0].payload, "{\"n\":1}");
}
