//! The keeper's Prometheus metrics and its health, served on `[metrics] listen` as `/metrics`
//! and `/healthz`.
//!
//! `/healthz` answers 200 `ok` while the chain head advances and scans are recent, and 503 with
//! the reason otherwise: the head has not moved for `head_stale_secs`, or the last scan is older
//! than `scan_stale_secs` (the node answers but the keeper cannot read its targets).

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use http_body_util::Full;
use hyper::{Request, Response, StatusCode, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::{net::TcpListener, task::JoinHandle};

/// Metric names (all prefixed `onebalancer_`).
pub mod names {
    /// Histogram: seconds one scan took.
    pub const SCAN_SECONDS: &str = "onebalancer_scan_seconds";
    /// Gauge: calls in the last scan.
    pub const SCAN_CALLS: &str = "onebalancer_scan_calls";
    /// Gauge: targets served.
    pub const SCAN_TARGETS: &str = "onebalancer_scan_targets";
    /// Counter: `eth_call` requests made by scans.
    pub const SCAN_REQUESTS: &str = "onebalancer_scan_requests_total";
    /// Counter: checks simulated.
    pub const SIMULATIONS: &str = "onebalancer_simulations_total";
    /// Counter: checks skipped by the forecast.
    pub const SIMULATIONS_SKIPPED: &str = "onebalancer_simulations_skipped_total";
    /// Counter: performs observed, by `source` (chainlink, keeper, cre, other).
    pub const PERFORMS: &str = "onebalancer_performs_total";
    /// Counter: fills of the targets' orders.
    pub const FILLS: &str = "onebalancer_fills_total";
    /// Counter: transaction attempts signed, by `purpose` (original, bump, cancel).
    pub const ATTEMPTS: &str = "onebalancer_tx_attempts_total";
    /// Counter: replacements (bumps) sent.
    pub const REPLACEMENTS: &str = "onebalancer_tx_replacements_total";
    /// Counter: works replaced by a 0-value self-transfer.
    pub const CANCELS: &str = "onebalancer_tx_cancels_total";
    /// Counter: attempts broadcast again from the store.
    pub const REBROADCASTS: &str = "onebalancer_tx_rebroadcasts_total";
    /// Histogram: seconds from the decision to the mined receipt.
    pub const MINED_SECONDS: &str = "onebalancer_tx_mined_seconds";
    /// Histogram: blocks from the first block the work was seen needed to the mined receipt.
    pub const MINED_BLOCKS: &str = "onebalancer_tx_mined_blocks";
    /// Counter: keeper transactions mined, by `status` (success, reverted, cancelled).
    pub const MINED: &str = "onebalancer_tx_mined_total";
    /// Counter: duplicates the keeper refused to send (already done or in flight).
    pub const DUPLICATES_REFUSED: &str = "onebalancer_duplicates_refused_total";
    /// Counter: errors by `kind` (simulate, estimate, broadcast, rpc, check, logs, store) and
    /// `error` (the decoded contract error or the node's error class).
    pub const ERRORS: &str = "onebalancer_errors_total";
    /// Gauge: the keeper's balance, in ether (a float: for dashboards only).
    pub const BALANCE_ETH: &str = "onebalancer_keeper_balance_eth";
    /// Gauge: the chain head.
    pub const HEAD: &str = "onebalancer_head_block";
    /// Gauge: what the funding wallet lacks to pay every top-up due, whole tokens, by token.
    pub const FUNDING_SHORT: &str = "onebalancer_funding_wallet_short";
    /// Counter: top-ups sent, by billing token and timing.
    pub const TOPUPS: &str = "onebalancer_topups_total";
    /// Counter: relayed orders by sink and outcome (delivered, refused, retry, failed, expired).
    pub const RELAYED: &str = "onebalancer_relay_posts_total";
    /// Counter: deferrable calendar rebalances, by timing (waited, off_peak, deadline, no_history).
    pub const CALENDAR: &str = "onebalancer_calendar_rebalances_total";
}

/// The process-wide Prometheus recorder (installed once; later calls reuse it).
pub fn recorder() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new().install_recorder().ok()?;
            describe();
            Some(handle)
        })
        .clone()
}

fn describe() {
    use names::*;
    metrics::describe_histogram!(
        SCAN_SECONDS,
        metrics::Unit::Seconds,
        "One scan of every target"
    );
    metrics::describe_gauge!(SCAN_CALLS, "Calls in the last scan (Multicall3 sub-calls)");
    metrics::describe_gauge!(SCAN_TARGETS, "Targets served");
    metrics::describe_counter!(SCAN_REQUESTS, "eth_call requests made by scans");
    metrics::describe_counter!(SIMULATIONS, "checkUpkeep simulations made");
    metrics::describe_counter!(SIMULATIONS_SKIPPED, "Simulations the forecast skipped");
    metrics::describe_counter!(PERFORMS, "Performs observed, by source");
    metrics::describe_counter!(FILLS, "Fills of the targets' orders");
    metrics::describe_counter!(ATTEMPTS, "Transaction attempts signed, by purpose");
    metrics::describe_counter!(REPLACEMENTS, "Replacements sent at the same nonce");
    metrics::describe_counter!(CANCELS, "Works replaced by a 0-value self-transfer");
    metrics::describe_counter!(REBROADCASTS, "Attempts broadcast again from the store");
    metrics::describe_histogram!(MINED_SECONDS, metrics::Unit::Seconds, "Decision to receipt");
    metrics::describe_histogram!(
        MINED_BLOCKS,
        "Blocks from the first needed block to the receipt"
    );
    metrics::describe_counter!(MINED, "Keeper transactions mined, by status");
    metrics::describe_counter!(DUPLICATES_REFUSED, "Duplicates refused, never sent");
    metrics::describe_counter!(ERRORS, "Errors by kind and error");
    metrics::describe_gauge!(BALANCE_ETH, "The keeper's balance, ether");
    metrics::describe_gauge!(HEAD, "The chain head");
    metrics::describe_gauge!(
        FUNDING_SHORT,
        "What the funding wallet lacks to pay every top-up due, by token"
    );
    metrics::describe_counter!(TOPUPS, "Upkeep top-ups sent, by token and timing");
    metrics::describe_counter!(RELAYED, "Orders posted to relay sinks, by sink and outcome");
    metrics::describe_counter!(
        CALENDAR,
        "Deferrable calendar rebalances: blocks waited for off-peak gas, and sends by timing"
    );
}

/// Counts an error of `kind` named `error`.
pub fn error(kind: &'static str, error: &str) {
    metrics::counter!(names::ERRORS, "kind" => kind, "error" => error.to_string()).increment(1);
}

/// What `/healthz` judges.
#[derive(Debug)]
pub struct Health {
    inner: Mutex<HealthState>,
    head_stale: Duration,
    scan_stale: Duration,
}

#[derive(Debug)]
struct HealthState {
    head: u64,
    head_moved: Instant,
    last_scan: Option<Instant>,
    started: Instant,
}

impl Health {
    /// Health with the configured staleness limits.
    pub fn new(head_stale: Duration, scan_stale: Duration) -> Self {
        let now = Instant::now();
        Self {
            inner: Mutex::new(HealthState {
                head: 0,
                head_moved: now,
                last_scan: None,
                started: now,
            }),
            head_stale,
            scan_stale,
        }
    }

    /// A head was read.
    pub fn head(&self, head: u64) {
        if let Ok(mut s) = self.inner.lock()
            && head != s.head
        {
            s.head = head;
            s.head_moved = Instant::now();
        }
    }

    /// A scan finished.
    pub fn scanned(&self) {
        if let Ok(mut s) = self.inner.lock() {
            s.last_scan = Some(Instant::now());
        }
    }

    /// `Ok` or the reason it is unhealthy.
    pub fn check(&self) -> Result<(), String> {
        let s = self
            .inner
            .lock()
            .map_err(|_| "health state poisoned".to_string())?;
        let head_age = s.head_moved.elapsed();
        if head_age > self.head_stale {
            return Err(format!(
                "the chain head has stayed at block {} for {} s (limit {} s)",
                s.head,
                head_age.as_secs(),
                self.head_stale.as_secs()
            ));
        }
        let scan_age = s.last_scan.unwrap_or(s.started).elapsed();
        if scan_age > self.scan_stale {
            return Err(format!(
                "the last scan is {} s old (limit {} s)",
                scan_age.as_secs(),
                self.scan_stale.as_secs()
            ));
        }
        Ok(())
    }
}

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot listen on {addr} for /metrics and /healthz: {reason} — set [metrics] listen to a free local address, or \"off\""
)]
pub struct ServeError {
    /// The address.
    pub addr: SocketAddr,
    /// The OS's answer.
    pub reason: String,
}

/// The running endpoint.
#[derive(Debug)]
pub struct Server {
    /// Where it listens (the port the OS chose for `:0`).
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `/metrics` (from `handle`) and `/healthz` (from `health`) on `addr`.
pub async fn serve(
    addr: SocketAddr,
    handle: PrometheusHandle,
    health: Arc<Health>,
) -> Result<Server, ServeError> {
    let listener = TcpListener::bind(addr).await.map_err(|e| ServeError {
        addr,
        reason: e.to_string(),
    })?;
    let addr = listener.local_addr().map_err(|e| ServeError {
        addr,
        reason: e.to_string(),
    })?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let handle = handle.clone();
            let health = Arc::clone(&health);
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let reply = answer(req.uri().path(), &handle, &health);
                    async move { Ok::<_, std::convert::Infallible>(reply) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(Server { addr, task })
}

fn answer(path: &str, handle: &PrometheusHandle, health: &Health) -> Response<Full<Bytes>> {
    let (status, body) = match path {
        "/metrics" => (StatusCode::OK, handle.render()),
        "/healthz" => match health.check() {
            Ok(()) => (StatusCode::OK, "ok\n".to_string()),
            Err(reason) => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("unhealthy: {reason}\n"),
            ),
        },
        _ => (
            StatusCode::NOT_FOUND,
            "not found: try /metrics or /healthz\n".to_string(),
        ),
    };
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn health_fails_on_a_still_head_and_an_old_scan() {
        let h = Health::new(Duration::from_millis(50), Duration::from_secs(60));
        h.head(5);
        h.scanned();
        assert_eq!(h.check(), Ok(()));
        std::thread::sleep(Duration::from_millis(80));
        h.head(5); // the same head: not moving
        let e = h.check().unwrap_err();
        assert!(e.contains("stayed at block 5"), "{e}");
        h.head(6);
        assert_eq!(h.check(), Ok(()));
        let h = Health::new(Duration::from_secs(60), Duration::from_millis(30));
        std::thread::sleep(Duration::from_millis(50));
        assert!(h.check().unwrap_err().contains("last scan"));
    }

    #[tokio::test]
    async fn the_endpoint_serves_metrics_and_health() {
        let handle = recorder().unwrap();
        metrics::counter!(names::PERFORMS, "source" => "keeper").increment(2);
        let health = Arc::new(Health::new(
            Duration::from_secs(60),
            Duration::from_millis(1),
        ));
        let server = serve("127.0.0.1:0".parse().unwrap(), handle, Arc::clone(&health))
            .await
            .unwrap();
        let get = |path: &str| {
            let url = format!("http://{}{path}", server.addr);
            async move {
                let r = reqwest::get(url).await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (status, body) = get("/metrics").await;
        assert_eq!(status, 200);
        assert!(
            body.contains("onebalancer_performs_total{source=\"keeper\"}"),
            "{body}"
        );
        std::thread::sleep(Duration::from_millis(5));
        let (status, body) = get("/healthz").await;
        assert_eq!((status, body.contains("last scan")), (503, true), "{body}");
        assert_eq!(get("/nope").await.0, 404);
    }
}
