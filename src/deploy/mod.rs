//! The deployer shared by `script/deploy.rs` and `onebalancer devnet`.
//!
//! [`Deployer::run`] walks a [`plan::Plan`] against a [`manifest::Manifest`]:
//! - a contract named in the config's `[existing]` table, or found at its canonical address, is
//!   checked to have code and recorded, never deployed;
//! - a contract the manifest already records with the same init-code hash, whose on-chain code
//!   still has the recorded hash, is skipped;
//! - anything else is deployed, its runtime code checked against the artifact (immutables
//!   masked), and recorded — the manifest is saved after every step, so an interrupted run
//!   resumes where it stopped;
//! - a configuration call runs unless the manifest records the same call to the same, unchanged
//!   contract.
//!
//! A dry run reads the chain but sends nothing; it predicts each new address from the deployer's
//! nonce, so it shows exactly what a real run would do.

pub mod config;
pub mod manifest;
pub mod plan;
pub mod portfolio;

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    path::{Path, PathBuf},
};

use alloy::primitives::{Address, B256, keccak256};

use crate::{
    artifacts::{Artifact, ArtifactError},
    chain::{ChainError, Connection, provider::code_hash},
    deploy::{
        config::{ConfigError, DeployConfig},
        manifest::{ActionRecord, ContractRecord, Manifest, ManifestError, Origin},
        plan::{CallStep, Context, ContractStep, Plan, PlanError, Step},
    },
};

/// Everything that can stop a deployment.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// Chain I/O.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Bytecode.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// Manifest file.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Plan.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// `[existing]` names an address without code.
    #[error(
        "existing.{key} = {address} has no code on chain {chain_id} — give the right address for this chain or remove the entry to deploy it"
    )]
    ExistingWithoutCode {
        /// Key.
        key: String,
        /// Address.
        address: Address,
        /// Chain.
        chain_id: u64,
    },
    /// `[existing]` names something the plan does not deploy.
    #[error("existing.{key} is not a contract this deployer knows — use one of: {known}")]
    UnknownExisting {
        /// Key.
        key: String,
        /// The plan's contract keys.
        known: String,
    },
    /// What was deployed is not what was compiled.
    #[error(
        "{key} at {address}: on-chain code does not match artifact {artifact} — the node or the artifact is not what it should be; rebuild with `forge build` and re-run"
    )]
    CodeMismatch {
        /// Key.
        key: String,
        /// Address.
        address: Address,
        /// Artifact id.
        artifact: String,
    },
}

/// What happened (or would happen) to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Deployed now.
    Deployed,
    /// Deployed now, replacing the recorded one, for this reason.
    Redeployed(String),
    /// Already deployed and unchanged.
    Unchanged,
    /// Taken from `[existing]`.
    Existing,
    /// Found at its canonical address.
    Canonical,
    /// Configuration call sent now.
    Called,
    /// Configuration call already applied.
    AlreadyApplied,
    /// Call skipped: the target is not ours to configure.
    SkippedExternal,
    /// Dry run: would deploy (reason).
    WouldDeploy(String),
    /// Dry run: would send the call.
    WouldCall,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Deployed => write!(f, "deployed"),
            Status::Redeployed(why) => write!(f, "redeployed ({why})"),
            Status::Unchanged => write!(f, "unchanged"),
            Status::Existing => write!(f, "existing"),
            Status::Canonical => write!(f, "canonical"),
            Status::Called => write!(f, "applied"),
            Status::AlreadyApplied => write!(f, "already applied"),
            Status::SkippedExternal => write!(f, "skipped (external target)"),
            Status::WouldDeploy(why) => write!(f, "would deploy ({why})"),
            Status::WouldCall => write!(f, "would apply"),
        }
    }
}

/// One line of the deployment report.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Step key.
    pub key: &'static str,
    /// Result.
    pub status: Status,
    /// The contract's (or call target's) address; predicted in a dry run.
    pub address: Option<Address>,
}

/// Runs plans against one chain.
#[derive(Debug)]
pub struct Deployer<'a> {
    conn: &'a Connection,
    out_dir: PathBuf,
    manifest_path: PathBuf,
    dry_run: bool,
}

impl<'a> Deployer<'a> {
    /// A deployer over `conn`, reading artifacts from `out_dir` and saving to `manifest_path`.
    pub fn new(conn: &'a Connection, out_dir: &Path, manifest_path: &Path, dry_run: bool) -> Self {
        Self {
            conn,
            out_dir: out_dir.to_path_buf(),
            manifest_path: manifest_path.to_path_buf(),
            dry_run,
        }
    }

    /// Executes `plan`, updating and saving `manifest` after every step (not in a dry run).
    pub async fn run(
        &self,
        plan: &Plan,
        config: &DeployConfig,
        manifest: &mut Manifest,
    ) -> Result<Vec<Outcome>, DeployError> {
        config.validate()?;
        self.preflight(plan, config).await?;
        let mut run = Run {
            addresses: manifest
                .contracts
                .iter()
                .map(|(k, c)| (k.clone(), c.address))
                .collect(),
            changed: BTreeSet::new(),
            external: BTreeSet::new(),
            next_nonce: self.conn.nonce().await?,
        };
        if !self.dry_run {
            manifest.deployer = Some(self.conn.from);
        }
        let mut outcomes = Vec::with_capacity(plan.steps.len());
        for step in &plan.steps {
            let outcome = match step {
                Step::Contract(c) => self.contract(c, config, manifest, &mut run).await?,
                Step::Call(c) => self.call(c, config, manifest, &mut run).await?,
            };
            tracing::debug!(step = outcome.key, status = %outcome.status, address = ?outcome.address, "deploy step");
            outcomes.push(outcome);
            if !self.dry_run {
                manifest.save(&self.manifest_path)?;
            }
        }
        Ok(outcomes)
    }

    /// Checks every `[existing]` entry names a contract of the plan that has code, before any
    /// transaction is sent.
    async fn preflight(&self, plan: &Plan, config: &DeployConfig) -> Result<(), DeployError> {
        let known: Vec<&'static str> = plan
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Contract(_)))
            .map(Step::key)
            .collect();
        for (key, &address) in &config.existing {
            if !known.contains(&key.as_str()) {
                return Err(DeployError::UnknownExisting {
                    key: key.clone(),
                    known: known.join(", "),
                });
            }
            if self.conn.code_at(address).await?.is_empty() {
                return Err(DeployError::ExistingWithoutCode {
                    key: key.clone(),
                    address,
                    chain_id: self.conn.chain_id,
                });
            }
        }
        Ok(())
    }

    async fn contract(
        &self,
        step: &ContractStep,
        config: &DeployConfig,
        manifest: &mut Manifest,
        run: &mut Run,
    ) -> Result<Outcome, DeployError> {
        let key = step.key;
        let outcome = |status, address| Outcome {
            key,
            status,
            address: Some(address),
        };

        if let Some(&address) = config.existing.get(key) {
            let code = self.conn.code_at(address).await?;
            if code.is_empty() {
                return Err(DeployError::ExistingWithoutCode {
                    key: key.to_string(),
                    address,
                    chain_id: self.conn.chain_id,
                });
            }
            run.external.insert(key);
            run.record(
                manifest,
                key,
                external_record(step, address, Origin::Existing, &code),
            );
            return Ok(outcome(Status::Existing, address));
        }
        if let Some(address) = step.canonical {
            let code = self.conn.code_at(address).await?;
            if !code.is_empty() {
                run.external.insert(key);
                run.record(
                    manifest,
                    key,
                    external_record(step, address, Origin::Canonical, &code),
                );
                return Ok(outcome(Status::Canonical, address));
            }
        }

        let artifact = Artifact::load(&self.out_dir, step.artifact)?;
        let args = (step.args)(&run.context(self.conn.from, config))?;
        let init_hash = artifact.init_code_hash(&args);
        let reason = match manifest.contracts.get(key) {
            None => None,
            Some(rec) if rec.origin != Origin::Deployed => Some("was external".to_string()),
            Some(rec) if rec.init_code_hash != Some(init_hash) => {
                Some("bytecode or constructor arguments changed".to_string())
            }
            Some(rec) => {
                let code = self.conn.code_at(rec.address).await?;
                if code.is_empty() {
                    Some(format!("no code at {}", rec.address))
                } else if code_hash(&code) != rec.code_hash {
                    Some(format!("code at {} changed", rec.address))
                } else {
                    return Ok(outcome(Status::Unchanged, rec.address));
                }
            }
        };

        if self.dry_run {
            let predicted = self.conn.from.create(run.next_nonce);
            run.next_nonce += 1;
            run.changed.insert(key);
            run.addresses.insert(key.to_string(), predicted);
            let why = reason.unwrap_or_else(|| "not deployed yet".into());
            return Ok(outcome(Status::WouldDeploy(why), predicted));
        }

        let what = format!("deploying {key} ({})", step.artifact);
        let (receipt, address) = self.conn.deploy(&what, artifact.init_code(&args)).await?;
        let code = self.conn.code_at(address).await?;
        if !artifact.runtime_matches(&code) {
            return Err(DeployError::CodeMismatch {
                key: key.to_string(),
                address,
                artifact: step.artifact.to_string(),
            });
        }
        run.changed.insert(key);
        run.record(
            manifest,
            key,
            ContractRecord {
                artifact: step.artifact.to_string(),
                address,
                origin: Origin::Deployed,
                init_code_hash: Some(init_hash),
                code_hash: code_hash(&code),
                code_size: code.len(),
                tx: Some(receipt.transaction_hash),
                block: receipt.block_number,
            },
        );
        let status = match reason {
            None => Status::Deployed,
            Some(why) => Status::Redeployed(why),
        };
        Ok(outcome(status, address))
    }

    async fn call(
        &self,
        step: &CallStep,
        config: &DeployConfig,
        manifest: &mut Manifest,
        run: &mut Run,
    ) -> Result<Outcome, DeployError> {
        let key = step.key;
        let target = run.context(self.conn.from, config).addr(step.target)?;
        let outcome = |status| Outcome {
            key,
            status,
            address: Some(target),
        };
        if run.external.contains(step.target) {
            return Ok(outcome(Status::SkippedExternal));
        }
        let data = (step.calldata)(&run.context(self.conn.from, config))?;
        let call_hash = call_hash(target, &data);
        let unchanged_target = !run.changed.contains(step.target);
        if unchanged_target
            && manifest
                .actions
                .get(key)
                .is_some_and(|a| a.target == target && a.call_hash == call_hash)
        {
            return Ok(outcome(Status::AlreadyApplied));
        }
        if self.dry_run {
            run.next_nonce += 1;
            return Ok(outcome(Status::WouldCall));
        }
        let receipt = self.conn.call(key, target, data).await?;
        manifest.actions.insert(
            key.to_string(),
            ActionRecord {
                target,
                call_hash,
                tx: receipt.transaction_hash,
                block: receipt.block_number,
            },
        );
        Ok(outcome(Status::Called))
    }
}

/// Per-run state.
struct Run {
    addresses: BTreeMap<String, Address>,
    /// Contracts (re)deployed in this run: calls to them must be (re)applied.
    changed: BTreeSet<&'static str>,
    /// Contracts that are not ours to configure.
    external: BTreeSet<&'static str>,
    /// For dry-run address prediction.
    next_nonce: u64,
}

impl Run {
    fn context<'c>(&'c self, deployer: Address, config: &'c DeployConfig) -> Context<'c> {
        Context {
            addresses: &self.addresses,
            deployer,
            config,
        }
    }

    fn record(&mut self, manifest: &mut Manifest, key: &'static str, record: ContractRecord) {
        self.addresses.insert(key.to_string(), record.address);
        manifest.contracts.insert(key.to_string(), record);
    }
}

fn external_record(
    step: &ContractStep,
    address: Address,
    origin: Origin,
    code: &[u8],
) -> ContractRecord {
    ContractRecord {
        artifact: step.artifact.to_string(),
        address,
        origin,
        init_code_hash: None,
        code_hash: code_hash(code),
        code_size: code.len(),
        tx: None,
        block: None,
    }
}

/// keccak256(target ‖ calldata).
pub fn call_hash(target: Address, data: &[u8]) -> B256 {
    let mut buf = Vec::with_capacity(20 + data.len());
    buf.extend_from_slice(target.as_slice());
    buf.extend_from_slice(data);
    keccak256(buf)
}
