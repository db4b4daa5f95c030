//! The HTTP API (axum): JSON everywhere, a bearer token on every request but `/health`.
//!
//! | method | path | who | what |
//! |---|---|---|---|
//! | GET | `/health` | anyone | `{"status":"ok", "calls": N}` |
//! | GET | `/metrics` | supervisor, admin | Prometheus text |
//! | GET | `/api/agents` | agent (self only), supervisor, admin | agents and their states |
//! | POST | `/api/agents/{name}/state` | that agent, supervisor, admin | `{"state":"ready"}`, `{"state":"not-ready","reason":3}`, `{"state":"logged-out"}` |
//! | GET | `/api/queues` | supervisor, admin | waiting, longest wait, service level, ASA, abandoned |
//! | GET | `/api/cdr` | supervisor, admin | CDR rows; filters `from`, `to`, `agent`, `queue`, `caller`, `outcome`, `limit` |
//! | GET | `/api/cdr.csv` | supervisor, admin | the same as CSV |
//! | GET | `/api/recordings/{file}` | supervisor, admin | the WAV, with `Range` requests |
//!
//! No endpoint lets one agent act for another: an agent's token acts on its own name only.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::oneshot;

use crate::acd::AcdInput;
use crate::config::Role;
use crate::server::Shared;
use crate::store::{CdrFilter, StoreCommand, to_csv};

/// The routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/api/agents", get(agents))
        .route("/api/agents/{name}/state", post(agent_state))
        .route("/api/queues", get(queues))
        .route("/api/cdr", get(cdr_json))
        .route("/api/cdr.csv", get(cdr_csv))
        .route("/api/recordings/{file}", get(recording))
        .fallback(not_found)
        .with_state(shared)
}

/// A JSON error: `{"error": "..."}` with a status.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

async fn not_found(req: Request) -> Response {
    error(StatusCode::NOT_FOUND, format!("no such endpoint: {} {}", req.method(), req.uri().path()))
}

/// Who is asking.
#[derive(Debug, Clone)]
struct Caller {
    name: String,
    role: Role,
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(error(StatusCode::UNAUTHORIZED, "send Authorization: Bearer <token>"));
    };
    let Some(token) = value.strip_prefix("Bearer ") else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "the Authorization header must be `Bearer <token>`",
        ));
    };
    let cfg = &shared.settings.config;
    let eq = |a: &str| hotline_sip::auth::constant_time_eq(a.as_bytes(), token.trim().as_bytes());
    if let Some(u) = cfg.users.iter().find(|u| eq(&u.token)) {
        return Ok(Caller { name: u.name.clone(), role: u.role });
    }
    if let Some(a) = cfg.agents.iter().find(|a| eq(&a.token)) {
        return Ok(Caller { name: a.name.clone(), role: Role::Agent });
    }
    Err(error(StatusCode::UNAUTHORIZED, "unknown token"))
}

fn supervisor(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Response> {
    let c = authenticate(shared, headers)?;
    if c.role == Role::Agent {
        return Err(error(StatusCode::FORBIDDEN, "this needs a supervisor's or an admin's token"));
    }
    Ok(c)
}

async fn health(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(json!({ "status": "ok", "calls": shared.live_calls.load(Ordering::Relaxed) }))
        .into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(r) = supervisor(&shared, &headers) {
        return r;
    }
    let snap = shared.acd.snapshot.borrow().clone();
    let waiting: usize = snap.queues.iter().map(|q| q.waiting).sum();
    let ready = snap.agents.iter().filter(|a| a.state == "ready").count();
    let gauges = [
        (
            "calls_in_progress",
            "Calls in progress.",
            shared.live_calls.load(Ordering::Relaxed) as f64,
        ),
        ("calls_waiting", "Calls waiting in queues.", waiting as f64),
        ("agents_ready", "Agents ready.", ready as f64),
    ];
    let body = shared.metrics.render(&gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn agents(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let c = match authenticate(&shared, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let snap = shared.acd.snapshot.borrow().clone();
    let list: Vec<_> =
        snap.agents.iter().filter(|a| c.role != Role::Agent || a.name == c.name).cloned().collect();
    axum::Json(json!({ "agents": list })).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateRequest {
    state: String,
    #[serde(default)]
    reason: Option<u32>,
}

async fn agent_state(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let c = match authenticate(&shared, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if c.role == Role::Agent && c.name != name {
        return error(
            StatusCode::FORBIDDEN,
            format!("agent {} cannot change agent {name}'s state", c.name),
        );
    }
    let req: StateRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("body: {e} (expected {{\"state\":\"ready\"}})"),
            );
        }
    };
    let request = match (req.state.as_str(), req.reason) {
        ("ready", None) => hotline_acd::AgentRequest::Ready,
        ("not-ready", reason) => hotline_acd::AgentRequest::NotReady(reason.unwrap_or(0)),
        ("logged-out", None) => hotline_acd::AgentRequest::LoggedOut,
        (s @ ("ready" | "logged-out"), Some(_)) => {
            return error(StatusCode::BAD_REQUEST, format!("state {s} takes no reason"));
        }
        (other, _) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("state {other:?}: use ready, not-ready or logged-out"),
            );
        }
    };
    let (reply, rx) = oneshot::channel();
    let _ = shared.acd.tx.send(AcdInput::AgentRequest { agent: name.clone(), request, reply });
    match rx.await {
        Ok(Ok(())) => {
            tracing::info!(agent = %name, by = %c.name, state = %req.state, "agent state requested");
            axum::Json(json!({ "agent": name, "state": req.state })).into_response()
        }
        Ok(Err(e)) if e.starts_with("no agent") => error(StatusCode::NOT_FOUND, e),
        Ok(Err(e)) => error(StatusCode::CONFLICT, e),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "the ACD has stopped"),
    }
}

async fn queues(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(r) = supervisor(&shared, &headers) {
        return r;
    }
    let snap = shared.acd.snapshot.borrow().clone();
    axum::Json(json!({ "queues": snap.queues })).into_response()
}

async fn query_cdr(shared: &Shared, filter: CdrFilter) -> Result<Vec<crate::store::Cdr>, Response> {
    let (reply, rx) = oneshot::channel();
    let _ = shared.store.send(StoreCommand::Query { filter, reply });
    match rx.await {
        Ok(Ok(rows)) => Ok(rows),
        Ok(Err(e)) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e)),
        Err(_) => Err(error(StatusCode::SERVICE_UNAVAILABLE, "the store has stopped")),
    }
}

fn parse_filter(
    q: Result<Query<CdrFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<CdrFilter, Response> {
    q.map(|Query(f)| f)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("query: {}", e.body_text())))
}

/// The CDR rows a request asks for, after its token and filters are checked.
async fn cdr_rows(
    shared: &Shared,
    headers: &HeaderMap,
    q: Result<Query<CdrFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Vec<crate::store::Cdr>, Response> {
    supervisor(shared, headers)?;
    query_cdr(shared, parse_filter(q)?).await
}

async fn cdr_json(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Result<Query<CdrFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match cdr_rows(&shared, &headers, q).await {
        Ok(rows) => axum::Json(json!({ "rows": rows })).into_response(),
        Err(r) => r,
    }
}

async fn cdr_csv(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    q: Result<Query<CdrFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match cdr_rows(&shared, &headers, q).await {
        Ok(rows) => {
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], to_csv(&rows)).into_response()
        }
        Err(r) => r,
    }
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` against a file of `len` bytes.
fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (len.saturating_sub(n), len.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, len.checked_sub(1)?),
        (a, b) => (a.parse().ok()?, b.parse::<u64>().ok()?.min(len.checked_sub(1)?)),
    };
    (start <= end && start < len).then_some((start, end))
}

async fn recording(
    State(shared): State<Arc<Shared>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = supervisor(&shared, &headers) {
        return r;
    }
    if file.contains(['/', '\\']) || file.starts_with('.') || !file.ends_with(".wav") {
        return error(StatusCode::BAD_REQUEST, "a recording is named by its file name (NAME.wav)");
    }
    let path = shared.recordings_dir().join(&file);
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let result = tokio::task::spawn_blocking(move || -> Result<Response, Response> {
        let mut f = std::fs::File::open(&path)
            .map_err(|_| error(StatusCode::NOT_FOUND, format!("no recording {file}")))?;
        let len = f
            .metadata()
            .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .len();
        let (status, start, end) = match range {
            None => (StatusCode::OK, 0, len.saturating_sub(1)),
            Some(r) => match parse_range(&r, len) {
                Some((s, e)) => (StatusCode::PARTIAL_CONTENT, s, e),
                None => {
                    let mut resp = error(
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        format!("range {r:?} does not fit {len} bytes"),
                    );
                    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                        resp.headers_mut().insert(header::CONTENT_RANGE, v);
                    }
                    return Err(resp);
                }
            },
        };
        let mut body = Vec::new();
        if len > 0 {
            f.seek(SeekFrom::Start(start))
                .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            f.take(end - start + 1)
                .read_to_end(&mut body)
                .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        }
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if status == StatusCode::PARTIAL_CONTENT
            && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
        {
            h.insert(header::CONTENT_RANGE, v);
        }
        Ok(resp)
    })
    .await;
    match result {
        Ok(Ok(r) | Err(r)) => r,
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(parse_range("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=990-2000", 1000), Some((990, 999)));
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("bytes=5-1", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), None);
    }
}
