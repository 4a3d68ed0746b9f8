//! Each fill of a balancer's order valued at the balancer's oracle prices of the fill's block
//! (`fill_quotes`): what it gave (`Filled`) and what it received (the taker asset's `Transfer` to
//! it in the same transaction), both in USD at the assets' feeds, and the difference in bp.
//!
//! A fill whose received side or prices cannot be found (a token outside the balancer's assets,
//! a feed answering no price) is logged and left unquoted; the report counts it as a fill.

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    sol,
    sol_types::SolEvent,
};

use super::logs::LogsError;
use crate::{
    chain::{bindings::MockV3Aggregator, ours::Balancer},
    model::report::{usd_value, vs_oracle_bps},
    store::{FillQuote, Store},
};

sol! {
    /// ERC-20 `Transfer`.
    event Transfer(address indexed from, address indexed to, uint256 value);
}

/// A fill to value.
pub(super) struct Filled {
    pub(super) tx: B256,
    pub(super) log_index: u64,
    pub(super) block: u64,
    pub(super) balancer: Address,
    pub(super) maker_asset: Address,
    pub(super) making: U256,
}

fn rpc(what: String, reason: impl ToString) -> LogsError {
    LogsError::Rpc {
        what,
        reason: reason.to_string(),
    }
}

/// Values `f` and records its quote; `false` when it could not be valued.
pub(super) async fn record(
    provider: &DynProvider,
    store: &Store,
    chain_id: u64,
    f: &Filled,
) -> Result<bool, LogsError> {
    let receipt = provider
        .get_transaction_receipt(f.tx)
        .await
        .map_err(|e| rpc(format!("eth_getTransactionReceipt({})", f.tx), e))?
        .ok_or_else(|| rpc(format!("eth_getTransactionReceipt({})", f.tx), "not found"))?;
    let got = receipt.inner.logs().iter().find_map(|l| {
        let t = Transfer::decode_log_data(l.data()).ok()?;
        (t.to == f.balancer && l.address() != f.maker_asset).then_some((l.address(), t.value))
    });
    let Some((taker_asset, taking)) = got else {
        tracing::warn!(tx = %f.tx, balancer = %f.balancer, "a fill without a transfer to the balancer: not valued");
        return Ok(false);
    };
    let at = BlockId::number(f.block);
    let assets = Balancer::new(f.balancer, provider)
        .assets()
        .block(at)
        .call()
        .await
        .map_err(|e| rpc(format!("{}.assets() at {}", f.balancer, f.block), e))?;
    let value = |token: Address, amount: U256| {
        let a = assets.iter().find(|a| a.token == token).cloned();
        async move {
            let Some(a) = a else { return Ok(None) };
            let round = MockV3Aggregator::new(a.feed, provider)
                .latestRoundData()
                .block(at)
                .call()
                .await
                .map_err(|e| {
                    rpc(
                        format!("feed {} latestRoundData() at {}", a.feed, f.block),
                        e,
                    )
                })?;
            Ok::<_, LogsError>(usd_value(
                amount,
                round.answer,
                a.feedDecimals,
                a.tokenDecimals,
            ))
        }
    };
    let gave = value(f.maker_asset, f.making).await?;
    let got = value(taker_asset, taking).await?;
    let (Some(gave_usd), Some(got_usd)) = (gave, got) else {
        tracing::warn!(tx = %f.tx, balancer = %f.balancer, "a fill whose assets have no price: not valued");
        return Ok(false);
    };
    let Some(bps) = vs_oracle_bps(gave_usd, got_usd) else {
        return Ok(false);
    };
    store
        .record_fill_quote(
            chain_id,
            &FillQuote {
                tx_hash: f.tx,
                log_index: f.log_index,
                balancer: f.balancer,
                block: f.block,
                taker_asset,
                gave_usd,
                got_usd,
                vs_oracle_bps: bps,
            },
        )
        .await?;
    Ok(true)
}
