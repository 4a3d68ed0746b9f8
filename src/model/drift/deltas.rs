//! Trade sizing: signed USD deltas (18 decimals, + = buy) that move each unit lambda = num/den of
//! the way to target (`Drift.addGlobalDeltas`, `Drift.addStableDeltas`). Every delta **rounds
//! toward zero**, so a rebalance never trades more than the rule asks.

use alloy::primitives::{I256, U256};

use super::{
    DriftError,
    math::{add_signed, bps, mul, mul_div, neg_signed, signed},
    measure::{is_stable, slice},
};

/// `(want - have) * num / den`, rounded toward zero.
fn scaled(want: U256, have: U256, num: U256, den: U256) -> Result<I256, DriftError> {
    if want >= have {
        signed(mul_div(want - have, num, den, "delta")?, "delta")
    } else {
        neg_signed(mul_div(have - want, num, den, "delta")?, "delta")
    }
}

/// `x * part / whole`, rounded toward zero.
fn share(x: I256, part: U256, whole: U256) -> Result<I256, DriftError> {
    if whole.is_zero() {
        return Err(DriftError::DivisionByZero {
            op: "global path: splitting the slice's trade by the stables' targets",
            fix: "give the stables a positive total target (the contract reverts with panic 0x12 \
                  on every global rebalance while they sum to 0)",
        });
    }
    let abs = mul_div(x.unsigned_abs(), part, whole, "slice share")?;
    if x.is_negative() {
        neg_signed(abs, "slice share")
    } else {
        signed(abs, "slice share")
    }
}

fn check_len(deltas: &[I256], values: &[U256], targets: &[u16]) -> Result<(), DriftError> {
    for (field, len) in [("deltas", deltas.len()), ("targets", targets.len())] {
        if len != values.len() {
            return Err(DriftError::Length {
                field,
                len,
                n: values.len(),
            });
        }
    }
    Ok(())
}

/// Adds the global path's deltas: each non-stable moves lambda of the way to `t * V / 1e4`; the
/// slice moves as one unit and its delta is split across the stables by their targets. Errors
/// (as the contract reverts) when there are stables whose targets sum to 0.
pub fn add_global_deltas(
    deltas: &mut [I256],
    values: &[U256],
    targets: &[u16],
    stable_mask: u16,
    total: U256,
    (num, den): (U256, U256),
) -> Result<(), DriftError> {
    check_len(deltas, values, targets)?;
    let d = mul(den, bps(), "global deltas: den * 1e4")?;
    for (i, ((delta, v), t)) in deltas.iter_mut().zip(values).zip(targets).enumerate() {
        if !is_stable(stable_mask, i) {
            let want = mul(U256::from(*t), total, "global deltas: t * V")?;
            let have = mul(*v, bps(), "global deltas: v * 1e4")?;
            *delta = add_signed(*delta, scaled(want, have, num, d)?, "global deltas: sum")?;
        }
    }
    if stable_mask == 0 {
        return Ok(());
    }
    let (s, ts) = slice(values, targets, stable_mask)?;
    let want = mul(ts, total, "global deltas: T_S * V")?;
    let slice_delta = scaled(want, mul(s, bps(), "global deltas: S * 1e4")?, num, d)?;
    for (i, (delta, t)) in deltas.iter_mut().zip(targets).enumerate() {
        if is_stable(stable_mask, i) {
            let part = share(slice_delta, U256::from(*t), ts)?;
            *delta = add_signed(*delta, part, "global deltas: sum")?;
        }
    }
    Ok(())
}

/// Adds the stable path's deltas: each stable moves lambda of the way to its within-slice target
/// `t_i * S / T_S`; they sum to zero up to rounding. Nothing when the stables' targets sum to 0.
pub fn add_stable_deltas(
    deltas: &mut [I256],
    values: &[U256],
    targets: &[u16],
    stable_mask: u16,
    (num, den): (U256, U256),
) -> Result<(), DriftError> {
    check_len(deltas, values, targets)?;
    let (s, ts) = slice(values, targets, stable_mask)?;
    if ts.is_zero() {
        return Ok(());
    }
    let d = mul(den, ts, "stable deltas: den * T_S")?;
    for (i, ((delta, v), t)) in deltas.iter_mut().zip(values).zip(targets).enumerate() {
        if is_stable(stable_mask, i) {
            let want = mul(U256::from(*t), s, "stable deltas: t * S")?;
            let have = mul(*v, ts, "stable deltas: v * T_S")?;
            *delta = add_signed(*delta, scaled(want, have, num, d)?, "stable deltas: sum")?;
        }
    }
    Ok(())
}
