//! What a node's answer to a transaction means, as a type.
//!
//! Nodes report transaction problems as JSON-RPC errors with free text (geth, reth, anvil and
//! most providers share the wording). [`classify`] turns that text into a [`SendErrorKind`] once,
//! here, so no other code matches strings: the transaction manager decides on the kind.

use std::fmt;

use alloy::{primitives::Bytes, transports::TransportError};

use crate::chain::revert::{self, Decoded};

/// The kinds of answer a broadcast, a call or an estimate can get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendErrorKind {
    /// The nonce is already used on chain (by this transaction, a replacement, or another).
    NonceTooLow,
    /// The node holds the nonce for later (some nodes refuse a gap instead of queueing it).
    NonceTooHigh,
    /// The node already has this exact transaction: it counts as sent.
    AlreadyKnown,
    /// A replacement that does not raise both fees enough (geth: +10 %).
    ReplacementUnderpriced,
    /// The fee cap is below the block's base fee (some nodes refuse such a transaction).
    FeeCapTooLow,
    /// The sender cannot pay gas × fee cap + value.
    InsufficientFunds,
    /// The call reverted; the data, decoded into the contract's error.
    Reverted(Decoded),
    /// The gas limit is above the block's.
    GasLimitTooHigh,
    /// The request did not reach the node or got no answer (timeout, connection refused, HTTP
    /// error): nothing is known about the transaction.
    Transport(String),
    /// Any other answer from the node.
    Other(String),
}

impl SendErrorKind {
    /// A short stable name, for metrics labels and the store.
    pub fn name(&self) -> String {
        match self {
            Self::NonceTooLow => "nonce_too_low".into(),
            Self::NonceTooHigh => "nonce_too_high".into(),
            Self::AlreadyKnown => "already_known".into(),
            Self::ReplacementUnderpriced => "replacement_underpriced".into(),
            Self::FeeCapTooLow => "fee_cap_too_low".into(),
            Self::InsufficientFunds => "insufficient_funds".into(),
            Self::Reverted(d) => d.name.clone(),
            Self::GasLimitTooHigh => "gas_limit_too_high".into(),
            Self::Transport(_) => "transport".into(),
            Self::Other(_) => "other".into(),
        }
    }
}

impl fmt::Display for SendErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reverted(d) => write!(f, "reverted: {d}"),
            Self::Transport(m) => write!(f, "no answer from the node: {m}"),
            Self::Other(m) => f.write_str(m),
            other => f.write_str(&other.name().replace('_', " ")),
        }
    }
}

/// Classifies a transport error from a broadcast, `eth_call` or `eth_estimateGas`.
pub fn classify(err: &TransportError) -> SendErrorKind {
    let Some(payload) = err.as_error_resp() else {
        return SendErrorKind::Transport(err.to_string());
    };
    if let Some(data) = revert::revert_data(err) {
        return SendErrorKind::Reverted(revert::decode(&data));
    }
    classify_message(&payload.message)
}

/// Classifies a node's error message (lower-cased comparison).
pub fn classify_message(message: &str) -> SendErrorKind {
    let m = message.to_ascii_lowercase();
    if m.contains("nonce too low") || m.contains("nonce is too low") || m.contains("old nonce") {
        SendErrorKind::NonceTooLow
    } else if m.contains("nonce too high") || m.contains("nonce gap") {
        SendErrorKind::NonceTooHigh
    } else if m.contains("already known")
        || m.contains("already imported")
        || m.contains("known transaction")
        || m.contains("transaction already exists")
    {
        SendErrorKind::AlreadyKnown
    } else if m.contains("replacement transaction underpriced")
        || m.contains("replacement fee too low")
        || m.contains("underpriced")
    {
        SendErrorKind::ReplacementUnderpriced
    } else if m.contains("max fee per gas less than block base fee")
        || m.contains("fee cap less than block base fee")
        || m.contains("feecap too low")
    {
        SendErrorKind::FeeCapTooLow
    } else if m.contains("insufficient funds") || m.contains("insufficient balance") {
        SendErrorKind::InsufficientFunds
    } else if m.contains("exceeds block gas limit") || m.contains("gas limit reached") {
        SendErrorKind::GasLimitTooHigh
    } else if m.contains("revert") {
        SendErrorKind::Reverted(revert::decode(&[]))
    } else {
        SendErrorKind::Other(message.to_string())
    }
}

/// The revert data of a reverted call, if the node returned it.
pub fn reverted_with(kind: &SendErrorKind) -> Option<&Bytes> {
    match kind {
        SendErrorKind::Reverted(d) if !d.data.is_empty() => Some(&d.data),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_messages_map_to_kinds() {
        for (message, kind) in [
            (
                "nonce too low: next nonce 5, tx nonce 3",
                SendErrorKind::NonceTooLow,
            ),
            ("Nonce too high", SendErrorKind::NonceTooHigh),
            ("already known", SendErrorKind::AlreadyKnown),
            ("transaction already imported", SendErrorKind::AlreadyKnown),
            (
                "replacement transaction underpriced",
                SendErrorKind::ReplacementUnderpriced,
            ),
            (
                "max fee per gas less than block base fee: address 0x…, maxFeePerGas: 1, baseFee: 7",
                SendErrorKind::FeeCapTooLow,
            ),
            (
                "insufficient funds for gas * price + value: have 0 want 21000",
                SendErrorKind::InsufficientFunds,
            ),
            ("exceeds block gas limit", SendErrorKind::GasLimitTooHigh),
        ] {
            assert_eq!(classify_message(message), kind, "{message}");
        }
        assert_eq!(classify_message("execution reverted").name(), "empty");
        assert_eq!(
            classify_message("something else"),
            SendErrorKind::Other("something else".into())
        );
    }

    #[test]
    fn kinds_have_stable_names() {
        assert_eq!(SendErrorKind::AlreadyKnown.to_string(), "already known");
        assert_eq!(SendErrorKind::NonceTooLow.name(), "nonce_too_low");
        assert!(
            SendErrorKind::Transport("timed out".into())
                .to_string()
                .contains("timed out")
        );
    }
}
