//! Resolving targets and contracts: explicit `[[targets]]`, `[[target_sets]]` read from their
//! manifests, and `[contracts]` completed from the deployment manifest.
//!
//! A targets manifest is read leniently (unknown fields ignored), camelCase:
//! `{ "chainId", "balancers": [{ "key", "address", "upkeep": { "id" } }], "fleet": { "manager",
//! "balancers", "upkeep" }, "fleets": [ … ] }` — the same lists under `"demo"` (as in the
//! manifest `onebalancer devnet` writes) count too. Each balancer is a target of kind balancer;
//! each fleet is one target of kind manager (its balancers are performed by the manager, so they
//! are not targets).

use std::{collections::BTreeMap, path::Path};

use alloy::primitives::{Address, U256};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{KeeperConfig, KeeperConfigError, Mode, values};
use crate::deploy::plan::MULTICALL3_CANONICAL;

/// What a target's code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A balancer (Drift or Time): its own upkeep.
    Balancer,
    /// An `UpkeepManager` serving a fleet of balancers under one upkeep.
    Manager,
}

/// One target, resolved: defaults applied, manifests read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    /// The contract the keeper checks and performs.
    pub address: Address,
    /// What it is, when known.
    pub kind: Option<TargetKind>,
    /// Its label (the manifest key, or the address).
    pub name: String,
    /// Fallback or primary.
    pub mode: Mode,
    /// Fallback grace, blocks.
    pub grace_blocks: u64,
    /// Its Automation upkeep id.
    pub upkeep_id: Option<U256>,
    /// Where it was listed: `targets[1]`, `target_sets[0] (.devnet/demo.json) balancers[2]`.
    pub origin: String,
}

/// `[contracts]`, completed from its manifest and the canonical Multicall3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedContracts {
    /// Multicall3.
    pub multicall3: Address,
    /// The Automation registry, if known.
    pub registry: Option<Address>,
    /// A CRE `KeystoneForwarder`, if any.
    pub keystone_forwarder: Option<Address>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TargetsManifest {
    #[serde(default)]
    chain_id: Option<u64>,
    #[serde(flatten)]
    top: Group,
    #[serde(default)]
    demo: Option<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    balancers: Vec<ManifestBalancer>,
    #[serde(default)]
    fleet: Option<ManifestFleet>,
    #[serde(default)]
    fleets: Vec<ManifestFleet>,
}

#[derive(Deserialize)]
struct ManifestBalancer {
    #[serde(default)]
    key: Option<String>,
    #[serde(deserialize_with = "values::de_address")]
    address: Address,
    #[serde(default)]
    upkeep: Option<ManifestUpkeep>,
}

#[derive(Deserialize)]
struct ManifestFleet {
    #[serde(deserialize_with = "values::de_address")]
    manager: Address,
    #[serde(default)]
    upkeep: Option<ManifestUpkeep>,
    /// Its members (named for reports; the keeper reads the live list from the manager).
    #[serde(default)]
    balancers: Vec<ManifestBalancer>,
}

#[derive(Deserialize)]
struct ManifestUpkeep {
    #[serde(default, with = "values::opt_upkeep_id")]
    id: Option<U256>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContractsManifest {
    #[serde(default)]
    chain_id: Option<u64>,
    #[serde(default)]
    contracts: BTreeMap<String, serde_json::Value>,
}

impl KeeperConfig {
    /// Every target, resolved: `[[targets]]` in order, then each `[[target_sets]]` manifest's
    /// balancers and fleets. Errors on an unreadable or foreign manifest, an address listed
    /// twice, or no target at all.
    pub fn targets(&self) -> Result<Vec<TargetSpec>, KeeperConfigError> {
        let mut out = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            out.push(TargetSpec {
                address: t.address,
                kind: t.kind,
                name: t
                    .name
                    .clone()
                    .unwrap_or_else(|| t.address.to_checksum(None)),
                mode: t.mode.unwrap_or(self.perform.mode),
                grace_blocks: t.grace_blocks.unwrap_or(self.perform.grace_blocks),
                upkeep_id: t.upkeep_id,
                origin: format!("targets[{i}]"),
            });
        }
        for (i, set) in self.target_sets.iter().enumerate() {
            let field = format!("target_sets[{i}].manifest");
            let manifest: TargetsManifest = self.read_manifest(&field, &set.manifest)?;
            self.check_chain(&field, &set.manifest, manifest.chain_id)?;
            let base = format!("target_sets[{i}] ({})", set.manifest.display());
            let mode = set.mode.unwrap_or(self.perform.mode);
            let grace_blocks = set.grace_blocks.unwrap_or(self.perform.grace_blocks);
            let spec =
                |address, kind, name: String, upkeep: &Option<ManifestUpkeep>, at: String| {
                    TargetSpec {
                        address,
                        kind: Some(kind),
                        name,
                        mode,
                        grace_blocks,
                        upkeep_id: upkeep.as_ref().and_then(|u| u.id),
                        origin: format!("{base} {at}"),
                    }
                };
            let groups = [("", Some(&manifest.top)), ("demo.", manifest.demo.as_ref())];
            for (prefix, group) in groups {
                let Some(g) = group else { continue };
                for (j, b) in g.balancers.iter().enumerate() {
                    let name = b.key.clone().unwrap_or_else(|| b.address.to_checksum(None));
                    let at = format!("{prefix}balancers[{j}]");
                    out.push(spec(b.address, TargetKind::Balancer, name, &b.upkeep, at));
                }
                if let Some(f) = &g.fleet {
                    let at = format!("{prefix}fleet");
                    out.push(spec(
                        f.manager,
                        TargetKind::Manager,
                        "fleet".into(),
                        &f.upkeep,
                        at,
                    ));
                }
                for (j, f) in g.fleets.iter().enumerate() {
                    let name = format!("fleets[{j}]");
                    let at = format!("{prefix}{name}");
                    out.push(spec(f.manager, TargetKind::Manager, name, &f.upkeep, at));
                }
            }
        }
        let mut seen: BTreeMap<Address, &str> = BTreeMap::new();
        for t in &out {
            if let Some(first) = seen.insert(t.address, &t.origin) {
                return Err(KeeperConfigError::DuplicateTarget {
                    file: self.file.clone(),
                    address: t.address,
                    first: first.to_string(),
                    second: t.origin.clone(),
                });
            }
        }
        // A keeper that runs a hub may have nothing else to keep.
        if out.is_empty() && self.hub.is_none() {
            return Err(KeeperConfigError::NoTargets {
                file: self.file.clone(),
            });
        }
        Ok(out)
    }

    /// A name for every target and every fleet member the target sets' manifests name (the
    /// manifest key, or `<fleet>.members[j]`): what reports call them.
    pub fn target_names(&self) -> Result<BTreeMap<Address, String>, KeeperConfigError> {
        let mut names: BTreeMap<Address, String> = self
            .targets()?
            .into_iter()
            .map(|t| (t.address, t.name))
            .collect();
        for (i, set) in self.target_sets.iter().enumerate() {
            let field = format!("target_sets[{i}].manifest");
            let manifest: TargetsManifest = self.read_manifest(&field, &set.manifest)?;
            let groups = [Some(&manifest.top), manifest.demo.as_ref()];
            for g in groups.into_iter().flatten() {
                let fleets = g.fleet.iter().map(|f| ("fleet".to_string(), f));
                let more = g
                    .fleets
                    .iter()
                    .enumerate()
                    .map(|(j, f)| (format!("fleets[{j}]"), f));
                for (fleet, f) in fleets.chain(more) {
                    for (j, b) in f.balancers.iter().enumerate() {
                        let name = b
                            .key
                            .clone()
                            .unwrap_or_else(|| format!("{fleet}.members[{j}]"));
                        names.entry(b.address).or_insert(name);
                    }
                }
            }
        }
        Ok(names)
    }

    /// `[contracts]` completed: `multicall3` and `registry` from the file, else from
    /// `contracts.manifest`'s `contracts.<key>.address`, else the canonical Multicall3 / none.
    pub fn contracts(&self) -> Result<ResolvedContracts, KeeperConfigError> {
        let c = &self.contracts;
        let mut from_manifest = BTreeMap::new();
        if let Some(rel) = &c.manifest {
            let field = "contracts.manifest";
            let manifest: ContractsManifest = self.read_manifest(field, rel)?;
            self.check_chain(field, rel, manifest.chain_id)?;
            for key in ["multicall3", "registry"] {
                let Some(entry) = manifest.contracts.get(key) else {
                    continue;
                };
                let address = entry
                    .get("address")
                    .map(|a| values::de_address(a).map_err(|e| e.to_string()));
                match address {
                    Some(Ok(a)) => {
                        from_manifest.insert(key, a);
                    }
                    Some(Err(e)) => {
                        return Err(self.manifest_invalid(
                            field,
                            rel,
                            format!("contracts.{key}.address = {e}"),
                        ));
                    }
                    None => {
                        let reason = format!("contracts.{key} has no address");
                        return Err(self.manifest_invalid(field, rel, reason));
                    }
                }
            }
        }
        Ok(ResolvedContracts {
            multicall3: c
                .multicall3
                .or_else(|| from_manifest.get("multicall3").copied())
                .unwrap_or(MULTICALL3_CANONICAL),
            registry: c
                .registry
                .or_else(|| from_manifest.get("registry").copied()),
            keystone_forwarder: c.keystone_forwarder,
        })
    }

    fn read_manifest<T: DeserializeOwned>(
        &self,
        field: &str,
        rel: &Path,
    ) -> Result<T, KeeperConfigError> {
        let path = self.resolve(rel);
        let text =
            std::fs::read_to_string(&path).map_err(|e| KeeperConfigError::ManifestUnreadable {
                file: self.file.clone(),
                field: field.to_string(),
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        serde_json::from_str(&text).map_err(|e| self.manifest_invalid(field, rel, e.to_string()))
    }

    fn manifest_invalid(&self, field: &str, rel: &Path, reason: String) -> KeeperConfigError {
        KeeperConfigError::ManifestInvalid {
            file: self.file.clone(),
            field: field.to_string(),
            path: self.resolve(rel).display().to_string(),
            reason,
        }
    }

    fn check_chain(
        &self,
        field: &str,
        rel: &Path,
        manifest_chain: Option<u64>,
    ) -> Result<(), KeeperConfigError> {
        match manifest_chain {
            Some(id) if id != self.chain.chain_id => Err(KeeperConfigError::ManifestChain {
                file: self.file.clone(),
                field: field.to_string(),
                path: self.resolve(rel).display().to_string(),
                manifest_chain: id,
                chain_id: self.chain.chain_id,
            }),
            _ => Ok(()),
        }
    }
}
