//! Checked 256-bit arithmetic with the rounding of OpenZeppelin's `Math` (full 512-bit
//! intermediate products): every helper returns [`DriftError`] where the contract would revert.

use alloy::primitives::{I256, U256, U512};

use super::DriftError;

/// Basis points in one.
pub const BPS: u64 = 10_000;

/// `U256::from(BPS)`.
pub(crate) fn bps() -> U256 {
    U256::from(BPS)
}

/// `a * b`, checked.
pub(crate) fn mul(a: U256, b: U256, op: &'static str) -> Result<U256, DriftError> {
    a.checked_mul(b).ok_or(DriftError::Overflow { op })
}

/// `a + b`, checked.
pub(crate) fn add(a: U256, b: U256, op: &'static str) -> Result<U256, DriftError> {
    a.checked_add(b).ok_or(DriftError::Overflow { op })
}

/// `10^e` (e <= 77).
pub(crate) fn pow10(e: u32, op: &'static str) -> Result<U256, DriftError> {
    U256::from(10u8)
        .checked_pow(U256::from(e))
        .ok_or(DriftError::Overflow { op })
}

/// `floor(a * b / d)` with a 512-bit product (`Math.mulDiv`).
pub(crate) fn mul_div(a: U256, b: U256, d: U256, op: &'static str) -> Result<U256, DriftError> {
    if d.is_zero() {
        return Err(DriftError::DivisionByZero {
            op,
            fix: "a zero denominator means an empty slice or a zero price",
        });
    }
    let p: U512 = a.widening_mul(b);
    let q = p / U512::from(d);
    U256::checked_from_limbs_slice(q.as_limbs()).ok_or(DriftError::Overflow { op })
}

/// `ceil(a * b / d)` (`Math.mulDiv(a, b, d, Rounding.Ceil)`).
pub(crate) fn mul_div_ceil(
    a: U256,
    b: U256,
    d: U256,
    op: &'static str,
) -> Result<U256, DriftError> {
    let q = mul_div(a, b, d, op)?;
    if a.mul_mod(b, d).is_zero() {
        Ok(q)
    } else {
        add(q, U256::from(1u8), op)
    }
}

/// `ceil(a / b)` (`Math.ceilDiv`: 0 when a is 0).
pub(crate) fn ceil_div(a: U256, b: U256, op: &'static str) -> Result<U256, DriftError> {
    if b.is_zero() {
        return Err(DriftError::DivisionByZero {
            op,
            fix: "a zero scale means an empty view",
        });
    }
    Ok(if a.is_zero() {
        U256::ZERO
    } else {
        (a - U256::from(1u8)) / b + U256::from(1u8)
    })
}

/// `|a - b|`.
pub(crate) fn abs_diff(a: U256, b: U256) -> U256 {
    if a > b { a - b } else { b - a }
}

/// A non-negative `U256` as a signed value (the contract's `int256(x)`, here checked).
pub(crate) fn signed(x: U256, op: &'static str) -> Result<I256, DriftError> {
    I256::try_from(x).map_err(|_| DriftError::Overflow { op })
}

/// `-x` for `x` as a signed value.
pub(crate) fn neg_signed(x: U256, op: &'static str) -> Result<I256, DriftError> {
    signed(x, op)?
        .checked_neg()
        .ok_or(DriftError::Overflow { op })
}

/// `a + b` on signed values, checked.
pub(crate) fn add_signed(a: I256, b: I256, op: &'static str) -> Result<I256, DriftError> {
    a.checked_add(b).ok_or(DriftError::Overflow { op })
}
