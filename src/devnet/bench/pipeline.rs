//! Many transactions from one signer without a round trip to a receipt each: the benchmark's
//! setup sends thousands of them to an automining anvil.
//!
//! Every transaction gets its nonce here (sequential from the signer's count), an explicit gas
//! limit and explicit fees, so the connection's fillers only sign it; the signed transactions go
//! out a few at a time ([`SEND_CONCURRENCY`] requests in flight; anvil queues a nonce that
//! arrives before its predecessor until the gap is filled) and nobody waits for one to be mined
//! before sending the next. Automine is off while a phase is sent: each window of transactions
//! whose gas limits fill half a block is mined with one `evm_mine`, because anvil's cost per
//! block grows with its state (one block per transaction made 1,000 balancers take minutes);
//! half a block is the base fee's target, so the base fee never rises above the fee cap. [`Pipeline::receipts`] then fetches each receipt and fails on any
//! that reverted. What is sent is exactly what one-by-one sends would send; only the blocks
//! they land in differ.

use std::time::{Duration, Instant};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, TxHash},
    providers::{Provider, ext::AnvilApi},
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use eyre::eyre;
use futures::{StreamExt, stream};

use crate::chain::Connection;

/// Requests in flight while sending.
const SEND_CONCURRENCY: usize = 8;
/// Receipts polled at once.
const RECEIPT_CONCURRENCY: usize = 16;
/// How long a phase's transactions may take to be mined.
const MINE_TIMEOUT: Duration = Duration::from_secs(300);
/// Pause between polls of a receipt not mined yet.
const POLL: Duration = Duration::from_millis(20);

/// One signer's transactions, numbered here.
#[derive(Debug)]
pub(crate) struct Pipeline {
    conn: Connection,
    nonce: u64,
    max_fee: u128,
    tip: u128,
    window_gas: u64,
    sent: u64,
}

impl Pipeline {
    /// Numbering from the signer's current count; fees twice the node's gas price (the base fee
    /// cannot rise: no block is filled beyond its target, half the block gas limit).
    pub(crate) async fn new(conn: &Connection) -> eyre::Result<Self> {
        let nonce = conn.nonce().await?;
        let head = conn
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| eyre!("eth_getBlockByNumber failed: {e} — the benchmark's anvil stopped answering; rerun"))?
            .ok_or_else(|| eyre!("anvil has no latest block — rerun"))?;
        let price = conn.provider.get_gas_price().await.map_err(|e| {
            eyre!("eth_gasPrice failed: {e} — the benchmark's anvil stopped answering; rerun")
        })?;
        let tip = price.clamp(1, 1_000_000_000);
        Ok(Self {
            conn: conn.clone(),
            nonce,
            max_fee: price.saturating_mul(2).saturating_add(tip),
            tip,
            window_gas: head.header.gas_limit / 2,
            sent: 0,
        })
    }

    /// A transaction to `to` with `data` and a gas limit of `gas`, at the next nonce.
    pub(crate) fn tx(&mut self, to: Address, data: Bytes, gas: u64) -> TransactionRequest {
        let tx = TransactionRequest::default()
            .with_from(self.conn.from)
            .with_to(to)
            .with_input(data)
            .with_nonce(self.nonce)
            .with_gas_limit(gas)
            .with_max_fee_per_gas(self.max_fee)
            .with_max_priority_fee_per_gas(self.tip)
            .with_chain_id(self.conn.chain_id);
        self.nonce += 1;
        tx
    }

    /// Transactions sent so far.
    pub(crate) fn sent(&self) -> u64 {
        self.sent
    }

    /// Signs and sends `txs` a block's worth at a time (gas limits summing to at most half the
    /// block gas limit, the base fee's target) without waiting for each to be mined: automine is
    /// off meanwhile, and each window is mined with `evm_mine` (again until its last transaction
    /// is in, should anvil leave some for the next block). Their hashes, in order;
    /// automine is on again afterwards, whatever happened.
    pub(crate) async fn send(
        &mut self,
        what: &str,
        txs: Vec<TransactionRequest>,
    ) -> eyre::Result<Vec<TxHash>> {
        let started = Instant::now();
        let total = txs.len();
        self.automine(what, false).await?;
        let sent = self.send_windows(what, txs).await;
        self.automine(what, true).await?;
        let (hashes, blocks) = sent?;
        tracing::debug!(
            what,
            total,
            blocks,
            secs = started.elapsed().as_secs_f64(),
            "sent and mined"
        );
        Ok(hashes)
    }

    async fn automine(&self, what: &str, on: bool) -> eyre::Result<()> {
        self.conn.provider.anvil_set_auto_mine(on).await.map_err(|e| {
            eyre!("{what}: evm_setAutomine({on}) failed: {e} — the benchmark runs on anvil only; rerun")
        })
    }

    async fn send_windows(
        &mut self,
        what: &str,
        txs: Vec<TransactionRequest>,
    ) -> eyre::Result<(Vec<TxHash>, u64)> {
        let mut hashes = Vec::with_capacity(txs.len());
        let mut blocks = 0;
        let mut txs = txs.into_iter().peekable();
        while txs.peek().is_some() {
            let mut window = Vec::new();
            let mut gas = 0u64;
            while let Some(tx) = txs.next_if(|tx| {
                let g = tx.gas.unwrap_or(0);
                window.is_empty() || gas.saturating_add(g) <= self.window_gas
            }) {
                gas = gas.saturating_add(tx.gas.unwrap_or(0));
                window.push(tx);
            }
            let n = window.len();
            let sent = self.send_window(what, window).await?;
            blocks += self.mine(what, &sent, n).await?;
            hashes.extend(sent);
        }
        Ok((hashes, blocks))
    }

    /// Mines blocks until the last of `sent` is in one (at most one block per transaction).
    async fn mine(&self, what: &str, sent: &[TxHash], n: usize) -> eyre::Result<u64> {
        let Some(&last) = sent.last() else {
            return Ok(0);
        };
        let provider = &self.conn.provider;
        for mined in 1..=n as u64 {
            provider.evm_mine(None).await.map_err(|e| {
                eyre!(
                    "{what}: evm_mine failed: {e} — the benchmark's anvil stopped answering; rerun"
                )
            })?;
            let r = provider.get_transaction_receipt(last).await.map_err(|e| {
                eyre!("{what}: eth_getTransactionReceipt({last}) failed: {e} — the benchmark's anvil stopped answering; rerun")
            })?;
            if r.is_some() {
                return Ok(mined);
            }
        }
        let at = self.conn.nonce().await.unwrap_or_default();
        Err(eyre!(
            "{what}: transaction {last} not mined after {n} blocks (the signer's count stays at {at}, next to send was {}) — a transaction before it was dropped; rerun",
            self.nonce
        ))
    }

    async fn send_window(
        &mut self,
        what: &str,
        txs: Vec<TransactionRequest>,
    ) -> eyre::Result<Vec<TxHash>> {
        let provider = &self.conn.provider;
        let results: Vec<_> = stream::iter(txs)
            .map(|tx| async move {
                let nonce = tx.nonce;
                provider
                    .send_transaction(tx)
                    .await
                    .map(|p| *p.tx_hash())
                    .map_err(|e| (nonce, e))
            })
            .buffered(SEND_CONCURRENCY)
            .collect()
            .await;
        let mut hashes = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(h) => hashes.push(h),
                Err((nonce, e)) => {
                    return Err(eyre!(
                        "{what}: sending the transaction at nonce {} failed: {e} — the benchmark's anvil refused it; rerun",
                        nonce.unwrap_or_default()
                    ));
                }
            }
        }
        self.sent += hashes.len() as u64;
        Ok(hashes)
    }

    /// Waits for every one of `hashes` to be mined; fails on the first that reverted.
    pub(crate) async fn receipts(
        &self,
        what: &str,
        hashes: &[TxHash],
    ) -> eyre::Result<Vec<TransactionReceipt>> {
        let deadline = Instant::now() + MINE_TIMEOUT;
        let results: Vec<eyre::Result<TransactionReceipt>> = stream::iter(hashes)
            .map(|h| self.receipt(what, *h, deadline))
            .buffered(RECEIPT_CONCURRENCY)
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Waits for `hash` to be mined; fails if it reverted.
    pub(crate) async fn receipt(
        &self,
        what: &str,
        hash: TxHash,
        deadline: Instant,
    ) -> eyre::Result<TransactionReceipt> {
        loop {
            let r = self
                .conn
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(|e| {
                    eyre!("{what}: eth_getTransactionReceipt({hash}) failed: {e} — the benchmark's anvil stopped answering; rerun")
                })?;
            match r {
                Some(r) if r.status() => return Ok(r),
                Some(_) => {
                    return Err(eyre!(
                        "{what}: transaction {hash} reverted — inspect it with `cast run {hash}`; the benchmark's setup is broken"
                    ));
                }
                None if Instant::now() > deadline => {
                    return Err(eyre!(
                        "{what}: transaction {hash} not mined within {} s — anvil is overloaded; rerun with fewer --balancers",
                        MINE_TIMEOUT.as_secs()
                    ));
                }
                None => tokio::time::sleep(POLL).await,
            }
        }
    }
}
