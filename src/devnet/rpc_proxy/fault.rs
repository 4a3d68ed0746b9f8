//! Faults and the rules that pick one for a request.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

/// How the proxy answers a request that a rule matches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fault {
    /// Forward normally.
    #[default]
    None,
    /// Answer every call with this JSON-RPC error (HTTP 200, ids preserved, batches element-wise);
    /// nothing is forwarded.
    Error {
        /// The JSON-RPC error code, e.g. `-32000`.
        code: i64,
        /// The error message the client sees.
        message: String,
    },
    /// Answer with this HTTP status and an empty body; nothing is forwarded. A status that is
    /// not a final HTTP status (below 200 or above 999) is answered as 500.
    Http(u16),
    /// Never answer and never forward: the connection is held until the client gives up.
    Hang,
    /// Forward after this delay.
    Delay(Duration),
    /// Close the connection without answering; nothing is forwarded.
    Drop,
}

impl Fault {
    /// Whether this fault fails the request (everything but [`Fault::None`] and
    /// [`Fault::Delay`]); such requests are counted in `ProxyStats::failed_injected`.
    pub fn fails(&self) -> bool {
        !matches!(self, Fault::None | Fault::Delay(_))
    }
}

/// A fault for the next `remaining` calls of one method.
#[derive(Debug)]
struct OneShot {
    remaining: u32,
    fault: Fault,
}

/// Every rule in force. Precedence for a request: one-shot rules, then per-method rules, then the
/// rule for every method.
#[derive(Debug, Default)]
pub(super) struct FaultTable {
    /// The rule for every method, and when it clears itself (if it does).
    all: Option<(Fault, Option<Instant>)>,
    by_method: BTreeMap<String, Fault>,
    next: BTreeMap<String, OneShot>,
}

impl FaultTable {
    pub(super) fn set_all(&mut self, fault: Fault, until: Option<Instant>) {
        self.all = (fault != Fault::None).then_some((fault, until));
    }

    pub(super) fn set_for(&mut self, methods: &[&str], fault: Fault) {
        for method in methods {
            if fault == Fault::None {
                self.by_method.remove(*method);
            } else {
                self.by_method.insert((*method).to_string(), fault.clone());
            }
        }
    }

    pub(super) fn fail_next(&mut self, method: &str, n: u32, fault: Fault) {
        if n == 0 {
            self.next.remove(method);
        } else {
            let shot = OneShot {
                remaining: n,
                fault,
            };
            self.next.insert(method.to_string(), shot);
        }
    }

    pub(super) fn clear(&mut self) {
        *self = Self::default();
    }

    /// The fault for a request carrying calls of `methods` (one entry per call, batches in
    /// order), at `now`. Consumes one one-shot use per matching call; a batch takes the first
    /// matching rule's fault.
    pub(super) fn pick(&mut self, methods: &[&str], now: Instant) -> Fault {
        let mut shot_fault = None;
        for method in methods {
            if let Some(shot) = self.next.get_mut(*method) {
                shot.remaining = shot.remaining.saturating_sub(1);
                let fault = shot.fault.clone();
                if shot.remaining == 0 {
                    self.next.remove(*method);
                }
                shot_fault.get_or_insert(fault);
            }
        }
        if let Some(fault) = shot_fault {
            return fault;
        }
        if let Some(fault) = methods.iter().find_map(|m| self.by_method.get(*m)) {
            return fault.clone();
        }
        match &self.all {
            Some((_, Some(until))) if now >= *until => {
                self.all = None;
                Fault::None
            }
            Some((fault, _)) => fault.clone(),
            None => Fault::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(message: &str) -> Fault {
        Fault::Error {
            code: -1,
            message: message.into(),
        }
    }

    #[test]
    fn one_shot_beats_per_method_beats_all_and_runs_out() {
        let now = Instant::now();
        let mut table = FaultTable::default();
        table.set_all(err("all"), None);
        table.set_for(&["eth_call"], err("per-method"));
        table.fail_next("eth_call", 2, err("once"));
        assert_eq!(table.pick(&["eth_call"], now), err("once"));
        assert_eq!(table.pick(&["eth_chainId", "eth_call"], now), err("once"));
        assert_eq!(table.pick(&["eth_call"], now), err("per-method"));
        assert_eq!(table.pick(&["eth_chainId"], now), err("all"));
        table.set_for(&["eth_call"], Fault::None);
        assert_eq!(table.pick(&["eth_call"], now), err("all"));
        table.clear();
        assert_eq!(table.pick(&["eth_call"], now), Fault::None);
    }

    #[test]
    fn a_batch_uses_one_shot_per_matching_call() {
        let now = Instant::now();
        let mut table = FaultTable::default();
        table.fail_next("eth_call", 3, Fault::Drop);
        assert_eq!(table.pick(&["eth_call", "eth_call"], now), Fault::Drop);
        assert_eq!(table.pick(&["eth_call", "eth_call"], now), Fault::Drop);
        assert_eq!(table.pick(&["eth_call"], now), Fault::None);
    }

    #[test]
    fn a_timed_rule_clears_itself() {
        let now = Instant::now();
        let mut table = FaultTable::default();
        table.set_all(Fault::Hang, Some(now + Duration::from_secs(1)));
        assert_eq!(table.pick(&["eth_chainId"], now), Fault::Hang);
        let later = now + Duration::from_secs(1);
        assert_eq!(table.pick(&["eth_chainId"], later), Fault::None);
        assert_eq!(table.pick(&["eth_chainId"], now), Fault::None);
    }

    #[test]
    fn only_real_failures_count_as_failed() {
        assert!(!Fault::None.fails());
        assert!(!Fault::Delay(Duration::from_millis(1)).fails());
        assert!(Fault::Hang.fails() && Fault::Drop.fails() && Fault::Http(503).fails());
        assert!(err("x").fails());
    }
}
