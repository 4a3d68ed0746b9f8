//! A balancer's state as read from the chain, for the devnet report: value, weights against
//! targets, drift, and `checkUpkeep` simulated as Chainlink does it (an `eth_call` from the zero
//! address, which `cannotExecute` requires).

use alloy::primitives::{Address, Bytes, U256};

use crate::{
    chain::{
        Connection,
        bindings::MockV3Aggregator,
        ours::{Balancer, TestERC20},
    },
    devnet::demo::{DemoError, read},
    model::portfolio,
};

/// One asset of a balancer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetState {
    /// Token symbol.
    pub symbol: String,
    /// Token decimals.
    pub decimals: u8,
    /// Tracked balance in token units.
    pub balance: U256,
    /// Its USD value, 18 decimals (rounded down, as on chain).
    pub value: U256,
    /// Its weight in bps of the summed values (rounded down).
    pub weight_bps: U256,
    /// Target weight in bps.
    pub target_bps: u16,
    /// Part of the stable slice.
    pub stable: bool,
}

/// A balancer's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalancerState {
    /// Manifest key.
    pub key: String,
    /// `DriftBalancer` or `TimeBalancer`.
    pub kind: String,
    /// The clone.
    pub address: Address,
    /// `totalValue()`: USD, 18 decimals.
    pub total_value: U256,
    /// Per asset, in asset order.
    pub assets: Vec<AssetState>,
    /// Global drift in bps (non-stables one by one, the stables as one slice).
    pub drift_bps: U256,
    /// Drift of the stables within their slice, in bps.
    pub stable_drift_bps: U256,
    /// The global trigger band, `params().driftBps`.
    pub drift_band_bps: u16,
    /// TimeBalancer calendar interval in seconds (0 for a DriftBalancer).
    pub interval: u32,
    /// `checkUpkeep("")` → upkeepNeeded.
    pub upkeep_needed: bool,
    /// `checkUpkeep("")` → performData.
    pub perform_data: Bytes,
}

/// Reads `address`'s state.
pub async fn read_state(
    conn: &Connection,
    key: &str,
    kind: &str,
    address: Address,
) -> Result<BalancerState, DemoError> {
    let b = Balancer::new(address, &conn.provider);
    let what = |f: &str| format!("{key}.{f}()");
    let assets = read(b.assets().call(), what("assets")).await?;
    let balances = read(b.balances().call(), what("balances")).await?;
    let targets = read(b.targets().call(), what("targets")).await?;
    let total_value = read(b.totalValue().call(), what("totalValue")).await?;
    let params = read(b.params().call(), what("params")).await?;
    let interval = read(b.interval().call(), what("interval")).await?;
    // Chainlink simulates checkUpkeep with tx.origin = 0x0; `cannotExecute` reverts otherwise.
    let check = read(
        b.checkUpkeep(Bytes::new()).from(Address::ZERO).call(),
        format!("{key}.checkUpkeep(\"\") from 0x0"),
    )
    .await?;

    let mut out = Vec::with_capacity(assets.len());
    let mut values = Vec::with_capacity(assets.len());
    let mut mask = 0u64;
    for (i, a) in assets.iter().enumerate() {
        let token = TestERC20::new(a.token, &conn.provider);
        let symbol = read(token.symbol().call(), format!("{}.symbol()", a.token)).await?;
        let feed = MockV3Aggregator::new(a.feed, &conn.provider);
        let answer = read(
            feed.latestAnswer().call(),
            format!("{symbol}/USD latestAnswer()"),
        )
        .await?;
        let price = portfolio::price_from_answer(&symbol, answer)?;
        let balance = balances.get(i).copied().unwrap_or_default();
        let value = portfolio::value_e18(&symbol, balance, price, a.tokenDecimals, a.feedDecimals)?;
        if a.stable {
            mask |= 1u64
                .checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
                .unwrap_or(0);
        }
        values.push(value);
        out.push(AssetState {
            symbol,
            decimals: a.tokenDecimals,
            balance,
            value,
            weight_bps: U256::ZERO,
            target_bps: targets.get(i).copied().unwrap_or_default(),
            stable: a.stable,
        });
    }
    let summed = values.iter().fold(U256::ZERO, |s, v| s.saturating_add(*v));
    for a in &mut out {
        a.weight_bps = portfolio::weight_bps(a.value, summed);
    }
    Ok(BalancerState {
        key: key.to_string(),
        kind: kind.to_string(),
        address,
        total_value,
        drift_bps: portfolio::global_drift_bps(&values, &targets, mask),
        stable_drift_bps: portfolio::stable_drift_bps(&values, &targets, mask),
        assets: out,
        drift_band_bps: params.driftBps,
        interval,
        upkeep_needed: check.upkeepNeeded,
        perform_data: check.performData,
    })
}
