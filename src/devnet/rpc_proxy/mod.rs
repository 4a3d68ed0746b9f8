//! A local JSON-RPC HTTP proxy in front of a real node (anvil): it counts the requests a client
//! makes and, on demand, makes the RPC misbehave while the chain behind it stays real.
//!
//! End-to-end tests point a keeper at [`RpcProxy::url`] instead of the node to see how it copes
//! with a flaky RPC; a benchmark reads [`RpcProxy::stats`] to count what it asked for. The proxy
//! serves HTTP/1.1 `POST`s carrying a JSON body, forwards the body to the upstream unchanged and
//! returns the upstream's status and body, so alloy's HTTP provider talks through it as it would
//! to the node. A batch (a JSON array) is forwarded as one request: it counts as one HTTP
//! request and as one call per element.
//!
//! # Fault model
//!
//! A [`Fault`] decides how one HTTP request is answered: forwarded ([`Fault::None`]), forwarded
//! late ([`Fault::Delay`]), or not forwarded at all and answered with JSON-RPC errors
//! ([`Fault::Error`]), a bare HTTP status ([`Fault::Http`]), silence ([`Fault::Hang`]) or a closed
//! connection ([`Fault::Drop`]). Rules can be changed at any time through any clone of the handle
//! and apply from the next request on; for each request the first that matches wins:
//!
//! 1. one-shot rules, [`RpcProxy::fail_next`]: the next `n` calls of one method, after which that
//!    method is served normally again;
//! 2. per-method rules, [`RpcProxy::set_fault_for`];
//! 3. the rule for every method, [`RpcProxy::set_fault`] or
//!    [`RpcProxy::set_fault_for_duration`] (which clears itself once the duration has passed).
//!
//! A batch is one request and gets one fault: it matches a rule if any of its calls does (the
//! first matching call decides), and each matching call uses up one one-shot use. A body that is
//! not JSON-RPC is forwarded as it is (the node answers it) and matches only the rule for every
//! method.
//!
//! If the upstream cannot be reached, the client gets HTTP 502 with a JSON-RPC error (code
//! `-32000`, message `upstream unreachable: …`), so a node that is down looks like a node that is
//! down, not like a broken proxy.

mod fault;
mod server;
#[cfg(test)]
mod tests;

use std::{
    collections::BTreeMap,
    net::{Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use tokio::task::JoinHandle;

pub use fault::Fault;
use fault::FaultTable;

/// Failure to start the proxy.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The upstream address is not an `http(s)://` URL.
    #[error(
        "the RPC proxy's upstream {url:?} is not an http(s) URL ({reason}) — pass the node's \
         endpoint, e.g. http://127.0.0.1:8545"
    )]
    BadUpstream {
        /// The address given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// [`RpcProxy::start`] was called outside a tokio runtime.
    #[error(
        "the RPC proxy must run inside a tokio runtime — call RpcProxy::start from async code \
         (under #[tokio::main] or #[tokio::test])"
    )]
    NoRuntime,
    /// No local port could be bound.
    #[error("the RPC proxy cannot listen on 127.0.0.1: {0} — check that loopback is up")]
    Bind(#[source] std::io::Error),
    /// The forwarding HTTP client could not be built.
    #[error(
        "the RPC proxy cannot build its HTTP client to the upstream: {0} — check the TLS setup \
         (an http:// upstream needs none)"
    )]
    Client(#[source] reqwest::Error),
}

/// What the proxy has seen since it started or since [`RpcProxy::reset_stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// HTTP requests received (a batch is one).
    pub http_requests: u64,
    /// JSON-RPC calls received (a batch counts each element; a body that is not JSON, none).
    pub calls: u64,
    /// Calls per method name.
    pub by_method: BTreeMap<String, u64>,
    /// HTTP requests failed by an injected fault (every fault but `None` and `Delay`).
    pub failed_injected: u64,
}

/// State shared by the handle and the server.
#[derive(Debug)]
struct Shared {
    upstream: Mutex<reqwest::Url>,
    client: reqwest::Client,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    stats: ProxyStats,
    faults: FaultTable,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent under any panic (plain counters and maps), so a poisoned
        // lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a request carrying `calls` calls of `methods` and picks its fault.
    fn admit(&self, calls: u64, methods: &[&str]) -> Fault {
        let mut state = self.lock();
        let stats = &mut state.stats;
        stats.http_requests += 1;
        stats.calls += calls;
        for method in methods {
            *stats.by_method.entry((*method).to_string()).or_default() += 1;
        }
        let fault = state.faults.pick(methods, Instant::now());
        if fault.fails() {
            state.stats.failed_injected += 1;
        }
        fault
    }
}

/// The server task; aborted (with every connection it serves) when the last handle goes.
#[derive(Debug)]
struct ServerTask(Mutex<Option<JoinHandle<()>>>);

impl ServerTask {
    fn take(&self) -> Option<JoinHandle<()>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Drop for ServerTask {
    fn drop(&mut self) {
        if let Some(task) = self.take() {
            task.abort();
        }
    }
}

/// A running proxy. Clones share the proxy (its rules and counts); it serves until the last
/// clone is dropped or [`RpcProxy::shutdown`] is called.
#[derive(Debug, Clone)]
pub struct RpcProxy {
    shared: Arc<Shared>,
    server: Arc<ServerTask>,
    addr: SocketAddr,
}

impl RpcProxy {
    /// Starts a proxy to `upstream` (e.g. anvil's endpoint) on a free port of 127.0.0.1.
    ///
    /// Call it inside a tokio runtime with I/O enabled (any `#[tokio::main]` or
    /// `#[tokio::test]`); the proxy runs on that runtime.
    pub fn start(upstream: &str) -> Result<Self, ProxyError> {
        let bad = |reason: String| ProxyError::BadUpstream {
            url: upstream.to_string(),
            reason,
        };
        let url = reqwest::Url::parse(upstream).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(format!("scheme {:?}", url.scheme())));
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ProxyError::NoRuntime)?;
        let client = reqwest::Client::builder()
            .build()
            .map_err(ProxyError::Client)?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(ProxyError::Bind)?;
        let addr = listener.local_addr().map_err(ProxyError::Bind)?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(ProxyError::Bind)?
        };
        let shared = Arc::new(Shared {
            upstream: Mutex::new(url),
            client,
            state: Mutex::default(),
        });
        let task = runtime.spawn(server::serve(listener, Arc::clone(&shared)));
        tracing::debug!(%addr, %upstream, "rpc proxy started");
        Ok(Self {
            shared,
            server: Arc::new(ServerTask(Mutex::new(Some(task)))),
            addr,
        })
    }

    /// Points the proxy at another node (e.g. a restarted anvil on a new port); clients keep
    /// the proxy's URL.
    pub fn set_upstream(&self, upstream: &str) -> Result<(), ProxyError> {
        let url = reqwest::Url::parse(upstream).map_err(|e| ProxyError::BadUpstream {
            url: upstream.to_string(),
            reason: e.to_string(),
        })?;
        *self
            .shared
            .upstream
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = url;
        Ok(())
    }

    /// The proxy's endpoint, `http://127.0.0.1:<port>`, to give clients instead of the node's.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving (for every clone): the port is closed and open connections, hanging ones
    /// included, are cut. Calling it again does nothing.
    pub async fn shutdown(&self) {
        if let Some(task) = self.server.take() {
            task.abort();
            // The task was aborted, so this only waits for it to be dropped (listener closed).
            let _cancelled = task.await;
            tracing::debug!(addr = %self.addr, "rpc proxy stopped");
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> ProxyStats {
        self.shared.lock().stats.clone()
    }

    /// Zeroes the counts.
    pub fn reset_stats(&self) {
        self.shared.lock().stats = ProxyStats::default();
    }

    /// Applies `fault` to every method (below one-shot and per-method rules); `Fault::None`
    /// removes this rule.
    pub fn set_fault(&self, fault: Fault) {
        self.shared.lock().faults.set_all(fault, None);
    }

    /// Like [`RpcProxy::set_fault`], but the rule clears itself after `duration`.
    pub fn set_fault_for_duration(&self, fault: Fault, duration: Duration) {
        let until = Instant::now().checked_add(duration);
        self.shared.lock().faults.set_all(fault, until);
    }

    /// Applies `fault` to calls of `methods` (replacing their earlier per-method rule);
    /// `Fault::None` removes their rule.
    pub fn set_fault_for(&self, methods: &[&str], fault: Fault) {
        self.shared.lock().faults.set_for(methods, fault);
    }

    /// Applies `fault` to the next `n` calls of `method` only, before any other rule (replacing
    /// an earlier one-shot rule for `method`); `n == 0` removes it. E.g. an `Error` for the next
    /// `eth_sendRawTransaction` fails a broadcast as if it never happened.
    pub fn fail_next(&self, method: &str, n: u32, fault: Fault) {
        self.shared.lock().faults.fail_next(method, n, fault);
    }

    /// Removes every rule: all requests are forwarded normally again.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }
}
