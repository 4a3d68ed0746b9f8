//! `onebalancer hub`: the hub batch planner from the command line — `quote` one request's fees,
//! `plan` a batch from a JSON file of pending requests.
//!
//! Amounts in and out are decimal strings of whole tokens (`"1041.50"`), exact: every
//! significant digit of the token's base units, at least two decimals.

mod input;
mod render;

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
    /// Current gas price in gwei (e.g. 50, or 0.01 on an L2).
    #[arg(long, value_name = "GWEI", allow_hyphen_values = true)]
    pub gas_gwei: String,
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

/// Runs `hub quote` or `hub plan`.
pub fn run(args: HubArgs) -> eyre::Result<()> {
    match args.command {
        HubCommand::Quote(a) => run_quote(&a),
        HubCommand::Plan(a) => run_plan(&a),
    }
}

fn run_quote(a: &QuoteArgs) -> eyre::Result<()> {
    let config = input::ConfigFile::load(a.config.as_deref())?;
    let amount = input::decimal_arg(
        "--amount",
        &a.amount,
        a.decimals,
        "the amount in whole tokens, e.g. 1000",
    )?;
    if amount.is_zero() {
        return Err(eyre!(
            "--amount 0 is invalid — quote a positive amount, e.g. --amount 1000"
        ));
    }
    let gas = GasMarket::wei(gas_price_arg("--gas-gwei", &a.gas_gwei)?);
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
        decimals: a.decimals,
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
        decimals: a.decimals,
        gas_gwei: &a.gas_gwei,
        native_price: &a.eth_usd,
    };
    match a.format {
        Format::Json => output::line(&render::quote_json(&view)),
        Format::Table => output::line(&render::quote_table(&view)),
    }
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
