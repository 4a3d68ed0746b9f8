//! Upkeep funding: what a month of an upkeep costs, when it is topped up and to what, and which
//! top-ups the funding wallet covers. Amounts are integer base units of the upkeep's billing
//! token (juels for LINK, wei for wrapped native); every projection rounds **up** (in the
//! upkeep's favour: it is better funded, never short).
//!
//! - **A month** is measured from the registry's charges over the recent history
//!   ([`month_from_history`], `charged × 30 days / span`) once the history spans a day; before
//!   that it is modelled ([`month_from_model`]: the registry 2.3 charge of one perform, from
//!   `model::fees::registry`, × performs a day × 30).
//! - **Refill level** = max(1 × month, `min_balance_multiple` × the registry's minimum balance).
//!   Below it the upkeep is topped up to **2 × the refill level** — 2 × the month whenever the
//!   month sets the level (the economics document's "prefund ≥ 2×, refill at 1×"); when the
//!   minimum balance sets it, 2 × the month would not even reach the level, so the same
//!   hysteresis is kept on the level instead.
//! - A top-up **may wait** for off-peak gas (`model::offpeak`) while the balance still holds a
//!   month; below a month it goes now, and below the registry's minimum it is urgent.
//! - A cancelled upkeep is never topped up (its funds can only be withdrawn).

use alloy::primitives::U256;

/// Seconds in the month of every projection.
pub const MONTH_SECS: u64 = 30 * DAY_SECS;
/// Seconds in a day: the history a measured projection needs.
pub const DAY_SECS: u64 = 86_400;

/// How a month was projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthSource {
    /// From the registry's charges over `span_secs` of history.
    Measured {
        /// The history's span, s.
        span_secs: u64,
    },
    /// From the fee model (under a day of history).
    Modelled,
}

impl MonthSource {
    /// `measured` or `modelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Measured { .. } => "measured",
            Self::Modelled => "modelled",
        }
    }
}

/// A month from `charged` over `span_secs` of history, rounded up; `None` under a day.
pub fn month_from_history(charged: U256, span_secs: u64) -> Option<U256> {
    if span_secs < DAY_SECS {
        return None;
    }
    let num = charged.checked_mul(U256::from(MONTH_SECS))?;
    Some(num.div_ceil(U256::from(span_secs)))
}

/// A month from one perform's modelled charge and the performs expected a day.
pub fn month_from_model(per_perform: U256, performs_per_day: u32) -> Option<U256> {
    per_perform.checked_mul(U256::from(u64::from(performs_per_day) * 30))
}

/// An upkeep as the registry has it, with its projected month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpkeepFunds {
    /// `getBalance(id)`.
    pub balance: U256,
    /// `getMinBalance(id)`.
    pub min_balance: U256,
    /// The projected month.
    pub month: U256,
    /// Cancelled (`maxValidBlocknumber` is set).
    pub cancelled: bool,
}

/// What the funding job does for one upkeep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Cancelled: never topped up.
    Cancelled,
    /// At or above its refill level.
    Enough {
        /// The refill level.
        refill_at: U256,
    },
    /// Below its refill level.
    TopUp(TopUp),
}

/// A top-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopUp {
    /// What to add: `target − balance`.
    pub amount: U256,
    /// The refill level it fell below.
    pub refill_at: U256,
    /// The balance it is brought to.
    pub target: U256,
    /// Below the registry's minimum balance: it cannot be performed.
    pub below_minimum: bool,
    /// It still holds a month: it may wait for off-peak gas.
    pub deferrable: bool,
}

/// Why a decision cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundingError {
    /// The refill level overflows.
    #[error(
        "funding.min_balance_multiple = {multiple} × minimum balance {min_balance} overflows — lower min_balance_multiple"
    )]
    Overflow {
        /// The multiple.
        multiple: u32,
        /// The minimum balance.
        min_balance: U256,
    },
}

/// What to do for `u` with `min_balance_multiple`.
pub fn decide(u: &UpkeepFunds, min_balance_multiple: u32) -> Result<Decision, FundingError> {
    if u.cancelled {
        return Ok(Decision::Cancelled);
    }
    let overflow = || FundingError::Overflow {
        multiple: min_balance_multiple,
        min_balance: u.min_balance,
    };
    let floor = u
        .min_balance
        .checked_mul(U256::from(min_balance_multiple))
        .ok_or_else(overflow)?;
    let refill_at = u.month.max(floor);
    if u.balance >= refill_at {
        return Ok(Decision::Enough { refill_at });
    }
    let target = refill_at
        .checked_mul(U256::from(2u8))
        .ok_or_else(overflow)?;
    Ok(Decision::TopUp(TopUp {
        amount: target - u.balance,
        refill_at,
        target,
        below_minimum: u.balance < u.min_balance,
        deferrable: u.balance >= u.month,
    }))
}

/// One top-up the wallet may pay: its amount in the billing token and the gas it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    /// Paid in LINK (`true`) or in native coin (`false`).
    pub in_link: bool,
    /// The amount.
    pub amount: U256,
    /// The transaction's gas at the fee cap, wei.
    pub gas_wei: U256,
    /// Urgency for ordering: below the minimum first.
    pub below_minimum: bool,
}

/// The funding wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wallet {
    /// LINK, juels.
    pub link: U256,
    /// Native coin, wei (pays native top-ups and every transaction's gas).
    pub native: U256,
}

/// What the wallet covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Indices of `payments` the wallet pays, in the order to send them.
    pub covered: Vec<usize>,
    /// Indices it cannot pay.
    pub uncovered: Vec<usize>,
    /// LINK missing to pay them all.
    pub link_short: U256,
    /// Native coin missing to pay them all (amounts and gas).
    pub native_short: U256,
}

/// Which of `payments` `wallet` covers: urgent ones first, then in the given order, each whole
/// (a half top-up would only come back sooner); one it cannot pay is skipped, not the rest.
pub fn cover(wallet: Wallet, payments: &[Payment]) -> Coverage {
    let mut order: Vec<usize> = (0..payments.len()).collect();
    order.sort_by_key(|&i| !payments[i].below_minimum);
    let (mut link, mut native) = (wallet.link, wallet.native);
    let (mut covered, mut uncovered) = (Vec::new(), Vec::new());
    let (mut need_link, mut need_native) = (U256::ZERO, U256::ZERO);
    for i in order {
        let p = &payments[i];
        let (l, n) = if p.in_link {
            (p.amount, p.gas_wei)
        } else {
            (U256::ZERO, p.amount.saturating_add(p.gas_wei))
        };
        need_link = need_link.saturating_add(l);
        need_native = need_native.saturating_add(n);
        if l <= link && n <= native {
            link -= l;
            native -= n;
            covered.push(i);
        } else {
            uncovered.push(i);
        }
    }
    Coverage {
        covered,
        uncovered,
        link_short: need_link.saturating_sub(wallet.link),
        native_short: need_native.saturating_sub(wallet.native),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(balance: u64, min_balance: u64, month: u64) -> UpkeepFunds {
        UpkeepFunds {
            balance: U256::from(balance),
            min_balance: U256::from(min_balance),
            month: U256::from(month),
            cancelled: false,
        }
    }

    #[test]
    fn a_month_is_measured_after_a_day_and_rounds_up() {
        assert_eq!(month_from_history(U256::from(10u8), DAY_SECS - 1), None);
        assert_eq!(
            month_from_history(U256::from(10u8), DAY_SECS),
            Some(U256::from(300u16))
        );
        // 7 over 7 days: 30 per month exactly; 1 over 7 days: 4.28… → 5.
        assert_eq!(
            month_from_history(U256::from(7u8), 7 * DAY_SECS),
            Some(U256::from(30u8))
        );
        assert_eq!(
            month_from_history(U256::from(1u8), 7 * DAY_SECS),
            Some(U256::from(5u8))
        );
        assert_eq!(month_from_history(U256::MAX, DAY_SECS), None, "overflow");
        assert_eq!(
            month_from_model(U256::from(3u8), 24),
            Some(U256::from(2_160u16))
        );
    }

    #[test]
    fn below_a_month_it_is_topped_up_to_two_months() {
        let d = decide(&u(99, 10, 100), 3).unwrap();
        assert_eq!(
            d,
            Decision::TopUp(TopUp {
                amount: U256::from(101u8),
                refill_at: U256::from(100u8),
                target: U256::from(200u8),
                below_minimum: false,
                deferrable: false,
            })
        );
        assert_eq!(
            decide(&u(100, 10, 100), 3).unwrap(),
            Decision::Enough {
                refill_at: U256::from(100u8)
            }
        );
    }

    #[test]
    fn when_the_minimum_sets_the_level_the_top_up_may_wait_while_a_month_is_held() {
        // Month 20, minimum 10 × 3 = 30 sets the level; a balance of 25 still holds a month.
        let Decision::TopUp(t) = decide(&u(25, 10, 20), 3).unwrap() else {
            panic!("top-up expected")
        };
        assert_eq!(
            (t.refill_at, t.target, t.amount),
            (U256::from(30u8), U256::from(60u8), U256::from(35u8))
        );
        assert!(t.deferrable && !t.below_minimum);
        let Decision::TopUp(t) = decide(&u(9, 10, 20), 3).unwrap() else {
            panic!("top-up expected")
        };
        assert!(t.below_minimum && !t.deferrable);
    }

    #[test]
    fn a_cancelled_upkeep_is_never_topped_up_and_overflow_is_an_error() {
        let mut c = u(0, 10, 100);
        c.cancelled = true;
        assert_eq!(decide(&c, 3).unwrap(), Decision::Cancelled);
        let big = UpkeepFunds {
            min_balance: U256::MAX,
            ..u(0, 0, 0)
        };
        assert!(matches!(
            decide(&big, 3),
            Err(FundingError::Overflow { multiple: 3, .. })
        ));
    }

    #[test]
    fn the_wallet_pays_urgent_top_ups_first_and_skips_what_it_cannot_pay() {
        let p = |in_link, amount: u64, below_minimum| Payment {
            in_link,
            amount: U256::from(amount),
            gas_wei: U256::from(5u8),
            below_minimum,
        };
        let payments = [p(true, 60, false), p(true, 50, true), p(false, 30, false)];
        let c = cover(
            Wallet {
                link: U256::from(100u8),
                native: U256::from(40u8),
            },
            &payments,
        );
        // The urgent 50 first; then 60 no longer fits; native 30 + 5 gas with 5 left after the
        // first gas: 40 − 5 = 35 ≥ 35.
        assert_eq!(c.covered, vec![1, 2]);
        assert_eq!(c.uncovered, vec![0]);
        assert_eq!(c.link_short, U256::from(10u8));
        assert_eq!(c.native_short, U256::from(5u8));
        let empty = cover(Wallet::default(), &payments);
        assert!(empty.covered.is_empty());
        assert_eq!(empty.uncovered.len(), 3);
        assert_eq!(empty.link_short, U256::from(110u8));
        assert_eq!(empty.native_short, U256::from(45u8));
    }
}
