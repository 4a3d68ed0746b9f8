//! The proxy in front of a real anvil, driven by alloy and by raw HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
};
use serde_json::{Value, json};

use super::*;
use crate::{chain::anvil::LocalChain, project::Project};

/// A fresh anvil (from the installed tools) and a proxy in front of it.
fn chain_and_proxy() -> (LocalChain, RpcProxy) {
    let anvil = Project::at(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .anvil()
        .expect("anvil installed (script/setup.sh, or ONEBALANCER_TOOLS_DIR)");
    let chain = LocalChain::start(&anvil, &[]).expect("anvil starts");
    let proxy = RpcProxy::start(&chain.endpoint()).expect("proxy starts");
    (chain, proxy)
}

fn read_only(proxy: &RpcProxy) -> impl Provider {
    ProviderBuilder::new().connect_http(proxy.url().parse().unwrap())
}

fn injected(message: &str) -> Fault {
    Fault::Error {
        code: -32099,
        message: message.into(),
    }
}

/// POSTs `body` with a fresh client (`timeout` for the whole exchange).
async fn post(proxy: &RpcProxy, body: &Value, timeout: Duration) -> reqwest::Result<(u16, String)> {
    let client = reqwest::Client::builder().timeout(timeout).build()?;
    let response = client.post(proxy.url()).json(body).send().await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

fn call(id: u64, method: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": [] })
}

#[tokio::test]
async fn alloy_reads_through_the_proxy_and_every_call_is_counted() {
    let (chain, proxy) = chain_and_proxy();
    let provider = read_only(&proxy);
    assert_eq!(provider.get_chain_id().await.unwrap(), chain.chain_id());
    assert_eq!(provider.get_block_number().await.unwrap(), 0);
    assert_eq!(provider.get_block_number().await.unwrap(), 0);

    let stats = proxy.stats();
    assert_eq!(stats.http_requests, 3);
    assert_eq!(stats.calls, 3);
    let expected: BTreeMap<String, u64> =
        [("eth_blockNumber".into(), 2), ("eth_chainId".into(), 1)]
            .into_iter()
            .collect();
    assert_eq!(stats.by_method, expected);
    assert_eq!(stats.failed_injected, 0);

    proxy.reset_stats();
    assert_eq!(proxy.stats(), ProxyStats::default());
}

#[tokio::test]
async fn a_batch_is_one_http_request_and_n_calls() {
    let (chain, proxy) = chain_and_proxy();
    let batch = json!([
        call(1, "eth_chainId"),
        call(2, "eth_blockNumber"),
        call(3, "eth_chainId")
    ]);
    let (status, body) = post(&proxy, &batch, Duration::from_secs(5)).await.unwrap();
    assert_eq!(status, 200);
    let answers: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(answers.len(), 3);
    let chain_id = format!("{:#x}", chain.chain_id());
    assert!(
        answers
            .iter()
            .any(|a| a["id"] == 3 && a["result"] == chain_id.as_str()),
        "{body}"
    );

    let stats = proxy.stats();
    assert_eq!((stats.http_requests, stats.calls), (1, 3));
    assert_eq!(stats.by_method["eth_chainId"], 2);
    assert_eq!(stats.by_method["eth_blockNumber"], 1);

    // An injected error answers a batch element-wise, ids preserved, nothing forwarded.
    proxy.set_fault(injected("batch refused"));
    let (status, body) = post(&proxy, &batch, Duration::from_secs(5)).await.unwrap();
    assert_eq!(status, 200);
    let answers: Vec<Value> = serde_json::from_str(&body).unwrap();
    let ids: Vec<&Value> = answers.iter().map(|a| &a["id"]).collect();
    assert_eq!(ids, [&json!(1), &json!(2), &json!(3)]);
    assert!(
        answers
            .iter()
            .all(|a| a["error"]["message"] == "batch refused"),
        "{body}"
    );
    assert_eq!(proxy.stats().failed_injected, 1);
}

#[tokio::test]
async fn an_injected_error_reaches_alloy_as_the_rpc_error() {
    let (_chain, proxy) = chain_and_proxy();
    let provider = read_only(&proxy);
    proxy.set_fault(injected("the node is having a bad day"));
    let err = provider.get_block_number().await.unwrap_err();
    assert!(
        err.to_string().contains("the node is having a bad day"),
        "{err}"
    );
    assert_eq!(err.as_error_resp().map(|e| e.code), Some(-32099), "{err}");

    // Per-method: only eth_chainId fails.
    proxy.clear_faults();
    proxy.set_fault_for(&["eth_chainId"], injected("no chain id today"));
    assert!(provider.get_block_number().await.is_ok());
    let err = provider.get_chain_id().await.unwrap_err();
    assert!(err.to_string().contains("no chain id today"), "{err}");
    assert_eq!(proxy.stats().failed_injected, 2);
}

#[tokio::test]
async fn an_http_status_fault_answers_that_status_with_no_body() {
    let (_chain, proxy) = chain_and_proxy();
    proxy.set_fault(Fault::Http(503));
    let (status, body) = post(&proxy, &call(1, "eth_chainId"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!((status, body.as_str()), (503, ""));
    let err = read_only(&proxy).get_chain_id().await.unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");
}

#[tokio::test]
async fn a_hang_times_the_client_out_until_cleared() {
    let (_chain, proxy) = chain_and_proxy();
    proxy.set_fault(Fault::Hang);
    let started = Instant::now();
    let err = post(&proxy, &call(1, "eth_chainId"), Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(500));

    proxy.clear_faults();
    let (status, _) = post(&proxy, &call(1, "eth_chainId"), Duration::from_millis(500))
        .await
        .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_delay_forwards_late() {
    let (_chain, proxy) = chain_and_proxy();
    proxy.set_fault(Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(read_only(&proxy).get_block_number().await.unwrap(), 0);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(proxy.stats().failed_injected, 0);
}

#[tokio::test]
async fn a_drop_closes_the_connection_without_an_answer() {
    let (_chain, proxy) = chain_and_proxy();
    proxy.set_fault(Fault::Drop);
    let err = post(&proxy, &call(1, "eth_chainId"), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    let provider = read_only(&proxy);
    assert!(provider.get_chain_id().await.is_err());

    proxy.set_fault(Fault::None);
    assert!(provider.get_chain_id().await.is_ok());
}

#[tokio::test]
async fn fail_next_fails_exactly_the_first_broadcast() {
    let (chain, proxy) = chain_and_proxy();
    let signer = chain.dev_signer(0).unwrap();
    let from = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(proxy.url().parse().unwrap());
    let to = Address::repeat_byte(0x42);
    let value = U256::from(1_000_000_000u64);
    let transfer = TransactionRequest::default().with_to(to).with_value(value);

    proxy.fail_next("eth_sendRawTransaction", 1, injected("broadcast lost"));
    let err = provider
        .send_transaction(transfer.clone())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("broadcast lost"), "{err}");
    // The node never saw it: the account's next nonce is still 0 (alloy's default nonce cache
    // has moved on, so the retry names it).
    let nonce = provider
        .get_transaction_count(from)
        .pending()
        .await
        .unwrap();
    assert_eq!(nonce, 0);

    let receipt = provider
        .send_transaction(transfer.with_nonce(nonce))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    assert_eq!(provider.get_balance(to).await.unwrap(), value);
    assert_eq!(provider.get_transaction_count(from).await.unwrap(), 1);

    let stats = proxy.stats();
    assert_eq!(stats.by_method["eth_sendRawTransaction"], 2);
    assert_eq!(stats.failed_injected, 1);
}

#[tokio::test]
async fn a_timed_fault_clears_itself() {
    let (_chain, proxy) = chain_and_proxy();
    let provider = read_only(&proxy);
    proxy.set_fault_for_duration(injected("down for a moment"), Duration::from_millis(300));
    assert!(provider.get_block_number().await.is_err());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(provider.get_block_number().await.unwrap(), 0);
    assert_eq!(proxy.stats().failed_injected, 1);
}

#[tokio::test]
async fn a_dead_upstream_is_a_502_with_a_json_rpc_error() {
    let (chain, proxy) = chain_and_proxy();
    drop(chain); // kills anvil
    let (status, body) = post(&proxy, &call(7, "eth_chainId"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(status, 502);
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["id"], 7);
    assert_eq!(answer["error"]["code"], -32000);
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("upstream unreachable: "), "{message}");
    let err = read_only(&proxy).get_chain_id().await.unwrap_err();
    assert!(err.to_string().contains("upstream unreachable"), "{err}");
}

#[tokio::test]
async fn shutdown_cuts_hanging_requests_and_closes_the_port() {
    let (_chain, proxy) = chain_and_proxy();
    proxy.set_fault(Fault::Hang);
    let hanging = tokio::spawn({
        let proxy = proxy.clone();
        async move { post(&proxy, &call(1, "eth_chainId"), Duration::from_secs(30)).await }
    });
    while proxy.stats().http_requests == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    proxy.shutdown().await;
    let cut = tokio::time::timeout(Duration::from_secs(5), hanging)
        .await
        .unwrap()
        .unwrap();
    assert!(cut.is_err_and(|e| !e.is_timeout()));
    assert!(
        post(&proxy, &call(1, "eth_chainId"), Duration::from_secs(5))
            .await
            .is_err()
    );
    proxy.shutdown().await; // again: a no-op
}

#[test]
fn a_bad_upstream_or_no_runtime_is_refused_with_the_fix() {
    let err = RpcProxy::start("127.0.0.1:8545").unwrap_err().to_string();
    assert!(
        err.contains("not an http(s) URL") && err.contains("http://127.0.0.1:8545"),
        "{err}"
    );
    let err = RpcProxy::start("http://127.0.0.1:8545")
        .unwrap_err()
        .to_string();
    assert!(err.contains("tokio runtime"), "{err}");
}
