//! Sending one top-up: estimated, recorded in the store, then submitted (see the module doc of
//! `keeper::funding`), and the check a pending one gets before a bump.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256, aliases::U96},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};

use super::{FundingJob, FundingJobError, Served};
use crate::{
    chain::{
        bindings::{AutomationRegistry2_3, LinkToken},
        tx::{Submitted, Validity, WorkCheck, error::classify},
    },
    model::funding::{self, MonthSource, UpkeepFunds},
    store::{NewFunding, TxKind, TxRecord},
};

impl FundingJob {
    /// Estimates, records and submits one top-up; `false` when nothing went out.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn send(
        &self,
        head: u64,
        u: &Served,
        token: Address,
        native: bool,
        funds: &UpkeepFunds,
        source: MonthSource,
        t: &funding::TopUp,
        timing: &str,
        base_fee: u128,
    ) -> Result<bool, FundingJobError> {
        let (to, data, value) = if native {
            if t.amount.bit_len() > 96 {
                return Err(FundingJobError::Model(format!(
                    "top-up {} does not fit addFunds' uint96",
                    t.amount
                )));
            }
            let amount = U96::saturating_from(t.amount);
            let call = AutomationRegistry2_3::addFundsCall { id: u.id, amount };
            (self.registry, Bytes::from(call.abi_encode()), t.amount)
        } else {
            let call = LinkToken::transferAndCallCall {
                to: self.registry,
                amount: t.amount,
                data: Bytes::from(u.id.abi_encode()),
            };
            (self.link, Bytes::from(call.abi_encode()), U256::ZERO)
        };
        let request = TransactionRequest::default()
            .with_from(self.funder())
            .with_to(to)
            .with_value(value)
            .with_input(data.clone());
        let estimate = match self.reader.estimate_gas(request).await {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(upkeep = %u.id, error = %classify(&e), "top-up would fail; not sent");
                return Ok(false);
            }
        };
        let gas_limit = estimate
            .saturating_mul(100 + u64::from(self.gas_margin_percent))
            .div_ceil(100);
        let planned = self
            .store
            .funding_plan(&NewFunding {
                chain_id: self.chain_id,
                registry: self.registry,
                upkeep_id: u.id,
                sender: self.funder(),
                token,
                native,
                amount: t.amount,
                balance_before: funds.balance,
                min_balance: funds.min_balance,
                month: funds.month,
                month_source: source.as_str().into(),
                refill_at: t.refill_at,
                target: t.target,
                timing: timing.into(),
                gas_price: Some(base_fee),
            })
            .await?;
        let Some(f) = planned else {
            return Ok(false);
        };
        let submitted = self
            .txm
            .submit(crate::chain::tx::Request {
                work: f.work.clone(),
                to,
                data,
                value,
                gas_limit,
                label: format!("top-up {} ({})", u.name, u.id),
                block: head,
                kind: TxKind::TopUp,
            })
            .await?;
        match submitted {
            Submitted::Sent { .. } | Submitted::Queued { .. } => {
                self.store.funding_sent(f.id).await?;
                tracing::info!(upkeep = %u.id, name = %u.name, amount = %t.amount, balance = %funds.balance, refill_at = %t.refill_at, target = %t.target, month = %funds.month, month_source = source.as_str(), timing, "top-up sent");
                Ok(true)
            }
            Submitted::Refused { existing } => {
                tracing::warn!(upkeep = %u.id, existing = existing.id, "top-up refused: its work already has a transaction");
                Ok(false)
            }
        }
    }
}

/// Re-checks a pending top-up before it is bumped: still accepted by the registry (with its
/// value)?
pub(crate) struct TopUpCheck {
    pub(crate) reader: DynProvider,
    pub(crate) from: Address,
}

impl WorkCheck for TopUpCheck {
    fn check<'a>(
        &'a self,
        tx: &'a TxRecord,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Validity> + Send + 'a>> {
        Box::pin(still_needed(&self.reader, self.from, tx))
    }
}

/// Whether a top-up transaction would still succeed now (an `eth_call` with its value).
pub(crate) async fn still_needed(reader: &DynProvider, from: Address, tx: &TxRecord) -> Validity {
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(tx.to)
        .with_value(tx.value)
        .with_input(tx.data.clone());
    match reader.call(request).await {
        Ok(_) => Validity::Needed,
        Err(e) => match classify(&e) {
            crate::chain::tx::SendErrorKind::Reverted(d) => Validity::NotNeeded(d.to_string()),
            other => Validity::Unknown(other.to_string()),
        },
    }
}
