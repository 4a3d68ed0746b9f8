//! The blocks collector: the chain head, polled every `poll_ms`, sent on when it changes.

use std::time::Duration;

use alloy::{
    eips::BlockNumberOrTag,
    providers::{DynProvider, Provider},
};
use tokio::sync::mpsc;

/// A new head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Its number.
    pub number: u64,
    /// Its timestamp, unix s.
    pub timestamp: u64,
    /// Its base fee, wei (`None` before London).
    pub base_fee: Option<u128>,
}

/// What the collector reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockEvent {
    /// The head moved (or was read for the first time).
    Head(Head),
    /// The node did not answer.
    Error(String),
}

/// Polls the head of `provider` every `every` and sends each new one (and each failure) on
/// `out`, until `out` is closed.
pub async fn run(provider: DynProvider, every: Duration, out: mpsc::Sender<BlockEvent>) {
    let mut last: Option<u64> = None;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let event = match provider.get_block_by_number(BlockNumberOrTag::Latest).await {
            Ok(Some(b)) if Some(b.header.number) != last => {
                last = Some(b.header.number);
                BlockEvent::Head(Head {
                    number: b.header.number,
                    timestamp: b.header.timestamp,
                    base_fee: b.header.base_fee_per_gas.map(u128::from),
                })
            }
            Ok(Some(_)) => continue,
            Ok(None) => BlockEvent::Error("the node returned no latest block".into()),
            Err(e) => BlockEvent::Error(e.to_string()),
        };
        if out.send(event).await.is_err() {
            return;
        }
    }
}
