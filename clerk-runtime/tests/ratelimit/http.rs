//! The layer through a real HTTP server, memory store, manual clock.

use std::sync::Arc;
use std::time::Duration;

use clerk_runtime::ratelimit::{ManualClock, MemoryStore, RateLimit, RateLimitLayer, RequestKey};
use reqwest::StatusCode;

use crate::app::{get_as, header, router, serve};

const T0: Duration = Duration::from_secs(1_700_000_000);

async fn app(limit: &str) -> (String, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(T0));
    let layer = RateLimitLayer::new(
        Arc::new(MemoryStore::new()),
        RateLimit::parse(limit).unwrap(),
        RequestKey::new(),
    )
    .clock(clock.clone());
    (serve(router(layer)).await, clock)
}

#[tokio::test]
async fn admitted_responses_carry_rate_limit_headers() {
    let (base, _) = app("2/10s").await;
    let response = get_as(&base, "/api", Some("alice")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "ratelimit-limit"), "2");
    assert_eq!(header(&response, "ratelimit-remaining"), "1");
    assert_eq!(header(&response, "ratelimit-reset"), "20");
    assert_eq!(header(&response, "ratelimit-policy"), "2;w=10");
    assert!(response.headers().get("retry-after").is_none());
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn over_the_limit_is_429_with_retry_after_and_json_reason() {
    let (base, _) = app("2/10s").await;
    for _ in 0..2 {
        assert_eq!(
            get_as(&base, "/api", Some("alice")).await.status(),
            StatusCode::OK
        );
    }
    let response = get_as(&base, "/api", Some("alice")).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // Both requests at T0 (a window start): one unit frees when the previous
    // window's weight drops to 1/2, 15 s later.
    assert_eq!(header(&response, "retry-after"), "15");
    assert_eq!(header(&response, "ratelimit-remaining"), "0");
    assert_eq!(header(&response, "ratelimit-limit"), "2");
    assert_eq!(header(&response, "ratelimit-policy"), "2;w=10");
    assert_eq!(header(&response, "content-type"), "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"error": "rate_limited", "reason": "rate-limit-exceeded"})
    );
}

#[tokio::test]
async fn retry_after_is_honest() {
    let (base, clock) = app("2/10s").await;
    for _ in 0..2 {
        get_as(&base, "/api", Some("alice")).await;
    }
    let refused = get_as(&base, "/api", Some("alice")).await;
    let wait: u64 = header(&refused, "retry-after").parse().unwrap();
    clock.advance(Duration::from_secs(wait) - Duration::from_millis(1));
    assert_eq!(
        get_as(&base, "/api", Some("alice")).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(
        get_as(&base, "/api", Some("alice")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn each_user_has_their_own_budget() {
    let (base, _) = app("1/10s").await;
    assert_eq!(
        get_as(&base, "/api", Some("alice")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get_as(&base, "/api", Some("bob")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get_as(&base, "/api", Some("alice")).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn anonymous_requests_are_limited_by_client_ip() {
    let (base, _) = app("1/10s").await;
    assert_eq!(get_as(&base, "/api", None).await.status(), StatusCode::OK);
    assert_eq!(
        get_as(&base, "/api", None).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // A signed-in user on the same IP is counted on their own.
    assert_eq!(
        get_as(&base, "/api", Some("alice")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn routes_with_different_scopes_have_separate_budgets() {
    let (base, _) = app("1/10s").await;
    assert_eq!(
        get_as(&base, "/api", Some("alice")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get_as(&base, "/other", Some("alice")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get_as(&base, "/other", Some("alice")).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn quota_comes_back_as_the_window_slides() {
    let (base, clock) = app("2/10s").await;
    for _ in 0..2 {
        get_as(&base, "/api", Some("alice")).await;
    }
    clock.advance(Duration::from_secs(20));
    let response = get_as(&base, "/api", Some("alice")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "ratelimit-remaining"), "1");
}

/// The real stack: `ClerkLayer` verifies a dev-issued session token, and the
/// rate-limit layer inside it counts per signed-in user.
mod behind_clerk_layer {
    use std::sync::{Arc, OnceLock};

    use axum::Router;
    use axum::routing::get;
    use clerk_runtime::ratelimit::{MemoryStore, RateLimit, RateLimitLayer, RequestKey};
    use clerk_runtime::{ClerkLayer, DevIssuer, DevSession};
    use reqwest::StatusCode;

    use crate::app::serve;

    fn issuer() -> &'static DevIssuer {
        static ISSUER: OnceLock<DevIssuer> = OnceLock::new();
        ISSUER.get_or_init(|| DevIssuer::new().expect("dev issuer"))
    }

    async fn app() -> String {
        let limit = RateLimit::parse("2/1m").unwrap();
        let router = Router::new()
            .route("/api", get(|| async { "ok" }))
            .layer(RateLimitLayer::new(
                Arc::new(MemoryStore::new()),
                limit,
                RequestKey::new(),
            ))
            .layer(ClerkLayer::dev(issuer()).unwrap());
        serve(router).await
    }

    async fn get_with_token(base: &str, token: Option<&str>) -> StatusCode {
        let mut request = reqwest::Client::new().get(format!("{base}/api"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().status()
    }

    #[tokio::test]
    async fn each_signed_in_user_has_their_own_budget() {
        let base = app().await;
        let alice = issuer().mint(&DevSession::new("user_alice"));
        let alice_again = issuer().mint(&DevSession::new("user_alice").session_id("sess_2"));
        let bob = issuer().mint(&DevSession::new("user_bob"));
        assert_eq!(get_with_token(&base, Some(&alice)).await, StatusCode::OK);
        // Another session (another device) of the same user shares the budget.
        assert_eq!(
            get_with_token(&base, Some(&alice_again)).await,
            StatusCode::OK
        );
        assert_eq!(
            get_with_token(&base, Some(&alice)).await,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(get_with_token(&base, Some(&bob)).await, StatusCode::OK);
        // Signed-out traffic from the same IP is counted apart from the users.
        assert_eq!(get_with_token(&base, None).await, StatusCode::OK);
    }
}
