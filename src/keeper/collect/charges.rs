//! The inputs of each registry charge of a served upkeep, recorded beside the charge
//! (`charges`) so `onebalancer report` can model the same charge from the same inputs.
//!
//! Per transmit: the effective gas price (its receipt), the report's `fastGasWei` (its
//! calldata), the block's timestamp and the registry's `gasCeilingMultiplier` at that block; per
//! charge: gas used and overhead (`UpkeepPerformed`), the prices (`UpkeepCharged`'s receipt) and
//! the billing config at the block (the upkeep's override when it has one enabled). A transmit
//! whose inputs cannot be read is logged and skipped; the charge itself is still in `performs`.

use std::collections::HashMap;

use alloy::{
    consensus::Transaction as _,
    eips::BlockId,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::Log,
    sol_types::{SolCall, SolEvent, SolValue},
};

use super::logs::LogsError;
use crate::{
    chain::bindings::{
        AutomationRegistry2_3::{self, UpkeepCharged, UpkeepPerformed, transmitCall},
        Report,
    },
    model::report::Charge,
    store::{ChargeRecord, Store},
};

fn rpc(what: impl Into<String>) -> impl FnOnce(String) -> LogsError {
    let what = what.into();
    move |reason| LogsError::Rpc { what, reason }
}

/// Records every charge in `logs` (one transmit) of an upkeep in `upkeeps` (id → target).
pub(super) async fn record(
    provider: &DynProvider,
    store: &Store,
    chain_id: u64,
    registry: Address,
    tx: B256,
    logs: &[Log],
    upkeeps: &HashMap<U256, Address>,
) -> Result<u64, LogsError> {
    let mut performed: HashMap<U256, (U256, U256)> = HashMap::new();
    let mut charged = Vec::new();
    for l in logs.iter().filter(|l| l.address() == registry) {
        if let Ok(p) = UpkeepPerformed::decode_log_data(l.data()) {
            performed.insert(p.id, (p.gasUsed, p.gasOverhead));
        } else if let Ok(c) = UpkeepCharged::decode_log_data(l.data())
            && upkeeps.contains_key(&c.id)
        {
            charged.push((l.log_index.unwrap_or(0), l.block_number.unwrap_or(0), c));
        }
    }
    let Some(&(_, block, _)) = charged.first() else {
        return Ok(0);
    };
    let at = BlockId::number(block);
    let t = provider
        .get_transaction_by_hash(tx)
        .await
        .map_err(|e| rpc(format!("eth_getTransactionByHash({tx})"))(e.to_string()))?
        .ok_or_else(|| rpc(format!("eth_getTransactionByHash({tx})"))("not found".into()))?;
    let transmit = transmitCall::abi_decode(t.inner.input())
        .map_err(|e| rpc(format!("transmit calldata of {tx}"))(e.to_string()))?;
    let report = Report::abi_decode(&transmit.rawReport)
        .map_err(|e| rpc(format!("the report in {tx}"))(e.to_string()))?;
    let receipt = provider
        .get_transaction_receipt(tx)
        .await
        .map_err(|e| rpc(format!("eth_getTransactionReceipt({tx})"))(e.to_string()))?
        .ok_or_else(|| rpc(format!("eth_getTransactionReceipt({tx})"))("not found".into()))?;
    let header = provider
        .get_block_by_number(block.into())
        .await
        .map_err(|e| rpc(format!("eth_getBlockByNumber({block})"))(e.to_string()))?
        .ok_or_else(|| rpc(format!("eth_getBlockByNumber({block})"))("not found".into()))?;
    let r = AutomationRegistry2_3::new(registry, provider);
    let hot = r
        .getHotVars()
        .block(at)
        .call()
        .await
        .map_err(|e| rpc(format!("registry.getHotVars() at {block}"))(e.to_string()))?;
    let mut recorded = 0;
    for (log_index, _, c) in charged {
        let Some(&(gas_used, gas_overhead)) = performed.get(&c.id) else {
            continue;
        };
        let token = c.receipt.billingToken;
        let config = r
            .getBillingTokenConfig(token)
            .block(at)
            .call()
            .await
            .map_err(|e| rpc(format!("registry.getBillingTokenConfig({token})"))(e.to_string()))?;
        let (mut ppb, mut flat) = (config.gasFeePPB, config.flatFeeMilliCents.to::<u32>());
        let overridden = r
            .getBillingOverridesEnabled(c.id)
            .block(at)
            .call()
            .await
            .map_err(|e| {
                rpc(format!("registry.getBillingOverridesEnabled({})", c.id))(e.to_string())
            })?;
        if overridden {
            let o = r
                .getBillingOverrides(c.id)
                .block(at)
                .call()
                .await
                .map_err(|e| {
                    rpc(format!("registry.getBillingOverrides({})", c.id))(e.to_string())
                })?;
            (ppb, flat) = (o.gasFeePPB, o.flatFeeMilliCents.to::<u32>());
        }
        let charge = Charge {
            block,
            at_s: header.header.timestamp,
            upkeep_id: c.id,
            target: upkeeps.get(&c.id).copied().unwrap_or(Address::ZERO),
            token,
            gas_charge: U256::from(c.receipt.gasChargeInBillingToken),
            premium: U256::from(c.receipt.premiumInBillingToken),
            gas_used,
            gas_overhead,
            tx_gas_price: U256::from(receipt.effective_gas_price),
            fast_gas_wei: report.fastGasWei,
            gas_ceiling_multiplier: hot.gasCeilingMultiplier,
            link_usd: U256::from(c.receipt.linkUSD),
            native_usd: U256::from(c.receipt.nativeUSD),
            billing_usd: U256::from(c.receipt.billingUSD),
            decimals: config.decimals,
            gas_fee_ppb: ppb,
            flat_fee_milli_cents: flat,
        };
        let new = store
            .record_charge(&ChargeRecord {
                chain_id,
                tx_hash: tx,
                log_index,
                registry,
                charge,
            })
            .await?;
        recorded += u64::from(new);
    }
    Ok(recorded)
}
