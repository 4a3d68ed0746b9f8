//! The batch planner: which requests to serve now, in what order, for what fee.
//!
//! 1. Validate: configuration, gas market, tokens; every request has a positive amount, a known
//!    token and a unique id.
//! 2. Sort all requests by priority — amount descending (the amount is also the net amount the
//!    user receives: fees are charged on top, never taken out of it), then older first, then id
//!    — a total order, so the plan does not depend on input order. Sorting comes **before** any
//!    reserve is handed out, so "biggest first" decides who is served.
//! 3. Per-request checks: min amount, max amount, dynamic soft limit.
//! 4. Allocate in priority order: batch not full, per-user cap, per-interval cap (both counting
//!    what the interval already served, [`PlanInput::served`]), then reserve.
//! 5. Price the batch (n operations share its gas); any operation whose fee exceeds its user's
//!    `max_fee` is dropped (`fee_above_max`) and steps 4–5 rerun without it. Dropping only
//!    raises the others' gas shares, and each rerun drops at least one request, so this ends.
//! 6. Decide (see [`decide`]) and total per token.

use std::{
    cmp::Ordering,
    collections::{BTreeMap, BTreeSet},
};

use alloy::primitives::{Address, U256};

use super::{
    error::{HubError, HubResult},
    fees::{self, FeeBreakdown, add},
    outcome::{Decision, ExecuteReason, Operation, Plan, SkipReason, Skipped, TokenTotals},
    types::{PlanInput, Request, RequestId, TokenId, TokenState},
    validate,
};

/// Priority: bigger amount first, then older, then smaller id (ids are unique: a total order).
pub fn priority(a: &Request, b: &Request) -> Ordering {
    b.amount
        .cmp(&a.amount)
        .then(a.requested_at.cmp(&b.requested_at))
        .then_with(|| a.id.cmp(&b.id))
}

/// Plans one batch from `input`.
pub fn plan(input: &PlanInput) -> HubResult<Plan> {
    validate::config(&input.config)?;
    validate::gas(&input.gas)?;
    let mut soft_limits = BTreeMap::new();
    for (id, token) in &input.tokens {
        validate::token(id, token)?;
        soft_limits.insert(id, fees::soft_limit(&input.config, &input.gas, token)?);
    }
    validate_requests(input)?;

    let mut order: Vec<&Request> = input.requests.iter().collect();
    order.sort_by(|a, b| priority(a, b));

    let mut skipped: Vec<(&Request, SkipReason)> = Vec::new();
    let mut eligible: Vec<(&Request, &TokenState)> = Vec::new();
    for r in order {
        let token = token_of(input, r)?;
        let soft = soft_limits.get(&r.token).copied().unwrap_or_default();
        match per_request_check(r, token, soft) {
            Some(reason) => skipped.push((r, reason)),
            None => eligible.push((r, token)),
        }
    }

    let mut fee_rejected: BTreeMap<&RequestId, SkipReason> = BTreeMap::new();
    let (accepted, priced) = loop {
        let (accepted, refused) = allocate(&eligible, &fee_rejected, input)?;
        let priced = price(&accepted, input)?;
        let mut dropped = false;
        for ((r, _), fee) in accepted.iter().zip(&priced) {
            let total = fee.total()?;
            if total > r.max_fee {
                let reason = SkipReason::FeeAboveMax {
                    fee: total,
                    max_fee: r.max_fee,
                };
                fee_rejected.insert(&r.id, reason);
                dropped = true;
            }
        }
        if !dropped {
            skipped.extend(refused);
            break (accepted, priced);
        }
    };
    for (r, _) in &eligible {
        if let Some(reason) = fee_rejected.get(&r.id) {
            skipped.push((r, *reason));
        }
    }
    skipped.sort_by(|(a, _), (b, _)| priority(a, b));

    let operations = accepted
        .iter()
        .zip(priced)
        .map(|((r, _), fee)| {
            Ok(Operation {
                request: r.id.clone(),
                user: r.user,
                token: r.token.clone(),
                amount: r.amount,
                requested_at: r.requested_at,
                fee,
                total_fee: fee.total()?,
            })
        })
        .collect::<HubResult<Vec<_>>>()?;
    let n = count(operations.len())?;
    Ok(Plan {
        decision: decide(input.now, &operations, input),
        batch_gas: if n == 0 {
            0
        } else {
            fees::batch_gas(n, &input.config)?
        },
        totals: totals(input, &operations, &soft_limits)?,
        skipped: skipped
            .into_iter()
            .map(|(r, reason)| Skipped {
                request: r.id.clone(),
                user: r.user,
                token: r.token.clone(),
                amount: r.amount,
                reason,
            })
            .collect(),
        operations,
    })
}

/// The execute-now rule, on the operations as planned:
/// - no operations → [`Decision::Nothing`];
/// - at least `batch_size_threshold` operations → execute;
/// - the oldest planned request has waited at least `batch_window_secs` (a request time after
///   `now` counts as 0 s of waiting) → execute;
/// - otherwise wait until that oldest request's window elapses.
///
/// Skipped requests never trigger a batch: a request that cannot be served must not force a
/// small batch early.
pub fn decide(now: u64, operations: &[Operation], input: &PlanInput) -> Decision {
    let c = &input.config;
    let Some(oldest) = operations.iter().map(|o| o.requested_at).min() else {
        return Decision::Nothing;
    };
    let n = u32::try_from(operations.len()).unwrap_or(u32::MAX);
    if n >= c.batch_size_threshold {
        return Decision::Execute(ExecuteReason::SizeThreshold {
            operations: n,
            threshold: c.batch_size_threshold,
        });
    }
    let waited = now.saturating_sub(oldest);
    if waited >= c.batch_window_secs {
        return Decision::Execute(ExecuteReason::WindowElapsed {
            waited_secs: waited,
            window_secs: c.batch_window_secs,
        });
    }
    Decision::Wait {
        until: oldest.saturating_add(c.batch_window_secs),
    }
}

fn validate_requests(input: &PlanInput) -> HubResult<()> {
    let mut seen = BTreeSet::new();
    for r in &input.requests {
        if r.amount.is_zero() {
            return Err(HubError::ZeroAmount { id: r.id.0.clone() });
        }
        if !input.tokens.contains_key(&r.token) {
            return Err(HubError::UnknownToken {
                id: r.id.0.clone(),
                token: r.token.0.clone(),
            });
        }
        if !seen.insert(&r.id) {
            return Err(HubError::DuplicateId { id: r.id.0.clone() });
        }
    }
    Ok(())
}

fn token_of<'a>(input: &'a PlanInput, r: &Request) -> HubResult<&'a TokenState> {
    input
        .tokens
        .get(&r.token)
        .ok_or_else(|| HubError::UnknownToken {
            id: r.id.0.clone(),
            token: r.token.0.clone(),
        })
}

fn count(n: usize) -> HubResult<u32> {
    u32::try_from(n).map_err(|_| HubError::Overflow {
        what: "operation count",
    })
}

/// Checks that depend on the request alone.
fn per_request_check(r: &Request, token: &TokenState, soft_limit: U256) -> Option<SkipReason> {
    let l = &token.limits;
    if r.amount < l.min_amount {
        Some(SkipReason::BelowMinAmount { min: l.min_amount })
    } else if r.amount > l.max_amount {
        Some(SkipReason::OverMaxAmount { max: l.max_amount })
    } else if r.amount < soft_limit {
        Some(SkipReason::BelowSoftLimit { soft_limit })
    } else {
        None
    }
}

type Allocation<'a> = (
    Vec<(&'a Request, &'a TokenState)>,
    Vec<(&'a Request, SkipReason)>,
);

/// Hands out reserves in priority order (`eligible` is already sorted).
fn allocate<'a>(
    eligible: &[(&'a Request, &'a TokenState)],
    fee_rejected: &BTreeMap<&RequestId, SkipReason>,
    input: &PlanInput,
) -> HubResult<Allocation<'a>> {
    let max_ops = usize::try_from(input.config.max_operations).unwrap_or(usize::MAX);
    // The caps start from what the interval already served; the reserve from zero.
    let mut per_user: BTreeMap<(Address, &TokenId), U256> = BTreeMap::new();
    let mut served: BTreeMap<&TokenId, U256> = BTreeMap::new();
    for (token, s) in &input.served {
        served.insert(token, s.total);
        for (user, amount) in &s.per_user {
            per_user.insert((*user, token), *amount);
        }
    }
    let mut per_token: BTreeMap<&TokenId, U256> = BTreeMap::new();
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for &(r, token) in eligible {
        if fee_rejected.contains_key(&r.id) {
            continue;
        }
        let l = &token.limits;
        let user_sum = per_user
            .get(&(r.user, &r.token))
            .copied()
            .unwrap_or_default();
        let token_sum = per_token.get(&r.token).copied().unwrap_or_default();
        let interval_sum = add(
            served.get(&r.token).copied().unwrap_or_default(),
            token_sum,
            "per-interval sum",
        )?;
        let user_next = add(user_sum, r.amount, "per-user sum")?;
        let token_next = add(token_sum, r.amount, "per-token sum")?;
        let interval_next = add(interval_sum, r.amount, "per-interval sum")?;
        let reason = if accepted.len() >= max_ops {
            Some(SkipReason::BatchFull {
                max_operations: input.config.max_operations,
            })
        } else if user_next > l.max_per_user {
            Some(SkipReason::OverUserCap {
                cap: l.max_per_user,
                already: user_sum,
            })
        } else if interval_next > l.max_per_interval {
            Some(SkipReason::OverIntervalCap {
                cap: l.max_per_interval,
                already: interval_sum,
            })
        } else if token_next > token.reserve {
            Some(SkipReason::Unaffordable {
                reserve_left: token.reserve.saturating_sub(token_sum),
            })
        } else {
            None
        };
        match reason {
            Some(reason) => refused.push((r, reason)),
            None => {
                per_user.insert((r.user, &r.token), user_next);
                per_token.insert(&r.token, token_next);
                accepted.push((r, token));
            }
        }
    }
    Ok((accepted, refused))
}

/// Fees of the accepted operations, as one batch of that many.
fn price(accepted: &[(&Request, &TokenState)], input: &PlanInput) -> HubResult<Vec<FeeBreakdown>> {
    let shares = fees::gas_shares(count(accepted.len())?, &input.config);
    accepted
        .iter()
        .zip(shares)
        .map(|((r, token), gas)| {
            fees::operation_fee(r.amount, gas, &input.config, &input.gas, token)
        })
        .collect()
}

fn totals(
    input: &PlanInput,
    operations: &[Operation],
    soft_limits: &BTreeMap<&TokenId, U256>,
) -> HubResult<BTreeMap<TokenId, TokenTotals>> {
    let mut out = BTreeMap::new();
    for (id, token) in &input.tokens {
        let mut t = TokenTotals {
            reserve_before: token.reserve,
            reserves_out: U256::ZERO,
            hub_fees: U256::ZERO,
            miner_fees: U256::ZERO,
            buffers: U256::ZERO,
            fees: U256::ZERO,
            user_debits: U256::ZERO,
            reserve_after: U256::ZERO,
            soft_limit: soft_limits.get(id).copied().unwrap_or_default(),
        };
        for o in operations.iter().filter(|o| &o.token == id) {
            t.reserves_out = add(t.reserves_out, o.amount, "reserves out")?;
            t.hub_fees = add(t.hub_fees, o.fee.hub_fee, "hub fees")?;
            t.miner_fees = add(t.miner_fees, o.fee.miner_fee, "miner fees")?;
            t.buffers = add(t.buffers, o.fee.buffer, "buffers")?;
            t.fees = add(t.fees, o.total_fee, "fees")?;
        }
        t.user_debits = add(t.reserves_out, t.fees, "user debits")?;
        t.reserve_after = token
            .reserve
            .checked_sub(t.reserves_out)
            .ok_or(HubError::Overflow {
                what: "reserve after the batch",
            })?;
        out.insert(id.clone(), t);
    }
    Ok(out)
}
