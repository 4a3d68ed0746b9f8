//! The portfolio's on-chain preflight: reads only, all before the first transaction. Every
//! token has code and answers `decimals()`; every feed has code and answers `decimals()` and
//! `latestRoundData()` with a positive price; the factory, the 1inch protocol and (for upkeeps)
//! the registry and registrar are there; each upkeep's funding clears the registrar's minimum
//! and the deployer holds it; the deployer owns what it must wire.

use std::collections::BTreeMap;

use alloy::{primitives::Address, providers::Provider};

use crate::{
    chain::{
        ChainError, Connection,
        bindings::{AutomationRegistrar2_3, LinkToken, MockV3Aggregator},
        ours::TestERC20,
        upkeep::{Automation, Billing},
    },
    deploy::{
        manifest::Manifest,
        portfolio::{
            PortfolioError,
            encode::{Decimals, owner},
            spec::{BillingSpec, PortfolioSpec, UpkeepSpec},
            validate::invalid,
        },
    },
};

/// What the preflight resolved: the stack and each asset's decimals.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The `BalancerFactory`.
    pub factory: Address,
    /// The 1inch Limit Order Protocol.
    pub protocol: Address,
    /// Registry, registrar and billing tokens (when the spec registers upkeeps).
    pub automation: Option<Automation>,
    /// Each asset's token and feed decimals.
    pub decimals: BTreeMap<String, Decimals>,
    /// The node's gas price (wei), for the dry run's cost.
    pub gas_price: u128,
}

/// Every upkeep of the spec: (manifest key of its target, its registration).
pub fn upkeeps(spec: &PortfolioSpec) -> Vec<(String, &UpkeepSpec)> {
    let managers = spec
        .managers
        .iter()
        .filter_map(|(n, m)| Some((format!("manager.{n}"), m.upkeep.as_ref()?)));
    let balancers = spec
        .balancers
        .iter()
        .filter_map(|(n, b)| Some((format!("balancer.{n}"), b.upkeep.as_ref()?)));
    managers.chain(balancers).collect()
}

/// The registrar's billing choice of a spec's upkeep.
pub fn billing(u: &UpkeepSpec) -> Billing {
    match u.billing {
        BillingSpec::Link => Billing::Link,
        BillingSpec::Native => Billing::Native,
    }
}

/// Runs every read check of `spec` against `conn`'s chain, with the stack from `manifest`.
pub async fn check(
    conn: &Connection,
    spec: &PortfolioSpec,
    manifest: &Manifest,
) -> Result<Resolved, PortfolioError> {
    let chain = conn.chain_id;
    let factory = stack(
        conn,
        manifest,
        "stack.factory",
        spec.stack.factory,
        "balancer_factory",
    )
    .await?;
    let protocol = stack(
        conn,
        manifest,
        "stack.protocol",
        spec.stack.protocol,
        "limit_order_protocol",
    )
    .await?;
    if let Some(feed) = spec.stack.sequencer_feed {
        has_code(conn, "stack.sequencer_feed", feed).await?;
    }
    let mut decimals = BTreeMap::new();
    for (name, a) in &spec.assets {
        let token_field = format!("assets.{name}.token");
        has_code(conn, &token_field, a.token).await?;
        let token = TestERC20::new(a.token, &conn.provider)
            .decimals()
            .call()
            .await;
        let token = answer(
            &token_field,
            a.token,
            token,
            "decimals()",
            "an ERC-20 token",
        )?;
        let feed_field = format!("assets.{name}.feed");
        has_code(conn, &feed_field, a.feed).await?;
        let f = MockV3Aggregator::new(a.feed, &conn.provider);
        let what = "a Chainlink USD price feed (AggregatorV3Interface)";
        let feed = answer(
            &feed_field,
            a.feed,
            f.decimals().call().await,
            "decimals()",
            what,
        )?;
        let round = f.latestRoundData().call().await;
        let round = answer(&feed_field, a.feed, round, "latestRoundData()", what)?;
        if round.answer.is_negative() || round.answer.is_zero() {
            let fix = format!("it answers {}: give a live USD price feed", round.answer);
            return Err(invalid(feed_field, a.feed, &fix).into());
        }
        for (field, at, d) in [(&token_field, a.token, token), (&feed_field, a.feed, feed)] {
            if d > 18 {
                let fix = format!("it has {d} decimals; the balancer takes at most 18");
                return Err(invalid(field.as_str(), at, &fix).into());
            }
        }
        decimals.insert(name.clone(), Decimals { token, feed });
    }
    for (name, b) in &spec.balancers {
        let wired = b.manager.is_some() || b.upkeep.is_some();
        if wired && owner(b, conn.from) != conn.from {
            let fix = format!(
                "the deployer {} wires its manager or upkeep and must own it: leave owner out and transfer ownership afterwards",
                conn.from
            );
            return Err(
                invalid(format!("balancers.{name}.owner"), owner(b, conn.from), &fix).into(),
            );
        }
    }
    for (name, m) in &spec.managers {
        if let Some(k) = &m.keystone {
            has_code(
                conn,
                &format!("managers.{name}.keystone.forwarder"),
                k.forwarder,
            )
            .await?;
        }
    }
    let automation = automation(conn, spec, manifest).await?;
    let gas_price = conn
        .provider
        .get_gas_price()
        .await
        .map_err(|e| ChainError::Rpc {
            what: "eth_gasPrice".into(),
            reason: e.to_string(),
        })?;
    tracing::debug!(chain, %factory, %protocol, "portfolio preflight passed");
    Ok(Resolved {
        factory,
        protocol,
        automation,
        decimals,
        gas_price,
    })
}

/// Registry and registrar when the spec registers upkeeps; each funding against the registrar's
/// minimum and the deployer's balance of its billing token.
async fn automation(
    conn: &Connection,
    spec: &PortfolioSpec,
    manifest: &Manifest,
) -> Result<Option<Automation>, PortfolioError> {
    let ups = upkeeps(spec);
    if ups.is_empty() {
        return Ok(None);
    }
    let registry = stack(
        conn,
        manifest,
        "stack.registry",
        spec.stack.registry,
        "registry",
    )
    .await?;
    let registrar = stack(
        conn,
        manifest,
        "stack.registrar",
        spec.stack.registrar,
        "registrar",
    )
    .await?;
    let automation = Automation::read(conn, registry, registrar).await?;
    let r = AutomationRegistrar2_3::new(registrar, &conn.provider);
    let mut needed: BTreeMap<Address, alloy::primitives::U256> = BTreeMap::new();
    // Only what is still to be registered must be funded now.
    for (key, u) in ups
        .iter()
        .filter(|(k, _)| !manifest.upkeeps.contains_key(k))
    {
        let token = automation.token(billing(u));
        let min = r.getMinimumRegistrationAmount(token).call().await;
        let min = answer(
            "stack.registrar",
            registrar,
            min,
            "getMinimumRegistrationAmount",
            "the registry 2.3's registrar",
        )?;
        if u.funding < min {
            let field = format!("{}.upkeep.funding", key.replacen('.', "s.", 1));
            let fix = format!(
                "the registrar's minimum in {} is {min}: fund at least that",
                automation.symbol(token)
            );
            return Err(invalid(field, u.funding, &fix).into());
        }
        *needed.entry(token).or_default() += u.funding;
    }
    for (token, amount) in needed {
        let held = if token == automation.wrapped_native {
            conn.provider
                .get_balance(conn.from)
                .await
                .map_err(|e| ChainError::Rpc {
                    what: format!("eth_getBalance({})", conn.from),
                    reason: e.to_string(),
                })?
        } else {
            let b = LinkToken::new(token, &conn.provider)
                .balanceOf(conn.from)
                .call()
                .await;
            answer(
                "stack.registry",
                token,
                b,
                "balanceOf(deployer)",
                "the billing token",
            )?
        };
        if held < amount {
            let fix = format!(
                "the deployer {} holds {held} of {}, the upkeeps' funding needs {amount}: top it up or fund less",
                conn.from,
                automation.symbol(token)
            );
            return Err(invalid("upkeep.funding (total)", amount, &fix).into());
        }
    }
    Ok(Some(automation))
}

/// A stack contract: the spec's address, else the manifest's; it must have code.
async fn stack(
    conn: &Connection,
    manifest: &Manifest,
    field: &str,
    given: Option<Address>,
    key: &str,
) -> Result<Address, PortfolioError> {
    let address = given.or_else(|| manifest.address(key)).ok_or_else(|| {
        let fix = format!("deploy the stack first (`deploy` without --portfolio) or set {field}");
        invalid(field, format!("(none; the manifest has no {key})"), &fix)
    })?;
    has_code(conn, field, address).await?;
    Ok(address)
}

async fn has_code(conn: &Connection, field: &str, address: Address) -> Result<(), PortfolioError> {
    if conn.code_at(address).await?.is_empty() {
        let fix = format!(
            "no code there on chain {}: give the right address for this chain",
            conn.chain_id
        );
        return Err(invalid(field, address, &fix).into());
    }
    Ok(())
}

/// A read's value, or the field's error naming what did not answer.
fn answer<T, E: std::fmt::Display>(
    field: &str,
    address: Address,
    r: Result<T, E>,
    call: &str,
    what: &str,
) -> Result<T, PortfolioError> {
    r.map_err(|e| {
        let e = e.to_string();
        let e = e.lines().next().unwrap_or_default();
        let fix = format!("it does not answer {call} ({e}): give {what}");
        invalid(field, address, &fix).into()
    })
}
