//! Fee budgets: what Chainlink Automation costs a balancer, a fleet, and why.
//!
//! Two models, both exact integer maths:
//! - [`doc_model`], [`tables`], [`extras`]: the 1Balancer economics document's model
//!   (`fee = gasPrice × (gasUsed + overhead) × (1 + premium)`), every table of it recomputed,
//!   with [`discrepancies`] listing where the document's own arithmetic is wrong;
//! - [`registry`] and [`l1`]: what the real Automation registry 2.3 charges, transcribed from
//!   `AutomationRegistryBase2_3` and `OptimismModuleV2`/`GasPriceOracle` with their rounding, and
//!   checked against the shared vectors in `test/vectors/billing.json` ([`vectors`]).
//!
//! Inputs come from a [`config::BudgetConfig`] (TOML, the document's baseline by default),
//! validated into [`assumptions::Assumptions`]. Pure: no RPC, no tokio, no clock.

pub mod assumptions;
pub mod config;
pub mod discrepancies;
pub mod doc_model;
pub mod extras;
pub mod l1;
pub mod parse;
pub mod registry;
pub mod tables;
pub mod units;
pub mod vectors;

#[cfg(test)]
mod tests;

pub use discrepancies::{Discrepancy, discrepancies};
pub use parse::{ConfigError, parse_toml};
pub use tables::Budget;

/// Serializes a `u128` amount as a decimal string (JSON numbers lose precision above 2^53).
pub mod amount {
    use serde::Serializer;

    /// Serializes `v` as a decimal string.
    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }
}

/// (De)serializes a `U256` as a decimal string; also reads JSON integers.
pub mod serde_u256 {
    use alloy::primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer, de};

    /// Serializes `v` as a decimal string.
    pub fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a decimal string (or a JSON integer).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(u64),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(U256::from(n)),
            Raw::Text(t) => U256::from_str_radix(t.trim(), 10)
                .map_err(|e| de::Error::custom(format!("{t:?} is not a decimal integer: {e}"))),
        }
    }
}

/// As [`serde_u256`], for `Option<U256>` (absent or `null` = `None`).
pub mod serde_opt_u256 {
    use alloy::primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes `Some` as a decimal string, `None` as `null`.
    pub fn serialize<S: Serializer>(v: &Option<U256>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Reads `null` or a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<U256>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super::serde_u256")] U256);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}
