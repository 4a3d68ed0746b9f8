//! The devnet's manager-served fleet: [`FLEET_SIZE`] more DriftBalancers over the demo assets,
//! [`FLEET_FUND_USD`] each at their targets, behind one `UpkeepManager` registered through the
//! registrar as one upkeep billed in LINK and topped up with `addFunds`.
//!
//! Every balancer names the manager (`setManager`), and the manager adds every balancer
//! (`addBalancer`): a DON round then rebalances every drifted member in one perform, each price
//! feed read once. The simulated DON serves the manager like any other upkeep.

use alloy::{
    primitives::{Address, U256},
    sol_types::SolConstructor,
};

use crate::{
    artifacts::{Artifact, ArtifactId},
    chain::{
        Connection,
        ours::{Balancer, ManagerConfig, UpkeepManager},
        upkeep::{self, Automation, Billing, Registration},
    },
    deploy::manifest::Manifest,
    devnet::{
        demo::{
            DemoError, create_balancer, deploy_checked, fund_at_targets, send, spec::DemoKind,
            stack_address,
        },
        record::{DemoBalancerRecord, DemoRecord, FleetRecord, UpkeepRecord},
    },
};

/// Balancers in the demo fleet.
pub const FLEET_SIZE: usize = 5;
/// USD (whole dollars) each fleet balancer holds at its targets.
pub const FLEET_FUND_USD: u64 = 20_000;
/// Perform gas limit of the manager's upkeep: five global rebalances at ~90k each inside the
/// manager, with room to spare.
pub const MANAGER_GAS_LIMIT: u32 = 1_500_000;

const UPKEEP_MANAGER: ArtifactId = ArtifactId::new("UpkeepManager.sol", "UpkeepManager");

/// The manager's configuration on devnet: the perform stops starting balancers below a 60k
/// reserve; a round packs at most the gas limit less 200k of estimates; each member's check gets
/// at most 400k gas (a sixteen-asset check uses about 250k); a member whose perform failed sits out
/// 300 blocks unless its epoch moves.
pub fn manager_config() -> ManagerConfig {
    ManagerConfig {
        performGasReserve: 60_000,
        checkGasReserve: 300_000,
        roundGasBudget: MANAGER_GAS_LIMIT - 200_000,
        maxPerRound: 64,
        memberCheckGas: 400_000,
        failureBackoff: 300,
    }
}

/// LINK (wei units) paid at registration and again as the `addFunds` top-up: 10 LINK each (the
/// registry's minimum balance for a 1.5M-gas upkeep is about 2.4 LINK at 1 gwei).
pub fn link_funding() -> U256 {
    U256::from(10u64) * U256::from(10u64).pow(U256::from(18u64))
}

/// Deploys the manager (owned by `conn.from`), creates and funds the fleet over `demo`'s assets,
/// wires both ways, and registers the manager as one upkeep.
pub async fn create(
    conn: &Connection,
    out_dir: &std::path::Path,
    manifest: &Manifest,
    demo: &DemoRecord,
    automation: &Automation,
) -> Result<FleetRecord, DemoError> {
    let factory = stack_address(manifest, "balancer_factory")?;
    let lop = stack_address(manifest, "limit_order_protocol")?;

    let code = Artifact::load(out_dir, UPKEEP_MANAGER)?;
    let args = UpkeepManager::constructorCall {
        owner_: conn.from,
        config_: manager_config(),
    }
    .abi_encode();
    let (manager, tx) =
        deploy_checked(conn, &code, "the demo fleet's UpkeepManager", &args).await?;

    let pairs: Vec<(Address, Address)> = demo.assets.iter().map(|a| (a.token, a.feed)).collect();
    let mut balancers = Vec::with_capacity(FLEET_SIZE);
    for i in 0..FLEET_SIZE {
        let (address, tx) = create_balancer(conn, factory, lop, &pairs, DemoKind::Drift).await?;
        balancers.push(DemoBalancerRecord {
            key: format!("fleet_{i}"),
            kind: DemoKind::Drift.contract().into(),
            address,
            funded_usd: FLEET_FUND_USD,
            tx,
            upkeep: None,
        });
    }
    fund_at_targets(conn, &demo.assets, &balancers, U256::from(FLEET_FUND_USD)).await?;
    for b in &balancers {
        let name = format!("{}.setManager({manager})", b.key);
        send(
            conn,
            &name,
            b.address,
            &Balancer::setManagerCall {
                newManager: manager,
            },
        )
        .await?;
        let name = format!("manager.addBalancer({})", b.key);
        send(
            conn,
            &name,
            manager,
            &UpkeepManager::addBalancerCall {
                balancer: b.address,
            },
        )
        .await?;
    }

    let amount = link_funding();
    let reg = Registration {
        target: manager,
        gas_limit: MANAGER_GAS_LIMIT,
        billing: Billing::Link,
        amount,
        admin: conn.from,
        name: format!("onebalancer demo fleet of {FLEET_SIZE}"),
        check_data: Default::default(),
    };
    let up = upkeep::register_and_set_forwarder(conn, automation, &reg).await?;
    upkeep::add_funds(conn, automation, up.id, amount).await?;
    let funded = upkeep::balance(conn, automation, up.id).await?;
    tracing::info!(
        %manager,
        upkeep = %up.id,
        balancers = FLEET_SIZE,
        %funded,
        forwarder = %up.forwarder,
        "registered the demo fleet's manager"
    );
    Ok(FleetRecord {
        manager,
        tx,
        balancers,
        upkeep: UpkeepRecord {
            id: up.id,
            billing_token: up.billing_token,
            billing_symbol: automation.symbol(up.billing_token),
            forwarder: up.forwarder,
            gas_limit: MANAGER_GAS_LIMIT,
            funded,
            tx: up.tx,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_fits_the_upkeep_and_the_funding_clears_the_minimum() {
        let c = manager_config();
        assert!(c.roundGasBudget < MANAGER_GAS_LIMIT);
        assert!(
            u64::from(c.roundGasBudget) >= FLEET_SIZE as u64 * 118_000,
            "all five in one round"
        );
        let defaults = crate::deploy::config::RegistrarConfig::default();
        assert!(link_funding() >= defaults.min_link * U256::from(10u8));
    }
}
