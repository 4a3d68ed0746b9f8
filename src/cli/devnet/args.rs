//! The options of `onebalancer devnet` (their doc comments are its `--help`).

use std::path::PathBuf;

use crate::devnet::price_walk::MAX_STEP_BPS;

/// Options of `devnet`.
#[derive(Debug, Clone, clap::Args)]
pub struct DevnetArgs {
    /// Where to write the deployment manifest (relative paths: from the project root).
    #[arg(long, value_name = "FILE", default_value = ".devnet/manifest.json")]
    pub manifest: PathBuf,
    /// Deploy configuration (TOML), as for `deploy`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Seconds between blocks once deployed (0: mine only on transactions).
    #[arg(long, default_value_t = 1)]
    pub block_time: u64,
    /// Stop after this many seconds instead of waiting for Ctrl-C.
    #[arg(long, env = "ONEBALANCER_DEVNET_SECS", value_name = "SECS")]
    pub secs: Option<u64>,
    /// Do not run `forge build` first (use out/ as it is).
    #[arg(long)]
    pub no_build: bool,
    /// Keep the simulated Automation DON stopped: upkeeps stay registered and funded but are
    /// never performed (what a keeper's fallback covers).
    /// (ONEBALANCER_DON_STOPPED takes 1/0, true/false, yes/no, on/off.)
    #[arg(long, env = "ONEBALANCER_DON_STOPPED",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub don_stopped: bool,
    /// Seconds between rounds of the simulated DON (each checks every active upkeep and
    /// transmits one report with all that need work).
    #[arg(long, value_name = "SECS", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub don_every: u64,
    /// Seconds between moves of the demo price feeds (0: prices stay still).
    #[arg(long, env = "ONEBALANCER_DEVNET_PRICE_SECS", value_name = "SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub price_every: u64,
    /// Standard deviation of each move of WBTC and WETH, in bp (the stables get 2 bp of noise).
    /// Fast on purpose, so the demo balancers drift past their bands within minutes.
    #[arg(
        long,
        env = "ONEBALANCER_DEVNET_PRICE_STEP_BPS",
        value_name = "BPS",
        default_value_t = 200,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_STEP_BPS))
    )]
    pub price_step_bps: u32,
    /// Seed of the price walk: the same seed moves the prices the same way.
    #[arg(
        long,
        env = "ONEBALANCER_DEVNET_PRICE_SEED",
        value_name = "N",
        default_value_t = 1
    )]
    pub price_seed: u64,
    /// How the devnet's keeper serves the demo: `fallback` (behind the simulated DON, after
    /// --grace-blocks) or `primary` (at once).
    #[arg(long, env = "ONEBALANCER_DEVNET_KEEPER_MODE", value_enum, default_value_t = KeeperModeArg::Fallback)]
    pub keeper_mode: KeeperModeArg,
    /// Fallback: blocks `upkeepNeeded` must hold with no perform seen before the keeper acts.
    #[arg(long, env = "ONEBALANCER_DEVNET_GRACE_BLOCKS", value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub grace_blocks: u64,
    /// Run no keeper (the DON alone, or nobody with --don-stopped).
    #[arg(long, env = "ONEBALANCER_DEVNET_NO_KEEPER",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub no_keeper: bool,
    /// Run no taker (published orders stay unfilled until they expire).
    #[arg(long, env = "ONEBALANCER_DEVNET_NO_TAKER",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub no_taker: bool,
    /// Stop the simulated Chainlink network for random windows (8–20 s up, 5–15 s down), so the
    /// fallback keeper visibly takes over and hands back.
    #[arg(long, env = "ONEBALANCER_DEVNET_CHAOS",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub chaos: bool,
    /// Shorten every demo balancer's cooldowns to SECS (default: the fixture's 1 h stable and
    /// 6 h global), so a short run rebalances each balancer more than once.
    #[arg(long, env = "ONEBALANCER_DEVNET_COOLDOWN_SECS", value_name = "SECS",
          value_parser = clap::value_parser!(u32).range(0..=2_592_000))]
    pub cooldown: Option<u32>,
    /// Orders live this long, s (default 600; at least 60, the balancers' minimum).
    #[arg(long, env = "ONEBALANCER_DEVNET_ORDER_TTL_SECS", value_name = "SECS",
          value_parser = clap::value_parser!(u32).range(60..=86_400))]
    pub order_ttl: Option<u32>,
    /// Seed of the --chaos windows.
    #[arg(
        long,
        env = "ONEBALANCER_DEVNET_CHAOS_SEED",
        value_name = "N",
        default_value_t = 1
    )]
    pub chaos_seed: u64,
    /// Seconds between the simulated hub users' actions (a top-up request, a cancel, a signed
    /// pull); 0 runs the hub with no simulated users (requests come from elsewhere).
    #[arg(long, env = "ONEBALANCER_DEVNET_HUB_EVERY", value_name = "SECS", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub hub_every: u64,
}

/// `--keeper-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeeperModeArg {
    /// Behind the simulated DON.
    Fallback,
    /// The only performer that acts at once.
    Primary,
}
