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
