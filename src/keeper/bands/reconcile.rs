//! Ending open band changes from their `setBands` transactions.

use super::{BandsJob, BandsJobError};
use crate::store::{BandChangeState, TxState};

impl BandsJob {
    /// Ends every open change whose transaction has ended; a planned one without a
    /// transaction was never sent.
    pub(super) async fn reconcile(&self) -> Result<(), BandsJobError> {
        for c in self.store.band_changes(self.chain_id).await? {
            if !matches!(c.state, BandChangeState::Planned | BandChangeState::Sent) {
                continue;
            }
            let Some(work) = &c.work else { continue };
            let txs = self.store.txs_for_work(work).await?;
            match txs.iter().max_by_key(|t| t.id) {
                None => {
                    self.store
                        .band_change_finished(
                            c.id,
                            BandChangeState::Failed,
                            None,
                            None,
                            Some("never sent: the keeper stopped between deciding and sending"),
                        )
                        .await?;
                }
                Some(tx) if tx.state == TxState::Pending => {
                    if c.state == BandChangeState::Planned {
                        self.store.band_change_sent(c.id).await?;
                    }
                }
                Some(tx) if tx.state == TxState::Confirmed => {
                    self.store
                        .band_change_finished(
                            c.id,
                            BandChangeState::Confirmed,
                            tx.final_hash,
                            tx.final_block,
                            None,
                        )
                        .await?;
                    tracing::info!(balancer = %c.change.target, bands = c.change.new_bands, reason = c.change.reason, "bands changed");
                }
                Some(tx) => {
                    let why = format!("its transaction ended {}", tx.state.as_str());
                    self.store
                        .band_change_finished(
                            c.id,
                            BandChangeState::Failed,
                            tx.final_hash,
                            tx.final_block,
                            Some(&why),
                        )
                        .await?;
                    tracing::warn!(balancer = %c.change.target, %why, "band change failed");
                }
            }
        }
        Ok(())
    }
}
