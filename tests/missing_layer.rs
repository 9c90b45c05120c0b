//! A router without `ClerkLayer`: every protected request is a 500
//! `clerk-layer-missing`, and the log says why once, not once per request.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use clerk_runtime::__private::{Guard, PolicySource};
use clerk_runtime::policy::Protection;
use clerk_runtime::{Policy, Rule};
use tower::ServiceExt;

enum SignedIn {}
impl PolicySource for SignedIn {
    const POLICY: Policy = Policy::Protected(Protection {
        rule: Rule::SignedIn,
        allow_pending: false,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    });
}

async fn protected(_: Guard<SignedIn>) -> &'static str {
    "unreachable without a layer"
}

/// Log lines, captured.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn missing_layer_is_500_and_logged_once() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = Router::new().route("/", get(protected));
    for _ in 0..3 {
        let response = app
            .clone()
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        text.matches("no ClerkLayer in front of this route").count(),
        1,
        "{text}"
    );
}
