//! The hub's requests and batches: idempotent indexing, atomic batch planning, and what a batch's
//! end does to its requests — across a restart of a file store.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, U256};

use super::*;

fn dep() -> Address {
    Address::repeat_byte(0xde)
}

fn usdc() -> Address {
    Address::repeat_byte(0x0c)
}

fn request(id: u64, user: u8, amount: u64) -> HubRequestRecord {
    HubRequestRecord {
        chain_id: CHAIN,
        depository: dep(),
        id: U256::from(id),
        user: Address::repeat_byte(user),
        token: usdc(),
        amount: U256::from(amount),
        max_fee: U256::from(amount / 10),
        deadline: 2_000,
        requested_at: 1_000 + id,
        requested_block: 10 + id,
        state: HubRequestState::Pending,
        round: None,
        fee: None,
        settled_at: None,
        settled_block: None,
        skip_code: None,
        skip_detail: None,
    }
}

fn batch(round: u64, requests: &[(u64, u64)]) -> NewHubBatch {
    NewHubBatch {
        chain_id: CHAIN,
        depository: dep(),
        work: format!("hub/{CHAIN}/round/{round}"),
        round: U256::from(round),
        requests: requests
            .iter()
            .map(|&(id, fee)| (U256::from(id), U256::from(fee)))
            .collect(),
        hub: Address::repeat_byte(0x44),
        gas_price: U256::from(1_000_000_000u64),
        offers: Vec::new(),
    }
}

async fn states(store: &Store) -> Vec<(u64, HubRequestState)> {
    store
        .hub_requests(CHAIN, dep(), &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.id.to::<u64>(), r.state))
        .collect()
}

#[tokio::test]
async fn requests_are_indexed_once_and_move_by_their_logs() {
    let store = Store::open_in_memory().await.unwrap();
    assert!(store.hub_record_request(&request(1, 1, 100)).await.unwrap());
    assert!(
        !store.hub_record_request(&request(1, 1, 100)).await.unwrap(),
        "a re-read log"
    );
    store.hub_record_request(&request(2, 2, 200)).await.unwrap();
    store.hub_record_request(&request(3, 3, 300)).await.unwrap();
    assert!(
        store
            .hub_request_cancelled(CHAIN, dep(), U256::from(2))
            .await
            .unwrap()
    );
    assert!(
        store
            .hub_request_settled(CHAIN, dep(), U256::from(3), U256::from(7), 50, 1_500)
            .await
            .unwrap()
    );
    assert!(
        !store
            .hub_request_cancelled(CHAIN, dep(), U256::from(3))
            .await
            .unwrap(),
        "a settled request stays settled"
    );
    assert_eq!(store.hub_expire(CHAIN, dep(), 1_999).await.unwrap(), 0);
    assert_eq!(store.hub_expire(CHAIN, dep(), 2_001).await.unwrap(), 1);
    assert_eq!(
        states(&store).await,
        vec![
            (1, HubRequestState::Expired),
            (2, HubRequestState::Cancelled),
            (3, HubRequestState::Settled)
        ]
    );
    let settled = &store
        .hub_requests(CHAIN, dep(), &[HubRequestState::Settled])
        .await
        .unwrap()[0];
    assert_eq!(
        (settled.fee, settled.settled_at),
        (Some(U256::from(7)), Some(1_500))
    );
}

#[tokio::test]
async fn a_batch_is_planned_atomically_and_alone() {
    let store = Store::open_in_memory().await.unwrap();
    for (id, user) in [(1, 1), (2, 2), (3, 3)] {
        store
            .hub_record_request(&request(id, user, 100 * id))
            .await
            .unwrap();
    }
    store
        .hub_set_skips(
            CHAIN,
            dep(),
            &[(
                U256::from(3),
                "below_soft_limit".into(),
                "soft limit 500".into(),
            )],
        )
        .await
        .unwrap();
    assert!(
        store
            .hub_plan_batch(&batch(4, &[(1, 5), (2, 6)]))
            .await
            .unwrap()
    );
    assert!(
        !store.hub_plan_batch(&batch(5, &[(3, 1)])).await.unwrap(),
        "one open batch at a time"
    );
    let open = store.hub_open_batch(CHAIN, dep()).await.unwrap().unwrap();
    assert_eq!(open.state, HubBatchState::Planned);
    assert_eq!(open.requests, vec![U256::from(1), U256::from(2)]);
    assert_eq!(open.fees, BTreeMap::from([(usdc(), U256::from(11))]));
    assert_eq!(open.planned_gas_price, Some(U256::from(1_000_000_000u64)));
    let pending = store
        .hub_requests(CHAIN, dep(), &[HubRequestState::Pending])
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].skip_code.as_deref(), Some("below_soft_limit"));
    // the open batch's requests count as served in the interval
    let (total, per_user) = store
        .hub_served_since(CHAIN, dep(), usdc(), 0)
        .await
        .unwrap();
    assert_eq!(total, U256::from(300));
    assert_eq!(
        per_user.get(&Address::repeat_byte(2)),
        Some(&U256::from(200))
    );
    // it fails: its requests are pending again, and a new batch may take them
    store.hub_batch_sent(open.id).await.unwrap();
    store
        .hub_batch_finished(
            open.id,
            &HubBatchEnd {
                state: HubBatchState::Failed,
                tx_hash: Some(B256::repeat_byte(9)),
                block: Some(60),
                block_time: Some(1_600),
                gas_used: Some(50_000),
                gas_price: Some(U256::from(1_000_000_000u64)),
                reason: Some("OpUnknownRequest(1, 2)".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        states(&store).await,
        vec![
            (1, HubRequestState::Pending),
            (2, HubRequestState::Pending),
            (3, HubRequestState::Pending)
        ]
    );
    // a plan naming a request that is not pending writes nothing
    store
        .hub_request_cancelled(CHAIN, dep(), U256::from(2))
        .await
        .unwrap();
    assert!(
        !store
            .hub_plan_batch(&batch(4, &[(1, 5), (2, 6)]))
            .await
            .unwrap()
    );
    assert_eq!(store.hub_open_batch(CHAIN, dep()).await.unwrap(), None);
    assert_eq!(
        states(&store).await[0],
        (1, HubRequestState::Pending),
        "request 1 untouched"
    );
}

#[tokio::test]
async fn a_settled_batch_settles_its_requests_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.sqlite");
    let location = path.to_string_lossy().to_string();
    {
        let store = Store::open(&location).await.unwrap();
        store.hub_record_request(&request(1, 1, 100)).await.unwrap();
        store.hub_record_request(&request(2, 2, 200)).await.unwrap();
        assert!(
            store
                .hub_plan_batch(&batch(0, &[(2, 9), (1, 3)]))
                .await
                .unwrap()
        );
    }
    // a restart between planning and sending: the batch is still open, its requests batched
    let store = Store::open(&location).await.unwrap();
    let open = store.hub_open_batch(CHAIN, dep()).await.unwrap().unwrap();
    assert_eq!(open.round, U256::ZERO);
    // request 2's log arrives first, then the batch's receipt
    store
        .hub_request_settled(CHAIN, dep(), U256::from(2), U256::from(9), 70, 1_700)
        .await
        .unwrap();
    store
        .hub_batch_finished(
            open.id,
            &HubBatchEnd {
                state: HubBatchState::Settled,
                tx_hash: Some(B256::repeat_byte(7)),
                block: Some(70),
                block_time: Some(1_700),
                gas_used: Some(80_000),
                gas_price: Some(U256::from(2_000_000_000u64)),
                reason: None,
            },
        )
        .await
        .unwrap();
    let all = store.hub_requests(CHAIN, dep(), &[]).await.unwrap();
    assert!(all.iter().all(|r| r.state == HubRequestState::Settled));
    assert_eq!(all[0].fee, Some(U256::from(3)), "the fee planned");
    assert_eq!(all[0].settled_block, Some(70));
    let batches = store.hub_batches(CHAIN, dep(), 10).await.unwrap();
    assert_eq!(batches[0].state, HubBatchState::Settled);
    assert_eq!(batches[0].gas_used, Some(80_000));
    // finishing it again changes nothing
    store
        .hub_batch_finished(
            open.id,
            &HubBatchEnd {
                state: HubBatchState::Failed,
                tx_hash: None,
                block: None,
                block_time: None,
                gas_used: None,
                gas_price: None,
                reason: Some("late".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.hub_batches(CHAIN, dep(), 10).await.unwrap()[0].state,
        HubBatchState::Settled
    );
    assert_eq!(
        store
            .hub_served_since(CHAIN, dep(), usdc(), 1_701)
            .await
            .unwrap()
            .0,
        U256::ZERO,
        "served before the interval"
    );
}

fn offer(user: u8, nonce: u64, delta: i64, pull: u64) -> HubPullOffer {
    HubPullOffer {
        chain_id: CHAIN,
        depository: dep(),
        hub: Address::repeat_byte(0x44),
        user: Address::repeat_byte(user),
        nonce: U256::from(nonce),
        diffs: vec![OfferDiff {
            token: usdc(),
            share_delta: alloy::primitives::I256::try_from(delta).unwrap(),
            pull: U256::from(pull),
        }],
        signature: alloy::primitives::Bytes::from(vec![0xab; 65]),
        state: HubOfferState::Open,
        round: None,
        reason: None,
    }
}

async fn offer_states(store: &Store) -> Vec<(u8, HubOfferState)> {
    store
        .hub_offers(CHAIN, dep(), &[])
        .await
        .unwrap()
        .iter()
        .map(|o| (o.user.0[0], o.state))
        .collect()
}

#[tokio::test]
async fn pull_offers_go_with_their_batch() {
    let store = Store::open_in_memory().await.unwrap();
    store.hub_record_request(&request(1, 1, 100)).await.unwrap();
    let (a, b) = (offer(7, 0, -40, 40), offer(8, 3, 0, 25));
    assert!(store.hub_add_offer(&a).await.unwrap());
    assert!(
        !store.hub_add_offer(&a).await.unwrap(),
        "one offer per account and nonce"
    );
    store.hub_add_offer(&b).await.unwrap();
    let read = store
        .hub_offers(CHAIN, dep(), &[HubOfferState::Open])
        .await
        .unwrap();
    assert_eq!(
        read,
        vec![a.clone(), b.clone()],
        "a negative delta and the signature survive"
    );

    // A batch takes offer a: batched with it; a failed batch gives it back.
    let mut planned = batch(1, &[(1, 5)]);
    planned.offers = vec![(a.user, a.nonce)];
    assert!(store.hub_plan_batch(&planned).await.unwrap());
    let open = store.hub_open_batch(CHAIN, dep()).await.unwrap().unwrap();
    assert_eq!(open.pulls, 1);
    assert_eq!(
        offer_states(&store).await,
        vec![(7, HubOfferState::Batched), (8, HubOfferState::Open)]
    );
    let end = |state| HubBatchEnd {
        state,
        tx_hash: None,
        block: Some(60),
        block_time: Some(1_600),
        gas_used: None,
        gas_price: None,
        reason: None,
    };
    store
        .hub_batch_finished(open.id, &end(HubBatchState::Failed))
        .await
        .unwrap();
    assert_eq!(
        offer_states(&store).await,
        vec![(7, HubOfferState::Open), (8, HubOfferState::Open)]
    );

    // An offer that is no longer open fails the whole plan: nothing is written.
    assert!(
        store
            .hub_offer_stale(
                CHAIN,
                dep(),
                b.hub,
                b.user,
                b.nonce,
                "nonce passed: the account is at 4"
            )
            .await
            .unwrap()
    );
    let mut both = batch(2, &[(1, 5)]);
    both.offers = vec![(a.user, a.nonce), (b.user, b.nonce)];
    assert!(!store.hub_plan_batch(&both).await.unwrap());
    assert_eq!(store.hub_open_batch(CHAIN, dep()).await.unwrap(), None);
    assert_eq!(states(&store).await, vec![(1, HubRequestState::Pending)]);
    assert_eq!(
        offer_states(&store).await,
        vec![(7, HubOfferState::Open), (8, HubOfferState::Stale)]
    );

    // Settled: the offer is used, for good.
    both.offers = vec![(a.user, a.nonce)];
    assert!(store.hub_plan_batch(&both).await.unwrap());
    let open = store.hub_open_batch(CHAIN, dep()).await.unwrap().unwrap();
    store
        .hub_batch_finished(open.id, &end(HubBatchState::Settled))
        .await
        .unwrap();
    let all = store.hub_offers(CHAIN, dep(), &[]).await.unwrap();
    assert_eq!(
        (all[0].state, all[0].round),
        (HubOfferState::Used, Some(U256::from(2)))
    );
    assert_eq!(
        all[1].reason.as_deref(),
        Some("nonce passed: the account is at 4")
    );
}
