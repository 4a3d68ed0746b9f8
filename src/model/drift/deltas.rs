//! Trade sizing: signed USD deltas (18 decimals, + = buy). The global path moves each non-stable
//! unit lambda = num/den of the way to target, **rounded toward zero** (`Drift.addGlobalDeltas`);
//! the stables share the slice's new value so their within-slice weights move mu of the way to
//! their targets, new values **rounded down** (`Drift.addSliceDeltas`).

use alloy::primitives::{I256, U256};

use super::{
    DriftError,
    math::{add, add_signed, bps, mul, mul_div, neg_signed, signed},
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

/// Adds the global path's deltas of the non-stable units (each moves lambda of the way to
/// `t * V / 1e4`, rounded toward zero) and returns the slice's delta, which
/// [`add_slice_deltas`] shares across the stables (`Drift.addGlobalDeltas`).
pub fn add_global_deltas(
    deltas: &mut [I256],
    values: &[U256],
    targets: &[u16],
    stable_mask: u16,
    total: U256,
    (num, den): (U256, U256),
) -> Result<I256, DriftError> {
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
        return Ok(I256::ZERO);
    }
    let (s, ts) = slice(values, targets, stable_mask)?;
    let want = mul(ts, total, "global deltas: T_S * V")?;
    scaled(want, mul(s, bps(), "global deltas: S * 1e4")?, num, d)
}

/// Adds the stables' deltas (`Drift.addSliceDeltas`): the slice's new value `S' = S +
/// slice_delta` is shared so that each stable's within-slice weight moves `mu = num/den` of the
/// way to its within-slice target (`mu = 0`: the slice keeps its proportions). New values are
/// **rounded down** and never negative, so no stable is asked to sell more than it holds. With no
/// stable holdings the slice buys by target; with stable targets summing to 0 it sells by holdings.
pub fn add_slice_deltas(
    deltas: &mut [I256],
    values: &[U256],
    targets: &[u16],
    stable_mask: u16,
    slice_delta: I256,
    (num, den): (U256, U256),
) -> Result<(), DriftError> {
    check_len(deltas, values, targets)?;
    let (s, ts) = slice(values, targets, stable_mask)?;
    let s_new = if slice_delta.is_negative() {
        s.checked_sub(slice_delta.unsigned_abs())
            .ok_or(DriftError::Overflow {
                op: "slice deltas: S + slice delta",
            })?
    } else {
        add(
            s,
            slice_delta.unsigned_abs(),
            "slice deltas: S + slice delta",
        )?
    };
    let rest = den.checked_sub(num).ok_or(DriftError::Overflow {
        op: "slice deltas: den - num",
    })?;
    for (i, ((delta, v), t)) in deltas.iter_mut().zip(values).zip(targets).enumerate() {
        if !is_stable(stable_mask, i) {
            continue;
        }
        let t = U256::from(*t);
        let v_new = if s.is_zero() {
            if ts.is_zero() {
                U256::ZERO
            } else {
                mul_div(s_new, t, ts, "slice deltas: S' * t / T_S")?
            }
        } else if ts.is_zero() {
            mul_div(s_new, *v, s, "slice deltas: S' * v / S")?
        } else {
            let keep = mul(
                mul(*v, ts, "slice deltas: v * T_S")?,
                rest,
                "slice deltas: v * T_S * (den - num)",
            )?;
            let move_ = mul(
                mul(t, s, "slice deltas: t * S")?,
                num,
                "slice deltas: t * S * num",
            )?;
            let numer = add(keep, move_, "slice deltas: weight numerator")?;
            let denom = mul(
                mul(s, ts, "slice deltas: S * T_S")?,
                den,
                "slice deltas: S * T_S * den",
            )?;
            mul_div(s_new, numer, denom, "slice deltas: new value")?
        };
        let change = add_signed(
            signed(v_new, "slice deltas: new value")?,
            neg_signed(*v, "slice deltas: old value")?,
            "slice deltas: change",
        )?;
        *delta = add_signed(*delta, change, "slice deltas: sum")?;
    }
    Ok(())
}
