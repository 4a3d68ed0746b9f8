//! The devnet demo: the four-asset demo portfolio of `test/utils/BalancerFixture.sol` as one
//! DriftBalancer and one TimeBalancer, created through the deployed factory and funded at their
//! targets.
//!
//! [`create`] deploys a `TestERC20` and a `MockV3Aggregator` USD feed per asset, creates both
//! balancers, mints each asset's share of [`spec::FUND_USD`] per balancer (exact token units from
//! the feed's price, rounded down) and deposits it. It runs on a fresh devnet chain only: nothing
//! here is idempotent, because every devnet starts a new anvil. [`upkeeps::register`] then makes
//! each balancer a Chainlink Automation upkeep. [`state::read_state`] reads a balancer's state
//! back, including `checkUpkeep` as Chainlink simulates it.

pub mod fleet;
pub mod spec;
pub mod state;
pub mod upkeeps;

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::{SolCall, SolConstructor},
};

use crate::{
    artifacts::{Artifact, ArtifactError, ArtifactId},
    chain::{
        ChainError, Connection,
        bindings::MockV3Aggregator,
        ours::{Balancer, BalancerFactory, TestERC20},
    },
    deploy::manifest::Manifest,
    devnet::record::{DemoAssetRecord, DemoBalancerRecord, DemoRecord},
    model::portfolio::{self, PortfolioError},
};
use spec::{DEMO_ASSETS, DemoKind, FEED_DECIMALS};

/// Everything that can stop the demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Chain I/O.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Bytecode.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// Prices and amounts.
    #[error(transparent)]
    Portfolio(#[from] PortfolioError),
    /// Upkeep registration and funding.
    #[error(transparent)]
    Upkeep(#[from] crate::chain::upkeep::UpkeepError),
    /// A demo balancer record this build does not know.
    #[error(
        "demo balancer `{key}` is not one this build creates (drift_balancer, time_balancer) — rerun devnet"
    )]
    UnknownKind {
        /// Its key.
        key: String,
    },
    /// The stack the demo builds on is not in the manifest.
    #[error(
        "the manifest has no `{key}` — deploy the stack first (the demo uses its factory and 1inch protocol)"
    )]
    MissingContract {
        /// The missing key.
        key: &'static str,
    },
    /// What was deployed is not what was compiled.
    #[error(
        "{what} at {address}: on-chain code does not match artifact {artifact} — rebuild with `forge build` and re-run"
    )]
    CodeMismatch {
        /// What was deployed.
        what: String,
        /// Where.
        address: Address,
        /// Artifact id.
        artifact: String,
    },
    /// `create` succeeded without the event that names the new balancer.
    #[error(
        "creating the {kind} (transaction {tx}) emitted no BalancerCreated event from {factory} — balancer_factory is not the BalancerFactory this build binds; redeploy the stack"
    )]
    NoCreatedEvent {
        /// Which balancer.
        kind: &'static str,
        /// The transaction.
        tx: alloy::primitives::TxHash,
        /// The factory called.
        factory: Address,
    },
    /// A view the demo needs failed.
    #[error(
        "{what} failed: {reason} — the devnet chain stopped answering or the contract is not a balancer; rerun devnet"
    )]
    Read {
        /// What was read.
        what: String,
        /// The node's answer.
        reason: String,
    },
}

const TEST_ERC20: ArtifactId = ArtifactId::new("TestERC20.sol", "TestERC20");
const MOCK_FEED: ArtifactId = ArtifactId::new("MockV3Aggregator.sol", "MockV3Aggregator");

/// Deploys the demo tokens and feeds, creates both balancers through the manifest's
/// `balancer_factory` and funds each with [`spec::FUND_USD`] at its targets. The deployer
/// (`conn.from`) owns them, controls them and is their forwarder until [`upkeeps::register`]
/// hands that role to the registry's forwarders.
pub async fn create(
    conn: &Connection,
    out_dir: &std::path::Path,
    manifest: &Manifest,
) -> Result<DemoRecord, DemoError> {
    let factory = stack_address(manifest, "balancer_factory")?;
    let lop = stack_address(manifest, "limit_order_protocol")?;

    let assets = deploy_assets(conn, out_dir).await?;

    let pairs: Vec<(Address, Address)> = assets.iter().map(|a| (a.token, a.feed)).collect();
    let mut balancers = Vec::with_capacity(DemoKind::ALL.len());
    for kind in DemoKind::ALL {
        let (address, tx) = create_balancer(conn, factory, lop, &pairs, kind).await?;
        balancers.push(DemoBalancerRecord {
            key: kind.key().into(),
            kind: kind.contract().into(),
            address,
            funded_usd: spec::FUND_USD,
            tx,
            upkeep: None,
        });
    }

    fund_at_targets(conn, &assets, &balancers, spec::fund_usd()).await?;
    Ok(DemoRecord {
        chain_id: conn.chain_id,
        assets,
        balancers,
        fleet: None,
    })
}

/// The manifest's address for stack contract `key`, or the error that says to deploy the stack.
pub(crate) fn stack_address(manifest: &Manifest, key: &'static str) -> Result<Address, DemoError> {
    manifest
        .address(key)
        .ok_or(DemoError::MissingContract { key })
}

/// Deploys a `TestERC20` and its `MockV3Aggregator` USD feed (at the demo's starting price) for
/// every demo asset, in [`DEMO_ASSETS`] order, and checks their code.
pub(crate) async fn deploy_assets(
    conn: &Connection,
    out_dir: &std::path::Path,
) -> Result<Vec<DemoAssetRecord>, DemoError> {
    let token_code = Artifact::load(out_dir, TEST_ERC20)?;
    let feed_code = Artifact::load(out_dir, MOCK_FEED)?;
    let mut assets = Vec::with_capacity(DEMO_ASSETS.len());
    for a in DEMO_ASSETS {
        let args = TestERC20::constructorCall {
            name_: a.symbol.into(),
            symbol_: a.symbol.into(),
            decimals_: a.decimals,
        }
        .abi_encode();
        let token = deploy(
            conn,
            &token_code,
            &format!("demo token {}", a.symbol),
            &args,
        )
        .await?;
        let args = MockV3Aggregator::constructorCall {
            _decimals: FEED_DECIMALS,
            _initialAnswer: alloy::primitives::I256::from_raw(U256::from(a.price)),
        }
        .abi_encode();
        let feed = deploy(
            conn,
            &feed_code,
            &format!("demo feed {}/USD", a.symbol),
            &args,
        )
        .await?;
        assets.push(DemoAssetRecord {
            symbol: a.symbol.into(),
            token,
            feed,
            decimals: a.decimals,
        });
    }
    Ok(assets)
}

/// Creates one demo balancer of `kind` over `pairs` (token, feed) through `factory`, owned by
/// `conn.from`; returns its address and the creating transaction.
pub(crate) async fn create_balancer(
    conn: &Connection,
    factory: Address,
    lop: Address,
    pairs: &[(Address, Address)],
    kind: DemoKind,
) -> Result<(Address, alloy::primitives::TxHash), DemoError> {
    let call = create_call(conn.from, lop, pairs, kind);
    let what = format!("creating the demo {}", kind.contract());
    let receipt = conn.call(&what, factory, call.abi_encode().into()).await?;
    let created = crate::deploy::portfolio::encode::created_balancer(&receipt, factory).ok_or(
        DemoError::NoCreatedEvent {
            kind: kind.contract(),
            tx: receipt.transaction_hash,
            factory,
        },
    )?;
    Ok((created, receipt.transaction_hash))
}

/// The factory's `create` of one demo balancer of `kind` over `pairs` (token, feed), owned and
/// controlled by `owner`.
pub(crate) fn create_call(
    owner: Address,
    lop: Address,
    pairs: &[(Address, Address)],
    kind: DemoKind,
) -> BalancerFactory::createCall {
    BalancerFactory::createCall {
        kind: kind.factory_kind(),
        assets: spec::assets(pairs),
        protocol: spec::protocol(lop),
        sequencerFeed: Address::ZERO, // an L1-like devnet: no sequencer-uptime feed
        sequencerGrace: 0,
        init: spec::init_params(kind, owner),
    }
}

/// Mints each asset's share of `usd` (whole dollars) for every balancer, then approves and
/// deposits it. Amounts come from the feed's current answer, rounded down.
pub(crate) async fn fund_at_targets(
    conn: &Connection,
    assets: &[DemoAssetRecord],
    balancers: &[DemoBalancerRecord],
    usd: U256,
) -> Result<(), DemoError> {
    for (asset, units) in assets
        .iter()
        .zip(units_at_targets(conn, assets, usd).await?)
    {
        let all = units.saturating_mul(U256::from(balancers.len()));
        let mint = TestERC20::mintCall {
            to: conn.from,
            amount: all,
        };
        send(
            conn,
            &format!("minting {}", asset.symbol),
            asset.token,
            &mint,
        )
        .await?;
        for b in balancers {
            let approve = TestERC20::approveCall {
                spender: b.address,
                value: units,
            };
            let what = format!("approving {} for {}", asset.symbol, b.key);
            send(conn, &what, asset.token, &approve).await?;
            let fund = Balancer::fundCall {
                token: asset.token,
                amount: units,
            };
            let what = format!("funding {} with {}", b.key, asset.symbol);
            send(conn, &what, b.address, &fund).await?;
        }
    }
    Ok(())
}

/// Each asset's token units worth its target share of `usd` (whole dollars) at the feed's
/// current answer, rounded down, in [`DEMO_ASSETS`] order.
pub(crate) async fn units_at_targets(
    conn: &Connection,
    assets: &[DemoAssetRecord],
    usd: U256,
) -> Result<Vec<U256>, DemoError> {
    let mut out = Vec::with_capacity(assets.len());
    for (spec, asset) in DEMO_ASSETS.iter().zip(assets) {
        let answer = read(
            MockV3Aggregator::new(asset.feed, &conn.provider)
                .latestAnswer()
                .call(),
            format!("{}/USD latestAnswer()", asset.symbol),
        )
        .await?;
        let price = portfolio::price_from_answer(&asset.symbol, answer)?;
        let usd = portfolio::usd_at_target(usd, spec.target_bps);
        out.push(portfolio::units_for_usd(
            &asset.symbol,
            usd,
            asset.decimals,
            FEED_DECIMALS,
            price,
        )?);
    }
    Ok(out)
}

async fn deploy(
    conn: &Connection,
    artifact: &Artifact,
    what: &str,
    args: &[u8],
) -> Result<Address, DemoError> {
    Ok(deploy_checked(conn, artifact, what, args).await?.0)
}

/// Deploys `artifact` with `args` and checks the runtime code; returns the address and the
/// creation transaction.
pub(crate) async fn deploy_checked(
    conn: &Connection,
    artifact: &Artifact,
    what: &str,
    args: &[u8],
) -> Result<(Address, alloy::primitives::TxHash), DemoError> {
    let (receipt, address) = conn.deploy(what, artifact.init_code(args)).await?;
    let code = conn.code_at(address).await?;
    if !artifact.runtime_matches(&code) {
        return Err(DemoError::CodeMismatch {
            what: what.to_string(),
            address,
            artifact: artifact.id.to_string(),
        });
    }
    Ok((address, receipt.transaction_hash))
}

pub(crate) async fn send(
    conn: &Connection,
    what: &str,
    to: Address,
    call: &impl SolCall,
) -> Result<(), DemoError> {
    conn.call(what, to, Bytes::from(call.abi_encode())).await?;
    Ok(())
}

/// Awaits a contract read, naming it in the error.
pub(crate) async fn read<T, E: std::fmt::Display>(
    call: impl std::future::IntoFuture<Output = Result<T, E>>,
    what: String,
) -> Result<T, DemoError> {
    call.await.map_err(|e| DemoError::Read {
        what,
        reason: e.to_string(),
    })
}

/// Shortens every demo balancer's cooldowns (both paths) to `cooldown_s` and its orders' life to
/// `order_ttl_s` (the balancers' minimum is 60 s), keeping every other default — so a short
/// devnet run sees each balancer rebalance more than once. The deployer owns them.
pub async fn tune(
    conn: &Connection,
    demo: &DemoRecord,
    cooldown_s: u32,
    order_ttl_s: u32,
) -> Result<(), DemoError> {
    let d = spec::default_params();
    let p = crate::chain::ours::balancer::IBalancer::Params {
        driftBps: d.driftBps,
        clearBps: d.clearBps,
        stableDriftBps: d.stableDriftBps,
        stableClearBps: d.stableClearBps,
        depegBps: d.depegBps,
        maxSlippageBps: d.maxSlippageBps,
        gridLevels: d.gridLevels,
        gridSpacingBps: d.gridSpacingBps,
        stableCooldown: cooldown_s,
        globalCooldown: cooldown_s,
        orderTtl: order_ttl_s,
        paused: false,
    };
    for b in demo.all_balancers() {
        let what = format!(
            "{}.setParams(cooldowns {cooldown_s} s, orders {order_ttl_s} s)",
            b.key
        );
        send(
            conn,
            &what,
            b.address,
            &Balancer::setParamsCall { p: p.clone() },
        )
        .await?;
    }
    Ok(())
}
