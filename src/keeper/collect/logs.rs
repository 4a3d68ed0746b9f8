//! The logs collector: every perform, round, fill and member failure of the served targets, and
//! the registry's perform and charge of their upkeeps, since the last block read — recorded in
//! the store, and handed to the strategy as "performed" events.
//!
//! One `eth_getLogs` per new range, filtered by event signature only (a list of a thousand
//! addresses is more than some nodes take); logs of other contracts are dropped here. The range
//! read is kept as a cursor in the store, so a restarted keeper resumes where it stopped and
//! every record is idempotent on (transaction, log index).
//!
//! Who performed (the `source` of each record): the registry when its `UpkeepPerformed` is in
//! the same transaction (Chainlink Automation); otherwise the keeper when the transaction is
//! from its own address; CRE when it went to the configured `KeystoneForwarder`; anyone else is
//! `other`.

use std::collections::{BTreeMap, HashMap};

use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};

use super::{charges, quotes};
use crate::{
    chain::{
        bindings::AutomationRegistry2_3::{UpkeepCharged, UpkeepPerformed},
        ours::{Balancer, UpkeepManager, balancer::IBalancer},
        revert,
    },
    keeper::targets::{Body, Target},
    model::drift,
    store::{
        FailureRecord, FailureStage, FillRecord, PerformRecord, RoundRecord, Source, Store,
        StoreError,
    },
};

/// Blocks one `eth_getLogs` covers at most.
const MAX_RANGE: u64 = 1_000;
/// The store cursor's name.
const CURSOR: &str = "logs";

/// A perform observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The target (its index in the served list).
    pub target: usize,
    /// Its block.
    pub block: u64,
    /// Who sent it.
    pub source: Source,
    /// The transaction.
    pub tx: B256,
}

/// What one poll found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Polled {
    /// Performs (a balancer's `OrdersPublished`, a manager's `RoundPerformed`), in log order.
    pub performs: Vec<Seen>,
    /// New perform records by source.
    pub by_source: BTreeMap<Source, u64>,
    /// Fills of our orders.
    pub fills: u64,
    /// The last block read.
    pub to: u64,
}

/// Reading logs failed.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    /// The node failed.
    #[error("{what} failed: {reason} — check the RPC endpoint; the range is read again next block")]
    Rpc {
        /// What was read.
        what: String,
        /// The node's answer.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The logs collector of a set of targets.
#[derive(Debug)]
pub struct LogsCollector {
    provider: DynProvider,
    store: Store,
    chain_id: u64,
    keeper: Address,
    registry: Option<Address>,
    keystone: Option<Address>,
    /// Standalone balancers and managers: their target index.
    targets: HashMap<Address, usize>,
    /// Fleet members: their manager.
    members: HashMap<Address, Address>,
    /// Upkeep ids of targets.
    upkeeps: HashMap<U256, usize>,
}

impl LogsCollector {
    /// A collector for `targets`.
    pub fn new(
        provider: DynProvider,
        store: Store,
        chain_id: u64,
        keeper: Address,
        registry: Option<Address>,
        keystone: Option<Address>,
        targets: &[Target],
    ) -> Self {
        let mut members = HashMap::new();
        for t in targets {
            if let Body::Manager { members: m, .. } = &t.body {
                for p in m {
                    members.insert(p.address, t.address());
                }
            }
        }
        Self {
            provider,
            store,
            chain_id,
            keeper,
            registry,
            keystone,
            targets: targets
                .iter()
                .enumerate()
                .map(|(i, t)| (t.address(), i))
                .collect(),
            members,
            upkeeps: targets
                .iter()
                .enumerate()
                .filter_map(|(i, t)| t.spec.upkeep_id.map(|id| (id, i)))
                .collect(),
        }
    }

    /// Starts the cursor at `block - 1` unless the store has one (a restart resumes).
    pub async fn start_at(&self, block: u64) -> Result<u64, LogsError> {
        match self.store.cursor(self.chain_id, CURSOR).await? {
            Some(c) => Ok(c),
            None => {
                let c = block.saturating_sub(1);
                self.store.set_cursor(self.chain_id, CURSOR, c).await?;
                Ok(c)
            }
        }
    }

    /// Reads, records and returns everything from the cursor to `head` (at most
    /// [`MAX_RANGE`] blocks; the rest on the next poll).
    pub async fn poll(&self, head: u64) -> Result<Polled, LogsError> {
        let mut from = self.start_at(head).await? + 1;
        if from > head + 1 {
            // The chain is behind what was read (a node restarted from an older state, a
            // reorg): read again from its head on.
            tracing::warn!(
                cursor = from - 1,
                head,
                "the chain is behind the log cursor; reading from its head"
            );
            self.store
                .set_cursor(self.chain_id, CURSOR, head.saturating_sub(1))
                .await?;
            from = head;
        }
        if from > head {
            return Ok(Polled {
                to: head,
                ..Polled::default()
            });
        }
        let to = head.min(from + MAX_RANGE - 1);
        let filter = Filter::new()
            .from_block(from)
            .to_block(to)
            .event_signature(vec![
                Balancer::OrdersPublished::SIGNATURE_HASH,
                Balancer::Filled::SIGNATURE_HASH,
                UpkeepManager::RoundPerformed::SIGNATURE_HASH,
                UpkeepManager::BalancerFailed::SIGNATURE_HASH,
                UpkeepPerformed::SIGNATURE_HASH,
                UpkeepCharged::SIGNATURE_HASH,
            ]);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| LogsError::Rpc {
                what: format!("eth_getLogs({from}..={to})"),
                reason: e.to_string(),
            })?;
        let mut by_tx: Vec<(B256, Vec<Log>)> = Vec::new();
        for log in logs.into_iter().filter(|l| self.ours(l.address())) {
            let Some(tx) = log.transaction_hash else {
                continue;
            };
            match by_tx.last_mut() {
                Some((h, v)) if *h == tx => v.push(log),
                _ => by_tx.push((tx, vec![log])),
            }
        }
        let mut polled = Polled {
            to,
            ..Polled::default()
        };
        for (tx, logs) in by_tx {
            self.record_tx(tx, &logs, &mut polled).await?;
        }
        self.store.set_cursor(self.chain_id, CURSOR, to).await?;
        Ok(polled)
    }

    fn ours(&self, a: Address) -> bool {
        self.targets.contains_key(&a) || self.members.contains_key(&a) || Some(a) == self.registry
    }

    /// One transaction's logs: who sent it, then a record per event.
    async fn record_tx(&self, tx: B256, logs: &[Log], out: &mut Polled) -> Result<(), LogsError> {
        let registry = self.registry;
        let mut charges: HashMap<U256, (U256, Address)> = HashMap::new();
        let mut chainlink: HashMap<Address, U256> = HashMap::new();
        for l in logs.iter().filter(|l| Some(l.address()) == registry) {
            if let Ok(c) = UpkeepCharged::decode_log_data(l.data()) {
                let r = c.receipt;
                let total =
                    U256::from(r.gasChargeInBillingToken) + U256::from(r.premiumInBillingToken);
                charges.insert(c.id, (total, r.billingToken));
            } else if let Ok(p) = UpkeepPerformed::decode_log_data(l.data())
                && let Some(&i) = self.upkeeps.get(&p.id)
            {
                chainlink.insert(self.address_of(i), p.id);
            }
        }
        if let Some(registry) = registry
            && !chainlink.is_empty()
        {
            let upkeeps: HashMap<U256, Address> = self
                .upkeeps
                .iter()
                .map(|(id, &i)| (*id, self.address_of(i)))
                .collect();
            let charged = charges::record(
                &self.provider,
                &self.store,
                self.chain_id,
                registry,
                tx,
                logs,
                &upkeeps,
            )
            .await;
            kept(charged)?;
        }
        let source = if !chainlink.is_empty() {
            Source::Chainlink
        } else {
            self.source_of(tx).await?
        };
        let charge_of = |who: Address| {
            chainlink
                .get(&who)
                .and_then(|id| charges.get(id).map(|c| (*id, *c)))
        };
        for l in logs {
            let (block, index) = (l.block_number.unwrap_or(0), l.log_index.unwrap_or(0));
            let at = l.address();
            if let Ok(g) = Balancer::OrdersPublished::decode_log_data(l.data()) {
                let via = self.members.get(&at).copied();
                let charged = charge_of(at);
                let new = self
                    .store
                    .record_perform(PerformRecord {
                        chain_id: self.chain_id,
                        block,
                        tx_hash: tx,
                        log_index: index,
                        target: at,
                        via,
                        source,
                        paths: g.paths,
                        bitmap: bitmap_of(&g.orders),
                        gas_used: u64::from(g.gasUsed),
                        drift_before_bps: g.driftBeforeBps,
                        expected_after_bps: g.expectedAfterBps,
                        // a bundle has at most 128 orders (its nonces' 7-bit index)
                        order_count: u8::try_from(g.orders.len()).unwrap_or(u8::MAX),
                        epoch: Some(g.epoch),
                        upkeep_id: charged.map(|(id, _)| id),
                        charge: charged.map(|(_, (c, _))| c),
                        charge_token: charged.map(|(_, (_, t))| t),
                    })
                    .await?;
                if new {
                    *out.by_source.entry(source).or_default() += 1;
                }
                if let Some(&i) = self.targets.get(&at) {
                    out.performs.push(Seen {
                        target: i,
                        block,
                        source,
                        tx,
                    });
                }
            } else if let Ok(r) = UpkeepManager::RoundPerformed::decode_log_data(l.data()) {
                let charged = charge_of(at);
                self.store
                    .record_round(RoundRecord {
                        chain_id: self.chain_id,
                        block,
                        tx_hash: tx,
                        log_index: index,
                        manager: at,
                        source,
                        performed: saturate(r.performed),
                        failed: saturate(r.failed),
                        deferred: saturate(r.deferred),
                        next_cursor: saturate(r.nextCursor),
                        upkeep_id: charged.map(|(id, _)| id),
                        charge: charged.map(|(_, (c, _))| c),
                        charge_token: charged.map(|(_, (_, t))| t),
                    })
                    .await?;
                if let Some(&i) = self.targets.get(&at) {
                    out.performs.push(Seen {
                        target: i,
                        block,
                        source,
                        tx,
                    });
                }
            } else if let Ok(f) = Balancer::Filled::decode_log_data(l.data()) {
                let filled = quotes::Filled {
                    tx,
                    log_index: index,
                    block,
                    balancer: at,
                    maker_asset: f.makerAsset,
                    making: f.makingAmount,
                };
                let new = self
                    .store
                    .record_fill(FillRecord {
                        chain_id: self.chain_id,
                        block,
                        tx_hash: tx,
                        log_index: index,
                        balancer: at,
                        order_hash: f.orderHash,
                        maker_asset: f.makerAsset,
                        making: f.makingAmount,
                        taking: f.takingAmount,
                        taker: None,
                    })
                    .await?;
                out.fills += u64::from(new);
                if new {
                    kept(
                        quotes::record(&self.provider, &self.store, self.chain_id, &filled).await,
                    )?;
                }
            } else if let Ok(b) = UpkeepManager::BalancerFailed::decode_log_data(l.data()) {
                let d = revert::decode(&b.reason);
                self.store
                    .record_failure(FailureRecord {
                        chain_id: self.chain_id,
                        block: Some(block),
                        target: Some(b.balancer),
                        stage: FailureStage::Member,
                        error: d.name.clone(),
                        detail: format!("{d} (in a round of {at} sent by {source})"),
                        tx_hash: Some(tx),
                    })
                    .await?;
            }
        }
        Ok(())
    }

    fn address_of(&self, i: usize) -> Address {
        self.targets
            .iter()
            .find(|(_, v)| **v == i)
            .map_or(Address::ZERO, |(a, _)| *a)
    }

    /// A perform not made through the registry: the keeper's, CRE's or someone else's.
    async fn source_of(&self, tx: B256) -> Result<Source, LogsError> {
        let t = self
            .provider
            .get_transaction_by_hash(tx)
            .await
            .map_err(|e| LogsError::Rpc {
                what: format!("eth_getTransactionByHash({tx})"),
                reason: e.to_string(),
            })?;
        let Some(t) = t else { return Ok(Source::Other) };
        use alloy::consensus::Transaction as _;
        let from = t.inner.signer();
        let to = t.inner.to();
        Ok(if from == self.keeper {
            Source::Keeper
        } else if to.is_some() && to == self.keystone {
            Source::Cre
        } else {
            Source::Other
        })
    }
}

/// The assets a bundle trades, from its orders' salts (`drift::salt_fields`).
fn bitmap_of(orders: &[IBalancer::PublishedOrder]) -> u16 {
    orders.iter().fold(0u16, |acc, o| {
        let f = drift::salt_fields(o.salt);
        acc | 1u16 << (f.sell & 15) | 1u16 << (f.buy & 15)
    })
}

/// A report record that could not be made (the node cannot answer for that block any more, a
/// transaction it cannot decode) is logged and skipped, so old ranges never stall the collector;
/// a store failure stops the poll (the range is read again).
fn kept<T>(r: Result<T, LogsError>) -> Result<Option<T>, LogsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(LogsError::Store(e)) => Err(LogsError::Store(e)),
        Err(e) => {
            tracing::warn!(error = %e, "a report record skipped");
            Ok(None)
        }
    }
}

fn saturate(v: U256) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}
