//! What the funding job reads from the chain: each upkeep's balance, minimum, billing token and
//! whether it is cancelled; the fee model's inputs (registry 2.3's billing config, its feeds);
//! the funding wallet; the recent base fees.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};

use super::FundingJobError;
use crate::{
    chain::bindings::{AutomationRegistry2_3, LinkToken, MockV3Aggregator},
    model::fees::registry::{BillingToken, PaymentParams, calculate_payment_amount},
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

async fn feed(reader: &DynProvider, what: &str, feed: Address) -> Result<U256, FundingJobError> {
    let round = MockV3Aggregator::new(feed, reader)
        .latestRoundData()
        .call()
        .await
        .map_err(rpc(format!("{what} feed {feed} latestRoundData()")))?;
    if round.answer.is_negative() || round.answer.is_zero() {
        return Err(FundingJobError::Rpc {
            what: format!("{what} feed {feed}"),
            reason: format!("answers {} — not a price", round.answer),
        });
    }
    Ok(round.answer.into_raw())
}

/// Registry 2.3's charge for one perform of `perform_gas` billed in `token`, at the registry's
/// feeds and billing config now and the node's gas price (`model::fees::registry`).
pub(super) async fn modelled_charge(
    reader: &DynProvider,
    registry: Address,
    token: Address,
    perform_gas: u64,
) -> Result<U256, FundingJobError> {
    let r = AutomationRegistry2_3::new(registry, reader);
    let hot = r
        .getHotVars()
        .call()
        .await
        .map_err(rpc("registry.getHotVars()"))?;
    let billing = r
        .getBillingTokenConfig(token)
        .call()
        .await
        .map_err(rpc(format!("registry.getBillingTokenConfig({token})")))?;
    let fast_gas_feed = r
        .getFastGasFeedAddress()
        .call()
        .await
        .map_err(rpc("registry.getFastGasFeedAddress()"))?;
    let link_feed = r
        .getLinkUSDFeedAddress()
        .call()
        .await
        .map_err(rpc("registry.getLinkUSDFeedAddress()"))?;
    let native_feed = r
        .getNativeUSDFeedAddress()
        .call()
        .await
        .map_err(rpc("registry.getNativeUSDFeedAddress()"))?;
    let gas_price = reader
        .get_gas_price()
        .await
        .map_err(|e| FundingJobError::Rpc {
            what: "eth_gasPrice".into(),
            reason: e.to_string(),
        })?;
    let params = PaymentParams {
        gas_limit: U256::from(perform_gas),
        gas_overhead: U256::ZERO,
        l1_cost_wei: U256::ZERO,
        fast_gas_wei: feed(reader, "fast gas", fast_gas_feed).await?,
        gas_ceiling_multiplier: hot.gasCeilingMultiplier,
        tx_gas_price: Some(U256::from(gas_price)),
        link_usd: feed(reader, "LINK/USD", link_feed).await?,
        native_usd: feed(reader, "native/USD", native_feed).await?,
        token: BillingToken {
            decimals: billing.decimals,
            gas_fee_ppb: billing.gasFeePPB,
            flat_fee_milli_cents: billing.flatFeeMilliCents.to::<u32>(),
            price_usd: feed(reader, "billing token", billing.priceFeed).await?,
        },
    };
    calculate_payment_amount(&params)
        .and_then(|r| r.total())
        .map_err(|e| FundingJobError::Model(e.to_string()))
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
