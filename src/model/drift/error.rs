//! Typed errors of the drift core: each names the field or operation, the value, and the fix.

use alloy::primitives::U256;

/// Why the drift maths cannot produce a result. Where the contracts would revert, the variant
/// says which revert it mirrors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    /// An intermediate product or sum exceeds 256 bits (the contracts revert: checked arithmetic).
    #[error(
        "{op} overflows 256 bits; the contract reverts here too. Fix: check the portfolio's balances and prices are realistic"
    )]
    Overflow {
        /// Which operation.
        op: &'static str,
    },
    /// A division by zero (the contracts revert with panic 0x12).
    #[error("{op} divides by zero; the contract reverts here too. Fix: {fix}")]
    DivisionByZero {
        /// Which operation.
        op: &'static str,
        /// What to change.
        fix: &'static str,
    },
    /// The number of assets is outside 1..=16.
    #[error("the portfolio has {n} assets; the factory accepts 1..=16")]
    AssetCount {
        /// The number of assets.
        n: usize,
    },
    /// A per-asset list does not have one entry per asset.
    #[error("{field} has {len} entries for {n} assets. Fix: give one per asset, in asset order")]
    Length {
        /// Which list.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The number of assets.
        n: usize,
    },
    /// The targets do not sum to 10,000 bps.
    #[error("targets sum to {sum} bps; the contract requires exactly 10000")]
    Targets {
        /// Their sum.
        sum: u64,
    },
    /// A field is outside the range the contracts accept.
    #[error("{field} is {value}, outside {min}..={max} (the contract's bounds)")]
    OutOfRange {
        /// The field (asset fields say which asset: `tokenDecimals[3]`).
        field: String,
        /// Its value.
        value: U256,
        /// Lowest accepted.
        min: U256,
        /// Highest accepted.
        max: U256,
    },
}

/// Why 8 bytes of performData are rejected (`IBalancer.InvalidPerformData(length, word)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PerformDataError {
    /// Not 8 bytes.
    #[error("performData is {len} bytes; it must be exactly 8 (bitmap, paths, epoch)")]
    Length {
        /// Its length.
        len: usize,
    },
    /// The path bits are 0 (no path) or above 3 (unknown path bits 18..=23 set).
    #[error(
        "performData word {word:#018x} has paths {paths}; it must be 1 (stable), 2 (global) or 3 (both)"
    )]
    Paths {
        /// The whole word.
        word: u64,
        /// Bits 16..=23.
        paths: u8,
    },
    /// Bits 56..=63 are set.
    #[error("performData word {word:#018x} has bits 56..=63 set; they must be zero")]
    HighBits {
        /// The whole word.
        word: u64,
    },
}

impl PerformDataError {
    /// The arguments of the contract's `InvalidPerformData(length, word)` revert.
    pub fn revert_args(&self) -> (usize, u64) {
        match *self {
            Self::Length { len } => (len, 0),
            Self::Paths { word, .. } | Self::HighBits { word } => (8, word),
        }
    }
}
