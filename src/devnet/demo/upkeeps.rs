//! The demo balancers as Chainlink Automation upkeeps: registered through the registrar (the
//! DriftBalancer billed in LINK, the TimeBalancer in wrapped native paid in native coin), topped
//! up once each — LINK's `transferAndCall` for one, `addFunds` with native value for the other,
//! so both funding paths run on every devnet — and switched to the registry's forwarder.

use alloy::primitives::U256;

use crate::{
    chain::{
        Connection,
        upkeep::{self, Automation, Billing, Registration},
    },
    deploy::manifest::Manifest,
    devnet::{
        demo::{DemoError, spec::DemoKind, stack_address},
        record::{DemoRecord, UpkeepRecord},
    },
};

/// Perform gas limit of the demo upkeeps (a global perform of the demo portfolio uses ~116k
/// inside the forwarder).
pub const UPKEEP_GAS_LIMIT: u32 = 500_000;

/// LINK (wei units) paid at registration and again as the top-up: 5 LINK each, $100 at $20.
pub fn link_funding() -> U256 {
    U256::from(5u64) * U256::from(10u64).pow(U256::from(18u64))
}

/// Native coin (wei) paid at registration and again as the top-up: 0.05 each, $200 at $4,000.
pub fn native_funding() -> U256 {
    U256::from(5u64) * U256::from(10u64).pow(U256::from(16u64))
}

/// How each demo balancer is billed.
pub fn billing(kind: DemoKind) -> Billing {
    match kind {
        DemoKind::Drift => Billing::Link,
        DemoKind::Time => Billing::Native,
    }
}

/// Registers, funds and wires every balancer of `demo` (owned by `conn.from`), recording each
/// upkeep in its balancer's record.
pub async fn register(
    conn: &Connection,
    manifest: &Manifest,
    demo: &mut DemoRecord,
) -> Result<Automation, DemoError> {
    let automation = Automation::read(
        conn,
        stack_address(manifest, "registry")?,
        stack_address(manifest, "registrar")?,
    )
    .await?;
    for record in &mut demo.balancers {
        let kind = DemoKind::ALL
            .into_iter()
            .find(|k| k.key() == record.key)
            .ok_or_else(|| DemoError::UnknownKind {
                key: record.key.clone(),
            })?;
        let billing = billing(kind);
        let amount = match billing {
            Billing::Link => link_funding(),
            Billing::Native => native_funding(),
        };
        let reg = Registration {
            target: record.address,
            gas_limit: UPKEEP_GAS_LIMIT,
            billing,
            amount,
            admin: conn.from,
            name: format!("onebalancer demo {}", kind.contract()),
            check_data: Default::default(),
        };
        let up = upkeep::register_and_set_forwarder(conn, &automation, &reg).await?;
        match billing {
            Billing::Link => upkeep::transfer_and_call(conn, &automation, up.id, amount).await?,
            Billing::Native => upkeep::add_funds_native(conn, &automation, up.id, amount).await?,
        }
        let funded = upkeep::balance(conn, &automation, up.id).await?;
        tracing::info!(
            balancer = record.key,
            upkeep = %up.id,
            billing = automation.symbol(up.billing_token),
            %funded,
            forwarder = %up.forwarder,
            "registered the demo upkeep"
        );
        record.upkeep = Some(UpkeepRecord {
            id: up.id,
            billing_token: up.billing_token,
            billing_symbol: automation.symbol(up.billing_token),
            forwarder: up.forwarder,
            gas_limit: UPKEEP_GAS_LIMIT,
            funded,
            tx: up.tx,
        });
    }
    Ok(automation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_billing_and_funding_clears_the_registrar_minimum() {
        assert_eq!(billing(DemoKind::Drift), Billing::Link);
        assert_eq!(billing(DemoKind::Time), Billing::Native);
        let defaults = crate::deploy::config::RegistrarConfig::default();
        assert!(link_funding() >= defaults.min_link * U256::from(10u8));
        assert!(native_funding() >= defaults.min_native * U256::from(10u8));
    }
}
