//! From a validated spec to the exact calls: `IBalancerFactory.create(kind, assets, protocol,
//! sequencerFeed, sequencerGrace, init)` per balancer and the manager's constructor (pure).

use std::collections::BTreeMap;

use alloy::primitives::{Address, aliases::U48};

use crate::{
    chain::ours::{
        Asset, BalancerFactory, BandLimits, InitParams, KIND_DRIFT, KIND_TIME, ManagerConfig,
        Params, Protocol,
    },
    deploy::portfolio::spec::{BalancerSpec, Kind, ManagerSpec, PortfolioSpec},
};

/// Decimals read from the chain for one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimals {
    /// The token's `decimals()`.
    pub token: u8,
    /// The feed's `decimals()`.
    pub feed: u8,
}

/// The balancer's owner: the spec's or the deployer.
pub fn owner(b: &BalancerSpec, deployer: Address) -> Address {
    b.owner.unwrap_or(deployer)
}

/// `IBalancer.Asset[]` of balancer `b`, in its asset order.
pub fn assets(
    spec: &PortfolioSpec,
    b: &BalancerSpec,
    decimals: &BTreeMap<String, Decimals>,
) -> Vec<Asset> {
    b.assets
        .iter()
        .filter_map(|name| Some((spec.assets.get(name)?, decimals.get(name)?)))
        .map(|(a, d)| Asset {
            token: a.token,
            feed: a.feed,
            tokenDecimals: d.token,
            feedDecimals: d.feed,
            heartbeat: a.heartbeat_secs,
            deviationBps: a.deviation_bps,
            stable: a.stable,
        })
        .collect()
}

/// `IBalancer.InitParams` of `b`. The deployer is the first forwarder (until a registration sets
/// the registry's); the controller defaults to the owner.
pub fn init_params(b: &BalancerSpec, deployer: Address) -> InitParams {
    let owner = owner(b, deployer);
    let p = &b.params;
    let (interval, dust_floor) = b
        .calendar
        .as_ref()
        .map_or((0, 0), |c| (c.interval_secs, c.dust_floor_bps));
    InitParams {
        owner,
        controller: b.controller.unwrap_or(owner),
        forwarder: deployer,
        targets: b.targets_bps.clone(),
        params: Params {
            driftBps: p.drift_bps,
            clearBps: p.clear_bps,
            stableDriftBps: p.stable_drift_bps,
            stableClearBps: p.stable_clear_bps,
            depegBps: p.depeg_bps,
            maxSlippageBps: p.max_slippage_bps,
            gridLevels: p.grid_levels,
            gridSpacingBps: p.grid_spacing_bps,
            stableCooldown: p.stable_cooldown_secs,
            globalCooldown: p.global_cooldown_secs,
            orderTtl: p.order_ttl_secs,
            paused: false,
        },
        limits: BandLimits {
            minDriftBps: b.limits.min_drift_bps,
            maxDriftBps: b.limits.max_drift_bps,
            minStableDriftBps: b.limits.min_stable_drift_bps,
            maxStableDriftBps: b.limits.max_stable_drift_bps,
        },
        fillCostUsdE8: U48::saturating_from(b.costs.fill_cost_usd_e8),
        dustMarginBps: b.costs.dust_margin_bps,
        stableGasEstimate: b.costs.stable_gas_estimate,
        globalGasEstimate: b.costs.global_gas_estimate,
        interval,
        dustFloorBps: dust_floor,
    }
}

/// The factory's `create` call for balancer `b`.
pub fn create_call(
    spec: &PortfolioSpec,
    b: &BalancerSpec,
    decimals: &BTreeMap<String, Decimals>,
    protocol: Address,
    deployer: Address,
) -> BalancerFactory::createCall {
    BalancerFactory::createCall {
        kind: match b.kind {
            Kind::Drift => KIND_DRIFT,
            Kind::Time => KIND_TIME,
        },
        assets: assets(spec, b, decimals),
        protocol: Protocol {
            protocol,
            name: spec.stack.protocol_name.clone(),
            version: spec.stack.protocol_version.clone(),
        },
        sequencerFeed: spec.stack.sequencer_feed.unwrap_or_default(),
        sequencerGrace: spec.stack.sequencer_grace_secs,
        init: init_params(b, deployer),
    }
}

/// The balancer a `create` transaction made: its factory's `BalancerCreated` event.
pub fn created_balancer(
    receipt: &alloy::rpc::types::TransactionReceipt,
    factory: Address,
) -> Option<Address> {
    use alloy::sol_types::SolEvent;
    receipt
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == factory)
        .find_map(|l| BalancerFactory::BalancerCreated::decode_log(&l.inner).ok())
        .map(|e| e.balancer)
}

/// A manager's constructor config from its spec (bounds checked by `validate`).
pub(super) fn manager_config(m: &ManagerSpec) -> ManagerConfig {
    let c = &m.config;
    ManagerConfig {
        performGasReserve: c.perform_gas_reserve,
        checkGasReserve: c.check_gas_reserve,
        roundGasBudget: m.round_gas_budget(),
        maxPerRound: c.max_per_round,
        memberCheckGas: c.member_check_gas,
        failureBackoff: c.failure_backoff_blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::portfolio::spec::example;

    #[test]
    fn the_example_maps_onto_the_factory_call() {
        let spec = example();
        let d = Decimals { token: 6, feed: 8 };
        let decimals = spec.assets.keys().map(|k| (k.clone(), d)).collect();
        let me = Address::repeat_byte(7);
        let lop = Address::repeat_byte(9);
        let b = &spec.balancers["calendar"];
        let call = create_call(&spec, b, &decimals, lop, me);
        assert_eq!(call.kind, KIND_TIME);
        assert_eq!(call.assets.len(), b.assets.len());
        assert_eq!(call.assets[0].token, spec.assets[&b.assets[0]].token);
        assert_eq!(
            (call.assets[0].tokenDecimals, call.assets[0].feedDecimals),
            (6, 8)
        );
        assert_eq!(call.init.targets, b.targets_bps);
        assert_eq!((call.init.owner, call.init.forwarder), (me, me));
        assert_eq!(call.init.interval, 86_400);
        assert_eq!(call.protocol.protocol, lop);
        let drift = create_call(&spec, &spec.balancers["core"], &decimals, lop, me);
        assert_eq!((drift.kind, drift.init.interval), (KIND_DRIFT, 0));
    }
}
