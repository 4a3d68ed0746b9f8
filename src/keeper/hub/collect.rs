//! The hub's collector: the depository's logs since the last block read, into the store.
//!
//! `RebalanceRequested` naming this hub records a request (once: the store ignores a second
//! copy); `RequestCancelled` and `RebalanceSettled` move it; a `Settled` of one of this hub's
//! accounts makes every open pull offer of that account at or below its nonce stale. The range
//! read is the store cursor `hub/<depository>`: a restarted keeper reads on from it, and a range
//! read twice (a crash before the cursor moved) changes nothing.

use std::collections::BTreeMap;

use alloy::{
    eips::BlockNumberOrTag,
    primitives::Address,
    providers::Provider,
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};

use super::{HubJob, HubJobError};
use crate::{
    chain::ours::hub::HubDepository::{
        RebalanceRequested, RebalanceSettled, RequestCancelled, Settled,
    },
    store::{HubOfferState, HubRequestRecord, HubRequestState},
};

/// Blocks one `eth_getLogs` covers at most.
const MAX_RANGE: u64 = 1_000;

/// What one pass recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Indexed {
    /// New requests.
    pub requested: u64,
    /// Requests cancelled.
    pub cancelled: u64,
    /// Requests settled.
    pub settled: u64,
    /// Offers a settlement made stale.
    pub stale_offers: u64,
}

/// The cursor's name for `depository`.
pub(super) fn cursor_name(depository: Address) -> String {
    format!("hub/{depository:#x}")
}

impl HubJob {
    /// Reads the depository's logs from the cursor to `head` into the store.
    pub(super) async fn index(&mut self, head: u64) -> Result<Indexed, HubJobError> {
        let name = cursor_name(self.settings.depository);
        let mut out = Indexed::default();
        let Some(mut done) = self.store.cursor(self.chain_id, &name).await? else {
            // `start` always sets it; a store reset underneath is read from the head on.
            self.store.set_cursor(self.chain_id, &name, head).await?;
            return Ok(out);
        };
        while done < head {
            let from = done + 1;
            let to = head.min(done.saturating_add(MAX_RANGE));
            let filter = Filter::new()
                .address(self.settings.depository)
                .event_signature(vec![
                    RebalanceRequested::SIGNATURE_HASH,
                    RequestCancelled::SIGNATURE_HASH,
                    RebalanceSettled::SIGNATURE_HASH,
                    Settled::SIGNATURE_HASH,
                ])
                .from_block(from)
                .to_block(to);
            let logs = self
                .reader
                .get_logs(&filter)
                .await
                .map_err(|e| HubJobError::rpc(format!("eth_getLogs({from}..={to})"), &e))?;
            let mut times: BTreeMap<u64, u64> = BTreeMap::new();
            for log in &logs {
                self.record(log, &mut times, &mut out).await?;
            }
            self.store.set_cursor(self.chain_id, &name, to).await?;
            done = to;
        }
        Ok(out)
    }

    async fn record(
        &mut self,
        log: &Log,
        times: &mut BTreeMap<u64, u64>,
        out: &mut Indexed,
    ) -> Result<(), HubJobError> {
        let block = log.block_number.unwrap_or_default();
        let dep = self.settings.depository;
        match log.topic0() {
            Some(&RebalanceRequested::SIGNATURE_HASH) => {
                let Ok(e) = RebalanceRequested::decode_log_data(log.data()) else {
                    return Ok(());
                };
                if e.hub != self.hub {
                    return Ok(());
                }
                let at = self.block_time(block, times).await?;
                let fresh = self
                    .store
                    .hub_record_request(&HubRequestRecord {
                        chain_id: self.chain_id,
                        depository: dep,
                        id: e.id,
                        user: e.user,
                        token: e.token,
                        amount: e.amount,
                        max_fee: e.maxFee,
                        deadline: e.deadline,
                        requested_at: at,
                        requested_block: block,
                        state: HubRequestState::Pending,
                        round: None,
                        fee: None,
                        settled_at: None,
                        settled_block: None,
                        skip_code: None,
                        skip_detail: None,
                    })
                    .await?;
                if fresh {
                    out.requested += 1;
                    tracing::info!(id = %e.id, user = %e.user, token = %e.token, amount = %e.amount, max_fee = %e.maxFee, deadline = e.deadline, "hub request");
                }
            }
            Some(&RequestCancelled::SIGNATURE_HASH) => {
                if let Ok(e) = RequestCancelled::decode_log_data(log.data())
                    && self
                        .store
                        .hub_request_cancelled(self.chain_id, dep, e.id)
                        .await?
                {
                    out.cancelled += 1;
                }
            }
            Some(&RebalanceSettled::SIGNATURE_HASH) => {
                if let Ok(e) = RebalanceSettled::decode_log_data(log.data()) {
                    let at = self.block_time(block, times).await?;
                    if self
                        .store
                        .hub_request_settled(self.chain_id, dep, e.id, e.fee, block, at)
                        .await?
                    {
                        out.settled += 1;
                    }
                }
            }
            Some(&Settled::SIGNATURE_HASH) => {
                let Ok(e) = Settled::decode_log_data(log.data()) else {
                    return Ok(());
                };
                if e.hub != self.hub {
                    return Ok(());
                }
                let open = self
                    .store
                    .hub_offers(self.chain_id, dep, &[HubOfferState::Open])
                    .await?;
                let passed = |o: &&crate::store::HubPullOffer| {
                    o.hub == e.hub && o.user == e.user && o.nonce <= e.nonce
                };
                for o in open.iter().filter(passed) {
                    let reason = format!(
                        "the account's settlement {} was applied in block {block}",
                        e.nonce
                    );
                    if self
                        .store
                        .hub_offer_stale(self.chain_id, dep, o.hub, o.user, o.nonce, &reason)
                        .await?
                    {
                        out.stale_offers += 1;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A block's timestamp, read once per pass.
    async fn block_time(
        &self,
        block: u64,
        times: &mut BTreeMap<u64, u64>,
    ) -> Result<u64, HubJobError> {
        if let Some(t) = times.get(&block) {
            return Ok(*t);
        }
        let b = self
            .reader
            .get_block_by_number(BlockNumberOrTag::Number(block))
            .await
            .map_err(|e| HubJobError::rpc(format!("eth_getBlockByNumber({block})"), &e))?
            .ok_or_else(|| HubJobError::Rpc {
                what: format!("eth_getBlockByNumber({block})"),
                reason: "the node does not have the block".into(),
            })?;
        times.insert(block, b.header.timestamp);
        Ok(b.header.timestamp)
    }
}
