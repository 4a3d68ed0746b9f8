//! The scan collector: one block's reads of every target in a few Multicall3 requests.
//!
//! Per scan, for every portfolio (a balancer, or each member of a manager): its tracked
//! `balances()`, `targets()`, `params()` and `state()`; every distinct price feed's
//! `latestRoundData()` once; and, for the targets the scan plan names, the simulation the
//! Automation network runs — the target's own `checkUpkeep("")` and, for a fallback target with
//! an upkeep id, the registry's `checkUpkeep(id)` (what the network would do, and why not).
//! Everything runs from `tx.origin == 0` at the same block, so the keeper's own drift
//! ([`crate::model::drift`]) sees exactly the prices and balances the check saw.

use std::{collections::BTreeMap, time::Instant};

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};

use crate::{
    chain::{
        bindings::{AutomationRegistry2_3, MockV3Aggregator},
        multicall::{Call, Multicall, MulticallError, Outcome},
        ours::{Balancer, UpkeepManager},
        registry::FailureReason,
        revert::{self, Decoded},
    },
    keeper::targets::{Body, Portfolio, Target},
    model::drift,
};

/// Gas estimates for packing batches: about 1.4× what a four-asset DriftBalancer uses inside a
/// batch when drifted, measured with `eth_estimateGas` of Multicall3 batches of 200 such
/// balancers on anvil (`onebalancer bench scan`): its four reads about 29k together, its
/// `checkUpkeep` about 43k at its targets and 65k when drifted (the plan is built); 72k and 94k
/// per balancer in all, against 130k estimated. Batches fill 80 % of the call gas cap by these
/// estimates, so they use at most about 60 % of it; a batch that does not fit is split anyway.
mod gas {
    /// A view returning a few words (the first call of a target also pays its cold account).
    pub(super) const VIEW: u64 = 8_000;
    /// `balances()`/`targets()` of an n-asset balancer: per asset.
    pub(super) const PER_ASSET_VIEW: u64 = 1_000;
    /// One feed's `latestRoundData()` (cold, through a proxy).
    pub(super) const FEED: u64 = 20_000;
    /// A balancer's `checkUpkeep`: fixed part and per asset.
    pub(super) const CHECK: u64 = 30_000;
    /// Per asset of a check (its feed read, its value and, when drifted, its share of the plan).
    pub(super) const CHECK_PER_ASSET: u64 = 15_000;
    /// The manager's own work per member in its check.
    pub(super) const MEMBER: u64 = 30_000;
    /// The registry's own work around the target's check.
    pub(super) const REGISTRY: u64 = 90_000;
}

/// What one scan simulates, beyond the reads every scan makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanPlan {
    /// Per target: simulate its `checkUpkeep`.
    pub simulate: Vec<bool>,
    /// Per target: the upkeep id whose registry check to simulate alongside.
    pub registry: Vec<Option<U256>>,
    /// Only the simulations (a follow-up within the same block: the reads are known).
    pub checks_only: bool,
}

/// One portfolio's state at the scanned block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// Tracked balances, in asset order.
    pub balances: Vec<U256>,
    /// Target weights, bps.
    pub targets: Vec<u16>,
    /// Bands, cooldowns, pause.
    pub params: Params,
    /// The per-perform state.
    pub state: State,
    /// Each asset's feed answer (positive), or `None` when it could not be read.
    pub prices: Vec<Option<U256>>,
    /// Each asset's feed `updatedAt`.
    pub updated_at: Vec<u64>,
}

/// `IBalancer.Params`, as the keeper uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// What the drift model reads.
    pub rules: drift::Rules,
    /// Seconds between stable performs.
    pub stable_cooldown: u32,
    /// Seconds between global performs.
    pub global_cooldown: u32,
    /// Seconds a bundle stays fillable.
    pub order_ttl: u32,
    /// Paused.
    pub paused: bool,
}

/// `IBalancer.State`, as the keeper uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// Bundles published so far.
    pub epoch: u32,
    /// A bundle is authorised (it may still be fillable).
    pub has_bundle: bool,
    /// Last stable perform, unix s.
    pub last_stable_at: u32,
    /// Last global perform, unix s.
    pub last_global_at: u32,
}

impl Read {
    /// The drift model's portfolio, when every price was read.
    pub fn portfolio(&self, p: &Portfolio) -> Option<drift::Portfolio> {
        let prices: Option<Vec<U256>> = self.prices.iter().copied().collect();
        Some(drift::Portfolio {
            assets: p.assets.iter().map(|a| a.model()).collect(),
            prices: prices?,
            balances: self.balances.clone(),
            targets: self.targets.clone(),
        })
    }
}

/// What a simulated `checkUpkeep` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// It returned.
    Answered {
        /// `upkeepNeeded`.
        needed: bool,
        /// `performData`.
        perform_data: Bytes,
    },
    /// It reverted (a stale or bad feed, say).
    Reverted(Decoded),
}

/// One target at the scanned block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetScan {
    /// Per portfolio of the target (see [`Target::portfolios`]); `None` when a read failed.
    pub reads: Vec<Option<Read>>,
    /// Its simulated check, when planned.
    pub check: Option<CheckOutcome>,
    /// The registry's check of its upkeep, when planned.
    pub registry: Option<FailureReason>,
}

/// One scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanReport {
    /// The block read.
    pub block: u64,
    /// Per target, in order.
    pub targets: Vec<TargetScan>,
    /// Calls made.
    pub calls: usize,
    /// `eth_call` requests sent.
    pub requests: u64,
    /// Checks simulated.
    pub simulated: usize,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Reads targets through Multicall3.
#[derive(Debug, Clone)]
pub struct Scanner {
    multicall: Multicall,
    registry: Option<Address>,
    /// Every distinct feed, and each asset's index into it.
    feeds: Vec<Address>,
    feed_of: Vec<Vec<Vec<usize>>>,
}

impl Scanner {
    /// A scanner of `targets` through `multicall`; `registry` for upkeep checks.
    pub fn new(multicall: Multicall, registry: Option<Address>, targets: &[Target]) -> Self {
        let mut index: BTreeMap<Address, usize> = BTreeMap::new();
        let mut feeds = Vec::new();
        let feed_of = targets
            .iter()
            .map(|t| {
                t.portfolios()
                    .iter()
                    .map(|p| {
                        p.assets
                            .iter()
                            .map(|a| {
                                *index.entry(a.feed).or_insert_with(|| {
                                    feeds.push(a.feed);
                                    feeds.len() - 1
                                })
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Self {
            multicall,
            registry,
            feeds,
            feed_of,
        }
    }

    /// The Multicall3 reader.
    pub fn multicall(&self) -> &Multicall {
        &self.multicall
    }

    /// Reads every target at `block`, simulating what `plan` says.
    pub async fn scan(
        &self,
        targets: &[Target],
        plan: &ScanPlan,
        block: u64,
    ) -> Result<ScanReport, MulticallError> {
        let started = Instant::now();
        let mut calls: Vec<Call> = Vec::new();
        let reads = !plan.checks_only;
        if reads {
            for &feed in &self.feeds {
                calls.push(call(
                    feed,
                    &MockV3Aggregator::latestRoundDataCall {},
                    gas::FEED,
                ));
            }
        }
        // Per target: [reads of each portfolio (4 calls)], [check], [registry check].
        let mut layout = Vec::with_capacity(targets.len());
        let mut simulated = 0;
        for (i, t) in targets.iter().enumerate() {
            let start = calls.len();
            for p in t.portfolios().iter().filter(|_| reads) {
                let [balances, targets, params, state] = read_gas(p);
                calls.push(call(p.address, &Balancer::balancesCall {}, balances));
                calls.push(call(p.address, &Balancer::targetsCall {}, targets));
                calls.push(call(p.address, &Balancer::paramsCall {}, params));
                calls.push(call(p.address, &Balancer::stateCall {}, state));
            }
            let check_gas = check_gas(t);
            let check = plan.simulate.get(i).copied().unwrap_or(false).then(|| {
                simulated += 1;
                calls.push(call(
                    t.address(),
                    &Balancer::checkUpkeepCall(Bytes::new()),
                    check_gas,
                ));
                calls.len() - 1
            });
            let registry = match (self.registry, plan.registry.get(i).copied().flatten()) {
                (Some(r), Some(id)) if check.is_some() => {
                    calls.push(call(
                        r,
                        &AutomationRegistry2_3::checkUpkeepCall { id },
                        check_gas + gas::REGISTRY,
                    ));
                    Some(calls.len() - 1)
                }
                _ => None,
            };
            layout.push((start, check, registry));
        }
        let (out, stats) = self.multicall.run(&calls, block).await?;
        let feeds: Vec<Option<(U256, u64)>> = if reads {
            out[..self.feeds.len()].iter().map(feed).collect()
        } else {
            Vec::new()
        };
        let mut scans = Vec::with_capacity(targets.len());
        for ((t, (start, check, registry)), feed_of) in
            targets.iter().zip(layout).zip(&self.feed_of)
        {
            let reads = t
                .portfolios()
                .iter()
                .enumerate()
                .map(|(k, _)| {
                    reads
                        .then(|| read(&out[start + 4 * k..start + 4 * k + 4], &feed_of[k], &feeds))
                        .flatten()
                })
                .collect();
            scans.push(TargetScan {
                reads,
                check: check.map(|c| check_outcome(&out[c])),
                registry: registry.and_then(|r| registry_outcome(&out[r])),
            });
        }
        Ok(ScanReport {
            block,
            targets: scans,
            calls: calls.len(),
            requests: stats.requests,
            simulated,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

#[cfg(test)]
mod tests;

fn call<C: SolCall>(target: Address, c: &C, gas: u64) -> Call {
    Call {
        target,
        data: Bytes::from(c.abi_encode()),
        gas,
    }
}

/// What a portfolio's four reads are expected to use: `balances()`, `targets()`, `params()`,
/// `state()`.
fn read_gas(p: &Portfolio) -> [u64; 4] {
    let per = gas::VIEW + gas::PER_ASSET_VIEW * p.assets.len() as u64;
    [per, per, gas::VIEW, gas::VIEW]
}

/// What a target's check is expected to use.
fn check_gas(t: &Target) -> u64 {
    let one = |p: &Portfolio| gas::CHECK + gas::CHECK_PER_ASSET * p.assets.len() as u64;
    match &t.body {
        Body::Balancer(p) => one(p),
        Body::Manager { members, .. } => members
            .iter()
            .map(|p| one(p) + gas::MEMBER)
            .sum::<u64>()
            .saturating_add(gas::CHECK),
    }
}

fn feed(o: &Outcome) -> Option<(U256, u64)> {
    if !o.success {
        return None;
    }
    let r = MockV3Aggregator::latestRoundDataCall::abi_decode_returns(&o.data).ok()?;
    if !r.answer.is_positive() {
        return None;
    }
    Some((
        r.answer.into_raw(),
        u64::try_from(r.updatedAt).unwrap_or(u64::MAX),
    ))
}

fn read(o: &[Outcome], feed_of: &[usize], feeds: &[Option<(U256, u64)>]) -> Option<Read> {
    fn ok(o: &Outcome) -> Option<&Bytes> {
        o.success.then_some(&o.data)
    }
    let balances = Balancer::balancesCall::abi_decode_returns(ok(&o[0])?).ok()?;
    let targets = Balancer::targetsCall::abi_decode_returns(ok(&o[1])?).ok()?;
    let p = Balancer::paramsCall::abi_decode_returns(ok(&o[2])?).ok()?;
    let s = Balancer::stateCall::abi_decode_returns(ok(&o[3])?).ok()?;
    let answers: Vec<Option<(U256, u64)>> = feed_of.iter().map(|&f| feeds[f]).collect();
    Some(Read {
        balances,
        targets,
        params: Params {
            rules: drift::Rules {
                drift_bps: p.driftBps,
                clear_bps: p.clearBps,
                stable_drift_bps: p.stableDriftBps,
                stable_clear_bps: p.stableClearBps,
                depeg_bps: p.depegBps,
                max_slippage_bps: p.maxSlippageBps,
                grid_levels: p.gridLevels,
                grid_spacing_bps: p.gridSpacingBps,
            },
            stable_cooldown: p.stableCooldown,
            global_cooldown: p.globalCooldown,
            order_ttl: p.orderTtl,
            paused: p.paused,
        },
        state: State {
            epoch: s.epoch,
            has_bundle: !s.digest.is_zero(),
            last_stable_at: s.lastStableAt,
            last_global_at: s.lastGlobalAt,
        },
        prices: answers.iter().map(|a| a.map(|(p, _)| p)).collect(),
        updated_at: answers.iter().map(|a| a.map_or(0, |(_, t)| t)).collect(),
    })
}

fn check_outcome(o: &Outcome) -> CheckOutcome {
    if !o.success {
        return CheckOutcome::Reverted(revert::decode(&o.data));
    }
    // A manager's check has the same return types.
    match UpkeepManager::checkUpkeepCall::abi_decode_returns(&o.data) {
        Ok(r) => CheckOutcome::Answered {
            needed: r.upkeepNeeded,
            perform_data: r.performData,
        },
        Err(e) => CheckOutcome::Reverted(Decoded {
            source: "unknown",
            name: "UndecodableAnswer".into(),
            args: e.to_string(),
            data: o.data.clone(),
        }),
    }
}

fn registry_outcome(o: &Outcome) -> Option<FailureReason> {
    if !o.success {
        return None;
    }
    AutomationRegistry2_3::checkUpkeepCall::abi_decode_returns(&o.data)
        .ok()
        .map(|r| FailureReason::from_u8(r.upkeepFailureReason))
}
