//! A scripted stand-in for Clerk's Backend API, served by axum on
//! 127.0.0.1:0. Each test decides the replies; the server records every
//! request so tests can assert paths, query strings, headers and counts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::response::Response;

/// One request as the fake server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: Method,
    /// The raw URI (path and query), before any decoding.
    pub uri: Uri,
    /// Decoded query parameters.
    pub query: HashMap<String, String>,
    /// Request headers.
    pub headers: HeaderMap,
    /// Request body.
    pub body: Bytes,
}

impl Recorded {
    /// The raw path.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the fake answers.
#[derive(Debug, Clone)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: String,
    delay: Option<Duration>,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::raw(status, body.to_string())
    }

    /// A reply with a verbatim body (for malformed JSON).
    pub fn raw(status: u16, body: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("valid status in test"),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: None,
        }
    }

    /// Clerk's error body `{"errors":[{code,message,long_message}]}`.
    pub fn clerk_error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            serde_json::json!({
                "errors": [{"code": code, "message": message, "long_message": format!("{message} (long)")}],
                "clerk_trace_id": "trace_1"
            }),
        )
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Waits before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// Decides the reply to a request; the second argument counts earlier
/// requests with the same method and path (0 for the first).
pub type Script = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    script: Arc<Script>,
    log: Arc<Mutex<Vec<Recorded>>>,
}

/// A running fake Clerk Backend API.
pub struct FakeClerk {
    /// Base URL to give the client, e.g. `http://127.0.0.1:4321`.
    pub url: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeClerk {
    /// Starts the server with `script` answering every request.
    pub async fn start(script: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            script: Arc::new(script),
            log: log.clone(),
        };
        let app = Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake Clerk server");
        });
        Self {
            url: format!("http://{addr}"),
            log,
            task,
        }
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().expect("log lock").clone()
    }

    /// How many requests hit `method path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method.as_str() == method && r.path() == path)
            .count()
    }
}

impl Drop for FakeClerk {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(State(shared): State<Shared>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let query = axum::extract::Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let recorded = Recorded {
        method: parts.method,
        uri: parts.uri,
        query,
        headers: parts.headers,
        body,
    };
    let (reply, previous) = {
        let mut log = shared.log.lock().expect("log lock");
        let previous = log
            .iter()
            .filter(|r| r.method == recorded.method && r.path() == recorded.path())
            .count();
        log.push(recorded.clone());
        (recorded, previous)
    };
    let reply = (shared.script)(&reply, previous);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(reply.body))
        .expect("valid response in test")
}

/// A session object shaped like Clerk's.
pub fn session_json(id: &str, user_id: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "object": "session",
        "id": id,
        "client_id": "client_1",
        "user_id": user_id,
        "status": status,
        "last_active_organization_id": null,
        "actor": null,
        "last_active_at": 1_700_000_000_000i64,
        "expire_at": 1_700_604_800_000i64,
        "abandon_at": 1_702_592_000_000i64,
        "created_at": 1_699_999_000_000i64,
        "updated_at": 1_700_000_000_000i64,
        "latest_activity": {"browser_name": "Firefox"}
    })
}

// ---- A fake Clerk instance: Frontend API handshake + Backend API ----

/// How the fake Frontend API answers `/v1/client/handshake`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeMode {
    /// Back to `redirect_url` with `__clerk_handshake=<JWT>` carrying fresh cookies.
    Token,
    /// Back with `__clerk_handshake_nonce=<nonce>`; the directives are
    /// served by the Backend API's `/v1/clients/handshake_payload`.
    Nonce,
    /// Back to `redirect_url` unchanged, setting nothing (a broken
    /// instance): the app's loop counter must stop it.
    Fail,
}

/// The secret key the fake Backend API accepts.
pub const FAKE_SECRET_KEY: &str = "sk_test_fake_instance";

/// The signed-in user the fake instance mints sessions for.
pub const FAKE_USER: &str = "user_fake";
/// Their session id.
pub const FAKE_SESSION: &str = "sess_fake";

struct InstanceState {
    mode: HandshakeMode,
    refresh_ok: bool,
    nonces: HashMap<String, Vec<String>>,
    next: u64,
}

/// A fake Clerk instance on 127.0.0.1 (axum, started by the test): the
/// Frontend API's `GET /v1/client/handshake` and the Backend API's
/// `GET /v1/clients/handshake_payload`, `POST /v1/sessions/{sid}/refresh`
/// and `GET /v1/jwks`, all on one origin, signing with `issuer`. Point an
/// app at it with `CLERK_PROXY_URL` (Frontend API) and `CLERK_API_URL`.
pub struct FakeInstance {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    issuer: Arc<clerk_runtime::DevIssuer>,
    state: Arc<Mutex<InstanceState>>,
    log: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct InstanceShared {
    issuer: Arc<clerk_runtime::DevIssuer>,
    state: Arc<Mutex<InstanceState>>,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeInstance {
    /// Starts the instance signing with `issuer` (its issuer must be the
    /// `https://<host>` of the app's publishable key).
    pub async fn start(issuer: Arc<clerk_runtime::DevIssuer>, mode: HandshakeMode) -> Self {
        let state = Arc::new(Mutex::new(InstanceState {
            mode,
            refresh_ok: true,
            nonces: HashMap::new(),
            next: 0,
        }));
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = InstanceShared {
            issuer: issuer.clone(),
            state: state.clone(),
            log: log.clone(),
        };
        let app = Router::new().fallback(instance_handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake Clerk instance");
        });
        Self {
            url: format!("http://{addr}"),
            issuer,
            state,
            log,
            task,
        }
    }

    /// Changes how the handshake answers from now on.
    pub fn set_mode(&self, mode: HandshakeMode) {
        self.state.lock().expect("state lock").mode = mode;
    }

    /// Whether `POST /v1/sessions/{sid}/refresh` succeeds (default true).
    pub fn set_refresh_ok(&self, ok: bool) {
        self.state.lock().expect("state lock").refresh_ok = ok;
    }

    /// A fresh session token for [`FAKE_USER`] / [`FAKE_SESSION`].
    pub fn fresh_session(&self) -> String {
        fresh_session(&self.issuer)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().expect("log lock").clone()
    }

    /// How many requests hit `method path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method.as_str() == method && r.path() == path)
            .count()
    }
}

impl Drop for FakeInstance {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn fresh_session(issuer: &clerk_runtime::DevIssuer) -> String {
    issuer.mint(&clerk_runtime::DevSession::new(FAKE_USER).session_id(FAKE_SESSION))
}

/// The Set-Cookie directives of a fresh sign-in: `__session`, `__client_uat`.
fn fresh_directives(issuer: &clerk_runtime::DevIssuer) -> Vec<String> {
    vec![
        format!("__session={}; Path=/; SameSite=Lax", fresh_session(issuer)),
        format!("__client_uat={}; Path=/; SameSite=Lax", issuer.now() - 1),
    ]
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.query_pairs_mut().append_pair(name, value);
            u.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

fn redirect(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::TEMPORARY_REDIRECT)
        .header("location", location)
        .header("cache-control", "no-store")
        .body(Body::empty())
        .expect("valid redirect in test")
}

fn json_reply(status: StatusCode, body: serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("valid response in test")
}

async fn instance_handle(State(shared): State<InstanceShared>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let query = axum::extract::Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let recorded = Recorded {
        method: parts.method,
        uri: parts.uri,
        query,
        headers: parts.headers,
        body,
    };
    shared.log.lock().expect("log lock").push(recorded.clone());
    let authorized =
        recorded.header("authorization") == Some(format!("Bearer {FAKE_SECRET_KEY}").as_str());
    let path = recorded.path().to_owned();
    let issuer = &shared.issuer;
    match (recorded.method.as_str(), path.as_str()) {
        ("GET", "/v1/client/handshake") => {
            let Some(back) = recorded.query.get("redirect_url") else {
                return json_reply(
                    StatusCode::BAD_REQUEST,
                    serde_json::json!({"errors": [{"code": "form_param_missing"}]}),
                );
            };
            let mut state = shared.state.lock().expect("state lock");
            match state.mode {
                HandshakeMode::Fail => redirect(back),
                HandshakeMode::Token => {
                    let header = serde_json::json!({
                        "alg": "RS256", "typ": "JWT", "kid": issuer.kid(), "cat": "cl_B7d4PD111AAA"
                    });
                    let token = issuer.mint_raw(
                        &header.to_string(),
                        &serde_json::json!({ "handshake": fresh_directives(issuer) }).to_string(),
                    );
                    redirect(&with_param(back, "__clerk_handshake", &token))
                }
                HandshakeMode::Nonce => {
                    state.next += 1;
                    let nonce = format!("nonce_{}", state.next);
                    state.nonces.insert(nonce.clone(), fresh_directives(issuer));
                    redirect(&with_param(back, "__clerk_handshake_nonce", &nonce))
                }
            }
        }
        ("GET", "/v1/jwks") | ("GET", "/.well-known/jwks.json") => Response::builder()
            .header("content-type", "application/json")
            .body(Body::from(issuer.jwks_json()))
            .expect("valid response in test"),
        _ if !authorized => json_reply(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"errors": [{"code": "authentication_invalid", "message": "bad secret key"}]}),
        ),
        ("GET", "/v1/clients/handshake_payload") => {
            let nonce = recorded.query.get("nonce").cloned().unwrap_or_default();
            let directives = shared
                .state
                .lock()
                .expect("state lock")
                .nonces
                .remove(&nonce);
            match directives {
                Some(d) => json_reply(StatusCode::OK, serde_json::json!({ "directives": d })),
                None => json_reply(
                    StatusCode::NOT_FOUND,
                    serde_json::json!({"errors": [{"code": "resource_not_found", "message": "no such nonce"}]}),
                ),
            }
        }
        ("POST", p) if p.starts_with("/v1/sessions/") && p.ends_with("/refresh") => {
            let ok = shared.state.lock().expect("state lock").refresh_ok;
            if ok {
                json_reply(
                    StatusCode::OK,
                    serde_json::json!({
                        "object": "cookies",
                        "cookies": [format!("__session={}; Path=/; SameSite=Lax", fresh_session(issuer))]
                    }),
                )
            } else {
                json_reply(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    serde_json::json!({"errors": [{"code": "refresh_token_invalid", "message": "refresh token is not valid"}]}),
                )
            }
        }
        _ => json_reply(
            StatusCode::NOT_FOUND,
            serde_json::json!({"errors": [{"code": "resource_not_found", "message": "not faked"}]}),
        ),
    }
}
