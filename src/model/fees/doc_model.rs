//! The economics document's fee model, exact:
//! `fee = gasPrice × (gasUsed + overhead) × (1 + premium)` in wei, and in juels `fee / R` with
//! `R` the price of one LINK in wei.
//!
//! Every division rounds **up** (in the payer's disfavour, like the registry); the document's
//! baseline figures divide exactly, so they come out unrounded.

use alloy::primitives::U256;

use super::{
    assumptions::Ratio,
    units::{ETHER, PPB},
};

/// A model figure that does not fit (only with absurd inputs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// An amount overflowed `u128` (or a division by zero was asked for).
    #[error("{0} overflows (inputs far outside any real chain)")]
    Overflow(&'static str),
}

/// `ceil(a × b / c)` through 256-bit intermediates.
pub fn mul_div_ceil(a: u128, b: u128, c: u128, what: &'static str) -> Result<u128, ModelError> {
    if c == 0 {
        return Err(ModelError::Overflow(what));
    }
    let p = U256::from(a) * U256::from(b);
    let c = U256::from(c);
    let q = p.div_ceil(c);
    u128::try_from(q).map_err(|_| ModelError::Overflow(what))
}

/// The per-perform fee in wei: `ceil(g × (gasUsed + overhead) × (1e9 + premiumPpb) / 1e9)`.
pub fn upkeep_fee_wei(
    gas_price_wei: u128,
    gas_used: u128,
    overhead_gas: u128,
    premium_ppb: u128,
) -> Result<u128, ModelError> {
    let gas = gas_used
        .checked_add(overhead_gas)
        .ok_or(ModelError::Overflow("gas + overhead"))?;
    let wei = gas_price_wei
        .checked_mul(gas)
        .ok_or(ModelError::Overflow("gas price × gas"))?;
    mul_div_ceil(wei, PPB + premium_ppb, PPB, "fee with premium")
}

/// Gas-equivalent units `(gasUsed + overhead) × (1 + premium)` as an exact ratio over 1e9.
pub fn gas_equivalent_ppb(gas_used: u128, overhead_gas: u128, premium_ppb: u128) -> u128 {
    gas_used
        .saturating_add(overhead_gas)
        .saturating_mul(PPB + premium_ppb)
}

/// Wei → juels at `link_price_wei` wei per LINK, rounded up.
pub fn wei_to_juels(wei: u128, link_price_wei: u128) -> Result<u128, ModelError> {
    mul_div_ceil(wei, ETHER, link_price_wei, "wei → juels")
}

/// Juels → wei at `link_price_wei` wei per LINK, rounded up.
pub fn juels_to_wei(juels: u128, link_price_wei: u128) -> Result<u128, ModelError> {
    mul_div_ceil(juels, link_price_wei, ETHER, "juels → wei")
}

/// Wei → micro-USD at `eth_usd_micros` per ETH, rounded up.
pub fn wei_to_usd_micros(wei: u128, eth_usd_micros: u128) -> Result<u128, ModelError> {
    mul_div_ceil(wei, eth_usd_micros, ETHER, "wei → USD")
}

/// `ceil(amount × ratio)`.
pub fn scale(amount: u128, r: Ratio) -> Result<u128, ModelError> {
    mul_div_ceil(amount, r.num, r.den, "scaled amount")
}

/// `ceil(Σ count_i × fee_i)` with rational counts summed exactly before the one rounding.
pub fn monthly(lines: &[(Ratio, u128)]) -> Result<u128, ModelError> {
    let mut num = U256::ZERO;
    let mut den = U256::from(1u8);
    for (count, fee) in lines {
        if count.den == 0 {
            return Err(ModelError::Overflow("count with zero denominator"));
        }
        let d = U256::from(count.den);
        // num/den + c.num·fee/c.den = (num·d + c.num·fee·den) / (den·d)
        let term = U256::from(count.num)
            .checked_mul(U256::from(*fee))
            .and_then(|t| t.checked_mul(den))
            .ok_or(ModelError::Overflow("monthly sum"))?;
        num = num
            .checked_mul(d)
            .and_then(|n| n.checked_add(term))
            .ok_or(ModelError::Overflow("monthly sum"))?;
        den = den
            .checked_mul(d)
            .ok_or(ModelError::Overflow("monthly sum"))?;
    }
    u128::try_from(num.div_ceil(den)).map_err(|_| ModelError::Overflow("monthly sum"))
}

/// Relative change `new/old − 1` in parts per million, rounded half away from zero.
pub fn change_ppm(old: u128, new: u128) -> i128 {
    if old == 0 {
        return 0;
    }
    let (diff, negative) = if new >= old {
        (new - old, false)
    } else {
        (old - new, true)
    };
    let ppm = U256::from(diff) * U256::from(1_000_000u32);
    let rounded = (ppm + U256::from(old / 2)) / U256::from(old);
    let v = i128::try_from(rounded).unwrap_or(i128::MAX);
    if negative { -v } else { v }
}

/// `12 × monthly`: the document's year is twelve 30-day months (360 days).
pub fn annual(monthly_wei: u128) -> Result<u128, ModelError> {
    monthly_wei
        .checked_mul(12)
        .ok_or(ModelError::Overflow("annual"))
}
