//! The stack plan: dependency order, unique keys, the registry configuration and the factory.

use super::*;
use crate::deploy::config::ANVIL_CHAIN_ID;

#[test]
fn every_dependency_comes_before_its_user() {
    let config = DeployConfig::default().with_chain_defaults(ANVIL_CHAIN_ID);
    let mut addresses = BTreeMap::new();
    for (i, step) in stack().steps.iter().enumerate() {
        let cx = Context {
            addresses: &addresses,
            deployer: Address::repeat_byte(0xd),
            config: &config,
        };
        match step {
            Step::Contract(c) => {
                (c.args)(&cx).unwrap_or_else(|e| panic!("{}: {e}", c.key));
                addresses.insert(c.key.to_string(), Address::with_last_byte(i as u8 + 1));
            }
            Step::Call(c) => {
                assert!(
                    addresses.contains_key(c.target),
                    "{} before {}",
                    c.key,
                    c.target
                );
                (c.calldata)(&cx).unwrap_or_else(|e| panic!("{}: {e}", c.key));
            }
        }
    }
}

#[test]
fn keys_are_unique() {
    let plan = stack();
    let mut keys: Vec<_> = plan.steps.iter().map(Step::key).collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

#[test]
fn the_factory_clones_the_implementations_deployed_before_it() {
    let plan = stack();
    let contracts: Vec<&str> = (plan.steps.iter())
        .filter(|s| matches!(s, Step::Contract(_)))
        .map(Step::key)
        .collect();
    assert_eq!(contracts.len(), 18);
    let at = |k: &str| contracts.iter().position(|c| *c == k).unwrap();
    assert!(at("drift_balancer_impl") < at("balancer_factory"));
    assert!(at("time_balancer_impl") < at("balancer_factory"));
    let config = DeployConfig::default();
    let (drift, time) = (Address::repeat_byte(1), Address::repeat_byte(2));
    let addresses = BTreeMap::from([
        ("drift_balancer_impl".to_string(), drift),
        ("time_balancer_impl".to_string(), time),
    ]);
    let cx = Context {
        addresses: &addresses,
        deployer: Address::ZERO,
        config: &config,
    };
    let factory = plan.steps.iter().find_map(|s| match s {
        Step::Contract(c) if c.key == "balancer_factory" => Some(c),
        _ => None,
    });
    let args = (factory.unwrap().args)(&cx).unwrap();
    // constructor(address drift, address time): two ABI words.
    assert_eq!(args[..32], drift.into_word()[..]);
    assert_eq!(args[32..], time.into_word()[..]);
}

#[test]
fn registry_config_carries_the_don_and_registrar() {
    let config = DeployConfig::default().with_chain_defaults(ANVIL_CHAIN_ID);
    let mut addresses = BTreeMap::new();
    for k in [
        "registrar",
        "chain_module",
        "link",
        "weth",
        "link_usd_feed",
        "native_usd_feed",
    ] {
        addresses.insert(k.to_string(), Address::repeat_byte(k.len() as u8));
    }
    let cx = Context {
        addresses: &addresses,
        deployer: Address::repeat_byte(0xd),
        config: &config,
    };
    let data = registry_config_call(&cx).unwrap();
    let call = AutomationRegistry2_3::setConfigTypeSafeCall::abi_decode(&data).unwrap();
    assert_eq!(call.signers, config.don.signers);
    assert_eq!(call.f, 1);
    assert_eq!(call.onchainConfig.registrars, vec![addresses["registrar"]]);
    assert_eq!(call.onchainConfig.gasCeilingMultiplier, 5);
    assert_eq!(call.billingConfigs[0].gasFeePPB, 500_000_000);
}
