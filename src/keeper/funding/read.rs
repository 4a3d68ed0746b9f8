//! What the funding job reads from the chain: each upkeep's balance, minimum, billing token and
//! whether it is cancelled; the fee model's inputs (registry 2.3's billing config, its feeds);
//! the funding wallet; the recent base fees.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};

use super::FundingJobError;
use crate::chain::{
    bindings::{AutomationRegistry2_3, LinkToken},
    registry::ChargeReadError,
};

/// `maxValidBlocknumber` of an upkeep that is not cancelled.
const NOT_CANCELLED: u64 = u32::MAX as u64;

/// One upkeep as the registry has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct UpkeepState {
    /// `getUpkeep(id).balance`.
    pub balance: U256,
    /// `getMinBalance(id)`.
    pub min_balance: U256,
    /// `getBillingToken(id)`.
    pub token: Address,
    /// Cancelled, or its cancellation is scheduled.
    pub cancelled: bool,
}

fn rpc(what: impl Into<String>) -> impl FnOnce(alloy::contract::Error) -> FundingJobError {
    let what = what.into();
    move |e| FundingJobError::Rpc {
        what,
        reason: e.to_string(),
    }
}

/// Upkeep `id` on `registry`.
pub(super) async fn upkeep(
    reader: &DynProvider,
    registry: Address,
    id: U256,
) -> Result<UpkeepState, FundingJobError> {
    let r = AutomationRegistry2_3::new(registry, reader);
    let info = r
        .getUpkeep(id)
        .call()
        .await
        .map_err(rpc(format!("registry.getUpkeep({id})")))?;
    let min_balance = r
        .getMinBalance(id)
        .call()
        .await
        .map_err(rpc(format!("registry.getMinBalance({id})")))?;
    let token = r
        .getBillingToken(id)
        .call()
        .await
        .map_err(rpc(format!("registry.getBillingToken({id})")))?;
    Ok(UpkeepState {
        balance: U256::from(info.balance),
        min_balance: U256::from(min_balance),
        token,
        cancelled: info.maxValidBlocknumber != NOT_CANCELLED,
    })
}

/// Registry 2.3's charge for one perform of `perform_gas` billed in `token`
/// ([`crate::chain::registry::modelled_charge`]).
pub(super) async fn modelled_charge(
    reader: &DynProvider,
    registry: Address,
    token: Address,
    perform_gas: u64,
) -> Result<U256, FundingJobError> {
    crate::chain::registry::modelled_charge(reader, registry, token, perform_gas)
        .await
        .map_err(|e| match e {
            ChargeReadError::Rpc { what, reason } => FundingJobError::Rpc { what, reason },
            ChargeReadError::Model(m) => FundingJobError::Model(m),
        })
}

/// The funding wallet: its LINK (juels) and native coin (wei).
pub(super) async fn wallet(
    reader: &DynProvider,
    link: Address,
    who: Address,
) -> Result<(U256, U256), FundingJobError> {
    let juels = LinkToken::new(link, reader)
        .balanceOf(who)
        .call()
        .await
        .map_err(rpc(format!("LINK.balanceOf({who})")))?;
    let wei = reader
        .get_balance(who)
        .await
        .map_err(|e| FundingJobError::Rpc {
            what: format!("eth_getBalance({who})"),
            reason: e.to_string(),
        })?;
    Ok((juels, wei))
}

/// The base fees of the last `blocks` blocks (oldest first) and the next block's.
pub(super) async fn base_fees(
    reader: &DynProvider,
    blocks: u64,
) -> Result<(Vec<u128>, u128), FundingJobError> {
    let h = reader
        .get_fee_history(blocks, BlockNumberOrTag::Latest, &[])
        .await
        .map_err(|e| FundingJobError::Rpc {
            what: format!("eth_feeHistory({blocks})"),
            reason: e.to_string(),
        })?;
    let mut fees = h.base_fee_per_gas;
    let next = fees.pop().ok_or_else(|| FundingJobError::Rpc {
        what: format!("eth_feeHistory({blocks})"),
        reason: "no base fee: the node does not serve EIP-1559 fee history".into(),
    })?;
    Ok((fees, next))
}
