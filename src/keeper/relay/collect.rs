//! The relay's collector: `OrdersPublished` of the served balancers since the cursor, each
//! bundle turned into its payloads and recorded for every sink before anything is sent.

use alloy::{
    primitives::Address,
    providers::Provider,
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};

use super::{CURSOR, RelayJob, RelayJobError};
use crate::{
    chain::ours::Balancer,
    keeper::config::SinkKind,
    model::relay::{self, Bundle, Published},
    store::NewRelaySend,
};

/// Blocks one `eth_getLogs` covers at most.
const MAX_RANGE: u64 = 1_000;

impl RelayJob {
    /// Records every bundle published from the cursor to `head`; returns (bundles, new rows).
    pub(super) async fn collect(&mut self, head: u64) -> Result<(u64, u64), RelayJobError> {
        let Some(mut done) = self.store.cursor(self.chain_id, CURSOR).await? else {
            self.store.set_cursor(self.chain_id, CURSOR, head).await?;
            return Ok((0, 0));
        };
        let (mut bundles, mut recorded) = (0, 0);
        while done < head {
            let from = done + 1;
            let to = head.min(done.saturating_add(MAX_RANGE));
            let filter = Filter::new()
                .event_signature(Balancer::OrdersPublished::SIGNATURE_HASH)
                .from_block(from)
                .to_block(to);
            let logs = self
                .reader
                .get_logs(&filter)
                .await
                .map_err(|e| RelayJobError::rpc(format!("eth_getLogs({from}..={to})"), &e))?;
            let ours: Vec<&Log> = logs
                .iter()
                .filter(|l| self.makers.contains_key(&l.address()))
                .collect();
            for log in ours {
                if let Some(n) = self.record(log).await? {
                    bundles += 1;
                    recorded += n;
                }
            }
            self.store.set_cursor(self.chain_id, CURSOR, to).await?;
            done = to;
        }
        Ok((bundles, recorded))
    }

    /// One bundle's rows, for every sink; `None` for a log that is not a bundle.
    async fn record(&mut self, log: &Log) -> Result<Option<u64>, RelayJobError> {
        let Ok(e) = Balancer::OrdersPublished::decode_log_data(log.data()) else {
            return Ok(None);
        };
        let balancer = log.address();
        let (protocol, domain_separator) = self.protocol_of(balancer).await?;
        let tokens = self
            .makers
            .get(&balancer)
            .map(|m| m.tokens.clone())
            .unwrap_or_default();
        let bundle = Bundle {
            chain_id: self.chain_id,
            protocol,
            domain_separator,
            balancer,
            tokens,
            epoch: e.epoch,
            expiry: e.expiry,
            orders: e
                .orders
                .iter()
                .map(|o| Published {
                    salt: o.salt,
                    making: o.makingAmount,
                    taking: o.takingAmount,
                })
                .collect(),
        };
        let payloads = relay::payloads(&bundle).map_err(|source| RelayJobError::Bundle {
            balancer,
            epoch: e.epoch,
            source,
        })?;
        let block = log.block_number.unwrap_or_default();
        let mut rows = Vec::with_capacity(payloads.len() * self.settings.sinks.len());
        for (r, one, hook) in &payloads {
            for sink in &self.settings.sinks {
                let payload = match sink.kind {
                    SinkKind::Oneinch => serde_json::to_string(one),
                    SinkKind::Webhook => serde_json::to_string(hook),
                }
                .map_err(|e| RelayJobError::Json(e.to_string()))?;
                rows.push(NewRelaySend {
                    chain_id: self.chain_id,
                    sink: sink.name.clone(),
                    order_hash: r.hash,
                    balancer,
                    epoch: e.epoch,
                    order_index: u32::try_from(r.index).unwrap_or(u32::MAX),
                    expiry: e.expiry,
                    published_block: block,
                    payload,
                });
            }
        }
        let new = self.store.relay_enqueue(&rows).await?;
        if new > 0 {
            tracing::info!(%balancer, epoch = e.epoch, orders = payloads.len(), expiry = e.expiry, block, recorded = new, "relay: bundle recorded for its sinks");
        }
        Ok(Some(new))
    }

    /// The balancer's protocol and its EIP-712 domain separator (`protocol()`), read once.
    async fn protocol_of(
        &mut self,
        balancer: Address,
    ) -> Result<(Address, alloy::primitives::B256), RelayJobError> {
        if let Some(p) = self.makers.get(&balancer).and_then(|m| m.protocol) {
            return Ok(p);
        }
        let r = Balancer::new(balancer, &self.reader)
            .protocol()
            .call()
            .await
            .map_err(|e| RelayJobError::Rpc {
                what: format!("protocol() of {balancer}"),
                reason: e.to_string(),
            })?;
        let p = (r.protocolAddress, r.domainSeparator);
        if let Some(m) = self.makers.get_mut(&balancer) {
            m.protocol = Some(p);
        }
        Ok(p)
    }
}
