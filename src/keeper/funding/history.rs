//! The funding job's history: the projected month of an upkeep (from its charges, else the
//! fee model) and the upkeep readings it records for the report's balance chart.

use alloy::primitives::{Address, U256};

use super::{FundingJob, FundingJobError, read, unix_now};
use crate::{
    model::funding::{self, MonthSource, UpkeepFunds},
    store::UpkeepSample,
};

impl FundingJob {
    /// The projected month of `id` in `token`: measured after a day of charges, else modelled.
    pub(super) async fn month(
        &self,
        id: U256,
        token: Address,
    ) -> Result<(U256, MonthSource), FundingJobError> {
        let now_ms = i64::try_from(unix_now().saturating_mul(1000)).unwrap_or(i64::MAX);
        let window_ms =
            i64::try_from(self.settings.history_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let charges = self
            .store
            .upkeep_charges(self.chain_id, id, token, now_ms.saturating_sub(window_ms))
            .await?;
        if let Some(first) = charges.first_ms {
            let span_secs = u64::try_from(now_ms.saturating_sub(first) / 1000).unwrap_or(0);
            if let Some(m) = funding::month_from_history(charges.total, span_secs) {
                return Ok((m, MonthSource::Measured { span_secs }));
            }
        }
        let per_perform = read::modelled_charge(
            &self.reader,
            self.registry,
            token,
            self.settings.perform_gas,
        )
        .await?;
        let m = funding::month_from_model(per_perform, self.settings.performs_per_day)
            .ok_or_else(|| FundingJobError::Model("a modelled month overflows".into()))?;
        Ok((m, MonthSource::Modelled))
    }

    /// Records upkeep `id`'s reading when it changed since the last one recorded (the report's
    /// balance chart).
    pub(super) async fn sample(
        &mut self,
        head: u64,
        token: Address,
        id: U256,
        funds: &UpkeepFunds,
        refill_at: U256,
    ) -> Result<(), FundingJobError> {
        let now = [funds.balance, funds.min_balance, funds.month, refill_at];
        if self.sampled.get(&id) == Some(&now) {
            return Ok(());
        }
        self.store
            .record_upkeep_sample(
                self.chain_id,
                &UpkeepSample {
                    registry: self.registry,
                    upkeep_id: id,
                    block: head,
                    at_s: unix_now(),
                    token,
                    balance: funds.balance,
                    min_balance: funds.min_balance,
                    month: funds.month,
                    refill_at,
                },
            )
            .await?;
        self.sampled.insert(id, now);
        Ok(())
    }
}
