//! The upkeep step of a portfolio run: register (once, recorded in the manifest's `upkeeps`),
//! then point the target at the upkeep's forwarder.

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};

use crate::{
    chain::{
        bindings::AutomationRegistry2_3,
        ours::Balancer,
        upkeep::{self, Automation, Registration},
    },
    deploy::{
        manifest::{Manifest, UpkeepRecord},
        portfolio::{
            PortfolioError,
            check::{billing, upkeeps},
            report::{GAS_REGISTER, GAS_SET_FORWARDER, Line, Status, UpkeepCost},
            run::{State, Walk, addr, rpc},
            spec::{BillingSpec, UpkeepSpec},
        },
    },
};

impl Walk<'_> {
    pub(super) async fn upkeep(
        &self,
        key: &str,
        manifest: &mut Manifest,
        st: &mut State,
    ) -> Result<(), PortfolioError> {
        let (Some(automation), Some(u)) = (
            self.r.automation,
            upkeeps(self.spec)
                .into_iter()
                .find(|(k, _)| k == key)
                .map(|(_, u)| u.clone()),
        ) else {
            return Ok(());
        };
        let target = addr(st, key)?;
        let token = automation.token(billing(&u));
        let registry = AutomationRegistry2_3::new(automation.registry, &self.conn.provider);
        let min = registry
            .getMaxPaymentForGas(U256::ZERO, 0, u.gas_limit, token)
            .call()
            .await
            .map_err(|e| rpc(format!("registry.getMaxPaymentForGas({})", u.gas_limit), e))?;
        let perform_charge = crate::chain::registry::modelled_charge(
            &self.conn.provider,
            automation.registry,
            token,
            u64::from(u.gas_limit),
        )
        .await
        .map_err(|e| rpc(format!("the fee model's charge for {key}"), e))?;
        let ukey = format!("{key}.upkeep");
        let mut recorded = manifest
            .upkeeps
            .get(key)
            .filter(|r| r.target == target)
            .cloned();
        if recorded.is_none()
            && let Some(found) = self
                .find_registered(&automation, key, target, &u, manifest)
                .await?
        {
            tracing::warn!(%key, id = %found.id, "found its upkeep registered but not recorded (an interrupted run): recording it");
            if !self.dry {
                manifest.upkeeps.insert(key.into(), found.clone());
                manifest.save(self.path)?;
            }
            recorded = Some(found);
        }
        let forwarder = match recorded {
            Some(r) => {
                st.report.lines.push(Line {
                    key: ukey,
                    status: Status::Unchanged,
                    address: Some(r.forwarder),
                    gas: None,
                    assumed: false,
                });
                Some(r.forwarder)
            }
            None => {
                st.report.upkeeps.push(UpkeepCost {
                    key: key.into(),
                    symbol: automation.symbol(token),
                    funding: u.funding,
                    min_balance: U256::from(min),
                    perform_charge,
                });
                if matches!(u.billing, BillingSpec::Native) {
                    st.report.value += u.funding;
                }
                if self.dry {
                    st.would(&ukey, automation.registrar, GAS_REGISTER, true);
                    None
                } else {
                    let reg = Registration {
                        target,
                        gas_limit: u.gas_limit,
                        billing: billing(&u),
                        amount: u.funding,
                        admin: self.conn.from,
                        name: format!("onebalancer {key}"),
                        check_data: Bytes::new(),
                    };
                    let up = upkeep::register(self.conn, &automation, &reg).await?;
                    manifest.upkeeps.insert(
                        key.into(),
                        UpkeepRecord {
                            registry: automation.registry,
                            id: up.id,
                            target,
                            forwarder: up.forwarder,
                            billing_token: token,
                            gas_limit: u.gas_limit,
                            funding: u.funding,
                            tx: up.tx,
                        },
                    );
                    manifest.save(self.path)?;
                    let gas = self.gas_used(up.tx).await?;
                    st.report.lines.push(Line {
                        key: ukey,
                        status: Status::Done,
                        address: Some(up.forwarder),
                        gas: Some(gas),
                        assumed: false,
                    });
                    Some(up.forwarder)
                }
            }
        };
        let fkey = format!("{key}.set_forwarder");
        match forwarder {
            Some(f) => {
                let call = Balancer::setForwarderCall { newForwarder: f };
                self.action(
                    &fkey,
                    key,
                    call.abi_encode(),
                    GAS_SET_FORWARDER,
                    manifest,
                    st,
                )
                .await
            }
            None => {
                st.would(&fkey, target, GAS_SET_FORWARDER, true);
                Ok(())
            }
        }
    }

    /// An active upkeep of `target` administered by the deployer that the registry registered
    /// since the target was created (`UpkeepRegistered` logs from its recorded block): what a run
    /// interrupted between a registration and its manifest save leaves. A node that refuses the
    /// log query is warned about, and the upkeep registered as usual.
    async fn find_registered(
        &self,
        automation: &Automation,
        key: &str,
        target: Address,
        u: &UpkeepSpec,
        manifest: &Manifest,
    ) -> Result<Option<UpkeepRecord>, PortfolioError> {
        let Some(from) = manifest.contracts.get(key).and_then(|c| c.block) else {
            return Ok(None);
        };
        let filter = Filter::new()
            .address(automation.registry)
            .event_signature(AutomationRegistry2_3::UpkeepRegistered::SIGNATURE_HASH)
            .from_block(from);
        let logs = match self.conn.provider.get_logs(&filter).await {
            Ok(logs) => logs,
            Err(e) => {
                tracing::warn!(%key, error = %e, "cannot search the registry for an earlier registration");
                return Ok(None);
            }
        };
        let registry = AutomationRegistry2_3::new(automation.registry, &self.conn.provider);
        for log in logs {
            let Ok(ev) = AutomationRegistry2_3::UpkeepRegistered::decode_log_data(log.data())
            else {
                continue;
            };
            let info = registry
                .getUpkeep(ev.id)
                .call()
                .await
                .map_err(|e| rpc(format!("registry.getUpkeep({})", ev.id), e))?;
            let active = info.maxValidBlocknumber == u64::from(u32::MAX);
            if info.target != target || info.admin != self.conn.from || !active {
                continue;
            }
            let forwarder = registry
                .getForwarder(ev.id)
                .call()
                .await
                .map_err(|e| rpc(format!("registry.getForwarder({})", ev.id), e))?;
            return Ok(Some(UpkeepRecord {
                registry: automation.registry,
                id: ev.id,
                target,
                forwarder,
                billing_token: automation.token(billing(u)),
                gas_limit: info.performGas,
                funding: u.funding,
                tx: log.transaction_hash.unwrap_or_default(),
            }));
        }
        Ok(None)
    }
}
