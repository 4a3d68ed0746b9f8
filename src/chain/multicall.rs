//! Many reads in few requests: Multicall3 `aggregate3` batches, simulated as an `eth_call` from
//! address 0 (so `tx.origin == 0`, which Chainlink's `cannotExecute` checks require), sized to
//! stay under the node's call gas cap.
//!
//! Each [`Call`] carries an estimate of the gas it uses. Calls are packed in order into batches
//! whose estimates sum to at most `gas_cap × 80 %` (the rest is headroom for Multicall3's own
//! loop and a wrong estimate); batches run concurrently. Every call may fail without failing
//! the batch (`allowFailure`). When a whole batch fails anyway (its calls used more gas than
//! estimated, or the node refused it), it is split in two and each half retried, down to single
//! calls. A call that fails with no revert data inside a batch may have run out of the gas a
//! neighbour burnt: such calls are retried once on their own, so one gas-burning target cannot
//! hide the others.

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, Bytes},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};

use futures::future::join_all;

use crate::chain::{
    bindings::Multicall3,
    tx::error::{SendErrorKind, classify},
};

/// Share of the gas cap that batches fill by estimate.
const FILL_PERCENT: u64 = 80;
/// Calls retried alone per run (a bound on the extra requests a misbehaving target costs).
const MAX_ALONE_RETRIES: usize = 16;

/// One read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The contract called.
    pub target: Address,
    /// Calldata.
    pub data: Bytes,
    /// Gas it is expected to use (for packing batches).
    pub gas: u64,
}

/// What one read returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the call succeeded.
    pub success: bool,
    /// Its return data, or its revert data.
    pub data: Bytes,
}

/// A whole run failed.
#[derive(Debug, thiserror::Error)]
#[error(
    "Multicall3 eth_call at block {block} failed: {kind} — check the RPC endpoint and that [contracts] multicall3 = {multicall} has Multicall3's code"
)]
pub struct MulticallError {
    /// The block read.
    pub block: u64,
    /// The Multicall3 used.
    pub multicall: Address,
    /// The node's answer.
    pub kind: SendErrorKind,
}

/// Counts of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// `eth_call` requests sent.
    pub requests: u64,
    /// Batches that failed whole and were split.
    pub splits: u64,
    /// Calls retried on their own.
    pub alone: u64,
}

/// A Multicall3 reader.
#[derive(Debug, Clone)]
pub struct Multicall {
    provider: DynProvider,
    address: Address,
    gas_cap: u64,
}

impl Multicall {
    /// Reads through the Multicall3 at `address`, each request given `gas_cap` gas.
    pub fn new(provider: DynProvider, address: Address, gas_cap: u64) -> Self {
        Self {
            provider,
            address,
            gas_cap,
        }
    }

    /// The provider it reads through.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The Multicall3 it calls.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The batches `calls` pack into: index ranges whose estimates fit the cap.
    pub fn batches(&self, calls: &[Call]) -> Vec<std::ops::Range<usize>> {
        pack(calls, self.gas_cap.saturating_mul(FILL_PERCENT) / 100)
    }

    /// Runs every call at `block`; the outcomes are in the order of `calls`.
    pub async fn run(
        &self,
        calls: &[Call],
        block: u64,
    ) -> Result<(Vec<Outcome>, RunStats), MulticallError> {
        let mut stats = RunStats::default();
        let mut out: Vec<Option<Outcome>> = vec![None; calls.len()];
        let mut pending: Vec<std::ops::Range<usize>> = self.batches(calls);
        while !pending.is_empty() {
            let results = join_all(
                pending
                    .iter()
                    .map(|r| self.aggregate(&calls[r.clone()], block)),
            )
            .await;
            stats.requests += pending.len() as u64;
            let mut next = Vec::new();
            for (range, result) in pending.into_iter().zip(results) {
                match result {
                    Ok(outcomes) => {
                        for (slot, o) in out[range].iter_mut().zip(outcomes) {
                            *slot = Some(o);
                        }
                    }
                    Err(kind) if range.len() > 1 => {
                        tracing::debug!(calls = range.len(), error = %kind, "multicall batch failed whole; splitting it");
                        stats.splits += 1;
                        let mid = range.start + range.len() / 2;
                        next.push(range.start..mid);
                        next.push(mid..range.end);
                    }
                    Err(kind) => {
                        return Err(MulticallError {
                            block,
                            multicall: self.address,
                            kind,
                        });
                    }
                }
            }
            pending = next;
        }
        let mut out: Vec<Outcome> = out
            .into_iter()
            .map(|o| {
                o.unwrap_or(Outcome {
                    success: false,
                    data: Bytes::new(),
                })
            })
            .collect();
        // Failures without data inside a batch: perhaps starved by a neighbour. Once, alone.
        if calls.len() > 1 {
            let starved: Vec<usize> = out
                .iter()
                .enumerate()
                .filter(|(_, o)| !o.success && o.data.is_empty())
                .map(|(i, _)| i)
                .take(MAX_ALONE_RETRIES)
                .collect();
            let results = join_all(
                starved
                    .iter()
                    .map(|&i| self.aggregate(std::slice::from_ref(&calls[i]), block)),
            )
            .await;
            stats.requests += starved.len() as u64;
            stats.alone += starved.len() as u64;
            for (i, r) in starved.into_iter().zip(results) {
                if let Ok(mut o) = r
                    && let Some(alone) = o.pop()
                {
                    out[i] = alone;
                }
            }
        }
        Ok((out, stats))
    }

    async fn aggregate(&self, calls: &[Call], block: u64) -> Result<Vec<Outcome>, SendErrorKind> {
        let data = Multicall3::aggregate3Call {
            calls: calls
                .iter()
                .map(|c| Multicall3::Call3 {
                    target: c.target,
                    allowFailure: true,
                    callData: c.data.clone(),
                })
                .collect(),
        }
        .abi_encode();
        let request = TransactionRequest::default()
            .with_from(Address::ZERO)
            .with_to(self.address)
            .with_input(data)
            .with_gas_limit(self.gas_cap);
        let raw = self
            .provider
            .call(request)
            .block(BlockId::number(block))
            .await
            .map_err(|e| classify(&e))?;
        let results = Multicall3::aggregate3Call::abi_decode_returns(&raw).map_err(|e| {
            SendErrorKind::Other(format!("the Multicall3 answer does not decode: {e}"))
        })?;
        if results.len() != calls.len() {
            return Err(SendErrorKind::Other(format!(
                "Multicall3 returned {} results for {} calls",
                results.len(),
                calls.len()
            )));
        }
        Ok(results
            .into_iter()
            .map(|r| Outcome {
                success: r.success,
                data: r.returnData,
            })
            .collect())
    }
}

/// Packs calls, in order, into ranges whose estimated gas sums to at most `budget` (a call
/// above the budget on its own gets a batch of its own).
pub fn pack(calls: &[Call], budget: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut used = 0u64;
    for (i, c) in calls.iter().enumerate() {
        if i > start && used.saturating_add(c.gas) > budget {
            out.push(start..i);
            start = i;
            used = 0;
        }
        used = used.saturating_add(c.gas);
    }
    if start < calls.len() {
        out.push(start..calls.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(gas: u64) -> Call {
        Call {
            target: Address::ZERO,
            data: Bytes::new(),
            gas,
        }
    }

    #[test]
    fn calls_pack_in_order_under_the_budget() {
        let calls: Vec<Call> = [40, 40, 30, 90, 10, 200, 5].into_iter().map(call).collect();
        assert_eq!(pack(&calls, 100), vec![0..2, 2..3, 3..5, 5..6, 6..7]);
        assert_eq!(pack(&calls, 1_000), vec![0..7]);
        assert!(pack(&[], 100).is_empty());
        // 1,000 reads of 110k each under 30M × 80 %: 219 per batch, 5 batches.
        let many: Vec<Call> = (0..1_000).map(|_| call(110_000)).collect();
        let b = pack(&many, 24_000_000);
        assert_eq!(b.len(), 5);
        assert!(b.iter().all(|r| r.len() <= 218));
    }
}
