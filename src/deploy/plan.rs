//! The stack onebalancer deploys, as an ordered plan: contracts (artifact + constructor
//! arguments computed from earlier addresses) and configuration calls.
//!
//! The plan is data; [`super::Deployer`] executes it. Arguments are computed lazily from the
//! addresses resolved so far, so a dry run can show exactly what a real run would send.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, Bytes, I256, U256, address},
    sol_types::{SolCall, SolConstructor},
};

use crate::{
    artifacts::ArtifactId,
    chain::bindings::{
        AutomationRegistrar2_3, AutomationRegistry2_3, AutomationRegistryLogicA2_3,
        AutomationRegistryLogicB2_3, AutomationRegistryLogicC2_3, LimitOrderProtocol, LinkToken,
        MockV3Aggregator,
    },
    chain::ours::BalancerFactory,
    deploy::config::DeployConfig,
};

/// Multicall3's canonical address (the same on every chain that has it).
pub const MULTICALL3_CANONICAL: Address = address!("cA11bde05977b3631167028862bE2a173976CA11");
/// OCR offchain config version the registry 2.3 expects.
pub const OFFCHAIN_CONFIG_VERSION: u64 = 30;

/// A constructor-argument or calldata builder.
pub type Encoder = Box<dyn Fn(&Context<'_>) -> Result<Bytes, PlanError> + Send + Sync>;

/// What encoders can see: addresses resolved so far, the deployer and the config.
#[derive(Debug)]
pub struct Context<'a> {
    /// Addresses by contract key.
    pub addresses: &'a BTreeMap<String, Address>,
    /// The deploying account.
    pub deployer: Address,
    /// The deploy configuration.
    pub config: &'a DeployConfig,
}

impl Context<'_> {
    /// The address of an earlier step.
    pub fn addr(&self, key: &'static str) -> Result<Address, PlanError> {
        self.addresses
            .get(key)
            .copied()
            .ok_or(PlanError::Unresolved { key })
    }
}

/// A plan that refers to something it has not resolved (a bug in the plan's order).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A step needs an address no earlier step produced.
    #[error(
        "plan step needs `{key}` before it is deployed — the plan's order is wrong (a bug: report it)"
    )]
    Unresolved {
        /// The missing key.
        key: &'static str,
    },
    /// A configured value does not fit the on-chain type.
    #[error("config field {field} = {value} does not fit its on-chain type — use a smaller value")]
    Value {
        /// The field.
        field: &'static str,
        /// The value.
        value: i64,
    },
}

/// Deploy a contract.
pub struct ContractStep {
    /// Manifest key.
    pub key: &'static str,
    /// Which artifact.
    pub artifact: ArtifactId,
    /// ABI-encoded constructor arguments.
    pub args: Encoder,
    /// Use the contract at this address when it has code there (e.g. Multicall3).
    pub canonical: Option<Address>,
}

/// Call a contract the plan deployed (calls to `existing`/canonical contracts are skipped: they
/// are someone else's to configure).
pub struct CallStep {
    /// Manifest key.
    pub key: &'static str,
    /// Contract key of the target.
    pub target: &'static str,
    /// Calldata.
    pub calldata: Encoder,
}

/// One step.
pub enum Step {
    /// Deploy.
    Contract(ContractStep),
    /// Configure.
    Call(CallStep),
}

impl Step {
    /// The step's manifest key.
    pub fn key(&self) -> &'static str {
        match self {
            Step::Contract(c) => c.key,
            Step::Call(c) => c.key,
        }
    }
}

/// An ordered list of steps.
pub struct Plan {
    /// The steps, dependencies first.
    pub steps: Vec<Step>,
}

fn contract(key: &'static str, file: &'static str, name: &'static str, args: Encoder) -> Step {
    Step::Contract(ContractStep {
        key,
        artifact: ArtifactId::new(file, name),
        args,
        canonical: None,
    })
}

fn no_args() -> Encoder {
    Box::new(|_| Ok(Bytes::new()))
}

fn feed(decimals: u8, field: &'static str, pick: fn(&DeployConfig) -> i64) -> Encoder {
    Box::new(move |cx| {
        let value = pick(cx.config);
        let answer = I256::try_from(value).map_err(|_| PlanError::Value { field, value })?;
        Ok(MockV3Aggregator::constructorCall {
            _decimals: decimals,
            _initialAnswer: answer,
        }
        .abi_encode()
        .into())
    })
}

fn single_address(key: &'static str) -> Encoder {
    Box::new(move |cx| Ok(cx.addr(key)?.into_word().to_vec().into()))
}

/// Registrar auto-approve types (`AutomationRegistrar2_3.AutoApproveType`).
const AUTO_APPROVE_DISABLED: u8 = 0;
const AUTO_APPROVE_ALL: u8 = 2;
/// Trigger types: conditional and log.
const TRIGGER_CONDITION: u8 = 0;
const TRIGGER_LOG: u8 = 1;

/// The full stack: Multicall3, WETH9, LINK, price feeds, the Chainlink Automation 2.3 registry
/// (logic C → B → A → registry) and registrar, the 1inch Limit Order Protocol v4, the balancer
/// implementations and their factory, the hub depository, then the configuration calls that make the registry usable.
pub fn stack() -> Plan {
    let steps = vec![
        Step::Contract(ContractStep {
            key: "multicall3",
            artifact: ArtifactId::new("Multicall3.sol", "Multicall3"),
            args: no_args(),
            canonical: Some(MULTICALL3_CANONICAL),
        }),
        contract("weth", "WETH9.sol", "WETH9", no_args()),
        contract("link", "LinkToken.sol", "LinkToken", no_args()),
        contract(
            "link_usd_feed",
            "MockV3Aggregator.sol",
            "MockV3Aggregator",
            feed(8, "feeds.link_usd", |c| c.feeds.link_usd),
        ),
        contract(
            "native_usd_feed",
            "MockV3Aggregator.sol",
            "MockV3Aggregator",
            feed(8, "feeds.native_usd", |c| c.feeds.native_usd),
        ),
        contract(
            "fast_gas_feed",
            "MockV3Aggregator.sol",
            "MockV3Aggregator",
            feed(0, "feeds.fast_gas_wei", |c| c.feeds.fast_gas_wei),
        ),
        contract(
            "chain_module",
            "ChainModuleBase.sol",
            "ChainModuleBase",
            no_args(),
        ),
        contract(
            "automation_forwarder_logic",
            "AutomationForwarderLogic.sol",
            "AutomationForwarderLogic",
            no_args(),
        ),
        contract(
            "registry_logic_c",
            "AutomationRegistryLogicC2_3.sol",
            "AutomationRegistryLogicC2_3",
            Box::new(|cx| {
                Ok(AutomationRegistryLogicC2_3::constructorCall {
                    link: cx.addr("link")?,
                    linkUSDFeed: cx.addr("link_usd_feed")?,
                    nativeUSDFeed: cx.addr("native_usd_feed")?,
                    fastGasFeed: cx.addr("fast_gas_feed")?,
                    automationForwarderLogic: cx.addr("automation_forwarder_logic")?,
                    allowedReadOnlyAddress: Address::ZERO,
                    payoutMode: 0, // ON_CHAIN
                    wrappedNativeTokenAddress: cx.addr("weth")?,
                }
                .abi_encode()
                .into())
            }),
        ),
        contract(
            "registry_logic_b",
            "AutomationRegistryLogicB2_3.sol",
            "AutomationRegistryLogicB2_3",
            Box::new(|cx| {
                let logic_c = cx.addr("registry_logic_c")?;
                Ok(
                    AutomationRegistryLogicB2_3::constructorCall { logicC: logic_c }
                        .abi_encode()
                        .into(),
                )
            }),
        ),
        contract(
            "registry_logic_a",
            "AutomationRegistryLogicA2_3.sol",
            "AutomationRegistryLogicA2_3",
            Box::new(|cx| {
                let logic_b = cx.addr("registry_logic_b")?;
                Ok(
                    AutomationRegistryLogicA2_3::constructorCall { logicB: logic_b }
                        .abi_encode()
                        .into(),
                )
            }),
        ),
        contract(
            "registry",
            "AutomationRegistry2_3.sol",
            "AutomationRegistry2_3",
            single_address("registry_logic_a"),
        ),
        contract(
            "registrar",
            "AutomationRegistrar2_3.sol",
            "AutomationRegistrar2_3",
            Box::new(registrar_args),
        ),
        contract(
            "limit_order_protocol",
            "LimitOrderProtocol.sol",
            "LimitOrderProtocol",
            Box::new(|cx| {
                Ok(LimitOrderProtocol::constructorCall {
                    _weth: cx.addr("weth")?,
                }
                .abi_encode()
                .into())
            }),
        ),
        contract(
            "drift_balancer_impl",
            "DriftBalancer.sol",
            "DriftBalancer",
            no_args(),
        ),
        contract(
            "time_balancer_impl",
            "TimeBalancer.sol",
            "TimeBalancer",
            no_args(),
        ),
        contract(
            "balancer_factory",
            "BalancerFactory.sol",
            "BalancerFactory",
            Box::new(|cx| {
                Ok(BalancerFactory::constructorCall {
                    drift: cx.addr("drift_balancer_impl")?,
                    time: cx.addr("time_balancer_impl")?,
                }
                .abi_encode()
                .into())
            }),
        ),
        contract(
            "hub_depository",
            "HubDepository.sol",
            "HubDepository",
            no_args(),
        ),
        Step::Call(CallStep {
            key: "link.grant_mint_role",
            target: "link",
            calldata: Box::new(|cx| {
                Ok(LinkToken::grantMintRoleCall {
                    minter: cx.deployer,
                }
                .abi_encode()
                .into())
            }),
        }),
        Step::Call(CallStep {
            key: "link.mint_to_deployer",
            target: "link",
            calldata: Box::new(|cx| {
                let amount = cx.config.link_mint_to_deployer;
                Ok(LinkToken::mintCall {
                    account: cx.deployer,
                    amount,
                }
                .abi_encode()
                .into())
            }),
        }),
        Step::Call(CallStep {
            key: "registry.set_config",
            target: "registry",
            calldata: Box::new(registry_config_call),
        }),
    ];
    Plan { steps }
}

fn registrar_args(cx: &Context<'_>) -> Result<Bytes, PlanError> {
    let r = &cx.config.registrar;
    let condition_approval = if r.auto_approve {
        AUTO_APPROVE_ALL
    } else {
        AUTO_APPROVE_DISABLED
    };
    Ok(AutomationRegistrar2_3::constructorCall {
        LINKAddress: cx.addr("link")?,
        registry: cx.addr("registry")?,
        triggerConfigs: vec![
            AutomationRegistrar2_3::InitialTriggerConfig {
                triggerType: TRIGGER_CONDITION,
                autoApproveType: condition_approval,
                autoApproveMaxAllowed: r.auto_approve_max,
            },
            AutomationRegistrar2_3::InitialTriggerConfig {
                triggerType: TRIGGER_LOG,
                autoApproveType: AUTO_APPROVE_DISABLED,
                autoApproveMaxAllowed: 0,
            },
        ],
        billingTokens: vec![cx.addr("link")?, cx.addr("weth")?],
        minRegistrationFees: vec![r.min_link, r.min_native],
        wrappedNativeToken: cx.addr("weth")?,
    }
    .abi_encode()
    .into())
}

fn registry_config_call(cx: &Context<'_>) -> Result<Bytes, PlanError> {
    let r = &cx.config.registry;
    let don = &cx.config.don;
    let onchain = AutomationRegistry2_3::OnchainConfig {
        checkGasLimit: r.check_gas_limit,
        maxPerformGas: r.max_perform_gas,
        maxCheckDataSize: r.max_check_data_size,
        transcoder: Address::ZERO,
        reorgProtectionEnabled: r.reorg_protection,
        stalenessSeconds: u24(r.staleness_seconds),
        maxPerformDataSize: r.max_perform_data_size,
        maxRevertDataSize: r.max_revert_data_size,
        upkeepPrivilegeManager: cx.deployer,
        gasCeilingMultiplier: r.gas_ceiling_multiplier,
        financeAdmin: cx.deployer,
        fallbackGasPrice: r.fallback_gas_price,
        fallbackLinkPrice: r.fallback_link_price,
        fallbackNativePrice: r.fallback_native_price,
        registrars: vec![cx.addr("registrar")?],
        chainModule: cx.addr("chain_module")?,
    };
    let billing =
        |feed: Address, fallback: U256, min_spend: U256| AutomationRegistry2_3::BillingConfig {
            gasFeePPB: r.gas_fee_ppb,
            flatFeeMilliCents: u24(r.flat_fee_milli_cents),
            priceFeed: feed,
            decimals: 18,
            fallbackPrice: fallback,
            minSpend: alloy::primitives::Uint::<96, 2>::saturating_from(min_spend),
        };
    let registrar = &cx.config.registrar;
    Ok(AutomationRegistry2_3::setConfigTypeSafeCall {
        signers: don.signers.clone(),
        transmitters: don.transmitters.clone(),
        f: don.f,
        onchainConfig: onchain,
        offchainConfigVersion: OFFCHAIN_CONFIG_VERSION,
        offchainConfig: Bytes::new(),
        billingTokens: vec![cx.addr("link")?, cx.addr("weth")?],
        billingConfigs: vec![
            billing(
                cx.addr("link_usd_feed")?,
                r.fallback_link_price,
                registrar.min_link,
            ),
            billing(
                cx.addr("native_usd_feed")?,
                r.fallback_native_price,
                registrar.min_native,
            ),
        ],
    }
    .abi_encode()
    .into())
}

/// A `uint24` from a value the config validated to fit.
fn u24(v: u32) -> alloy::primitives::Uint<24, 1> {
    alloy::primitives::Uint::<24, 1>::saturating_from(v)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
