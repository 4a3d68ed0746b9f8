//! `onebalancer hub`: the hub from the command line — `quote` one request's fees (with the live
//! gas price and reserve given `--rpc-url`), `plan` a batch from a JSON file of pending
//! requests, `status` of a running hub keeper from its store, `offer` a user's signed pull.
//!
//! Amounts in and out are decimal strings of whole tokens (`"1041.50"`), exact: every
//! significant digit of the token's base units, at least two decimals.

mod input;
mod render;
mod status;

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use eyre::eyre;

use crate::{
    cli::output,
    model::hub::{self, GasMarket, TokenId, TokenLimits, TokenState, validate::MAX_GAS_PRICE_WEI},
};

/// Options of `hub`.
#[derive(Debug, Clone, clap::Args)]
pub struct HubArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: HubCommand,
}

/// `hub` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum HubCommand {
    /// What one request costs: hub fee, miner-fee share, gas buffer, total, and the dynamic soft
    /// limit at this gas price. Defaults reproduce the plan document (1 % fee, 150k gas for a
    /// lone operation, 20 % buffer, 6-decimal USD stablecoin).
    Quote(QuoteArgs),
    /// Plan the next batch from a JSON file of pending requests (with "now", the gas price and
    /// the hub's reserves): execute now or wait, the operations biggest first with their fees,
    /// and every skipped request with its reason.
    Plan(PlanArgs),
    /// What a hub keeper's store says: the queue (every request not settled, with the reason it
    /// waits or ended), pull offers, the last batches, and the hub's P&L (fees earned − gas
    /// spent). Reads the store only.
    Status(StatusArgs),
    /// Hand a user's signed pull (a settlement letting the hub pull its share of their account
    /// into its reserve, JSON) to the hub keeper: checked against the chain, then stored for
    /// the next batch that needs it.
    Offer(OfferArgs),
}

/// Options of `hub status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The hub keeper's configuration (its [hub] and its store).
    #[arg(long, value_name = "FILE", default_value = "keeper.toml")]
    pub config: PathBuf,
    /// Batches shown, newest first (the P&L counts them all).
    #[arg(long, default_value_t = 10)]
    pub batches: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Options of `hub offer`.
#[derive(Debug, Clone, clap::Args)]
pub struct OfferArgs {
    /// The hub keeper's configuration (its node, [hub] and store).
    #[arg(long, value_name = "FILE", default_value = "keeper.toml")]
    pub config: PathBuf,
    /// The signed settlement (JSON; see the keeper::hub::offers docs).
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// One JSON document; amounts are decimal strings of whole tokens.
    Json,
}

/// Options of `hub quote`.
#[derive(Debug, Clone, clap::Args)]
pub struct QuoteArgs {
    /// Amount the user's collateral receives, in whole tokens (e.g. 1000 or 1000.50).
    #[arg(long, value_name = "TOKENS", allow_hyphen_values = true)]
    pub amount: String,
    /// Current gas price in gwei (e.g. 50, or 0.01 on an L2); with --rpc-url, read from the node.
    #[arg(
        long,
        value_name = "GWEI",
        allow_hyphen_values = true,
        required_unless_present = "rpc_url",
        conflicts_with = "rpc_url"
    )]
    pub gas_gwei: Option<String>,
    /// A node to read the live gas price from (and, with --depository, --hub and --token, the
    /// hub's reserve of the token and its decimals).
    #[arg(long, value_name = "URL")]
    pub rpc_url: Option<String>,
    /// The HubDepository whose reserve is read (with --rpc-url).
    #[arg(long, value_name = "ADDRESS", requires_all = ["rpc_url", "hub", "token"])]
    pub depository: Option<alloy::primitives::Address>,
    /// The hub whose reserve is read.
    #[arg(long, value_name = "ADDRESS", requires = "depository")]
    pub hub: Option<alloy::primitives::Address>,
    /// The token (its decimals are read from it).
    #[arg(long, value_name = "ADDRESS", requires = "depository")]
    pub token: Option<alloy::primitives::Address>,
    /// Price of the native coin in tokens (for a USD stablecoin: the ETH/USD price, e.g. 3500).
    #[arg(long, value_name = "PRICE", allow_hyphen_values = true)]
    pub eth_usd: String,
    /// The token's decimals.
    #[arg(long, default_value_t = 6)]
    pub decimals: u8,
    /// Operations in the batch (the request is quoted as its biggest, with the largest share).
    #[arg(long, default_value_t = 1)]
    pub batch_size: u32,
    /// Hub parameters (TOML; see README "Hub batch planner") [default: the document's].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Options of `hub plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// Pending requests, "now", gas price and reserves (JSON; see
    /// test/e2e/fixtures/hub-requests.json).
    #[arg(long, value_name = "FILE")]
    pub requests: PathBuf,
    /// Hub parameters and per-token limits (TOML) [default: the document's, limits for USDC].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs a `hub` subcommand.
pub async fn run(args: HubArgs) -> eyre::Result<()> {
    match args.command {
        HubCommand::Quote(a) => run_quote(&a).await,
        HubCommand::Plan(a) => run_plan(&a),
        HubCommand::Status(a) => status::run(&a.config, a.format, a.batches).await,
        HubCommand::Offer(a) => run_offer(&a).await,
    }
}

/// What `--rpc-url` read: the gas price, and the reserve with the token's decimals.
struct Live {
    gas_wei: alloy::primitives::U256,
    reserve: Option<(alloy::primitives::U256, u8)>,
}

async fn read_live(a: &QuoteArgs, url: &str) -> eyre::Result<Live> {
    use alloy::providers::Provider;
    let reader = crate::chain::provider::read_only(url)
        .map_err(|e| eyre!("--rpc-url {}: {e}", crate::chain::provider::redact(url)))?;
    let gas = reader.get_gas_price().await.map_err(|e| {
        eyre!(
            "--rpc-url {}: eth_gasPrice failed: {e} — check the node",
            crate::chain::provider::redact(url)
        )
    })?;
    let reserve = match (a.depository, a.hub, a.token) {
        (Some(dep), Some(hub), Some(token)) => {
            let d = crate::chain::ours::HubDepository::new(dep, &reader);
            let r = d.reserveOf(hub, token).call().await.map_err(|e| {
                eyre!("--depository {dep}: reserveOf({hub}, {token}) failed: {e} — is it a HubDepository?")
            })?;
            let t = crate::chain::ours::TestERC20::new(token, &reader);
            let decimals = t.decimals().call().await.map_err(|e| {
                eyre!("--token {token}: decimals() failed: {e} — give an ERC-20's address")
            })?;
            Some((r, decimals))
        }
        _ => None,
    };
    Ok(Live {
        gas_wei: alloy::primitives::U256::from(gas),
        reserve,
    })
}

async fn run_quote(a: &QuoteArgs) -> eyre::Result<()> {
    let config = input::ConfigFile::load(a.config.as_deref())?;
    let live = match &a.rpc_url {
        Some(url) => Some(read_live(a, url).await?),
        None => None,
    };
    let decimals = live
        .as_ref()
        .and_then(|l| l.reserve.map(|(_, d)| d))
        .unwrap_or(a.decimals);
    let amount = input::decimal_arg(
        "--amount",
        &a.amount,
        decimals,
        "the amount in whole tokens, e.g. 1000",
    )?;
    if amount.is_zero() {
        return Err(eyre!(
            "--amount 0 is invalid — quote a positive amount, e.g. --amount 1000"
        ));
    }
    let (gas, gas_gwei) = match (&live, &a.gas_gwei) {
        (Some(l), _) => (
            GasMarket::wei(l.gas_wei),
            hub::units::format_decimal(l.gas_wei, 9, 0),
        ),
        (None, Some(g)) => (GasMarket::wei(gas_price_arg("--gas-gwei", g)?), g.clone()),
        (None, None) => {
            return Err(eyre!(
                "give --gas-gwei (the current gas price in gwei), or --rpc-url to read it from a node"
            ));
        }
    };
    let price = input::price_arg("--eth-usd", &a.eth_usd)?;
    if a.batch_size == 0 || a.batch_size > config.hub.max_operations {
        return Err(eyre!(
            "--batch-size {} is invalid — use 1 to {} (the config's max_operations)",
            a.batch_size,
            config.hub.max_operations
        ));
    }
    let token_id = TokenId("token".into());
    let token = TokenState {
        decimals,
        reserve: amount,
        native_price: price,
        limits: TokenLimits {
            min_amount: amount,
            max_amount: amount,
            max_per_user: amount,
            max_per_interval: amount,
        },
    };
    let q = hub::quote(amount, a.batch_size, &config.hub, &gas, &token_id, &token)?;
    let view = render::QuoteView {
        quote: &q,
        config: &config.hub,
        decimals,
        gas_gwei: &gas_gwei,
        native_price: &a.eth_usd,
        live: a.rpc_url.is_some(),
        reserve: live.and_then(|l| l.reserve.map(|(r, _)| r)),
    };
    match a.format {
        Format::Json => output::line(&render::quote_json(&view)),
        Format::Table => output::line(&render::quote_table(&view)),
    }
    Ok(())
}

async fn run_offer(a: &OfferArgs) -> eyre::Result<()> {
    use crate::keeper::{
        config::{KeeperConfig, StoreLocation},
        hub::offers::{self, OfferFile},
    };
    let config = KeeperConfig::load(&a.config)?;
    let Some(settings) = config.hub()? else {
        return Err(eyre!(
            "{}: no [hub] section — offers go to the store of a keeper that runs a hub",
            config.file()
        ));
    };
    let text = std::fs::read_to_string(&a.file)
        .map_err(|e| eyre!("--file {}: cannot read it ({e})", a.file.display()))?;
    let file: OfferFile = serde_json::from_str(&text).map_err(|e| {
        eyre!(
            "--file {}: not a signed settlement ({e}) — see `onebalancer hub offer --help`",
            a.file.display()
        )
    })?;
    let offer = file.parse(config.chain.chain_id)?;
    let url = config.rpc_url()?.to_string();
    let reader = crate::chain::provider::read_only(&url)?;
    let StoreLocation::Sqlite(path) = config.store_location()? else {
        return Err(eyre!(
            "[keeper] store is a PostgreSQL URL; this build keeps its state in SQLite"
        ));
    };
    let store = crate::store::Store::open(&path.to_string_lossy()).await?;
    let fresh = offers::add_offer(&reader, &store, settings.depository, &offer).await?;
    store.close().await;
    output::line(&if fresh {
        format!(
            "offer of {} at nonce {} stored: the next batch short of reserve may pull it",
            offer.user, offer.nonce
        )
    } else {
        format!(
            "offer of {} at nonce {} was stored already",
            offer.user, offer.nonce
        )
    });
    Ok(())
}

fn run_plan(a: &PlanArgs) -> eyre::Result<()> {
    let config = input::ConfigFile::load(a.config.as_deref())?;
    let plan_input = input::load_requests(&a.requests, &config)?;
    let plan = hub::plan(&plan_input).map_err(|e| eyre!("{}: {e}", a.requests.display()))?;
    match a.format {
        Format::Json => output::line(&render::plan_json(&plan, &plan_input)),
        Format::Table => output::line(&render::plan_table(&plan, &plan_input)),
    }
    Ok(())
}

/// A gas price in gwei → wei, refusing negative, zero and absurd values with the flag named.
pub(crate) fn gas_price_arg(flag: &str, text: &str) -> eyre::Result<alloy::primitives::U256> {
    let wei = input::decimal_arg(
        flag,
        text,
        9,
        "the current gas price in gwei, e.g. 50 or 0.01",
    )?;
    if wei.is_zero() {
        return Err(eyre!(
            "{flag} {text} is invalid: a gas price of 0 — pass the current gas price in gwei, e.g. 50 or 0.01"
        ));
    }
    if wei > alloy::primitives::U256::from(MAX_GAS_PRICE_WEI) {
        return Err(eyre!(
            "{flag} {text} is absurd: above 100000 gwei — pass the current gas price in gwei, e.g. 50"
        ));
    }
    Ok(wei)
}
