//! What the deployer deploys and how it configures it: a TOML file (`--config`) whose every field
//! has a default suited to a local chain.
//!
//! ```toml
//! # Use contracts that already exist on the target chain instead of deploying them.
//! [existing]
//! link = "0x514910771AF9Ca656af840dff83E8264EcF986CA"
//!
//! [don]            # the Automation DON the registry accepts reports from
//! signers = ["0x…", "0x…", "0x…", "0x…"]
//! transmitters = ["0x…", "0x…", "0x…", "0x…"]
//! f = 1
//!
//! [registry]
//! gas_fee_ppb = 500000000   # 50 % premium, as on Base
//! flat_fee_milli_cents = 20000
//! ```

use std::{collections::BTreeMap, path::Path};

use alloy::primitives::{Address, U256, address};
use serde::{Deserialize, Serialize};

/// Chain id anvil uses by default.
pub const ANVIL_CHAIN_ID: u64 = 31337;

/// anvil's default development accounts 0–9 (from its public test mnemonic: public addresses of
/// keys that hold nothing on any real chain).
pub const ANVIL_DEV_ACCOUNTS: [Address; 10] = [
    address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
    address!("70997970C51812dc3A010C7d01b50e0d17dc79C8"),
    address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
    address!("90F79bf6EB2c4f870365E785982E1f101E93b906"),
    address!("15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
    address!("9965507D1a55bcC2695C58ba16FB37d819B0A4dc"),
    address!("976EA74026E726554dB657fA54763abd0C3a0aa9"),
    address!("14dC79964da2C08b23698B3D3cc7Ca32193d9955"),
    address!("23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"),
    address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720"),
];

/// The registry's limit on DON size (`MAX_NUM_ORACLES`).
pub const MAX_ORACLES: usize = 31;

/// Invalid configuration: names the field, the value and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {reason} — check the --config path")]
    Unreadable {
        /// The file.
        path: String,
        /// OS message.
        reason: String,
    },
    /// The TOML is malformed or has an unknown/mistyped field.
    #[error("config {path}: {reason} — fix that field (see the field list in README.md)")]
    Parse {
        /// The file.
        path: String,
        /// Parser message, naming the field.
        reason: String,
    },
    /// A field has an unusable value.
    #[error("config field {field} = {value} is invalid: {fix}")]
    Invalid {
        /// Dotted field name.
        field: &'static str,
        /// The value given.
        value: String,
        /// What to do instead.
        fix: String,
    },
}

/// The whole deploy configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DeployConfig {
    /// Contracts that already exist on the chain, by manifest key (`link`, `weth`,
    /// `link_usd_feed`, `native_usd_feed`, `fast_gas_feed`, `multicall3`, …, `registry`, `registrar`,
    /// `limit_order_protocol`): verified to have code, recorded, never deployed or configured.
    pub existing: BTreeMap<String, Address>,
    /// The DON that signs and transmits Automation reports.
    pub don: DonConfig,
    /// Registry parameters.
    pub registry: RegistryConfig,
    /// Registrar parameters.
    pub registrar: RegistrarConfig,
    /// Starting answers of the price feeds the deployer creates (only where it creates them).
    pub feeds: FeedConfig,
    /// LINK minted to the deployer when the deployer creates the LINK token (a local chain).
    pub link_mint_to_deployer: U256,
}

/// Automation DON membership.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DonConfig {
    /// OCR signer addresses (empty: anvil accounts 1–4 on a local chain).
    pub signers: Vec<Address>,
    /// Transmitter addresses, one per signer (empty: anvil accounts 5–8 on a local chain).
    pub transmitters: Vec<Address>,
    /// Faulty nodes tolerated; needs more than 3·f signers.
    pub f: u8,
}

/// `OnchainConfig` and billing of the registry 2.3 (defaults: Base's published values).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RegistryConfig {
    /// Gas a check may use.
    pub check_gas_limit: u32,
    /// Largest perform gas limit an upkeep may have.
    pub max_perform_gas: u32,
    /// Largest checkData.
    pub max_check_data_size: u32,
    /// Largest performData.
    pub max_perform_data_size: u32,
    /// Largest revert data kept.
    pub max_revert_data_size: u32,
    /// Gas price ceiling = fast gas × this.
    pub gas_ceiling_multiplier: u16,
    /// Feed answers older than this fall back to the fallback prices.
    pub staleness_seconds: u32,
    /// Gas price used when the fast-gas feed is stale (wei).
    pub fallback_gas_price: U256,
    /// LINK/USD used when its feed is stale (8 decimals).
    pub fallback_link_price: U256,
    /// Native/USD used when its feed is stale (8 decimals).
    pub fallback_native_price: U256,
    /// Premium on gas, parts per billion (500,000,000 = 50 %).
    pub gas_fee_ppb: u32,
    /// Flat fee per perform, in thousandths of a US cent.
    pub flat_fee_milli_cents: u32,
    /// Reject performs whose trigger block was re-orged out.
    pub reorg_protection: bool,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            check_gas_limit: 10_000_000,
            max_perform_gas: 5_000_000,
            max_check_data_size: 5_000,
            max_perform_data_size: 2_000,
            max_revert_data_size: 5_000,
            gas_ceiling_multiplier: 5,
            staleness_seconds: 90_000,
            fallback_gas_price: U256::from(20_000_000_000u64),
            fallback_link_price: U256::from(2_000_000_000u64),
            fallback_native_price: U256::from(400_000_000_000u64),
            gas_fee_ppb: 500_000_000,
            // $0.20 per perform (0.01 LINK at $20): the flat fee Chainlink lists for Base on 2.3.
            flat_fee_milli_cents: 20_000,
            reorg_protection: true,
        }
    }
}

/// Registrar parameters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RegistrarConfig {
    /// Auto-approve every conditional upkeep registration (up to `auto_approve_max`).
    pub auto_approve: bool,
    /// How many registrations may be auto-approved.
    pub auto_approve_max: u32,
    /// Smallest first funding in LINK (wei units of LINK).
    pub min_link: U256,
    /// Smallest first funding in wrapped native (wei).
    pub min_native: U256,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        Self {
            auto_approve: true,
            auto_approve_max: 10_000,
            min_link: U256::from(100_000_000_000_000_000u64), // 0.1 LINK ($2 at $20)
            min_native: U256::from(500_000_000_000_000u64),   // 0.0005 native ($2 at $4,000)
        }
    }
}

/// Starting answers of the mock price feeds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// LINK/USD, 8 decimals.
    pub link_usd: i64,
    /// Native/USD, 8 decimals.
    pub native_usd: i64,
    /// Fast gas, wei.
    pub fast_gas_wei: i64,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            link_usd: 2_000_000_000,
            native_usd: 400_000_000_000,
            fast_gas_wei: 1_000_000_000,
        }
    }
}

impl DeployConfig {
    /// Reads `path`, or the defaults when no file is given.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        path.map_or_else(|| Ok(Self::default()), Self::from_file)
    }

    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses TOML text (`origin` names it in errors).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_string(),
            reason: e.message().to_string()
                + &e.span()
                    .map(|s| format!(" (at byte {})", s.start))
                    .unwrap_or_default(),
        })
    }

    /// Fills chain-dependent defaults: on a local anvil chain an empty DON becomes anvil's
    /// accounts 1–4 (signers) and 5–8 (transmitters), and the deployer gets 1,000,000 LINK.
    pub fn with_chain_defaults(mut self, chain_id: u64) -> Self {
        if chain_id == ANVIL_CHAIN_ID {
            if self.don.signers.is_empty() && self.don.transmitters.is_empty() {
                self.don.signers = ANVIL_DEV_ACCOUNTS[1..5].to_vec();
                self.don.transmitters = ANVIL_DEV_ACCOUNTS[5..9].to_vec();
            }
            if self.link_mint_to_deployer.is_zero() {
                self.link_mint_to_deployer = U256::from(10u64).pow(U256::from(24u64));
            }
        }
        if self.don.f == 0 {
            self.don.f = 1;
        }
        self
    }

    /// Checks every field the deployment depends on (the DON only when the registry is deployed
    /// here, not taken from `existing`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let deploying_registry = !self.existing.contains_key("registry");
        if deploying_registry {
            self.don.validate()?;
        }
        let r = &self.registry;
        if r.gas_ceiling_multiplier == 0 {
            return Err(invalid(
                "registry.gas_ceiling_multiplier",
                0,
                "use 1 or more (Base: 5)",
            ));
        }
        if r.max_perform_gas < 10_000 {
            return Err(invalid(
                "registry.max_perform_gas",
                r.max_perform_gas,
                "use at least 10000 (Base: 5000000)",
            ));
        }
        if r.flat_fee_milli_cents > 0xff_ffff {
            return Err(invalid(
                "registry.flat_fee_milli_cents",
                r.flat_fee_milli_cents,
                "it is a uint24 on-chain: use at most 16777215",
            ));
        }
        if r.staleness_seconds > 0xff_ffff {
            return Err(invalid(
                "registry.staleness_seconds",
                r.staleness_seconds,
                "it is a uint24 on-chain: use at most 16777215",
            ));
        }
        let u96_max = (U256::from(1u8) << 96) - U256::from(1u8);
        for (field, value) in [
            ("registrar.min_link", self.registrar.min_link),
            ("registrar.min_native", self.registrar.min_native),
        ] {
            if value > u96_max {
                return Err(invalid(
                    field,
                    value,
                    "it is a uint96 on-chain: use at most 2^96-1",
                ));
            }
        }
        for (field, value) in [
            ("feeds.link_usd", self.feeds.link_usd),
            ("feeds.native_usd", self.feeds.native_usd),
            ("feeds.fast_gas_wei", self.feeds.fast_gas_wei),
        ] {
            if value <= 0 {
                return Err(invalid(
                    field,
                    value,
                    "a price feed answer must be positive",
                ));
            }
        }
        if self.existing.values().any(|a| a.is_zero()) {
            let key = self
                .existing
                .iter()
                .find(|(_, a)| a.is_zero())
                .map(|(k, _)| k.as_str());
            return Err(ConfigError::Invalid {
                field: "existing",
                value: format!("{} = 0x0", key.unwrap_or("?")),
                fix: "give the contract's real address or remove the entry".into(),
            });
        }
        Ok(())
    }
}

impl DonConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let n = self.signers.len();
        if n == 0 {
            return Err(invalid(
                "don.signers",
                "[]",
                "a registry deployed here needs its DON: list the signer and transmitter addresses under [don], or set existing.registry to use a deployed registry",
            ));
        }
        if self.transmitters.len() != n {
            return Err(ConfigError::Invalid {
                field: "don.transmitters",
                value: format!("{} addresses", self.transmitters.len()),
                fix: format!("give exactly one transmitter per signer ({n})"),
            });
        }
        if n > MAX_ORACLES {
            return Err(invalid(
                "don.signers",
                n,
                "the registry accepts at most 31 oracles",
            ));
        }
        if n <= 3 * usize::from(self.f) {
            return Err(ConfigError::Invalid {
                field: "don.f",
                value: self.f.to_string(),
                fix: format!("{n} signers tolerate at most f = {}", (n - 1) / 3),
            });
        }
        for (field, list) in [
            ("don.signers", &self.signers),
            ("don.transmitters", &self.transmitters),
        ] {
            let mut seen = std::collections::BTreeSet::new();
            for a in list {
                if a.is_zero() || !seen.insert(*a) {
                    return Err(invalid(field, a, "addresses must be non-zero and distinct"));
                }
            }
        }
        Ok(())
    }
}

fn invalid(field: &'static str, value: impl std::fmt::Display, fix: &str) -> ConfigError {
    ConfigError::Invalid {
        field,
        value: value.to_string(),
        fix: fix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_local_default() {
        let c = DeployConfig::from_toml("", "t")
            .unwrap()
            .with_chain_defaults(ANVIL_CHAIN_ID);
        assert_eq!(c.don.signers.len(), 4);
        assert_eq!(c.don.f, 1);
        assert_eq!(c.registry.gas_fee_ppb, 500_000_000);
        c.validate().unwrap();
    }

    #[test]
    fn unknown_field_is_named() {
        let err = DeployConfig::from_toml("[registry]\ngas_fee_pbb = 1\n", "cfg.toml").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("gas_fee_pbb") && msg.contains("cfg.toml"),
            "{msg}"
        );
    }

    #[test]
    fn real_chain_needs_a_don_or_an_existing_registry() {
        let c = DeployConfig::default().with_chain_defaults(8453);
        let msg = c.validate().unwrap_err().to_string();
        assert!(
            msg.contains("don.signers") && msg.contains("existing.registry"),
            "{msg}"
        );
        let mut c = c;
        c.existing.insert("registry".into(), ANVIL_DEV_ACCOUNTS[0]);
        c.validate().unwrap();
    }

    #[test]
    fn don_shape_is_checked() {
        let mut c = DeployConfig::default().with_chain_defaults(ANVIL_CHAIN_ID);
        c.don.f = 2;
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("at most f = 1")
        );
        c.don.f = 1;
        c.don.transmitters.pop();
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("one transmitter per signer")
        );
        let mut c = DeployConfig::default().with_chain_defaults(ANVIL_CHAIN_ID);
        c.don.signers[1] = c.don.signers[0];
        assert!(c.validate().unwrap_err().to_string().contains("distinct"));
    }

    #[test]
    fn bad_values_name_field_value_and_fix() {
        let mut c = DeployConfig::default().with_chain_defaults(ANVIL_CHAIN_ID);
        c.feeds.link_usd = 0;
        let msg = c.validate().unwrap_err().to_string();
        assert!(
            msg.contains("feeds.link_usd = 0") && msg.contains("positive"),
            "{msg}"
        );
        let mut c = DeployConfig::default().with_chain_defaults(ANVIL_CHAIN_ID);
        c.registry.flat_fee_milli_cents = 1 << 24;
        assert!(c.validate().unwrap_err().to_string().contains("uint24"));
        let mut c = DeployConfig::default().with_chain_defaults(ANVIL_CHAIN_ID);
        c.registrar.min_link = U256::from(1u8) << 96;
        let msg = c.validate().unwrap_err().to_string();
        assert!(
            msg.contains("registrar.min_link") && msg.contains("uint96"),
            "{msg}"
        );
    }
}
