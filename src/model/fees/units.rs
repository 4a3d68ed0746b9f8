//! Exact units: decimal inputs parsed without floats, rounding helpers and fixed-point display.
//!
//! Every amount in the fee model is an integer in its smallest unit (wei, juels, micro-USD, gas).
//! Inputs such as `0.30` gwei or `1.3` are read as exact decimals; nothing passes through `f64`
//! on its way to a figure (floats are used only to draw the chart).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Wei per gwei.
pub const GWEI: u128 = 1_000_000_000;
/// Wei per ether (and juels per LINK): 18 decimals.
pub const ETHER: u128 = 1_000_000_000_000_000_000;
/// The registry's premium base: 1e9 parts per billion = 100 %.
pub const PPB: u128 = 1_000_000_000;
/// Micro-USD per USD: USD amounts carry 6 decimals.
pub const MICRO_USD: u128 = 1_000_000;

/// An exact, non-negative-or-negative decimal as written in a config (`0.30`, `20`, `"1.3"`).
///
/// Stored as `mantissa / 10^scale` with a sign, so `0.30` is `30 / 10^2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    /// Digits without the decimal point.
    pub mantissa: u128,
    /// Number of digits after the decimal point.
    pub scale: u32,
    /// True for values below zero.
    pub negative: bool,
}

impl Decimal {
    /// A whole number.
    pub const fn whole(n: u128) -> Self {
        Self {
            mantissa: n,
            scale: 0,
            negative: false,
        }
    }

    /// `mantissa / 10^scale`, non-negative.
    pub const fn new(mantissa: u128, scale: u32) -> Self {
        Self {
            mantissa,
            scale,
            negative: false,
        }
    }

    /// Parses `[-]digits[.digits]` exactly (also `1e-3`-free float spellings such as Rust's
    /// shortest representation of a TOML float). Returns `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let (negative, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let body = body.replace('_', "");
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i.to_string(), f.to_string()),
            None => (body.clone(), String::new()),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let frac = frac.trim_end_matches('0');
        let scale = u32::try_from(frac.len()).ok()?;
        let digits = format!("{int}{frac}");
        let mantissa = if digits.is_empty() {
            0
        } else {
            digits.parse::<u128>().ok()?
        };
        Some(Self {
            mantissa,
            scale,
            negative: negative && mantissa != 0,
        })
    }

    /// True when the value is exactly zero.
    pub const fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// The value in units of `10^-decimals`, exactly; `None` if it has more fractional digits
    /// than `decimals`, is negative, or overflows.
    pub fn to_scaled(&self, decimals: u32) -> Option<u128> {
        if self.negative || self.scale > decimals {
            return None;
        }
        let factor = 10u128.checked_pow(decimals - self.scale)?;
        self.mantissa.checked_mul(factor)
    }

    /// `10^scale`, the denominator of this decimal as a fraction.
    pub fn denominator(&self) -> Option<u128> {
        10u128.checked_pow(self.scale)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        write!(f, "{sign}{}", fixed(self.mantissa, self.scale, self.scale))
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number such as 0.30 or \"0.30\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal {
                    mantissa: u128::from(v.unsigned_abs()),
                    scale: 0,
                    negative: v < 0,
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal::whole(u128::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                // Rust prints the shortest decimal that reads back as `v`: 0.3 → "0.3".
                Decimal::parse(&v.to_string())
                    .ok_or_else(|| E::custom(format!("{v} is not a plain decimal number")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Decimal::parse(v).ok_or_else(|| E::custom(format!("{v:?} is not a decimal number")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// `ceil(a / b)`; `None` when `b == 0`. Fees round up, in the payer's disfavour.
pub fn ceil_div(a: u128, b: u128) -> Option<u128> {
    if b == 0 {
        return None;
    }
    let q = a / b;
    if a.is_multiple_of(b) {
        Some(q)
    } else {
        Some(q + 1)
    }
}

/// `ceil(a * b / c)` without intermediate overflow for the sizes this model uses; `None` on
/// overflow or `c == 0`.
pub fn mul_div_ceil(a: u128, b: u128, c: u128) -> Option<u128> {
    ceil_div(a.checked_mul(b)?, c)
}

/// An integer `units` with `decimals` decimals, shown with exactly `shown` fractional digits
/// (truncated if fewer than `decimals`): `fixed(79_200_000_000_000, 18, 7)` = `"0.0000792"`.
pub fn fixed(units: u128, decimals: u32, shown: u32) -> String {
    let Some(base) = 10u128.checked_pow(decimals) else {
        return units.to_string();
    };
    let int = units / base;
    let frac = units % base;
    if shown == 0 {
        return int.to_string();
    }
    let mut digits = format!("{frac:0width$}", width = decimals as usize);
    digits.truncate(shown as usize);
    while (digits.len() as u32) < shown {
        digits.push('0');
    }
    format!("{int}.{digits}")
}

/// An integer with `decimals` decimals in its shortest exact form: `exact(3_470_400_000_000_000,
/// 18)` = `"0.0034704"`.
pub fn exact(units: u128, decimals: u32) -> String {
    let s = fixed(units, decimals, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `units / 10^decimals` rounded half-up to `shown` fractional digits, for display.
pub fn rounded(units: u128, decimals: u32, shown: u32) -> String {
    if shown >= decimals {
        return fixed(units, decimals, shown);
    }
    let step = 10u128.pow(decimals - shown);
    let r = units.saturating_add(step / 2) / step * step;
    fixed(r, decimals, shown)
}

/// A lossy float for charts only.
#[allow(clippy::cast_precision_loss)]
pub fn approx(units: u128, decimals: u32) -> f64 {
    units as f64 / 10f64.powi(decimals as i32)
}
