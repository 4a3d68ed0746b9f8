//! Off-peak scheduling: work that can wait (a top-up while the upkeep still holds a month, a
//! calendar rebalance while every drift is inside its band) waits for a gas price at or below a
//! percentile of the recent window, and never past its deadline; urgent work never waits.
//!
//! Prices are integer wei. The percentile is the nearest-rank one over the window as given
//! (`⌈p/100 × n⌉`-th smallest, `p` in 1..=100), so it is always a price the chain really charged.
//! With an empty window nothing is known about peaks and the work goes at once.

/// How deferrable work is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffPeak {
    /// Go when the price is at or below this percentile of the window (1–100).
    pub percentile: u8,
    /// Never wait longer than this after the work became due, s.
    pub max_wait_secs: u64,
}

/// Why work goes now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoReason {
    /// Urgent work never waits.
    Urgent,
    /// The price is at or below the window's percentile.
    OffPeak,
    /// It waited `max_wait_secs`.
    Deadline,
    /// No prices seen yet.
    NoHistory,
}

impl GoReason {
    /// A short code for logs, metrics and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::OffPeak => "off_peak",
            Self::Deadline => "deadline",
            Self::NoHistory => "no_history",
        }
    }
}

/// Go now, or wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Send now.
    Go(GoReason),
    /// Wait until the price is at or below `threshold`, or until `deadline` (unix s).
    Wait {
        /// The window's percentile, wei.
        threshold: u128,
        /// When it goes regardless.
        deadline: u64,
    },
}

/// The nearest-rank `percentile` (1–100, clamped) of `window`; `None` when it is empty.
pub fn percentile(window: &[u128], percentile: u8) -> Option<u128> {
    if window.is_empty() {
        return None;
    }
    let mut sorted = window.to_vec();
    sorted.sort_unstable();
    let p = usize::from(percentile.clamp(1, 100));
    // ⌈p·n/100⌉, at least 1: the rank of the smallest price with p % of the window at or below it.
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// When work due since `due_since` (unix s) goes, at `now` with the price `price` and the
/// recent `window` of prices.
pub fn timing(
    policy: &OffPeak,
    urgent: bool,
    due_since: u64,
    now: u64,
    price: u128,
    window: &[u128],
) -> Timing {
    if urgent {
        return Timing::Go(GoReason::Urgent);
    }
    let deadline = due_since.saturating_add(policy.max_wait_secs);
    if now >= deadline {
        return Timing::Go(GoReason::Deadline);
    }
    match percentile(window, policy.percentile) {
        None => Timing::Go(GoReason::NoHistory),
        Some(threshold) if price <= threshold => Timing::Go(GoReason::OffPeak),
        Some(threshold) => Timing::Wait {
            threshold,
            deadline,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: OffPeak = OffPeak {
        percentile: 25,
        max_wait_secs: 86_400,
    };

    #[test]
    fn the_percentile_is_a_price_of_the_window_by_nearest_rank() {
        let w = [50, 10, 40, 20, 30];
        assert_eq!(percentile(&w, 20), Some(10));
        assert_eq!(percentile(&w, 21), Some(20));
        assert_eq!(percentile(&w, 50), Some(30));
        assert_eq!(percentile(&w, 100), Some(50));
        assert_eq!(percentile(&w, 0), Some(10), "clamped to 1");
        assert_eq!(percentile(&[7], 25), Some(7));
        assert_eq!(percentile(&[], 25), None);
    }

    #[test]
    fn urgent_work_never_waits_and_deferrable_work_waits_for_the_percentile() {
        let w: Vec<u128> = (1..=100).collect();
        assert_eq!(
            timing(&POLICY, true, 0, 10, 1_000, &w),
            Timing::Go(GoReason::Urgent)
        );
        assert_eq!(
            timing(&POLICY, false, 0, 10, 26, &w),
            Timing::Wait {
                threshold: 25,
                deadline: 86_400
            }
        );
        assert_eq!(
            timing(&POLICY, false, 0, 10, 25, &w),
            Timing::Go(GoReason::OffPeak)
        );
        assert_eq!(
            timing(&POLICY, false, 0, 86_400, 1_000, &w),
            Timing::Go(GoReason::Deadline),
            "never past the deadline"
        );
        assert_eq!(
            timing(&POLICY, false, 0, 10, 1_000, &[]),
            Timing::Go(GoReason::NoHistory)
        );
        assert_eq!(
            timing(&POLICY, false, u64::MAX, u64::MAX - 1, 1_000, &w),
            Timing::Wait {
                threshold: 25,
                deadline: u64::MAX
            },
            "a deadline past u64 saturates"
        );
    }
}
