//! `onebalancer fleet status`: what the manifest records for a portfolio against the chain —
//! each balancer and manager (recorded address, code there, owner, and with a spec whether its
//! assets and targets are the spec's) and each upkeep (balance, minimum balance, paused,
//! cancelled). Reads only.

use alloy::primitives::{Address, U256};

use crate::{
    chain::{
        ChainError, Connection,
        bindings::AutomationRegistry2_3,
        ours::{Balancer, UpkeepManager},
    },
    deploy::{manifest::Manifest, portfolio::spec::PortfolioSpec},
};

/// One balancer or manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractStatus {
    /// Manifest key (`balancer.<name>`, `manager.<name>`).
    pub key: String,
    /// Recorded address.
    pub address: Address,
    /// Whether code is there.
    pub has_code: bool,
    /// Its `owner()` (none when it does not answer).
    pub owner: Option<Address>,
    /// Balancers with a spec: `Ok` when assets and targets are the spec's, else what differs.
    pub matches: Option<Result<(), String>>,
}

/// One upkeep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpkeepStatus {
    /// Key of its target.
    pub key: String,
    /// Its id.
    pub id: U256,
    /// Balance in its billing token.
    pub balance: U256,
    /// The registry's minimum balance for it.
    pub min_balance: U256,
    /// Paused by its admin.
    pub paused: bool,
    /// Cancelled (`maxValidBlocknumber` set).
    pub cancelled: bool,
    /// Its target on the registry is the recorded one.
    pub target_matches: bool,
}

/// The fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetStatus {
    /// Balancers and managers, in key order.
    pub contracts: Vec<ContractStatus>,
    /// Upkeeps, in key order.
    pub upkeeps: Vec<UpkeepStatus>,
    /// Spec entries the manifest does not record yet.
    pub missing: Vec<String>,
}

impl FleetStatus {
    /// Whether everything recorded is live and as specified.
    pub fn healthy(&self) -> bool {
        self.problems().is_empty()
    }

    /// What needs attention, one short phrase each (empty when healthy).
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .missing
            .iter()
            .map(|m| format!("{m} not deployed"))
            .collect();
        for c in &self.contracts {
            if !c.has_code {
                out.push(format!("{} has no code", c.key));
            }
            if let Some(Err(why)) = &c.matches {
                out.push(format!("{} differs from the spec ({why})", c.key));
            }
        }
        for u in &self.upkeeps {
            let mut say = |what: &str| out.push(format!("upkeep of {} {what}", u.key));
            if u.cancelled {
                say("is cancelled");
            }
            if u.paused {
                say("is paused");
            }
            if !u.target_matches {
                say("performs another target");
            }
            if u.balance < u.min_balance {
                say("is below its minimum balance");
            }
        }
        out
    }
}

/// Reads the status of every portfolio entry of `manifest` (compared with `spec` when given).
pub async fn fleet_status(
    conn: &Connection,
    manifest: &Manifest,
    spec: Option<&PortfolioSpec>,
) -> Result<FleetStatus, ChainError> {
    let mut contracts = Vec::new();
    for (key, rec) in &manifest.contracts {
        let balancer = key.strip_prefix("balancer.");
        if balancer.is_none() && !key.starts_with("manager.") {
            continue;
        }
        let has_code = !conn.code_at(rec.address).await?.is_empty();
        let owner = if !has_code {
            None
        } else if balancer.is_some() {
            Balancer::new(rec.address, &conn.provider)
                .owner()
                .call()
                .await
                .ok()
        } else {
            UpkeepManager::new(rec.address, &conn.provider)
                .owner()
                .call()
                .await
                .ok()
        };
        let matches = match (balancer, key.strip_prefix("manager."), spec, has_code) {
            (Some(name), _, Some(spec), true) => {
                Some(compare(conn, manifest, rec.address, name, spec).await)
            }
            (_, Some(name), Some(spec), true) => {
                Some(compare_manager(conn, manifest, rec.address, name, spec).await)
            }
            _ => None,
        };
        contracts.push(ContractStatus {
            key: key.clone(),
            address: rec.address,
            has_code,
            owner,
            matches,
        });
    }
    let mut upkeeps = Vec::new();
    for (key, rec) in &manifest.upkeeps {
        let r = AutomationRegistry2_3::new(rec.registry, &conn.provider);
        let info = r
            .getUpkeep(rec.id)
            .call()
            .await
            .map_err(|e| read(format!("registry.getUpkeep({})", rec.id), e))?;
        let min = r
            .getMinBalance(rec.id)
            .call()
            .await
            .map_err(|e| read(format!("registry.getMinBalance({})", rec.id), e))?;
        upkeeps.push(UpkeepStatus {
            key: key.clone(),
            id: rec.id,
            balance: U256::from(info.balance),
            min_balance: U256::from(min),
            paused: info.paused,
            cancelled: info.maxValidBlocknumber != u64::from(u32::MAX),
            target_matches: info.target == rec.target,
        });
    }
    let missing = spec.map_or_else(Vec::new, |s| {
        let contracts = s.balancers.keys().map(|n| format!("balancer.{n}"));
        let managers = s.managers.keys().map(|n| format!("manager.{n}"));
        let ups = super::check::upkeeps(s).into_iter().map(|(k, _)| k);
        contracts
            .chain(managers)
            .filter(|k| !manifest.contracts.contains_key(k))
            .chain(
                ups.filter(|k| !manifest.upkeeps.contains_key(k))
                    .map(|k| format!("{k}.upkeep")),
            )
            .collect()
    });
    Ok(FleetStatus {
        contracts,
        upkeeps,
        missing,
    })
}

/// Whether the balancer's assets (token, feed, heartbeat, deviation, stable) and targets are the
/// spec's; else what differs.
async fn compare(
    conn: &Connection,
    manifest: &Manifest,
    at: Address,
    name: &str,
    spec: &PortfolioSpec,
) -> Result<(), String> {
    let Some(b) = spec.balancers.get(name) else {
        return Err("not in the spec".into());
    };
    let c = Balancer::new(at, &conn.provider);
    let manager = c
        .manager()
        .call()
        .await
        .map_err(|e| format!("manager() failed: {e}"))?;
    let want = b
        .manager
        .as_ref()
        .and_then(|m| manifest.address(&format!("manager.{m}")))
        .unwrap_or_default();
    if manager != want {
        return Err(format!("manager {manager}, spec {want}"));
    }
    if let Some(up) = manifest.upkeeps.get(&format!("balancer.{name}")) {
        let f = c
            .forwarder()
            .call()
            .await
            .map_err(|e| format!("forwarder() failed: {e}"))?;
        if f != up.forwarder {
            return Err(format!("forwarder {f}, its upkeep's is {}", up.forwarder));
        }
    }
    let assets = c
        .assets()
        .call()
        .await
        .map_err(|e| format!("assets() failed: {e}"))?;
    let targets = c
        .targets()
        .call()
        .await
        .map_err(|e| format!("targets() failed: {e}"))?;
    if targets != b.targets_bps {
        return Err(format!("targets {targets:?}, spec {:?}", b.targets_bps));
    }
    if assets.len() != b.assets.len() {
        return Err(format!("{} assets, spec {}", assets.len(), b.assets.len()));
    }
    for (onchain, name) in assets.iter().zip(&b.assets) {
        let Some(a) = spec.assets.get(name) else {
            return Err(format!("asset {name} not in the spec"));
        };
        let same = onchain.token == a.token
            && onchain.feed == a.feed
            && onchain.heartbeat == a.heartbeat_secs
            && onchain.deviationBps == a.deviation_bps
            && onchain.stable == a.stable;
        if !same {
            return Err(format!(
                "asset {name} differs from the spec (token {}, feed {})",
                onchain.token, onchain.feed
            ));
        }
    }
    Ok(())
}

/// Whether the manager serves the spec's balancers and is wired as the spec says (its upkeep's
/// forwarder, or the CRE keystone).
async fn compare_manager(
    conn: &Connection,
    manifest: &Manifest,
    at: Address,
    name: &str,
    spec: &PortfolioSpec,
) -> Result<(), String> {
    let Some(m) = spec.managers.get(name) else {
        return Err("not in the spec".into());
    };
    let c = UpkeepManager::new(at, &conn.provider);
    let fail = |what: &str, e: alloy::contract::Error| format!("{what} failed: {e}");
    let size = c
        .fleetSize()
        .call()
        .await
        .map_err(|e| fail("fleetSize()", e))?;
    let members = spec
        .balancers
        .values()
        .filter(|b| b.manager.as_deref() == Some(name))
        .count();
    if size != U256::from(members) {
        return Err(format!("{size} balancers, spec {members}"));
    }
    if let Some(k) = &m.keystone {
        let f = c
            .keystoneForwarder()
            .call()
            .await
            .map_err(|e| fail("keystoneForwarder()", e))?;
        let o = c
            .workflowOwner()
            .call()
            .await
            .map_err(|e| fail("workflowOwner()", e))?;
        if (f, o) != (k.forwarder, k.workflow_owner) {
            return Err(format!(
                "keystone {f} / workflow owner {o}, spec {} / {}",
                k.forwarder, k.workflow_owner
            ));
        }
    }
    if let Some(up) = manifest.upkeeps.get(&format!("manager.{name}")) {
        let f = c
            .forwarder()
            .call()
            .await
            .map_err(|e| fail("forwarder()", e))?;
        if f != up.forwarder {
            return Err(format!("forwarder {f}, its upkeep's is {}", up.forwarder));
        }
    }
    Ok(())
}

fn read(what: String, e: impl std::fmt::Display) -> ChainError {
    let reason = e.to_string();
    ChainError::Rpc {
        what,
        reason: reason.lines().next().unwrap_or_default().to_string(),
    }
}
