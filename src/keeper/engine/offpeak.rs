//! Off-peak timing of deferrable performs: a TimeBalancer's calendar rebalance while every
//! drift is inside its band waits for a base fee at or below the configured percentile of the
//! recent blocks' (`model::offpeak`), never past its deadline; anything a band makes due goes
//! at once. A perform held back is released (not in flight), so the next check decides again.

use std::collections::VecDeque;

use super::Engine;
use crate::{
    keeper::{collect::blocks::Head, metrics::names},
    model::offpeak::{self, GoReason, OffPeak, Timing},
};

/// The engine's off-peak state.
#[derive(Debug, Clone)]
pub(crate) struct CalendarOffPeak {
    /// The policy (`None`: deferrable work goes at once).
    policy: Option<OffPeak>,
    /// Base fees of the last blocks, oldest first.
    window: VecDeque<u128>,
    /// Blocks the window holds.
    blocks: usize,
    /// Per target: when its deferrable perform fell due (block time, s).
    since: Vec<Option<u64>>,
}

impl CalendarOffPeak {
    /// For `targets` targets, with `policy` over `blocks` blocks.
    pub(crate) fn new(policy: Option<OffPeak>, blocks: u64, targets: usize) -> Self {
        let blocks = usize::try_from(blocks).unwrap_or(usize::MAX);
        Self {
            policy,
            window: VecDeque::with_capacity(blocks.min(4_096)),
            blocks,
            since: vec![None; targets],
        }
    }

    /// A new head: its base fee joins the window.
    pub(crate) fn observe(&mut self, h: &Head) {
        if let Some(fee) = h.base_fee {
            if self.window.len() >= self.blocks {
                self.window.pop_front();
            }
            self.window.push_back(fee);
        }
    }

    /// Target `i` has nothing deferred any more (performed, or no longer needed).
    pub(crate) fn clear(&mut self, i: usize) {
        if let Some(s) = self.since.get_mut(i) {
            *s = None;
        }
    }

    /// How target `i`'s perform, `deferrable` or not, is timed at head `h`.
    pub(crate) fn timing(&mut self, i: usize, deferrable: bool, h: &Head) -> Timing {
        let Some(policy) = self.policy else {
            return Timing::Go(GoReason::Urgent);
        };
        if !deferrable {
            self.clear(i);
            return Timing::Go(GoReason::Urgent);
        }
        let since = match self.since.get_mut(i) {
            Some(s) => *s.get_or_insert(h.timestamp),
            None => h.timestamp,
        };
        let Some(price) = h.base_fee else {
            return Timing::Go(GoReason::NoHistory);
        };
        let window: Vec<u128> = self.window.iter().copied().collect();
        let t = offpeak::timing(&policy, false, since, h.timestamp, price, &window);
        if matches!(t, Timing::Go(_)) {
            self.clear(i);
        }
        t
    }
}

impl Engine {
    /// Whether target `i`'s decided perform (`work`) goes at head `h`; one held back is
    /// released so the next check decides again.
    pub(super) fn offpeak_go(&mut self, i: usize, h: &Head, work: &str) -> bool {
        let deferrable = self.schedule.deferrable(i);
        match self.offpeak.timing(i, deferrable, h) {
            Timing::Go(GoReason::Urgent) => true,
            Timing::Go(reason) => {
                metrics::counter!(names::CALENDAR, "timing" => reason.as_str()).increment(1);
                tracing::info!(
                    target = self.targets[i].spec.name,
                    timing = reason.as_str(),
                    "calendar rebalance goes"
                );
                true
            }
            Timing::Wait {
                threshold,
                deadline,
            } => {
                metrics::counter!(names::CALENDAR, "timing" => "waited").increment(1);
                tracing::debug!(target = self.targets[i].spec.name, base_fee = ?h.base_fee, threshold, deadline, "calendar rebalance waits for off-peak gas");
                if let Some(p) = self.policies.get_mut(i) {
                    p.on_finished(work);
                }
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(number: u64, base_fee: u128) -> Head {
        Head {
            number,
            timestamp: 1_000 + number * 12,
            base_fee: Some(base_fee),
        }
    }

    const POLICY: OffPeak = OffPeak {
        percentile: 25,
        max_wait_secs: 120,
    };

    #[test]
    fn a_calendar_rebalance_waits_for_the_percentile_and_never_past_its_deadline() {
        let mut o = CalendarOffPeak::new(Some(POLICY), 4, 2);
        for (n, fee) in [(1, 40), (2, 10), (3, 30), (4, 20), (5, 50)] {
            o.observe(&head(n, fee));
        }
        // the window keeps the last 4 blocks: 10, 30, 20, 50 → 25th percentile 10
        let t = o.timing(0, true, &head(6, 30));
        assert_eq!(
            t,
            Timing::Wait {
                threshold: 10,
                deadline: 1_072 + 120
            }
        );
        // drift past a band (not deferrable) goes at once, and clears the wait
        assert_eq!(
            o.timing(0, false, &head(6, 30)),
            Timing::Go(GoReason::Urgent)
        );
        assert_eq!(
            o.timing(0, true, &head(7, 30)),
            Timing::Wait {
                threshold: 10,
                deadline: 1_084 + 120
            }
        );
        // at or below the percentile: off-peak
        assert_eq!(
            o.timing(0, true, &head(8, 10)),
            Timing::Go(GoReason::OffPeak)
        );
        // due at block 9, still peak 10 blocks (120 s) later: the deadline sends it
        assert!(matches!(
            o.timing(1, true, &head(9, 99)),
            Timing::Wait { .. }
        ));
        assert_eq!(
            o.timing(1, true, &head(19, 99)),
            Timing::Go(GoReason::Deadline)
        );
    }

    #[test]
    fn without_a_policy_or_a_base_fee_nothing_waits() {
        let mut off = CalendarOffPeak::new(None, 4, 1);
        off.observe(&head(1, 10));
        assert_eq!(
            off.timing(0, true, &head(2, 99)),
            Timing::Go(GoReason::Urgent)
        );
        let mut on = CalendarOffPeak::new(Some(POLICY), 4, 1);
        let pre_london = Head {
            number: 2,
            timestamp: 1_024,
            base_fee: None,
        };
        assert_eq!(
            on.timing(0, true, &pre_london),
            Timing::Go(GoReason::NoHistory)
        );
    }
}
