//! Decimal token amounts ↔ integer base units, exactly (no floats).
//!
//! `parse_decimal("1041.5", 6)` is `1_041_500_000`; `format_decimal(1_041_500_000, 6, 2)` is
//! `"1041.50"`: every significant digit kept, trailing zeros trimmed down to `min_frac` places.

use alloy::primitives::U256;

/// Why a decimal string is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitsError {
    /// Nothing given.
    #[error("is empty")]
    Empty,
    /// A minus sign.
    #[error("is negative")]
    Negative,
    /// Not digits with at most one decimal point.
    #[error("is not a decimal number (digits with at most one '.')")]
    NotANumber,
    /// More fractional digits than the unit has.
    #[error("has {given} decimal places but at most {max} are allowed")]
    TooManyDecimals {
        /// Fractional digits given.
        given: usize,
        /// The unit's decimals.
        max: u8,
    },
    /// Beyond 256 bits.
    #[error("is too large")]
    TooLarge,
}

/// 10^`exp` as a U256 (`exp` ≤ 77), or `None`.
pub fn pow10(exp: u32) -> Option<U256> {
    U256::from(10u8).checked_pow(U256::from(exp))
}

/// Parses a non-negative decimal string into base units with `decimals` places. Underscores
/// between digits are allowed (`"10_000"`).
pub fn parse_decimal(text: &str, decimals: u8) -> Result<U256, UnitsError> {
    let s = text.trim().replace('_', "");
    if s.is_empty() {
        return Err(UnitsError::Empty);
    }
    if s.starts_with('-') {
        return Err(UnitsError::Negative);
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return Err(UnitsError::NotANumber);
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > usize::from(decimals) {
        return Err(UnitsError::TooManyDecimals {
            given: frac.len(),
            max: decimals,
        });
    }
    let padded = format!("{whole}{frac:0<width$}", width = usize::from(decimals));
    let padded = padded.trim_start_matches('0');
    if padded.is_empty() {
        return Ok(U256::ZERO);
    }
    U256::from_str_radix(padded, 10).map_err(|_| UnitsError::TooLarge)
}

/// Formats base units as a decimal string with `decimals` places, trimming trailing zeros but
/// keeping at least `min_frac` fractional digits (never more than `decimals`).
pub fn format_decimal(value: U256, decimals: u8, min_frac: u8) -> String {
    let digits = value.to_string();
    let d = usize::from(decimals);
    let padded = format!("{digits:0>width$}", width = d + 1);
    let (whole, frac) = padded
        .split_at_checked(padded.len().saturating_sub(d))
        .unwrap_or((padded.as_str(), ""));
    let keep = usize::from(min_frac.min(decimals));
    let trimmed = frac.trim_end_matches('0');
    let frac = if trimmed.len() >= keep {
        trimmed
    } else {
        frac.get(..keep).unwrap_or(frac)
    };
    if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: u64) -> U256 {
        U256::from(n)
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_decimal("1041.5", 6), Ok(u(1_041_500_000)));
        assert_eq!(parse_decimal("1041.500000", 6), Ok(u(1_041_500_000)));
        assert_eq!(parse_decimal("0.000001", 6), Ok(u(1)));
        assert_eq!(parse_decimal(".5", 1), Ok(u(5)));
        assert_eq!(parse_decimal("10_000", 0), Ok(u(10_000)));
        assert_eq!(parse_decimal("0", 18), Ok(U256::ZERO));
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        assert_eq!(parse_decimal("", 6), Err(UnitsError::Empty));
        assert_eq!(parse_decimal("-1", 6), Err(UnitsError::Negative));
        assert_eq!(parse_decimal("1e6", 6), Err(UnitsError::NotANumber));
        assert_eq!(parse_decimal("1.2.3", 6), Err(UnitsError::NotANumber));
        assert_eq!(parse_decimal(".", 6), Err(UnitsError::NotANumber));
        assert_eq!(
            parse_decimal("0.0000001", 6),
            Err(UnitsError::TooManyDecimals { given: 7, max: 6 })
        );
        assert_eq!(parse_decimal(&"9".repeat(80), 0), Err(UnitsError::TooLarge));
    }

    #[test]
    fn formats_with_a_minimum_of_fraction_digits() {
        assert_eq!(format_decimal(u(1_041_500_000), 6, 2), "1041.50");
        assert_eq!(format_decimal(u(26_250_000), 6, 2), "26.25");
        assert_eq!(format_decimal(u(10_000_000), 6, 2), "10.00");
        assert_eq!(format_decimal(u(1), 6, 2), "0.000001");
        assert_eq!(format_decimal(u(0), 6, 2), "0.00");
        assert_eq!(format_decimal(u(7), 0, 2), "7");
        assert_eq!(format_decimal(u(150_000), 0, 0), "150000");
    }

    #[test]
    fn round_trips() {
        for (text, d) in [("1041.50", 6), ("0.000001", 6), ("3500", 8), ("12.345", 3)] {
            let v = parse_decimal(text, d).unwrap();
            assert_eq!(parse_decimal(&format_decimal(v, d, 2), d), Ok(v));
        }
    }
}
