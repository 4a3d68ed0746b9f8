//! The benchmark's report: its figures, each bar with whether it is met, and the medians.

use std::collections::BTreeMap;

use serde::Serialize;

/// One bar and whether it is met.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bar {
    /// The figure.
    pub value: f64,
    /// The least it may be, if a floor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The most it may be, if a ceiling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Met.
    pub met: bool,
}

impl Bar {
    pub(crate) fn at_least(value: f64, min: f64) -> Self {
        Self {
            value,
            min: Some(min),
            max: None,
            met: value >= min,
        }
    }

    pub(crate) fn at_most(value: f64, max: f64) -> Self {
        Self {
            value,
            min: None,
            max: Some(max),
            met: value <= max,
        }
    }
}

/// The three bars.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bars {
    /// `naive_secs / multicall_secs` ≥ [`super::SPEEDUP_MIN`] (every check simulated).
    pub speedup: Bar,
    /// `naive_secs / keeper_round_secs` ≥ [`super::SPEEDUP_MIN`] (the keeper's own plan).
    pub keeper_round_speedup: Bar,
    /// `rpc_requests` ≤ [`super::RPC_REQUESTS_MAX`].
    pub rpc_requests: Bar,
    /// `resident_mib` ≤ [`super::RESIDENT_MIB_MAX`].
    pub resident_mib: Bar,
}

/// The benchmark's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    /// Balancers created and scanned.
    pub balancers: usize,
    /// This executable's build profile (`debug` or `release`): the scan and the keeper run in it.
    pub build_profile: &'static str,
    /// Timed rounds of each kind (the medians are over these).
    pub repetitions: usize,
    /// Whether the scan was measured in a drifted market (every check builds its plan).
    pub drifted: bool,
    /// Milliseconds added to every request of the timed rounds (0: anvil's own round trip).
    pub rpc_latency_ms: u64,
    /// Seconds from anvil's start to the last balancer funded and allow-listing the keeper.
    pub setup_secs: f64,
    /// Transactions the setup sent after the stack's deployment.
    pub setup_transactions: u64,
    /// Median seconds of one full scan round (Multicall3, every target simulated).
    pub multicall_secs: f64,
    /// Every round's seconds, in order.
    pub multicall_rounds_secs: Vec<f64>,
    /// Median seconds of one naive round (an `eth_call` per balancer).
    pub naive_secs: f64,
    /// Every naive round's seconds, in order.
    pub naive_rounds_secs: Vec<f64>,
    /// `naive_secs / multicall_secs`.
    pub speedup: f64,
    /// Milliseconds per request of the naive round: the round trip of one `eth_call` as measured
    /// (anvil's, plus the proxy's, plus any `--rpc-latency-ms`, which a tokio timer rounds up).
    pub naive_ms_per_request: f64,
    /// Median seconds of one round as the keeper runs it after its first: every target read,
    /// checks only where its schedule expects work (and follow-ups of fresh triggers).
    pub keeper_round_secs: f64,
    /// Every such round's seconds, in order.
    pub keeper_round_rounds_secs: Vec<f64>,
    /// HTTP requests of such a round (the largest seen).
    pub keeper_round_requests: u64,
    /// Checks the schedule simulated in the last such round.
    pub keeper_round_checks: usize,
    /// `naive_secs / keeper_round_secs`.
    pub keeper_round_speedup: f64,
    /// Median CPU seconds anvil spent in a scan round (what the node itself needs).
    pub multicall_anvil_cpu_secs: f64,
    /// Median CPU seconds this process spent in a scan round (the scanner and the proxy).
    pub multicall_client_cpu_secs: f64,
    /// Median CPU seconds anvil spent in a naive round.
    pub naive_anvil_cpu_secs: f64,
    /// Median CPU seconds this process spent in a naive round.
    pub naive_client_cpu_secs: f64,
    /// HTTP requests of one full scan round (the largest of the rounds).
    pub rpc_requests: u64,
    /// JSON-RPC calls of one round, by method.
    pub rpc_calls_by_method: BTreeMap<String, u64>,
    /// HTTP requests of one naive round.
    pub naive_rpc_requests: u64,
    /// Multicall3 sub-calls in one round.
    pub scan_calls: usize,
    /// The keeper's call gas cap (gas of one `eth_call`), which sizes the batches.
    pub call_gas_cap: u64,
    /// Balancers whose check says a perform is needed.
    pub checks_needed: usize,
    /// Peak `VmRSS` of the keeper process serving the balancers, MiB.
    pub resident_mib: f64,
    /// Its `VmHWM` (high-water mark) at the end, MiB.
    pub resident_hwm_mib: f64,
    /// `VmRSS` readings taken.
    pub resident_readings: usize,
    /// Scans the keeper had served at the last reading.
    pub keeper_scans: u64,
    /// Each bar, met or missed.
    pub bars: Bars,
}

/// The median (the mean of the middle two for an even count; 0 for none).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::bench::{RESIDENT_MIB_MAX, SPEEDUP_MIN};

    #[test]
    fn medians_and_bars() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(Bar::at_least(20.0, SPEEDUP_MIN).met);
        assert!(!Bar::at_least(19.9, SPEEDUP_MIN).met);
        assert!(Bar::at_most(10.0, 10.0).met);
        assert!(!Bar::at_most(64.1, RESIDENT_MIB_MAX).met);
        let json = serde_json::to_value(Bar::at_most(3.0, 10.0)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"value": 3.0, "max": 10.0, "met": true})
        );
    }
}
