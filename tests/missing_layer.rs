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

mod startup {
    use clerk_runtime::prelude::*;

    #[public]
    async fn index() -> &'static str {
        "index"
    }

    #[protect]
    async fn me() -> &'static str {
        "me"
    }

    #[protect]
    async fn settings() -> &'static str {
        "settings"
    }

    fn message(panic: Box<dyn std::any::Any + Send>) -> String {
        match panic.downcast::<String>() {
            Ok(text) => *text,
            Err(other) => other.downcast_ref::<&str>().unwrap_or(&"?").to_string(),
        }
    }

    #[test]
    fn protected_routes_without_the_layer_refuse_to_become_a_router() {
        let routes = routes![GET "/" => index, GET "/me" => me, GET "/settings" => settings];
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| routes.into_router()))
            .unwrap_err();
        let text = message(panic);
        assert!(
            text.contains("routes! has protected routes (GET /me and 1 more) but no ClerkLayer"),
            "{text}"
        );
        assert!(text.contains(".layer(ClerkLayer::from_env()?)"), "{text}");
        assert!(text.contains(".with_clerk_layer_outside()"), "{text}");
    }

    #[test]
    fn from_refuses_the_same() {
        let routes = routes![GET "/me" => me];
        let panic =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| axum::Router::from(routes)))
                .unwrap_err();
        assert!(message(panic).contains("(GET /me)"));
    }

    #[test]
    fn the_clerk_layer_or_a_declared_outer_one_is_accepted() {
        let issuer = DevIssuer::new().unwrap();
        let layer = ClerkLayer::dev(&issuer).unwrap();
        // Other layers before and after do not hide it.
        let _router: axum::Router = routes![GET "/me" => me]
            .layer(tower::layer::util::Identity::new())
            .layer(layer)
            .layer(tower::layer::util::Identity::new())
            .into_router();
        let _outside: axum::Router = routes![GET "/me" => me]
            .with_clerk_layer_outside()
            .into_router();
    }

    #[test]
    fn a_public_table_needs_no_layer() {
        let _router: axum::Router = routes![GET "/" => index].into_router();
    }
}
