//! A controllable JWKS server on 127.0.0.1 for key-store tests: switchable
//! key set, failure mode, response delay, fetch counter.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clerk_runtime::DevIssuer;

/// The secret key `/v1/jwks` accepts.
pub const VALID_SECRET: &str = "sk_test_valid";

#[derive(Default)]
struct ServerState {
    jwks: Mutex<String>,
    failure: Mutex<Option<StatusCode>>,
    delay: Mutex<Duration>,
    fetches: AtomicUsize,
}

/// A running JWKS server; stops when dropped.
pub struct JwksServer {
    url: String,
    state: Arc<ServerState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A JWKS document holding the keys of all `issuers`.
pub fn jwks_of(issuers: &[&DevIssuer]) -> String {
    let keys: Vec<_> = issuers.iter().map(|i| i.jwk()).collect();
    serde_json::json!({ "keys": keys }).to_string()
}

impl JwksServer {
    /// Start serving `jwks` at `/.well-known/jwks.json` and `/v1/jwks`.
    pub async fn start(jwks: String) -> Self {
        let state = Arc::new(ServerState::default());
        *state.jwks.lock().unwrap() = jwks;
        let app = axum::Router::new()
            .route("/.well-known/jwks.json", get(frontend))
            .route("/v1/jwks", get(backend))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, state, task }
    }

    /// Base URL (the Backend API base for `/v1/jwks`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Frontend-API-style JWKS URL.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.url)
    }

    /// Serve a different key set from now on.
    pub fn set_jwks(&self, jwks: String) {
        *self.state.jwks.lock().unwrap() = jwks;
    }

    /// Answer every request with `status` (None: serve normally).
    pub fn fail_with(&self, status: Option<StatusCode>) {
        *self.state.failure.lock().unwrap() = status;
    }

    /// Wait this long before answering.
    pub fn set_delay(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }

    /// Requests received so far.
    pub fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }
}

async fn respond(state: &ServerState) -> Response {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    let delay = *state.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = *state.failure.lock().unwrap() {
        return status.into_response();
    }
    let body = state.jwks.lock().unwrap().clone();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn frontend(State(state): State<Arc<ServerState>>) -> Response {
    respond(&state).await
}

async fn backend(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {VALID_SECRET}"));
    if !authorized {
        state.fetches.fetch_add(1, Ordering::SeqCst);
        let body = r#"{"errors":[{"code":"clerk_key_invalid","message":"Secret key invalid"}]}"#;
        return (StatusCode::UNAUTHORIZED, body).into_response();
    }
    respond(&state).await
}
