//! Serde forms of addresses and 256-bit numbers in the config and its manifests, with messages
//! that say what to write instead.
//!
//! A message of ours has the form `VALUE is not … — FIX`: the config reader recognises the ` — `
//! and reports `field = VALUE is not … — FIX`.

use std::fmt;

use alloy::primitives::{Address, U256};
use serde::{
    Deserializer,
    de::{self, Visitor},
};

const ADDRESS_FIX: &str = "give 20 bytes of hex, 0x-prefixed";

/// Parses a 0x-prefixed 20-byte hex address; mixed case must be a valid EIP-55 checksum.
pub(super) fn parse_address(s: &str) -> Result<Address, String> {
    let digits = s.strip_prefix("0x").unwrap_or("");
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{s:?} is not an address — {ADDRESS_FIX}"));
    }
    let mixed = digits.bytes().any(|b| b.is_ascii_lowercase())
        && digits.bytes().any(|b| b.is_ascii_uppercase());
    if mixed {
        Address::parse_checksummed(s, None).map_err(|_| {
            format!(
                "{s:?} has a wrong EIP-55 checksum (a mistyped letter?) — copy the address again, or write it all in lower case"
            )
        })
    } else {
        s.parse::<Address>()
            .map_err(|_| format!("{s:?} is not an address — {ADDRESS_FIX}"))
    }
}

/// Parses a decimal or 0x-hex unsigned 256-bit number (`_` separators allowed).
pub(super) fn parse_u256(s: &str) -> Result<U256, String> {
    let fix = "give a whole number as a decimal string (\"50000000000000000\") or 0x-hex";
    let (digits, radix) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (s, 10),
    };
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    let valid = !digits.is_empty()
        && digits.chars().all(|c| {
            if radix == 16 {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        });
    if !valid {
        return Err(format!("{s:?} is not a number — {fix}"));
    }
    U256::from_str_radix(&digits, radix)
        .map_err(|_| format!("{s:?} is larger than 2^256 - 1 — {fix}"))
}

struct AddressVisitor;

impl Visitor<'_> for AddressVisitor {
    type Value = Address;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a quoted address (20 bytes of hex, 0x-prefixed)")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Address, E> {
        parse_address(s).map_err(E::custom)
    }
}

struct U256Visitor;

impl Visitor<'_> for U256Visitor {
    type Value = U256;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number (an integer, or a decimal or 0x-hex string)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<U256, E> {
        Ok(U256::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<U256, E> {
        Ok(U256::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<U256, E> {
        self.visit_i128(i128::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<U256, E> {
        u128::try_from(v).map(U256::from).map_err(|_| {
            E::custom(format!(
                "{v} is negative — give a whole number of 0 or more"
            ))
        })
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<U256, E> {
        parse_u256(s).map_err(E::custom)
    }
}

/// An address deserialised by [`parse_address`].
pub(super) fn de_address<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
    d.deserialize_str(AddressVisitor)
}

/// A number deserialised from an integer or a decimal/hex string.
pub(super) fn de_u256<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
    d.deserialize_any(U256Visitor)
}

/// A required address, written checksummed.
pub(super) mod address {
    use alloy::primitives::Address;
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_checksum(None))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        super::de_address(d)
    }
}

/// An optional address, written checksummed.
pub(super) mod opt_address {
    use alloy::primitives::Address;
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(a: &Option<Address>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => super::address::serialize(a, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Address>, D::Error> {
        super::de_address(d).map(Some)
    }
}

/// An amount of wei, written as a decimal string (TOML integers stop at 2^63).
pub(super) mod wei {
    use alloy::primitives::U256;
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        super::de_u256(d)
    }
}

/// An optional upkeep id, written as 0x-hex.
pub(super) mod opt_upkeep_id {
    use alloy::primitives::U256;
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &Option<U256>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&format!("{v:#x}")),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<U256>, D::Error> {
        super::de_u256(d).map(Some)
    }
}
