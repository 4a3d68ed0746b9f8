//! The keeper's transaction manager against a real anvil with mining under the test's control:
//! a transaction dropped from the mempool is broadcast again from the store; one stuck under a
//! rising base fee is replaced at the same nonce until it is mined (two replacements); a
//! broadcast that failed leaves no gap (the store's attempt is broadcast again, and the later
//! nonce it held up is mined after it); a node that answers errors for a while changes nothing
//! in the store.

use std::{future::Future, pin::Pin, time::Duration};

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider, ext::AnvilApi},
};
use onebalancer::{
    chain::{
        anvil::LocalChain,
        provider,
        tx::{Request, Submitted, TxConfig, TxEvent, TxManager, Validity, WorkCheck},
    },
    devnet::rpc_proxy::{Fault, RpcProxy},
    model::gas::{BidPolicy, BumpPolicy},
    store::{AttemptPurpose, Store, TxKind, TxRecord, TxState},
};

use crate::support::*;

/// The work is always still needed.
struct Always;

impl WorkCheck for Always {
    fn check<'a>(&'a self, _: &'a TxRecord) -> Pin<Box<dyn Future<Output = Validity> + Send + 'a>> {
        Box::pin(async { Validity::Needed })
    }
}

fn config() -> TxConfig {
    TxConfig {
        bid: BidPolicy::default(),
        bump: BumpPolicy {
            percent: 20,
            min_wei: 100,
            max_fee_per_gas: 500_000_000_000,
        },
        bump_after_blocks: 3,
        fee_history_blocks: 10,
        tip_percentile: 20.0,
        max_attempts: 10,
    }
}

/// anvil with mining stopped; the manager signs as account 1 into a fresh store.
async fn setup(
    url_of: impl Fn(&LocalChain) -> String,
) -> (LocalChain, DynProvider, TxManager, Store) {
    let chain = LocalChain::start(&project().anvil().unwrap(), &["--no-mining"]).unwrap();
    let url = url_of(&chain);
    let reader = provider::read_only_with_timeout(&url, Duration::from_secs(5)).unwrap();
    let store = Store::open_in_memory().await.unwrap();
    let txm = TxManager::start(
        reader.clone(),
        chain.dev_signer(1).unwrap(),
        chain.chain_id(),
        store.clone(),
        config(),
    )
    .await
    .unwrap();
    (chain, reader, txm, store)
}

fn request(work: &str, block: u64) -> Request {
    Request {
        work: work.into(),
        to: Address::repeat_byte(0x77),
        data: Bytes::new(),
        value: U256::ZERO,
        gas_limit: 21_000,
        label: "test".into(),
        block,
        kind: TxKind::Perform,
    }
}

async fn mine(reader: &DynProvider) -> u64 {
    reader.evm_mine(None).await.unwrap();
    reader.get_block_number().await.unwrap()
}

#[tokio::test]
async fn a_transaction_dropped_from_the_mempool_is_broadcast_again_from_the_store() {
    let (chain, reader, txm, store) = setup(LocalChain::endpoint).await;
    let Submitted::Sent { hash, tx } = txm.submit(request("w/drop", 0)).await.unwrap() else {
        panic!("not sent")
    };
    assert!(
        reader
            .get_transaction_by_hash(hash)
            .await
            .unwrap()
            .is_some()
    );
    reader.anvil_drop_transaction(hash).await.unwrap();
    assert!(
        reader
            .get_transaction_by_hash(hash)
            .await
            .unwrap()
            .is_none(),
        "dropped"
    );
    let head = mine(&reader).await;
    let events = txm.tick(head, &Always).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TxEvent::Rebroadcast { hash: h, .. } if *h == hash)),
        "{events:?}"
    );
    let head = mine(&reader).await;
    let events = txm.tick(head, &Always).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TxEvent::Mined { hash: h, success: true, .. } if *h == hash)),
        "{events:?}"
    );
    let t = store.tx(tx.id).await.unwrap().unwrap();
    assert_eq!(t.state, TxState::Confirmed);
    assert_eq!(
        t.attempts.len(),
        1,
        "the same signed bytes, not a new attempt"
    );
    assert_eq!(reader.get_transaction_count(txm.sender()).await.unwrap(), 1);
    drop(chain);
}

#[tokio::test]
async fn a_transaction_stuck_under_a_rising_base_fee_is_replaced_until_it_is_mined() {
    let (chain, reader, txm, store) = setup(LocalChain::endpoint).await;
    let Submitted::Sent { tx, .. } = txm.submit(request("w/stuck", 0)).await.unwrap() else {
        panic!("not sent")
    };
    let first = store.tx(tx.id).await.unwrap().unwrap().attempts[0].max_fee_per_gas;
    // The base fee rises 2.5× a block for four blocks — faster than a bid of twice the base fee
    // follows it — then stays: the manager must replace the transaction more than once before
    // its bid clears it (anvil evicts a transaction whose fee cap falls below the base fee, and
    // refuses its bytes again: the manager replaces it at once then).
    let mut base = first + 1;
    let mut bumps = Vec::new();
    let mut mined = None;
    for k in 0..40 {
        if k < 4 {
            base = base * 25 / 10;
        }
        reader
            .anvil_set_next_block_base_fee_per_gas(base)
            .await
            .unwrap();
        let head = mine(&reader).await;
        for e in txm.tick(head, &Always).await.unwrap() {
            match e {
                TxEvent::Bumped { hash, bid, .. } => bumps.push((head, hash, bid)),
                TxEvent::Mined { hash, block, .. } => mined = Some((hash, block)),
                TxEvent::Error { kind, .. } => {
                    panic!("a replacement was refused at base fee {base}: {kind}; bumps {bumps:?}")
                }
                _ => {}
            }
        }
        if mined.is_some() {
            break;
        }
    }
    let (hash, block) = mined.expect("mined within 40 blocks");
    assert!(bumps.len() >= 2, "{bumps:?}");
    assert_eq!(
        hash,
        bumps.last().unwrap().1,
        "the last replacement was mined"
    );
    // Each replacement came after bump_after_blocks and raised the fee cap by at least 10 %.
    let mut prev = first;
    for (_, _, bid) in &bumps {
        assert!(
            bid.max_fee_per_gas * 10 >= prev * 11,
            "{prev} → {}",
            bid.max_fee_per_gas
        );
        prev = bid.max_fee_per_gas;
    }
    let t = store.tx(tx.id).await.unwrap().unwrap();
    assert_eq!(t.state, TxState::Confirmed);
    assert_eq!(t.final_hash, Some(hash));
    assert_eq!(t.final_block, Some(block));
    let purposes: Vec<AttemptPurpose> = t.attempts.iter().map(|a| a.purpose).collect();
    assert_eq!(purposes[0], AttemptPurpose::Original);
    assert!(purposes[1..].iter().all(|p| *p == AttemptPurpose::Bump));
    assert_eq!(reader.get_transaction_count(txm.sender()).await.unwrap(), 1);
    println!(
        "stuck transaction: {} replacements, mined in block {block}; fee caps {:?}",
        bumps.len(),
        t.attempts
            .iter()
            .map(|a| a.max_fee_per_gas)
            .collect::<Vec<_>>()
    );
    drop(chain);
}

#[tokio::test]
async fn a_failed_broadcast_leaves_no_nonce_gap() {
    let proxy = std::sync::Arc::new(std::sync::Mutex::new(None::<RpcProxy>));
    let p = std::sync::Arc::clone(&proxy);
    let (chain, reader, txm, store) = setup(move |c| {
        let rp = RpcProxy::start(&c.endpoint()).unwrap();
        let url = rp.url();
        *p.lock().unwrap() = Some(rp);
        url
    })
    .await;
    let proxy = proxy.lock().unwrap().clone().unwrap();
    proxy.fail_next(
        "eth_sendRawTransaction",
        1,
        Fault::Error {
            code: -32000,
            message: "connection reset by peer".into(),
        },
    );
    let first = txm.submit(request("w/gap-1", 0)).await.unwrap();
    let Submitted::Queued { tx: t1, .. } = first else {
        panic!("{first:?}")
    };
    let Submitted::Sent { tx: t2, .. } = txm.submit(request("w/gap-2", 0)).await.unwrap() else {
        panic!("second not sent")
    };
    assert_eq!(
        t2.nonce,
        t1.nonce + 1,
        "the failed broadcast kept its nonce"
    );
    // The node holds the second one for later: the first is missing.
    let head = mine(&reader).await;
    assert_eq!(reader.get_transaction_count(txm.sender()).await.unwrap(), 0);
    let events = txm.tick(head, &Always).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TxEvent::Rebroadcast { tx_id, .. } if *tx_id == t1.id)),
        "{events:?}"
    );
    let head = mine(&reader).await;
    txm.tick(head, &Always).await.unwrap();
    assert_eq!(reader.get_transaction_count(txm.sender()).await.unwrap(), 2);
    for id in [t1.id, t2.id] {
        assert_eq!(
            store.tx(id).await.unwrap().unwrap().state,
            TxState::Confirmed
        );
    }
    // A node that answers errors: ticks fail or report errors, nothing in the store changes.
    proxy.set_fault(Fault::Error {
        code: -32603,
        message: "internal error".into(),
    });
    let before = store.summary(chain.chain_id()).await.unwrap();
    assert!(txm.submit(request("w/down", head)).await.is_err());
    let _ = txm.tick(head, &Always).await;
    assert_eq!(store.summary(chain.chain_id()).await.unwrap(), before);
    proxy.clear_faults();
    let Submitted::Sent { tx: t3, .. } = txm.submit(request("w/down", head)).await.unwrap() else {
        panic!("not sent after the node came back")
    };
    assert_eq!(t3.nonce, 2);
    drop(chain);
}

#[tokio::test]
async fn the_same_work_is_never_sent_twice() {
    let (chain, reader, txm, store) = setup(LocalChain::endpoint).await;
    let Submitted::Sent { tx, .. } = txm.submit(request("w/once", 0)).await.unwrap() else {
        panic!("not sent")
    };
    // Pending: refused.
    assert!(matches!(
        txm.submit(request("w/once", 0)).await.unwrap(),
        Submitted::Refused { .. }
    ));
    let head = mine(&reader).await;
    txm.tick(head, &Always).await.unwrap();
    assert_eq!(
        store.tx(tx.id).await.unwrap().unwrap().state,
        TxState::Confirmed
    );
    // Confirmed: refused, and nothing more reaches the chain.
    assert!(matches!(
        txm.submit(request("w/once", head)).await.unwrap(),
        Submitted::Refused { .. }
    ));
    mine(&reader).await;
    assert_eq!(reader.get_transaction_count(txm.sender()).await.unwrap(), 1);
    drop(chain);
}

/// The work is no longer needed.
struct Done;

impl WorkCheck for Done {
    fn check<'a>(&'a self, _: &'a TxRecord) -> Pin<Box<dyn Future<Output = Validity> + Send + 'a>> {
        Box::pin(async { Validity::NotNeeded("StaleEpoch(given: 3, current: 4)".into()) })
    }
}

/// Mines blocks at base fee `base` and ticks until the transaction is final.
async fn until_final(
    reader: &DynProvider,
    txm: &TxManager,
    check: &dyn WorkCheck,
    base: u128,
) -> Vec<TxEvent> {
    let mut all = Vec::new();
    for _ in 0..20 {
        reader
            .anvil_set_next_block_base_fee_per_gas(base)
            .await
            .unwrap();
        let head = mine(reader).await;
        let events = txm.tick(head, check).await.unwrap();
        let done = events.iter().any(|e| matches!(e, TxEvent::Mined { .. }));
        all.extend(events);
        if done {
            break;
        }
    }
    all
}

#[tokio::test]
async fn work_no_longer_needed_is_replaced_by_a_zero_value_self_transfer() {
    let (chain, reader, txm, store) = setup(LocalChain::endpoint).await;
    let Submitted::Sent { tx, .. } = txm.submit(request("w/cancel", 0)).await.unwrap() else {
        panic!("not sent")
    };
    let first = store.tx(tx.id).await.unwrap().unwrap().attempts[0].max_fee_per_gas;
    // The base fee passes the bid: the manager re-simulates before replacing, finds the work
    // done, and cancels instead.
    let events = until_final(&reader, &txm, &Done, first * 3 / 2).await;
    assert!(
        events.iter().any(
            |e| matches!(e, TxEvent::Cancelling { reason, .. } if reason.contains("StaleEpoch"))
        ),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            TxEvent::Mined {
                purpose: AttemptPurpose::Cancel,
                ..
            }
        )),
        "{events:?}"
    );
    let t = store.tx(tx.id).await.unwrap().unwrap();
    assert_eq!(t.state, TxState::Cancelled);
    let cancel = t.attempts.last().unwrap();
    assert_eq!(cancel.purpose, AttemptPurpose::Cancel);
    // The nonce is used, by a 21,000-gas transfer to itself.
    assert_eq!(reader.get_transaction_count(txm.sender()).await.unwrap(), 1);
    let r = reader
        .get_transaction_receipt(cancel.hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.gas_used, 21_000);
    assert_eq!(r.to, Some(txm.sender()));
    drop(chain);
}

#[tokio::test]
async fn a_bump_past_the_fee_cap_cancels_the_work() {
    let chain = LocalChain::start(&project().anvil().unwrap(), &["--no-mining"]).unwrap();
    let reader =
        provider::read_only_with_timeout(&chain.endpoint(), Duration::from_secs(5)).unwrap();
    let store = Store::open_in_memory().await.unwrap();
    // The first bid is 2 × 1 gwei + tip; the cap leaves no room for a +10 % replacement.
    let mut c = config();
    c.bid.max_fee_per_gas = 2_050_000_000;
    c.bump.max_fee_per_gas = 2_050_000_000;
    let txm = TxManager::start(
        reader.clone(),
        chain.dev_signer(1).unwrap(),
        31337,
        store.clone(),
        c,
    )
    .await
    .unwrap();
    let Submitted::Sent { tx, .. } = txm.submit(request("w/cap", 0)).await.unwrap() else {
        panic!("not sent")
    };
    let first = store.tx(tx.id).await.unwrap().unwrap().attempts[0].max_fee_per_gas;
    let events = until_final(&reader, &txm, &Always, first + first / 50).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TxEvent::Cancelling { reason, .. } if reason.contains("fee cap"))),
        "{events:?}"
    );
    let t = store.tx(tx.id).await.unwrap().unwrap();
    assert_eq!(t.state, TxState::Cancelled, "{:?}", t.attempts);
    drop(chain);
}
