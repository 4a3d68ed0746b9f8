//! The upkeep step of a portfolio run: register (once, recorded in the manifest's `upkeeps`),
//! then point the target at the upkeep's forwarder.

use alloy::{
    primitives::{Bytes, U256},
    sol_types::SolCall,
};

use crate::{
    chain::{
        bindings::AutomationRegistry2_3,
        ours::Balancer,
        upkeep::{self, Registration},
    },
    deploy::{
        manifest::{Manifest, UpkeepRecord},
        portfolio::{
            PortfolioError,
            check::{billing, upkeeps},
            report::{GAS_REGISTER, GAS_SET_FORWARDER, Line, Status, UpkeepCost},
            run::{State, Walk, addr, rpc},
            spec::BillingSpec,
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
        let ukey = format!("{key}.upkeep");
        let recorded = manifest
            .upkeeps
            .get(key)
            .filter(|r| r.target == target)
            .cloned();
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
}
