//! The HTTP side: accepting connections, answering each request by its fault, forwarding.

use std::{error::Error as StdError, fmt, sync::Arc, time::Duration};

use http_body_util::{BodyExt, Full};
use hyper::{
    Method, Request, Response, StatusCode,
    body::{Bytes, Incoming},
    header::{CONTENT_TYPE, HeaderValue},
    server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::{net::TcpListener, task::JoinSet};

use super::{Fault, Shared};

/// The JSON-RPC error code of an unreachable upstream (a generic server error).
const UNREACHABLE_CODE: i64 = -32000;

/// The service's error: hyper closes the connection without an answer.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by the RPC proxy")
    }
}

impl StdError for Dropped {}

type Reply = Result<Response<Full<Bytes>>, Dropped>;

/// Accepts connections until the task is aborted; aborting it drops (and so cuts) them all.
pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let shared = Arc::clone(&shared);
                    connections.spawn(async move {
                        let service = service_fn(move |req| {
                            let shared = Arc::clone(&shared);
                            async move { answer(&shared, req).await }
                        });
                        let served = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                        if let Err(e) = served {
                            tracing::debug!(%peer, error = %e, "rpc proxy: connection ended");
                        }
                    });
                }
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::debug!(error = %e, "rpc proxy: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Answers one HTTP request.
async fn answer(shared: &Shared, req: Request<Incoming>) -> Reply {
    if req.method() != Method::POST {
        return Ok(bare(StatusCode::METHOD_NOT_ALLOWED));
    }
    // A body that breaks off means the client went away: nothing to answer.
    let body = req
        .into_body()
        .collect()
        .await
        .map_err(|_| Dropped)?
        .to_bytes();
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let (calls, methods) = calls_of(parsed.as_ref());
    let fault = shared.admit(calls, &methods);
    tracing::debug!(?methods, ?fault, "rpc proxy: request");
    match fault {
        Fault::None => Ok(forward(shared, body, parsed.as_ref()).await),
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            Ok(forward(shared, body, parsed.as_ref()).await)
        }
        Fault::Error { code, message } => Ok(json_reply(
            StatusCode::OK,
            &errors_for(parsed.as_ref(), code, &message),
        )),
        Fault::Http(status) => Ok(bare(
            StatusCode::from_u16(status)
                .ok()
                .filter(|s| !s.is_informational())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )),
        // Held until the client closes the connection (hyper then drops this future) or the
        // proxy shuts down (the connection's task is aborted).
        Fault::Hang => std::future::pending().await,
        Fault::Drop => Err(Dropped),
    }
}

/// The number of calls in a body and the method of each call that names one.
fn calls_of(parsed: Option<&Value>) -> (u64, Vec<&str>) {
    fn method(call: &Value) -> Option<&str> {
        call.get("method").and_then(Value::as_str)
    }
    match parsed {
        Some(Value::Array(batch)) => (
            batch.len() as u64,
            batch.iter().filter_map(method).collect(),
        ),
        Some(call @ Value::Object(_)) => (1, method(call).into_iter().collect()),
        _ => (0, Vec::new()),
    }
}

/// A JSON-RPC error answering every call of `parsed` (element-wise for a batch).
fn errors_for(parsed: Option<&Value>, code: i64, message: &str) -> Value {
    let error = |call: Option<&Value>| {
        let id = call
            .and_then(|c| c.get("id"))
            .cloned()
            .unwrap_or(Value::Null);
        json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
    };
    match parsed {
        Some(Value::Array(batch)) => batch.iter().map(|call| error(Some(call))).collect(),
        call => error(call),
    }
}

/// Sends `body` to the upstream and relays its answer, or a 502 if it cannot be reached.
async fn forward(shared: &Shared, body: Bytes, parsed: Option<&Value>) -> Response<Full<Bytes>> {
    let url = shared
        .upstream
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let upstream = async {
        let response = shared
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        Ok::<_, reqwest::Error>((status, content_type, response.bytes().await?))
    };
    match upstream.await {
        Ok((status, content_type, bytes)) => {
            let mut response = Response::new(Full::new(bytes));
            *response.status_mut() = status;
            if let Some(content_type) = content_type {
                response.headers_mut().insert(CONTENT_TYPE, content_type);
            }
            response
        }
        Err(e) => {
            let reason = with_sources(&e);
            tracing::debug!(%reason, "rpc proxy: upstream unreachable");
            let message = format!("upstream unreachable: {reason}");
            json_reply(
                StatusCode::BAD_GATEWAY,
                &errors_for(parsed, UNREACHABLE_CODE, &message),
            )
        }
    }
}

/// An error and its causes, `outer: inner: …` (reqwest's own message omits the cause).
fn with_sources(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn json_reply(status: StatusCode, value: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn bare(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}
