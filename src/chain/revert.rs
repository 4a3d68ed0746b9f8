//! Revert data decoded into the contract's custom error, by name and arguments.
//!
//! Our contracts revert with custom errors only ([`crate::chain::ours`] binds them all from the
//! committed ABIs). [`decode`] tries every one of them (balancer, manager, factory, hub), then
//! Solidity's `Error(string)` and `Panic(uint256)`, and names anything else by its selector, so
//! a log line or a stored failure always says what the contract said:
//! `StaleEpoch(given: 3, current: 4)`.

use std::fmt;

use alloy::{
    primitives::Bytes,
    sol_types::{Panic, Revert as RevertString, SolError, SolInterface},
    transports::TransportError,
};

use crate::chain::ours::{balancer, factory, hub, manager};

/// A decoded revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The first ABI that knows it (an error both declare, like `Unauthorized(address)`, is
    /// named by the first): `IBalancer`, `IUpkeepManager`, `IBalancerFactory`, `IHubDepository`, `Solidity` (for
    /// `Error(string)`/`Panic`), or `unknown`.
    pub source: &'static str,
    /// The error's name (`StaleEpoch`), or `0x<selector>` when no ABI knows it, or `empty` for
    /// a revert without data.
    pub name: String,
    /// Its arguments as `name: value` pairs, comma-separated (empty when none).
    pub args: String,
    /// The raw revert data.
    pub data: Bytes,
}

impl fmt::Display for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.args.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}({})", self.name, self.args)
        }
    }
}

/// Decodes revert data.
pub fn decode(data: &[u8]) -> Decoded {
    let raw = Bytes::copy_from_slice(data);
    let known = |source: &'static str, debug: String| {
        let (name, args) = split_debug(&debug);
        Decoded {
            source,
            name,
            args,
            data: raw.clone(),
        }
    };
    if data.is_empty() {
        return Decoded {
            source: "unknown",
            name: "empty".into(),
            args: String::new(),
            data: raw,
        };
    }
    if let Ok(e) = balancer::DriftBalancer::DriftBalancerErrors::abi_decode(data) {
        return known("IBalancer", inner(&format!("{e:?}")));
    }
    if let Ok(e) = manager::UpkeepManager::UpkeepManagerErrors::abi_decode(data) {
        return known("IUpkeepManager", inner(&format!("{e:?}")));
    }
    if let Ok(e) = factory::BalancerFactory::BalancerFactoryErrors::abi_decode(data) {
        return known("IBalancerFactory", inner(&format!("{e:?}")));
    }
    if let Ok(e) = hub::HubDepository::HubDepositoryErrors::abi_decode(data) {
        return known("IHubDepository", inner(&format!("{e:?}")));
    }
    if let Ok(r) = RevertString::abi_decode(data) {
        return Decoded {
            source: "Solidity",
            name: "Error".into(),
            args: format!("{:?}", r.reason),
            data: raw,
        };
    }
    if let Ok(p) = Panic::abi_decode(data) {
        return Decoded {
            source: "Solidity",
            name: "Panic".into(),
            args: format!("0x{:x}", p.code),
            data: raw,
        };
    }
    let selector = alloy::hex::encode(&data[..data.len().min(4)]);
    Decoded {
        source: "unknown",
        name: format!("0x{selector}"),
        args: String::new(),
        data: raw,
    }
}

/// The revert data inside an RPC error (`eth_call`/`eth_estimateGas` answering "execution
/// reverted" with data), if there is any.
pub fn revert_data(err: &TransportError) -> Option<Bytes> {
    err.as_error_resp().and_then(|p| p.as_revert_data())
}

/// `Variant(Struct { a: 1 })` → `Struct { a: 1 }`: the generated error enums print their
/// variant around the error struct.
fn inner(debug: &str) -> String {
    match (debug.find('('), debug.rfind(')')) {
        (Some(open), Some(close)) if close > open => debug[open + 1..close].to_string(),
        _ => debug.to_string(),
    }
}

/// `Name { a: 1, b: 2 }` → (`Name`, `a: 1, b: 2`); `Name` → (`Name`, ``).
fn split_debug(debug: &str) -> (String, String) {
    match debug.split_once(" { ") {
        Some((name, rest)) => (
            name.to_string(),
            rest.trim_end().trim_end_matches('}').trim_end().to_string(),
        ),
        None => (debug.trim().to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use alloy::{
        primitives::{Address, U256},
        sol_types::SolError,
    };

    use super::*;

    #[test]
    fn our_custom_errors_decode_by_name_and_arguments() {
        let data = balancer::DriftBalancer::StaleEpoch {
            given: 3,
            current: 4,
        }
        .abi_encode();
        let d = decode(&data);
        assert_eq!(d.source, "IBalancer");
        assert_eq!(d.to_string(), "StaleEpoch(given: 3, current: 4)");
        let d = decode(&balancer::DriftBalancer::IsPaused {}.abi_encode());
        assert_eq!(d.to_string(), "IsPaused");
        let who = Address::repeat_byte(0xab);
        let d =
            decode(&balancer::DriftBalancer::UnauthorizedPerformer { caller: who }.abi_encode());
        assert_eq!(d.name, "UnauthorizedPerformer");
        assert!(d.args.contains(&format!("{who:?}")), "{d}");
        let d = decode(
            &manager::UpkeepManager::StaleFleet {
                given: 1,
                current: 2,
            }
            .abi_encode(),
        );
        assert_eq!(
            (d.source, d.to_string().as_str()),
            ("IUpkeepManager", "StaleFleet(given: 1, current: 2)")
        );
        let d = decode(
            &factory::BalancerFactory::InvalidAssetCount {
                n: U256::from(17u8),
            }
            .abi_encode(),
        );
        assert_eq!(d.source, "IBalancerFactory");
        assert_eq!(d.name, "InvalidAssetCount");
        let d = decode(
            &hub::HubDepository::OpFeeAboveMax {
                index: U256::from(2u8),
                fee: U256::from(7u8),
                maxFee: U256::from(5u8),
            }
            .abi_encode(),
        );
        assert_eq!(
            (d.source, d.to_string().as_str()),
            (
                "IHubDepository",
                "OpFeeAboveMax(index: 2, fee: 7, maxFee: 5)"
            )
        );
    }

    #[test]
    fn strings_panics_unknown_and_empty_reverts_are_named() {
        let d = decode(&RevertString::from("nope").abi_encode());
        assert_eq!(d.to_string(), "Error(\"nope\")");
        let d = decode(&Panic::from(0x11u64).abi_encode());
        assert_eq!(d.to_string(), "Panic(0x11)");
        let d = decode(&[0xde, 0xad, 0xbe, 0xef, 0, 1]);
        assert_eq!((d.source, d.name.as_str()), ("unknown", "0xdeadbeef"));
        assert_eq!(decode(&[]).name, "empty");
    }
}
