//! The benchmark's fleet: N DriftBalancers over the four demo assets, created through the
//! stack's factory exactly as the devnet creates its demo balancers
//! ([`demo::create_call`]), each funded with [`FUND_USD`] at its targets (four `approve` and
//! `fund` pairs, the amounts of [`demo::units_at_targets`]) and allow-listing the keeper
//! (`setFallbackKeeper`, from the deployer that owns it).
//!
//! The first balancer is set up one transaction at a time, each gas-estimated by the node; its
//! receipts give the gas limits of the others (what it used, × 1.5 + 30,000: every balancer
//! runs the same code on the same kind of fresh storage). The others are sent through a
//! [`Pipeline`]: all creations, then (once their addresses are known) all funding and
//! allow-listing. The funding is checked afterwards by reading every balance back (the
//! measurement's first scan does), the allow-listing by the keeper's target sync.

use alloy::{
    primitives::{Address, Bytes, I256, U256},
    providers::Provider,
    sol_types::{SolCall, SolEvent},
};
use eyre::{WrapErr, eyre};

use crate::{
    chain::{
        Connection,
        bindings::MockV3Aggregator,
        ours::{Balancer, BalancerFactory, TestERC20},
    },
    deploy::manifest::Manifest,
    devnet::{
        bench::pipeline::Pipeline,
        demo::{self, spec::DemoKind},
        record::DemoAssetRecord,
    },
};

/// USD (whole dollars) each benchmark balancer holds at its targets.
pub(crate) const FUND_USD: u64 = 20_000;

/// The created fleet.
#[derive(Debug, Clone)]
pub(crate) struct Fleet {
    /// The demo tokens and feeds.
    pub(crate) assets: Vec<DemoAssetRecord>,
    /// The balancers, in creation order.
    pub(crate) balancers: Vec<Address>,
    /// Each asset's units in every balancer.
    pub(crate) units: Vec<U256>,
    /// Transactions sent.
    pub(crate) transactions: u64,
}

/// Gas limits measured on the first balancer.
#[derive(Debug, Clone)]
struct Limits {
    create: u64,
    approve: Vec<u64>,
    fund: Vec<u64>,
    allow: u64,
}

fn limit(used: u64) -> u64 {
    used.saturating_mul(3) / 2 + 30_000
}

/// Deploys the demo assets and creates `n` funded balancers that allow-list `keeper`.
pub(crate) async fn create(
    conn: &Connection,
    out_dir: &std::path::Path,
    manifest: &Manifest,
    n: usize,
    keeper: Address,
) -> eyre::Result<Fleet> {
    let factory = demo::stack_address(manifest, "balancer_factory")?;
    let lop = demo::stack_address(manifest, "limit_order_protocol")?;
    let assets = demo::deploy_assets(conn, out_dir).await?;
    let pairs: Vec<(Address, Address)> = assets.iter().map(|a| (a.token, a.feed)).collect();
    let units = demo::units_at_targets(conn, &assets, U256::from(FUND_USD)).await?;
    let mut transactions = 8; // a token and a feed per asset
    for (a, u) in assets.iter().zip(&units) {
        let mint = TestERC20::mintCall {
            to: conn.from,
            amount: u.saturating_mul(U256::from(n)),
        };
        let what = format!("minting {} for {n} balancers", a.symbol);
        conn.call(&what, a.token, mint.abi_encode().into()).await?;
        transactions += 1;
    }
    let (first, limits) = first_balancer(conn, factory, lop, &pairs, &assets, &units, keeper)
        .await
        .wrap_err("setting up the first benchmark balancer")?;
    transactions += 2 + 2 * assets.len() as u64;

    let mut pipe = Pipeline::new(conn).await?;
    let create =
        Bytes::from(demo::create_call(conn.from, lop, &pairs, DemoKind::Drift).abi_encode());
    let txs = (1..n)
        .map(|_| pipe.tx(factory, create.clone(), limits.create))
        .collect();
    let what = "creating the benchmark balancers";
    let hashes = pipe.send(what, txs).await?;
    let receipts = pipe.receipts(what, &hashes).await?;
    let mut balancers = Vec::with_capacity(n);
    balancers.push(first);
    for r in &receipts {
        balancers.push(created(r, factory)?);
    }

    let mut txs = Vec::with_capacity(n.saturating_sub(1) * (2 * assets.len() + 1));
    for &b in &balancers[1..] {
        for (i, (a, &units)) in assets.iter().zip(&units).enumerate() {
            let approve = TestERC20::approveCall {
                spender: b,
                value: units,
            };
            txs.push(pipe.tx(a.token, approve.abi_encode().into(), limits.approve[i]));
            let fund = Balancer::fundCall {
                token: a.token,
                amount: units,
            };
            txs.push(pipe.tx(b, fund.abi_encode().into(), limits.fund[i]));
        }
        let allow = Balancer::setFallbackKeeperCall {
            keeper,
            allowed: true,
        };
        txs.push(pipe.tx(b, allow.abi_encode().into(), limits.allow));
    }
    let what = "funding the benchmark balancers and allow-listing the keeper";
    pipe.send(what, txs).await?;
    transactions += pipe.sent();
    Ok(Fleet {
        assets,
        balancers,
        units,
        transactions,
    })
}

/// Creates, funds and allow-lists one balancer a transaction at a time; returns it and the gas
/// limits its receipts suggest for the others.
async fn first_balancer(
    conn: &Connection,
    factory: Address,
    lop: Address,
    pairs: &[(Address, Address)],
    assets: &[DemoAssetRecord],
    units: &[U256],
    keeper: Address,
) -> eyre::Result<(Address, Limits)> {
    let (b, tx) = demo::create_balancer(conn, factory, lop, pairs, DemoKind::Drift).await?;
    let receipt = conn
        .provider
        .get_transaction_receipt(tx)
        .await
        .map_err(|e| eyre!("eth_getTransactionReceipt({tx}) failed: {e} — the benchmark's anvil stopped answering; rerun"))?
        .ok_or_else(|| eyre!("the first balancer's creation {tx} has no receipt — rerun"))?;
    let mut limits = Limits {
        create: limit(receipt.gas_used),
        approve: Vec::with_capacity(assets.len()),
        fund: Vec::with_capacity(assets.len()),
        allow: 0,
    };
    for (a, &units) in assets.iter().zip(units) {
        let approve = TestERC20::approveCall {
            spender: b,
            value: units,
        };
        let what = format!("approving {} for the first balancer", a.symbol);
        let r = conn
            .call(&what, a.token, approve.abi_encode().into())
            .await?;
        limits.approve.push(limit(r.gas_used));
        let fund = Balancer::fundCall {
            token: a.token,
            amount: units,
        };
        let what = format!("funding the first balancer with {}", a.symbol);
        let r = conn.call(&what, b, fund.abi_encode().into()).await?;
        limits.fund.push(limit(r.gas_used));
    }
    let allow = Balancer::setFallbackKeeperCall {
        keeper,
        allowed: true,
    };
    let r = conn
        .call(
            "allow-listing the keeper on the first balancer",
            b,
            allow.abi_encode().into(),
        )
        .await?;
    limits.allow = limit(r.gas_used);
    Ok((b, limits))
}

/// The balancer a creation's `BalancerCreated` names.
fn created(r: &alloy::rpc::types::TransactionReceipt, factory: Address) -> eyre::Result<Address> {
    r.inner
        .logs()
        .iter()
        .filter(|l| l.address() == factory)
        .find_map(|l| BalancerFactory::BalancerCreated::decode_log(&l.inner).ok())
        .map(|e| e.balancer)
        .ok_or_else(|| {
            eyre!(
                "creation {} emitted no BalancerCreated from {factory} — the factory is not the one this build binds; rebuild and rerun",
                r.transaction_hash
            )
        })
}

/// WETH's move in a drifted market, bp: 20 % moves its weight from 30 % to about 34 %, past
/// every balancer's 200 bp band, so every check builds its plan.
pub(crate) const DRIFT_BPS: u64 = 2_000;

/// Sets WETH's feed (the last demo asset) [`DRIFT_BPS`] above its demo price, or (`drifted`
/// false) back to it.
pub(crate) async fn set_market(
    conn: &Connection,
    fleet: &Fleet,
    drifted: bool,
) -> eyre::Result<()> {
    let (spec, asset) = demo::spec::DEMO_ASSETS
        .iter()
        .zip(&fleet.assets)
        .next_back()
        .ok_or_else(|| eyre!("the benchmark fleet has no assets — rerun"))?;
    let bps = if drifted { 10_000 + DRIFT_BPS } else { 10_000 };
    let price = U256::from(spec.price) * U256::from(bps) / U256::from(10_000u64);
    let call = MockV3Aggregator::updateAnswerCall {
        _answer: I256::from_raw(price),
    };
    let what = format!("setting {}/USD to {price}", asset.symbol);
    conn.call_with_gas(
        &what,
        asset.feed,
        call.abi_encode().into(),
        crate::chain::provider::FEED_UPDATE_GAS,
    )
    .await?;
    Ok(())
}
