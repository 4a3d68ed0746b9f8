//! `[hub]`: the hub the keeper runs — its depository, the planner's parameters and the tokens it
//! serves with their limits — and its checked form, [`HubSettings`].
//!
//! ```toml
//! [hub]
//! depository = "0x…"                 # HubDepository; the keeper's key is the hub
//! fee_bps = 100                      # every planner field optional (defaults below)
//!
//! [hub.tokens.USDC]
//! address = "0x…"
//! decimals = 6
//! native_price = "3500"              # tokens per native coin (ETH/USD for a USD stablecoin)
//! min_amount = "100"                 # whole tokens
//! max_amount = "100000"
//! max_per_user = "10000"             # per interval
//! max_per_interval = "100000"
//! ```
//!
//! The gas defaults are the depository's measured snapshots (`snapshots/HubGasTest.json`): a
//! batch of one push used 52,909 gas and each further push 16,874, so a batch is
//! 36,035 + 16,874 per push.

use std::{collections::BTreeMap, time::Duration};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};

use super::{KeeperConfig, KeeperConfigError};
use crate::model::hub::{self, HubConfig, Price, TokenLimits, units};

/// Decimals kept of a native price.
const PRICE_DECIMALS: u8 = 18;
/// The depository's bound on pushes per batch (`HubDepository.MAX_PUSHES`).
pub const MAX_PUSHES: u32 = 256;

/// `[hub]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    /// The `HubDepository`; the keeper's address is the hub.
    pub depository: Address,
    /// Hub fee, bps of the amount.
    #[serde(default = "defaults::fee_bps")]
    pub fee_bps: u32,
    /// Gas of a batch before its pushes.
    #[serde(default = "defaults::gas_per_batch")]
    pub gas_per_batch: u64,
    /// Gas each push adds.
    #[serde(default = "defaults::gas_per_operation")]
    pub gas_per_operation: u64,
    /// Buffer on each miner-fee share, bps of it.
    #[serde(default = "defaults::gas_buffer_bps")]
    pub gas_buffer_bps: u32,
    /// Soft limit = this × a lone push's gas cost in the token.
    #[serde(default = "defaults::soft_limit_multiplier")]
    pub soft_limit_multiplier: u32,
    /// Send once the oldest planned request has waited this long, s.
    #[serde(default = "defaults::batch_window_secs")]
    pub batch_window_secs: u64,
    /// Send at once when this many pushes are planned.
    #[serde(default = "defaults::batch_size")]
    pub batch_size: u32,
    /// Most pushes in one batch (≤ the depository's 256).
    #[serde(default = "defaults::max_operations")]
    pub max_operations: u32,
    /// The gas price behind fees and the soft limit is refreshed this often, s.
    #[serde(default = "defaults::gas_refresh_secs")]
    pub gas_refresh_secs: u64,
    /// The caps' interval (`max_per_user`, `max_per_interval` count what it already served), s.
    #[serde(default = "defaults::interval_secs")]
    pub interval_secs: u64,
    /// A request is not planned within this many seconds of its deadline (the batch could land
    /// after it).
    #[serde(default = "defaults::deadline_margin_secs")]
    pub deadline_margin_secs: u64,
    /// The first block whose requests the keeper indexes when its store has no cursor yet
    /// (the depository's deployment block); default: the head at the first start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_block: Option<u64>,
    /// The tokens served, by symbol.
    pub tokens: BTreeMap<String, HubTokenEntry>,
}

impl HubSection {
    /// `[hub]` for `depository` and `tokens`, every other field at its default.
    pub fn new(depository: Address, tokens: BTreeMap<String, HubTokenEntry>) -> Self {
        Self {
            depository,
            fee_bps: defaults::fee_bps(),
            gas_per_batch: defaults::gas_per_batch(),
            gas_per_operation: defaults::gas_per_operation(),
            gas_buffer_bps: defaults::gas_buffer_bps(),
            soft_limit_multiplier: defaults::soft_limit_multiplier(),
            batch_window_secs: defaults::batch_window_secs(),
            batch_size: defaults::batch_size(),
            max_operations: defaults::max_operations(),
            gas_refresh_secs: defaults::gas_refresh_secs(),
            interval_secs: defaults::interval_secs(),
            deadline_margin_secs: defaults::deadline_margin_secs(),
            from_block: None,
            tokens,
        }
    }
}

/// `[hub.tokens.<SYMBOL>]`: amounts are whole tokens (decimal strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubTokenEntry {
    /// The ERC-20.
    pub address: Address,
    /// Its decimals.
    pub decimals: u8,
    /// Whole tokens per whole native coin (for a USD stablecoin: the ETH/USD price).
    pub native_price: String,
    /// Smallest request served.
    pub min_amount: String,
    /// Largest request served.
    pub max_amount: String,
    /// Most one user receives per interval.
    pub max_per_user: String,
    /// Most all users receive per interval.
    pub max_per_interval: String,
}

/// One token, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubToken {
    /// Its symbol (the planner's token id).
    pub symbol: String,
    /// The ERC-20.
    pub address: Address,
    /// Its decimals.
    pub decimals: u8,
    /// Tokens per native coin.
    pub native_price: Price,
    /// Limits, base units.
    pub limits: TokenLimits,
}

/// `[hub]`, checked and in base units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubSettings {
    /// The depository.
    pub depository: Address,
    /// The planner's parameters.
    pub planner: HubConfig,
    /// The tokens, by symbol.
    pub tokens: Vec<HubToken>,
    /// Gas price refresh.
    pub gas_refresh: Duration,
    /// The caps' interval, s.
    pub interval_secs: u64,
    /// Deadline margin, s.
    pub deadline_margin_secs: u64,
    /// Where indexing starts without a cursor.
    pub from_block: Option<u64>,
}

impl HubSettings {
    /// The token at `address`.
    pub fn token(&self, address: Address) -> Option<&HubToken> {
        self.tokens.iter().find(|t| t.address == address)
    }
}

impl KeeperConfig {
    /// `[hub]` checked, if the keeper runs a hub.
    pub fn hub(&self) -> Result<Option<HubSettings>, KeeperConfigError> {
        let Some(h) = &self.hub else {
            return Ok(None);
        };
        if h.depository == Address::ZERO {
            return Err(self.invalid(
                "hub.depository",
                h.depository,
                "is the zero address",
                "give the HubDepository's address (the deploy manifest's hub_depository)",
            ));
        }
        let planner = HubConfig {
            fee_bps: h.fee_bps,
            gas_per_batch: h.gas_per_batch,
            gas_per_operation: h.gas_per_operation,
            gas_buffer_bps: h.gas_buffer_bps,
            soft_limit_multiplier: h.soft_limit_multiplier,
            batch_window_secs: h.batch_window_secs,
            batch_size_threshold: h.batch_size,
            max_operations: h.max_operations,
        };
        if let Err(e) = hub::validate::config(&planner) {
            return Err(self.invalid(
                "hub",
                "(the planner fields)",
                &e.to_string(),
                "fix the [hub] field the message names",
            ));
        }
        if h.max_operations > MAX_PUSHES {
            return Err(self.invalid(
                "hub.max_operations",
                h.max_operations,
                "is above the depository's bound",
                format!("set it to at most {MAX_PUSHES} (HubDepository.MAX_PUSHES)"),
            ));
        }
        if h.gas_refresh_secs == 0 || h.interval_secs == 0 {
            return Err(self.invalid(
                if h.gas_refresh_secs == 0 {
                    "hub.gas_refresh_secs"
                } else {
                    "hub.interval_secs"
                },
                0,
                "is zero",
                "give a number of seconds (defaults: 300 and 3600)",
            ));
        }
        if h.tokens.is_empty() {
            return Err(self.invalid(
                "hub.tokens",
                "{}",
                "lists no token",
                "add [hub.tokens.<SYMBOL>] with address, decimals, native_price and the limits",
            ));
        }
        let mut tokens = Vec::with_capacity(h.tokens.len());
        for (symbol, t) in &h.tokens {
            if tokens.iter().any(|k: &HubToken| k.address == t.address)
                || t.address == Address::ZERO
            {
                return Err(self.invalid(
                    &format!("hub.tokens.{symbol}.address"),
                    t.address,
                    "is zero or another token's",
                    "give each token its own ERC-20 address",
                ));
            }
            if t.decimals > 36 {
                return Err(self.invalid(
                    &format!("hub.tokens.{symbol}.decimals"),
                    t.decimals,
                    "is out of range",
                    "set the token's decimals (0..=36)",
                ));
            }
            let price = units::parse_decimal(&t.native_price, PRICE_DECIMALS)
                .ok()
                .filter(|p| !p.is_zero())
                .ok_or_else(|| {
                    self.invalid(
                        &format!("hub.tokens.{symbol}.native_price"),
                        format!("{:?}", t.native_price),
                        "is not a positive decimal",
                        "give whole tokens per native coin, e.g. \"3500\"",
                    )
                })?;
            let amount = |field: &str, text: &str| {
                units::parse_decimal(text, t.decimals).map_err(|e| {
                    self.invalid(
                        &format!("hub.tokens.{symbol}.{field}"),
                        format!("{text:?}"),
                        &e.to_string(),
                        format!(
                            "give whole tokens with at most {} decimals, e.g. \"100\"",
                            t.decimals
                        ),
                    )
                })
            };
            let limits = TokenLimits {
                min_amount: amount("min_amount", &t.min_amount)?,
                max_amount: amount("max_amount", &t.max_amount)?,
                max_per_user: amount("max_per_user", &t.max_per_user)?,
                max_per_interval: amount("max_per_interval", &t.max_per_interval)?,
            };
            if limits.min_amount > limits.max_amount {
                return Err(self.invalid(
                    &format!("hub.tokens.{symbol}.min_amount"),
                    format!("{:?}", t.min_amount),
                    "is above max_amount",
                    "set min_amount <= max_amount",
                ));
            }
            tokens.push(HubToken {
                symbol: symbol.clone(),
                address: t.address,
                decimals: t.decimals,
                native_price: Price {
                    value: price,
                    decimals: PRICE_DECIMALS,
                },
                limits,
            });
        }
        Ok(Some(HubSettings {
            depository: h.depository,
            planner,
            tokens,
            gas_refresh: Duration::from_secs(h.gas_refresh_secs),
            interval_secs: h.interval_secs,
            deadline_margin_secs: h.deadline_margin_secs,
            from_block: h.from_block,
        }))
    }
}

/// The planner's gas figures from the depository's snapshots, and the other defaults.
pub(super) mod defaults {
    pub(crate) fn fee_bps() -> u32 {
        100
    }
    /// `settle r2c x1` (52,909) − the marginal push (16,874).
    pub(crate) fn gas_per_batch() -> u64 {
        36_035
    }
    /// (`settle r2c x10` − `settle r2c x1`) / 9.
    pub(crate) fn gas_per_operation() -> u64 {
        16_874
    }
    pub(crate) fn gas_buffer_bps() -> u32 {
        2_000
    }
    pub(crate) fn soft_limit_multiplier() -> u32 {
        100
    }
    pub(crate) fn batch_window_secs() -> u64 {
        10
    }
    pub(crate) fn batch_size() -> u32 {
        10
    }
    pub(crate) fn max_operations() -> u32 {
        50
    }
    pub(crate) fn gas_refresh_secs() -> u64 {
        300
    }
    pub(crate) fn interval_secs() -> u64 {
        3_600
    }
    pub(crate) fn deadline_margin_secs() -> u64 {
        30
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::U256;

    use super::*;

    const DEP: &str = "0x1111111111111111111111111111111111111111";
    const USDC: &str = "0x2222222222222222222222222222222222222222";

    fn parse(hub: &str) -> Result<Option<HubSettings>, KeeperConfigError> {
        let text =
            format!("[chain]\nrpc_url = \"http://127.0.0.1:8545\"\nchain_id = 31337\n\n{hub}");
        let c = KeeperConfig::from_toml_str(&text, std::path::Path::new("/cfg"), &[])?;
        c.validate()?;
        c.hub()
    }

    fn usdc(extra: &str) -> String {
        format!(
            "[hub]\ndepository = \"{DEP}\"\n{extra}\n[hub.tokens.USDC]\naddress = \"{USDC}\"\n\
             decimals = 6\nnative_price = \"3500\"\nmin_amount = \"100\"\nmax_amount = \"100000\"\n\
             max_per_user = \"10000\"\nmax_per_interval = \"100000\"\n"
        )
    }

    #[test]
    fn a_hub_alone_is_a_valid_keeper_with_the_snapshot_gas_figures() {
        let h = parse(&usdc("")).unwrap().unwrap();
        assert_eq!(h.depository, DEP.parse::<Address>().unwrap());
        assert_eq!(
            (h.planner.gas_per_batch, h.planner.gas_per_operation),
            (36_035, 16_874)
        );
        assert_eq!(h.tokens[0].limits.min_amount, U256::from(100_000_000u64));
        assert_eq!(
            h.tokens[0].native_price.value,
            U256::from(3500u64) * U256::from(10u64).pow(U256::from(18u8))
        );
        assert_eq!(h.gas_refresh, Duration::from_secs(300));
    }

    #[test]
    fn bad_hub_fields_are_named_with_their_fix() {
        let e = parse(&usdc("max_operations = 300"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("hub.max_operations") && e.contains("256"), "{e}");
        let e = parse(&usdc("").replace("\"100000\"\nmax_per_user", "\"1.0000001\"\nmax_per_user"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("hub.tokens.USDC.max_amount") && e.contains("decimal"),
            "{e}"
        );
        let e = parse(&usdc("").replace("\"3500\"", "\"0\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("hub.tokens.USDC.native_price"), "{e}");
        let e = parse(&usdc("").replace("min_amount = \"100\"", "min_amount = \"200000\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("hub.tokens.USDC.min_amount") && e.contains("max_amount"),
            "{e}"
        );
        let e = parse(&format!("[hub]\ndepository = \"{DEP}\"\ntokens = {{}}\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("hub.tokens") && e.contains("no token"), "{e}");
        let e = parse(&usdc("unknown = 1")).unwrap_err().to_string();
        assert!(e.contains("unknown"), "{e}");
    }
}
