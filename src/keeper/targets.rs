//! The targets as the chain has them: what each configured address is (a balancer or an upkeep
//! manager, with its members), read once at start through Multicall3.
//!
//! A balancer is recognised by its `assets()` (1–16 assets with their feeds and decimals), a
//! manager by `fleetSize()` and its members. Anything else — no code, or code of another
//! contract — is an error naming the config entry, the address and the fix, as is a kind that
//! contradicts the one configured.

use alloy::{
    primitives::{Address, Bytes},
    providers::Provider,
    sol_types::SolCall,
};

use crate::{
    chain::{
        multicall::{Call, Multicall, MulticallError, Outcome},
        ours::{Balancer, UpkeepManager},
    },
    keeper::config::{TargetKind, TargetSpec},
    model::drift,
};

/// Gas a small view uses, for packing batches.
const VIEW_GAS: u64 = 30_000;

/// One asset of a portfolio, as fixed at the balancer's creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetInfo {
    /// The ERC-20.
    pub token: Address,
    /// Its USD feed.
    pub feed: Address,
    /// Token decimals.
    pub token_decimals: u8,
    /// Feed decimals.
    pub feed_decimals: u8,
    /// Seconds after which the feed's answer is stale.
    pub heartbeat: u32,
    /// Part of the stable slice.
    pub stable: bool,
}

impl AssetInfo {
    /// The asset as the drift model reads it.
    pub fn model(&self) -> drift::Asset {
        drift::Asset {
            token: self.token,
            token_decimals: self.token_decimals,
            feed_decimals: self.feed_decimals,
            stable: self.stable,
        }
    }
}

/// A balancer's fixed facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portfolio {
    /// The balancer.
    pub address: Address,
    /// Its assets, in order.
    pub assets: Vec<AssetInfo>,
    /// TimeBalancer: seconds between calendar rebalances (0: a DriftBalancer).
    pub interval: u32,
    /// TimeBalancer: the calendar's dust floor.
    pub dust_floor_bps: u16,
}

/// What a target is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A balancer with its own upkeep.
    Balancer(Portfolio),
    /// An upkeep manager and the balancers it performs.
    Manager {
        /// Its members, in fleet order.
        members: Vec<Portfolio>,
        /// `performGasReserve`: a round starts no member below this much gas left, so a perform
        /// needs its round's gas plus this.
        reserve: u64,
    },
}

/// A target the keeper serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// As configured.
    pub spec: TargetSpec,
    /// As found on chain.
    pub body: Body,
    /// Whether the keeper's address may perform it (`isFallbackKeeper`).
    pub keeper_allowed: bool,
    /// Its Automation forwarder.
    pub forwarder: Address,
}

impl Target {
    /// Its kind.
    pub fn kind(&self) -> TargetKind {
        match self.body {
            Body::Balancer(_) => TargetKind::Balancer,
            Body::Manager { .. } => TargetKind::Manager,
        }
    }

    /// The address.
    pub fn address(&self) -> Address {
        self.spec.address
    }

    /// Its portfolios: the balancer's own, or every member's.
    pub fn portfolios(&self) -> &[Portfolio] {
        match &self.body {
            Body::Balancer(p) => std::slice::from_ref(p),
            Body::Manager { members, .. } => members,
        }
    }

    /// Gas a perform must have beyond what it uses: a manager's `performGasReserve`.
    pub fn gas_reserve(&self) -> u64 {
        match &self.body {
            Body::Balancer(_) => 0,
            Body::Manager { reserve, .. } => *reserve,
        }
    }
}

/// Why a target cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Reading failed.
    #[error(transparent)]
    Read(#[from] MulticallError),
    /// Nothing is deployed at the address.
    #[error(
        "{origin}: {address} has no code on this chain — check the address and that [chain] rpc_url points at the chain it is deployed on"
    )]
    NoCode {
        /// Where it was configured.
        origin: String,
        /// The address.
        address: Address,
    },
    /// Code that is neither a balancer nor an upkeep manager.
    #[error(
        "{origin}: {address} is neither a balancer nor an upkeep manager (it answers neither assets() nor fleetSize()) — list only onebalancer balancers and UpkeepManagers"
    )]
    NotATarget {
        /// Where it was configured.
        origin: String,
        /// The address.
        address: Address,
    },
    /// The configured kind is wrong.
    #[error(
        "{origin}: {address} is {found}, not {expected} — set kind = \"{found_kind}\" or remove kind"
    )]
    WrongKind {
        /// Where it was configured.
        origin: String,
        /// The address.
        address: Address,
        /// Configured.
        expected: &'static str,
        /// Found.
        found: &'static str,
        /// The kind to configure.
        found_kind: &'static str,
    },
    /// A read of the code failed.
    #[error("eth_getCode({address}) failed: {reason} — check the RPC endpoint")]
    Code {
        /// The address.
        address: Address,
        /// The node's answer.
        reason: String,
    },
}

fn call<C: SolCall>(target: Address, c: &C) -> Call {
    Call {
        target,
        data: Bytes::from(c.abi_encode()),
        gas: VIEW_GAS,
    }
}

fn decode<C: SolCall>(o: &Outcome) -> Option<C::Return> {
    if !o.success {
        return None;
    }
    C::abi_decode_returns(&o.data).ok()
}

/// Reads what each of `specs` is at `block`, and whether `keeper` may perform it.
pub async fn sync(
    multicall: &Multicall,
    specs: Vec<TargetSpec>,
    keeper: Address,
    block: u64,
) -> Result<Vec<Target>, TargetError> {
    const PER: usize = 7;
    let mut calls = Vec::with_capacity(specs.len() * PER);
    for s in &specs {
        let a = s.address;
        calls.push(call(a, &Balancer::assetsCall {}));
        calls.push(call(a, &UpkeepManager::fleetSizeCall {}));
        calls.push(call(a, &Balancer::isFallbackKeeperCall { keeper }));
        calls.push(call(a, &Balancer::forwarderCall {}));
        calls.push(call(a, &Balancer::intervalCall {}));
        calls.push(call(a, &Balancer::dustFloorBpsCall {}));
        calls.push(call(a, &UpkeepManager::configCall {}));
    }
    let (out, _) = multicall.run(&calls, block).await?;
    let mut partial = Vec::with_capacity(specs.len());
    let mut member_calls = Vec::new();
    for (s, o) in specs.into_iter().zip(out.chunks(PER)) {
        let assets = decode::<Balancer::assetsCall>(&o[0]).filter(|a| !a.is_empty());
        let fleet = decode::<UpkeepManager::fleetSizeCall>(&o[1]);
        let allowed = decode::<Balancer::isFallbackKeeperCall>(&o[2]).unwrap_or(false);
        let forwarder = decode::<Balancer::forwarderCall>(&o[3]).unwrap_or(Address::ZERO);
        let found = match (assets, fleet) {
            (Some(assets), _) => Found::Balancer(Portfolio {
                address: s.address,
                assets: assets.iter().map(asset_info).collect(),
                interval: decode::<Balancer::intervalCall>(&o[4]).unwrap_or(0),
                dust_floor_bps: decode::<Balancer::dustFloorBpsCall>(&o[5]).unwrap_or(0),
            }),
            (None, Some(size)) => {
                let n = usize::try_from(size).unwrap_or(0).min(255);
                let first = member_calls.len();
                for i in 0..n {
                    member_calls.push(call(
                        s.address,
                        &UpkeepManager::memberCall {
                            index: alloy::primitives::U256::from(i),
                        },
                    ));
                }
                let reserve = decode::<UpkeepManager::configCall>(&o[6])
                    .map_or(0, |c| u64::from(c.performGasReserve));
                Found::Manager(first..first + n, reserve)
            }
            (None, None) => Found::Nothing,
        };
        if let Some(expected) = s.kind {
            let got = match found {
                Found::Balancer(_) => Some(TargetKind::Balancer),
                Found::Manager(..) => Some(TargetKind::Manager),
                Found::Nothing => None,
            };
            if let Some(got) = got
                && got != expected
            {
                return Err(TargetError::WrongKind {
                    origin: s.origin.clone(),
                    address: s.address,
                    expected: describe(expected),
                    found: describe(got),
                    found_kind: kind_name(got),
                });
            }
        }
        partial.push((s, found, allowed, forwarder));
    }
    // Members of every manager: their addresses, then their portfolios.
    let members: Vec<Address> = if member_calls.is_empty() {
        Vec::new()
    } else {
        let (out, _) = multicall.run(&member_calls, block).await?;
        out.iter()
            .map(|o| decode::<UpkeepManager::memberCall>(o).map_or(Address::ZERO, |m| m.balancer))
            .collect()
    };
    let portfolios = read_portfolios(multicall, &members, block).await?;
    let mut targets = Vec::with_capacity(partial.len());
    for (spec, found, keeper_allowed, forwarder) in partial {
        let body = match found {
            Found::Balancer(p) => Body::Balancer(p),
            Found::Manager(range, reserve) => Body::Manager {
                members: portfolios[range].to_vec(),
                reserve,
            },
            Found::Nothing => {
                let code = multicall
                    .provider()
                    .get_code_at(spec.address)
                    .block_id(block.into())
                    .await
                    .map_err(|e| TargetError::Code {
                        address: spec.address,
                        reason: e.to_string(),
                    })?;
                return Err(if code.is_empty() {
                    TargetError::NoCode {
                        origin: spec.origin,
                        address: spec.address,
                    }
                } else {
                    TargetError::NotATarget {
                        origin: spec.origin,
                        address: spec.address,
                    }
                });
            }
        };
        targets.push(Target {
            spec,
            body,
            keeper_allowed,
            forwarder,
        });
    }
    Ok(targets)
}

/// The portfolios of `balancers` (a member that is not a balancer has no assets).
async fn read_portfolios(
    multicall: &Multicall,
    balancers: &[Address],
    block: u64,
) -> Result<Vec<Portfolio>, TargetError> {
    if balancers.is_empty() {
        return Ok(Vec::new());
    }
    let mut calls = Vec::with_capacity(balancers.len() * 3);
    for &b in balancers {
        calls.push(call(b, &Balancer::assetsCall {}));
        calls.push(call(b, &Balancer::intervalCall {}));
        calls.push(call(b, &Balancer::dustFloorBpsCall {}));
    }
    let (out, _) = multicall.run(&calls, block).await?;
    Ok(balancers
        .iter()
        .zip(out.chunks(3))
        .map(|(&address, o)| Portfolio {
            address,
            assets: decode::<Balancer::assetsCall>(&o[0])
                .unwrap_or_default()
                .iter()
                .map(asset_info)
                .collect(),
            interval: decode::<Balancer::intervalCall>(&o[1]).unwrap_or(0),
            dust_floor_bps: decode::<Balancer::dustFloorBpsCall>(&o[2]).unwrap_or(0),
        })
        .collect())
}

/// An asset as the balancer's `assets()` returns it.
fn asset_info(a: &crate::chain::ours::balancer::IBalancer::Asset) -> AssetInfo {
    AssetInfo {
        token: a.token,
        feed: a.feed,
        token_decimals: a.tokenDecimals,
        feed_decimals: a.feedDecimals,
        heartbeat: a.heartbeat,
        stable: a.stable,
    }
}

enum Found {
    Balancer(Portfolio),
    Manager(std::ops::Range<usize>, u64),
    Nothing,
}

fn describe(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Balancer => "a balancer",
        TargetKind::Manager => "an upkeep manager",
    }
}

fn kind_name(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Balancer => "balancer",
        TargetKind::Manager => "manager",
    }
}
