//! The executor task and the transaction manager's events as metrics and engine events.

use std::{collections::HashMap, sync::Arc, time::Instant};

use alloy::primitives::Address;
use tokio::sync::mpsc;

use super::{Action, Event};
use crate::{
    chain::tx::{TxEvent, TxManager},
    keeper::{
        config::TargetKind,
        execute::perform::{Outcome, PerformExecutor, SimulateCheck},
        metrics::{self as m, names},
        targets::Target,
    },
    store::TxState,
};

/// The executor task: carries out actions one at a time, reports back to the engine.
pub(crate) async fn execute(
    executor: PerformExecutor,
    check: SimulateCheck,
    targets: Arc<Vec<Target>>,
    mut actions: mpsc::Receiver<Action>,
    events: mpsc::Sender<Event>,
) {
    let txm: Arc<TxManager> = Arc::clone(executor.txm());
    // Per work: the first block it was seen needed and when it was decided.
    let mut decided: HashMap<String, (u64, Instant)> = HashMap::new();
    while let Some(action) = actions.recv().await {
        match action {
            Action::Perform {
                index,
                decision,
                head,
            } => {
                let t = &targets[index];
                let outcome = executor
                    .perform(
                        t.address(),
                        t.kind(),
                        t.gas_reserve(),
                        &t.spec.name,
                        &decision,
                        head,
                    )
                    .await;
                if matches!(outcome, Outcome::Sent { .. } | Outcome::Queued { .. }) {
                    decided.insert(
                        decision.work.clone(),
                        (decision.trigger_block, Instant::now()),
                    );
                }
                let event = Event::Executed {
                    index,
                    work: decision.work,
                    outcome,
                };
                if events.send(event).await.is_err() {
                    return;
                }
            }
            Action::Tick { head } => match txm.tick(head, &check).await {
                Ok(tx_events) => {
                    for e in tx_events {
                        if let Some(finished) = account(&e, &mut decided)
                            && events.send(finished).await.is_err()
                        {
                            return;
                        }
                    }
                }
                Err(e) => {
                    m::error("txm", "tick");
                    tracing::warn!(error = %e, "transaction manager tick failed; retrying next block");
                }
            },
        }
    }
}

/// Metrics and logs for a transaction manager event; the engine's event when it is final.
fn account(e: &TxEvent, decided: &mut HashMap<String, (u64, Instant)>) -> Option<Event> {
    match e {
        TxEvent::Mined {
            tx,
            hash,
            block,
            success,
            gas_used,
            ..
        } => {
            let status = match tx.state {
                TxState::Cancelled => "cancelled",
                _ if *success => "success",
                _ => "reverted",
            };
            metrics::counter!(names::MINED, "status" => status).increment(1);
            if let Some((trigger, at)) = decided.remove(&tx.work) {
                metrics::histogram!(names::MINED_BLOCKS)
                    .record(block.saturating_sub(trigger) as f64);
                metrics::histogram!(names::MINED_SECONDS).record(at.elapsed().as_secs_f64());
            }
            tracing::info!(work = tx.work, %hash, block, status, gas_used, "keeper transaction mined");
            Some(Event::Finished {
                work: tx.work.clone(),
                state: tx.state,
            })
        }
        TxEvent::Bumped { tx_id, hash, bid } => {
            metrics::counter!(names::REPLACEMENTS).increment(1);
            metrics::counter!(names::ATTEMPTS, "purpose" => "bump").increment(1);
            tracing::info!(tx_id, %hash, max_fee = bid.max_fee_per_gas, tip = bid.max_priority_fee_per_gas, "replacement sent");
            None
        }
        TxEvent::Cancelling { tx_id, reason } => {
            metrics::counter!(names::CANCELS).increment(1);
            tracing::info!(
                tx_id,
                reason,
                "replacing the work with a 0-value self-transfer"
            );
            None
        }
        TxEvent::Rebroadcast { tx_id, hash } => {
            metrics::counter!(names::REBROADCASTS).increment(1);
            tracing::info!(tx_id, %hash, "broadcast again from the store");
            None
        }
        TxEvent::Lost { tx_id, work } => {
            m::error("txm", "nonce_used_elsewhere");
            tracing::warn!(
                tx_id,
                work,
                "another transaction took this nonce; the work is decided again"
            );
            Some(Event::Finished {
                work: work.clone(),
                state: TxState::Failed,
            })
        }
        TxEvent::StuckAtCap { tx_id } => {
            m::error("txm", "stuck_at_cap");
            tracing::warn!(tx_id, "cannot replace within the fee cap; waiting");
            None
        }
        TxEvent::Error { tx_id, what, kind } => {
            m::error("broadcast", &kind.name());
            tracing::warn!(tx_id, what, error = %kind, "transaction manager");
            None
        }
    }
}

/// Addresses of the managers among `targets`.
pub(crate) fn managers(targets: &[Target]) -> Vec<Address> {
    targets
        .iter()
        .filter(|t| t.kind() == TargetKind::Manager)
        .map(Target::address)
        .collect()
}
