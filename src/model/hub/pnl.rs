//! The hub's profit and loss: the fees its batches earned (in each token) against the gas its
//! transactions burnt (in wei), compared in wei.
//!
//! A fee of `f` base units of a token priced at `p` whole tokens per native coin is worth
//! `⌊f × 10^native_decimals × 10^price_decimals / (p.value × 10^token_decimals)⌋` wei — rounded
//! down, so the P&L never shows more profit than the fees are worth. Gas is exact:
//! `gas_used × effective gas price` of every batch transaction mined (a reverted batch and a
//! cancelling self-transfer cost gas too).

use std::collections::BTreeMap;

use alloy::primitives::{I256, U256};

use super::{
    error::{HubError, HubResult},
    fees::{add, mul},
    types::{Price, TokenId},
    units::pow10,
};

/// One batch's contribution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchResult {
    /// Fees earned, per token (empty for a batch that did not settle).
    pub fees: BTreeMap<TokenId, U256>,
    /// Gas used × effective gas price, wei (zero when nothing was mined).
    pub gas_wei: U256,
}

/// A token's decimals and its price in native coins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Valuation {
    /// The token's decimals.
    pub decimals: u8,
    /// Whole tokens per whole native coin.
    pub price: Price,
}

/// The hub's P&L.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pnl {
    /// Fees earned per token.
    pub fees: BTreeMap<TokenId, U256>,
    /// Their worth in wei (rounded down).
    pub fees_wei: U256,
    /// Gas spent, wei.
    pub gas_wei: U256,
    /// `fees_wei − gas_wei`.
    pub net_wei: I256,
}

/// What `fee` base units of a token valued `v` are worth in wei of an 18-decimal coin, down.
pub fn token_to_wei(fee: U256, v: &Valuation) -> HubResult<U256> {
    const WHAT: &str = "fee in wei";
    let p = |d: u8| pow10(u32::from(d)).ok_or(HubError::Overflow { what: WHAT });
    let num = mul(mul(fee, p(18)?, WHAT)?, p(v.price.decimals)?, WHAT)?;
    let den = mul(v.price.value, p(v.decimals)?, WHAT)?;
    if den.is_zero() {
        return Err(HubError::Overflow { what: WHAT });
    }
    Ok(num / den)
}

/// Sums `batches` (tokens without a valuation count in `fees` but not in `fees_wei`).
pub fn pnl(batches: &[BatchResult], valuations: &BTreeMap<TokenId, Valuation>) -> HubResult<Pnl> {
    let mut out = Pnl::default();
    for b in batches {
        for (t, f) in &b.fees {
            let e = out.fees.entry(t.clone()).or_default();
            *e = add(*e, *f, "fees")?;
        }
        out.gas_wei = add(out.gas_wei, b.gas_wei, "gas spent")?;
    }
    for (t, f) in &out.fees {
        if let Some(v) = valuations.get(t) {
            out.fees_wei = add(out.fees_wei, token_to_wei(*f, v)?, "fees in wei")?;
        }
    }
    let signed = |v: U256| I256::try_from(v).map_err(|_| HubError::Overflow { what: "net" });
    out.net_wei = signed(out.fees_wei)?
        .checked_sub(signed(out.gas_wei)?)
        .ok_or(HubError::Overflow { what: "net" })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usdc() -> Valuation {
        Valuation {
            decimals: 6,
            price: Price {
                value: U256::from(3_500u64),
                decimals: 0,
            },
        }
    }

    #[test]
    fn fees_are_valued_down_and_gas_is_exact() {
        // 3.5 USDC at 3,500 USDC/ETH = 0.001 ETH exactly; one base unit more is still 0.001.
        let v = usdc();
        assert_eq!(
            token_to_wei(U256::from(3_500_000u64), &v).unwrap(),
            U256::from(10u64).pow(U256::from(15))
        );
        assert_eq!(
            token_to_wei(U256::from(3_500_001u64), &v).unwrap(),
            U256::from(1_000_000_285_714_285u64)
        );
        let t = TokenId("USDC".into());
        let batches = [
            BatchResult {
                fees: BTreeMap::from([(t.clone(), U256::from(3_500_000u64))]),
                gas_wei: U256::from(400_000_000_000_000u64),
            },
            // A reverted batch: gas, no fees.
            BatchResult {
                fees: BTreeMap::new(),
                gas_wei: U256::from(100_000_000_000_000u64),
            },
        ];
        let p = pnl(&batches, &BTreeMap::from([(t.clone(), v)])).unwrap();
        assert_eq!(p.fees[&t], U256::from(3_500_000u64));
        assert_eq!(p.gas_wei, U256::from(500_000_000_000_000u64));
        assert_eq!(p.net_wei, I256::try_from(500_000_000_000_000i64).unwrap());
        // Gas above the fees: a loss.
        let loss = pnl(&batches[1..], &BTreeMap::new()).unwrap();
        assert_eq!(
            loss.net_wei,
            I256::try_from(-100_000_000_000_000i64).unwrap()
        );
    }
}
