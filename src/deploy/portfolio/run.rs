//! Walking a portfolio against the manifest: managers deployed, balancers created through the
//! factory, wired to their managers, registered as upkeeps (then `setForwarder`) or wired to CRE
//! (`setKeystone`). Each step is recorded and the manifest saved as it lands; a recorded,
//! unchanged step is skipped.
//!
//! A real run first walks the whole plan without sending (every create simulated by the node),
//! so a step that would revert stops the run before its first transaction.

use std::{collections::BTreeMap, path::Path};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolConstructor},
};

use crate::{
    artifacts::{Artifact, ArtifactId},
    chain::{
        ChainError, Connection,
        ours::{Balancer, UpkeepManager},
        provider::code_hash,
    },
    deploy::{
        call_hash,
        manifest::{ActionRecord, ContractRecord, Manifest, Origin},
        portfolio::{
            PortfolioError,
            check::{Resolved, upkeeps},
            encode::{create_call, created_balancer, manager_config},
            report::{GAS_ADD_BALANCER, GAS_SET_KEYSTONE, GAS_SET_MANAGER, Line, Report, Status},
            spec::{Kind, ManagerSpec, PortfolioSpec},
        },
    },
};

const UPKEEP_MANAGER: ArtifactId = ArtifactId::new("UpkeepManager.sol", "UpkeepManager");

/// Deploys `spec` (already [`super::check::check`]ed into `resolved`); in a dry run only plans.
pub async fn run(
    conn: &Connection,
    out_dir: &Path,
    manifest_path: &Path,
    manifest: &mut Manifest,
    spec: &PortfolioSpec,
    resolved: &Resolved,
    dry_run: bool,
) -> Result<Report, PortfolioError> {
    let mut walk = Walk {
        conn,
        out_dir,
        path: manifest_path,
        spec,
        r: resolved,
        dry: true,
    };
    let planned = walk.walk(&mut manifest.clone()).await?;
    if dry_run {
        return Ok(planned);
    }
    walk.dry = false;
    walk.walk(manifest).await
}

pub(super) struct Walk<'a> {
    pub(super) conn: &'a Connection,
    out_dir: &'a Path,
    pub(super) path: &'a Path,
    pub(super) spec: &'a PortfolioSpec,
    pub(super) r: &'a Resolved,
    pub(super) dry: bool,
}

/// Per-walk state: resolved (or predicted) addresses and nonces.
pub(super) struct State {
    addresses: BTreeMap<String, Address>,
    nonce: u64,
    factory_nonce: u64,
    pub(super) report: Report,
}

impl Walk<'_> {
    async fn walk(&self, manifest: &mut Manifest) -> Result<Report, PortfolioError> {
        let factory_nonce = self
            .conn
            .provider
            .get_transaction_count(self.r.factory)
            .await
            .map_err(|e| rpc(format!("eth_getTransactionCount({})", self.r.factory), e))?;
        let mut st = State {
            addresses: BTreeMap::new(),
            nonce: self.conn.nonce().await?,
            factory_nonce,
            report: Report {
                lines: Vec::new(),
                gas_price: self.r.gas_price,
                value: U256::ZERO,
                upkeeps: Vec::new(),
            },
        };
        for (name, m) in &self.spec.managers {
            self.manager(name, m, manifest, &mut st).await?;
        }
        for name in self.spec.balancers.keys() {
            self.balancer(name, manifest, &mut st).await?;
        }
        for (name, b) in &self.spec.balancers {
            if let Some(m) = &b.manager {
                let (bk, mk) = (format!("balancer.{name}"), format!("manager.{m}"));
                let manager = addr(&st, &mk)?;
                let call = Balancer::setManagerCall {
                    newManager: manager,
                };
                let key = format!("{bk}.set_manager");
                self.action(
                    &key,
                    &bk,
                    call.abi_encode(),
                    GAS_SET_MANAGER,
                    manifest,
                    &mut st,
                )
                .await?;
                let call = UpkeepManager::addBalancerCall {
                    balancer: addr(&st, &bk)?,
                };
                let key = format!("{mk}.add_balancer.{name}");
                self.action(
                    &key,
                    &mk,
                    call.abi_encode(),
                    GAS_ADD_BALANCER,
                    manifest,
                    &mut st,
                )
                .await?;
            }
        }
        for (key, _) in upkeeps(self.spec) {
            self.upkeep(&key, manifest, &mut st).await?;
        }
        for (name, m) in &self.spec.managers {
            if let Some(k) = &m.keystone {
                let mk = format!("manager.{name}");
                let call = UpkeepManager::setKeystoneCall {
                    keystoneForwarder_: k.forwarder,
                    workflowOwner_: k.workflow_owner,
                };
                let key = format!("{mk}.set_keystone");
                self.action(
                    &key,
                    &mk,
                    call.abi_encode(),
                    GAS_SET_KEYSTONE,
                    manifest,
                    &mut st,
                )
                .await?;
            }
        }
        Ok(st.report)
    }

    async fn manager(
        &self,
        name: &str,
        m: &ManagerSpec,
        manifest: &mut Manifest,
        st: &mut State,
    ) -> Result<(), PortfolioError> {
        let key = format!("manager.{name}");
        let artifact = Artifact::load(self.out_dir, UPKEEP_MANAGER)?;
        let args = UpkeepManager::constructorCall {
            owner_: self.conn.from,
            config_: manager_config(m),
        }
        .abi_encode();
        let hash = artifact.init_code_hash(&args);
        if self.recorded(&key, hash, manifest, st).await? {
            return Ok(());
        }
        let init = artifact.init_code(&args);
        if self.dry {
            let gas = self
                .estimate(&key, TransactionRequest::default().with_deploy_code(init))
                .await?;
            let predicted = self.conn.from.create(st.nonce);
            st.nonce += 1;
            st.would(&key, predicted, gas, false);
            return Ok(());
        }
        let what = format!("deploying {key} (UpkeepManager)");
        let (receipt, address) = self.conn.deploy(&what, init).await?;
        let code = self.conn.code_at(address).await?;
        let record = record(artifact.id.to_string(), address, hash, &code, &receipt);
        self.save(&key, record, receipt.gas_used, manifest, st)
    }

    async fn balancer(
        &self,
        name: &str,
        manifest: &mut Manifest,
        st: &mut State,
    ) -> Result<(), PortfolioError> {
        let key = format!("balancer.{name}");
        let Some(b) = self.spec.balancers.get(name) else {
            return Ok(());
        };
        let (factory, from) = (self.r.factory, self.conn.from);
        let data = create_call(self.spec, b, &self.r.decimals, self.r.protocol, from).abi_encode();
        let hash = call_hash(factory, &data);
        if self.recorded(&key, hash, manifest, st).await? {
            return Ok(());
        }
        let tx = TransactionRequest::default()
            .with_to(factory)
            .with_input(data.clone());
        if self.dry {
            let gas = self.estimate(&key, tx).await?;
            let predicted = factory.create(st.factory_nonce);
            st.factory_nonce += 1;
            st.would(&key, predicted, gas, false);
            return Ok(());
        }
        let receipt = self
            .conn
            .call(&format!("creating {key}"), factory, data.into())
            .await?;
        let created =
            created_balancer(&receipt, factory).ok_or_else(|| PortfolioError::NoCreatedEvent {
                key: key.clone(),
                tx: receipt.transaction_hash,
                factory,
            })?;
        let code = self.conn.code_at(created).await?;
        let artifact = match b.kind {
            Kind::Drift => "DriftBalancer.sol:DriftBalancer",
            Kind::Time => "TimeBalancer.sol:TimeBalancer",
        };
        let record = record(artifact.into(), created, hash, &code, &receipt);
        self.save(&key, record, receipt.gas_used, manifest, st)
    }

    /// Whether `key` is recorded with `hash` and still has its code (then noted as unchanged);
    /// a different record is an error, never replaced.
    async fn recorded(
        &self,
        key: &str,
        hash: alloy::primitives::B256,
        manifest: &Manifest,
        st: &mut State,
    ) -> Result<bool, PortfolioError> {
        let Some(rec) = manifest.contracts.get(key) else {
            return Ok(false);
        };
        let code = self.conn.code_at(rec.address).await?;
        if rec.init_code_hash != Some(hash) || code.is_empty() || code_hash(&code) != rec.code_hash
        {
            return Err(PortfolioError::SpecChanged {
                key: key.into(),
                address: rec.address,
            });
        }
        st.addresses.insert(key.into(), rec.address);
        st.report.lines.push(Line {
            key: key.into(),
            status: Status::Unchanged,
            address: Some(rec.address),
            gas: None,
            assumed: false,
        });
        Ok(true)
    }

    pub(super) fn save(
        &self,
        key: &str,
        record: ContractRecord,
        gas: u64,
        manifest: &mut Manifest,
        st: &mut State,
    ) -> Result<(), PortfolioError> {
        let address = record.address;
        manifest.contracts.insert(key.into(), record);
        manifest.save(self.path)?;
        st.addresses.insert(key.into(), address);
        st.report.lines.push(Line {
            key: key.into(),
            status: Status::Done,
            address: Some(address),
            gas: Some(gas),
            assumed: false,
        });
        Ok(())
    }

    /// A configuration call to the contract at `target` (a manifest key), once.
    pub(super) async fn action(
        &self,
        key: &str,
        target: &str,
        data: Vec<u8>,
        assumed_gas: u64,
        manifest: &mut Manifest,
        st: &mut State,
    ) -> Result<(), PortfolioError> {
        let to = addr(st, target)?;
        let hash = call_hash(to, &data);
        if manifest
            .actions
            .get(key)
            .is_some_and(|a| a.target == to && a.call_hash == hash)
        {
            st.report.lines.push(Line {
                key: key.into(),
                status: Status::Unchanged,
                address: Some(to),
                gas: None,
                assumed: false,
            });
            return Ok(());
        }
        if self.dry {
            let exists = !self.conn.code_at(to).await?.is_empty();
            let gas = if exists {
                let tx = TransactionRequest::default().with_to(to).with_input(data);
                self.estimate(key, tx).await?
            } else {
                assumed_gas
            };
            st.would(key, to, gas, !exists);
            return Ok(());
        }
        let receipt = self.conn.call(key, to, Bytes::from(data)).await?;
        manifest.actions.insert(
            key.into(),
            ActionRecord {
                target: to,
                call_hash: hash,
                tx: receipt.transaction_hash,
                block: receipt.block_number,
            },
        );
        manifest.save(self.path)?;
        st.report.lines.push(Line {
            key: key.into(),
            status: Status::Done,
            address: Some(to),
            gas: Some(receipt.gas_used),
            assumed: false,
        });
        Ok(())
    }

    /// Registers the upkeep of target `key` (once), then points the target at its forwarder.
    pub(super) async fn estimate(
        &self,
        what: &str,
        tx: TransactionRequest,
    ) -> Result<u64, PortfolioError> {
        let tx = tx.with_from(self.conn.from);
        self.conn.provider.estimate_gas(tx).await.map_err(|e| {
            rpc(
                format!("simulating {what} (eth_estimateGas: it would revert)"),
                e,
            )
            .into()
        })
    }

    pub(super) async fn gas_used(
        &self,
        tx: alloy::primitives::TxHash,
    ) -> Result<u64, PortfolioError> {
        let r = self
            .conn
            .provider
            .get_transaction_receipt(tx)
            .await
            .map_err(|e| rpc(format!("receipt of {tx}"), e))?;
        Ok(r.map_or(0, |r| r.gas_used))
    }
}

impl State {
    pub(super) fn would(&mut self, key: &str, address: Address, gas: u64, assumed: bool) {
        self.addresses.entry(key.into()).or_insert(address);
        self.report.lines.push(Line {
            key: key.into(),
            status: Status::Would,
            address: Some(address),
            gas: Some(gas),
            assumed,
        });
    }
}

pub(super) fn addr(st: &State, key: &str) -> Result<Address, PortfolioError> {
    st.addresses.get(key).copied().ok_or_else(|| {
        ChainError::Rpc {
            what: format!("resolving {key}"),
            reason: "not created earlier in this run (a bug: report it)".into(),
        }
        .into()
    })
}

pub(super) fn rpc(what: String, e: impl std::fmt::Display) -> ChainError {
    let reason = e.to_string();
    let reason = reason.lines().next().unwrap_or_default().to_string();
    ChainError::Rpc { what, reason }
}

fn record(
    artifact: String,
    address: Address,
    hash: alloy::primitives::B256,
    code: &[u8],
    receipt: &alloy::rpc::types::TransactionReceipt,
) -> ContractRecord {
    ContractRecord {
        artifact,
        address,
        origin: Origin::Deployed,
        init_code_hash: Some(hash),
        code_hash: code_hash(code),
        code_size: code.len(),
        tx: Some(receipt.transaction_hash),
        block: receipt.block_number,
    }
}
