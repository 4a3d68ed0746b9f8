//! The relay's sender: every due row posted to its sink, its answer recorded.
//!
//! Sinks are served side by side (one slow sink does not hold the others up), each sink's rows
//! one after the other, oldest first. A row whose order has expired at the head's timestamp is
//! finished `expired` without a POST. Otherwise its try is counted (and its next due time set
//! past the backoff) before the POST, so a kill during the POST retries it later rather than
//! forgetting it.

use std::{collections::BTreeMap, time::Instant};

use futures::future::join_all;

use super::{RelayJob, RelayJobError, now_ms};
use crate::{
    keeper::{
        config::{Sink, SinkKind},
        metrics::names,
    },
    model::relay::{Verdict, backoff_ms, verdict},
    store::{RelaySend, RelayState, Store},
};

/// Rows sent per step at most (the rest wait for the next step).
const PER_STEP: u32 = 256;

/// What one step's sends did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Delivered (2xx).
    pub delivered: u64,
    /// Refused (4xx).
    pub refused: u64,
    /// To be tried again.
    pub retrying: u64,
    /// Given up.
    pub failed: u64,
    /// Expired before delivery, not sent.
    pub expired: u64,
}

impl Sent {
    fn add(&mut self, o: Sent) {
        self.delivered += o.delivered;
        self.refused += o.refused;
        self.retrying += o.retrying;
        self.failed += o.failed;
        self.expired += o.expired;
    }
}

/// One POST's answer: the HTTP status (none: no answer) and the body or the error.
struct Answer {
    status: Option<u16>,
    text: String,
}

/// What a sink's rows need.
struct Lane<'a> {
    sink: &'a Sink,
    token: Option<&'a str>,
    http: &'a reqwest::Client,
    store: &'a Store,
    max_attempts: u32,
    backoff_ms: u64,
    max_backoff_ms: u64,
    chain_now: u64,
}

impl RelayJob {
    /// Sends every due row; `chain_now` is the head's timestamp (expiry is judged by it).
    pub(super) async fn send_due(&self, chain_now: u64) -> Result<Sent, RelayJobError> {
        let due = self
            .store
            .relay_due(self.chain_id, now_ms(), PER_STEP)
            .await?;
        if due.is_empty() {
            return Ok(Sent::default());
        }
        let mut by_sink: BTreeMap<&str, Vec<RelaySend>> = BTreeMap::new();
        for r in due {
            // a row of a sink no longer configured waits (its name may come back)
            if let Some(s) = self.settings.sinks.iter().find(|s| s.name == r.sink) {
                by_sink.entry(s.name.as_str()).or_default().push(r);
            }
        }
        let lanes = self
            .settings
            .sinks
            .iter()
            .zip(&self.tokens)
            .filter_map(|(sink, token)| {
                let rows = by_sink.remove(sink.name.as_str())?;
                let lane = Lane {
                    sink,
                    token: token.as_deref(),
                    http: &self.http,
                    store: &self.store,
                    max_attempts: self.settings.max_attempts,
                    backoff_ms: self.settings.backoff_ms,
                    max_backoff_ms: self.settings.max_backoff_ms,
                    chain_now,
                };
                Some(async move { lane.run(rows).await })
            });
        let mut total = Sent::default();
        for r in join_all(lanes).await {
            total.add(r?);
        }
        Ok(total)
    }
}

impl Lane<'_> {
    async fn run(&self, rows: Vec<RelaySend>) -> Result<Sent, RelayJobError> {
        let mut out = Sent::default();
        for r in rows {
            self.one(&r, &mut out).await?;
        }
        Ok(out)
    }

    async fn one(&self, r: &RelaySend, out: &mut Sent) -> Result<(), RelayJobError> {
        let sink = self.sink.name.as_str();
        if self.chain_now >= r.expiry {
            if self
                .store
                .relay_finish(
                    r.id,
                    RelayState::Expired,
                    None,
                    &format!(
                        "expired at {} (head's timestamp {}); not sent",
                        r.expiry, self.chain_now
                    ),
                )
                .await?
            {
                out.expired += 1;
                metrics::counter!(names::RELAYED, "sink" => sink.to_string(), "outcome" => "expired")
                    .increment(1);
                tracing::info!(sink, order = %r.order_hash, balancer = %r.balancer, epoch = r.epoch, expiry = r.expiry, "relay: order expired before delivery; not sent");
            }
            return Ok(());
        }
        let attempt = r.attempts.saturating_add(1);
        let wait = backoff_ms(attempt, self.backoff_ms, self.max_backoff_ms);
        let retry_at = now_ms().saturating_add(i64::try_from(wait).unwrap_or(i64::MAX));
        if !self.store.relay_begin(r.id, retry_at).await? {
            return Ok(());
        }
        let started = Instant::now();
        let answer = self.post(r).await;
        let ms = started.elapsed().as_millis();
        let (state, outcome) = match verdict(answer.status) {
            Verdict::Delivered => (Some(RelayState::Delivered), "delivered"),
            Verdict::Refused => (Some(RelayState::Refused), "refused"),
            Verdict::Retry if attempt >= self.max_attempts => (Some(RelayState::Failed), "failed"),
            Verdict::Retry => (None, "retry"),
        };
        metrics::counter!(names::RELAYED, "sink" => sink.to_string(), "outcome" => outcome)
            .increment(1);
        let status = answer.status;
        match state {
            Some(state) => {
                self.store
                    .relay_finish(r.id, state, status, &answer.text)
                    .await?;
                match state {
                    RelayState::Delivered => {
                        out.delivered += 1;
                        tracing::info!(sink, order = %r.order_hash, balancer = %r.balancer, epoch = r.epoch, index = r.order_index, status, attempt, ms, "relay: order delivered");
                    }
                    RelayState::Refused => {
                        out.refused += 1;
                        tracing::warn!(sink, order = %r.order_hash, balancer = %r.balancer, epoch = r.epoch, status, answer = %answer.text, "relay: the sink refused the order (not retried; its answer is in the store)");
                    }
                    _ => {
                        out.failed += 1;
                        tracing::warn!(sink, order = %r.order_hash, status, attempts = attempt, answer = %answer.text, "relay: order given up after relay.max_attempts tries");
                    }
                }
            }
            None => {
                self.store
                    .relay_retry(r.id, retry_at, status, &answer.text)
                    .await?;
                out.retrying += 1;
                tracing::info!(sink, order = %r.order_hash, status, attempt, retry_in_ms = wait, answer = %answer.text, "relay: the sink did not take the order; retrying after the backoff");
            }
        }
        Ok(())
    }

    /// POSTs the row's stored payload.
    async fn post(&self, r: &RelaySend) -> Answer {
        let mut req = self
            .http
            .post(self.sink.endpoint.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(r.payload.clone());
        if let Some(token) = self.token {
            req = req.bearer_auth(token);
        }
        if self.sink.kind == SinkKind::Webhook {
            req = req.header("Idempotency-Key", r.order_hash.to_string());
        }
        match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                Answer {
                    status: Some(status),
                    text,
                }
            }
            Err(e) => Answer {
                status: None,
                text: transport_error(e),
            },
        }
    }
}

/// A transport error without the URL (its query may hold a token).
fn transport_error(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    format!("{kind}: {}", e.without_url())
}
