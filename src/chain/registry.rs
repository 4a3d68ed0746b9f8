//! Chainlink Automation registry 2.3 concepts the keeper, the deployer and the devnet share, and
//! the charge of one perform as the core fee model (`model::fees::registry`) computes it from
//! the registry's feeds and billing config now.

use std::fmt;

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};

use crate::{
    chain::bindings::{AutomationRegistry2_3, MockV3Aggregator},
    model::fees::registry::{BillingToken, PaymentParams, calculate_payment_amount},
};

/// Reading a modelled charge's inputs failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChargeReadError {
    /// The node failed, or a feed answered no price.
    #[error("{what} failed: {reason} — check the RPC endpoint and the registry's feeds")]
    Rpc {
        /// What was read.
        what: String,
        /// Why.
        reason: String,
    },
    /// The fee model refused the inputs (the registry would revert too).
    #[error("the fee model cannot price a perform: {0}")]
    Model(String),
}

fn rpc(what: impl Into<String>) -> impl FnOnce(alloy::contract::Error) -> ChargeReadError {
    let what = what.into();
    move |e| ChargeReadError::Rpc {
        what,
        reason: e.to_string(),
    }
}

/// `AutomationRegistryBase2_3.UpkeepFailureReason`, as `checkUpkeep` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// The check found work (or nothing failed).
    None,
    /// Cancelled upkeeps are never checked.
    UpkeepCancelled,
    /// Paused by its admin.
    UpkeepPaused,
    /// The target's `checkUpkeep` reverted.
    TargetCheckReverted,
    /// The target answered `upkeepNeeded = false`.
    UpkeepNotNeeded,
    /// performData is longer than `maxPerformDataSize`.
    PerformDataExceedsLimit,
    /// The balance is below the most a perform could cost.
    InsufficientBalance,
    /// A streams-lookup callback reverted.
    CallbackReverted,
    /// The target's revert data is longer than `maxRevertDataSize`.
    RevertDataExceedsLimit,
    /// The whole registry is paused.
    RegistryPaused,
    /// A value this build does not know (a newer registry).
    Unknown(u8),
}

impl FailureReason {
    /// Whether the registry will not perform the upkeep whatever its target says: underfunded,
    /// paused, cancelled, or the whole registry paused. A fallback keeper acts at once then.
    pub fn stops_the_network(self) -> bool {
        matches!(
            self,
            Self::InsufficientBalance
                | Self::UpkeepPaused
                | Self::UpkeepCancelled
                | Self::RegistryPaused
        )
    }

    /// From the ABI's `uint8`.
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::None,
            1 => Self::UpkeepCancelled,
            2 => Self::UpkeepPaused,
            3 => Self::TargetCheckReverted,
            4 => Self::UpkeepNotNeeded,
            5 => Self::PerformDataExceedsLimit,
            6 => Self::InsufficientBalance,
            7 => Self::CallbackReverted,
            8 => Self::RevertDataExceedsLimit,
            9 => Self::RegistryPaused,
            other => Self::Unknown(other),
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::None => "NONE",
            Self::UpkeepCancelled => "UPKEEP_CANCELLED",
            Self::UpkeepPaused => "UPKEEP_PAUSED",
            Self::TargetCheckReverted => "TARGET_CHECK_REVERTED",
            Self::UpkeepNotNeeded => "UPKEEP_NOT_NEEDED",
            Self::PerformDataExceedsLimit => "PERFORM_DATA_EXCEEDS_LIMIT",
            Self::InsufficientBalance => "INSUFFICIENT_BALANCE",
            Self::CallbackReverted => "CALLBACK_REVERTED",
            Self::RevertDataExceedsLimit => "REVERT_DATA_EXCEEDS_LIMIT",
            Self::RegistryPaused => "REGISTRY_PAUSED",
            Self::Unknown(v) => return write!(f, "UNKNOWN({v})"),
        };
        f.write_str(name)
    }
}

async fn feed(reader: &DynProvider, what: &str, feed: Address) -> Result<U256, ChargeReadError> {
    let round = MockV3Aggregator::new(feed, reader)
        .latestRoundData()
        .call()
        .await
        .map_err(rpc(format!("{what} feed {feed} latestRoundData()")))?;
    if round.answer.is_negative() || round.answer.is_zero() {
        return Err(ChargeReadError::Rpc {
            what: format!("{what} feed {feed}"),
            reason: format!("answers {} — not a price", round.answer),
        });
    }
    Ok(round.answer.into_raw())
}

/// Registry 2.3's charge for one perform of `perform_gas` billed in `token`, at the registry's
/// feeds and billing config now and the node's gas price (`model::fees::registry`).
pub async fn modelled_charge(
    reader: &DynProvider,
    registry: Address,
    token: Address,
    perform_gas: u64,
) -> Result<U256, ChargeReadError> {
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
        .map_err(|e| ChargeReadError::Rpc {
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
        .map_err(|e| ChargeReadError::Model(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_reasons_read_as_the_registry_names_them() {
        assert_eq!(
            FailureReason::from_u8(6).to_string(),
            "INSUFFICIENT_BALANCE"
        );
        assert_eq!(FailureReason::from_u8(1).to_string(), "UPKEEP_CANCELLED");
        assert_eq!(FailureReason::from_u8(4), FailureReason::UpkeepNotNeeded);
        assert_eq!(FailureReason::from_u8(42).to_string(), "UNKNOWN(42)");
    }

    #[test]
    fn only_stopping_reasons_hand_an_upkeep_to_a_fallback() {
        for r in [
            FailureReason::InsufficientBalance,
            FailureReason::UpkeepPaused,
            FailureReason::UpkeepCancelled,
            FailureReason::RegistryPaused,
        ] {
            assert!(r.stops_the_network(), "{r}");
        }
        for r in [
            FailureReason::None,
            FailureReason::UpkeepNotNeeded,
            FailureReason::TargetCheckReverted,
            FailureReason::Unknown(77),
        ] {
            assert!(!r.stops_the_network(), "{r}");
        }
    }
}
