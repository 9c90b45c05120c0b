//! Limits declared on handlers (`rate_limit = "10/10s"`) end to end over
//! HTTP: counted by the guard after the policy check, one budget per route
//! and caller (user id when signed in, client IP otherwise), answered with
//! 429 + `Retry-After` + `RateLimit-*`, and shared by app instances that
//! count in one Redis.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderName;
use clerk_runtime::DevSession;
use clerk_runtime::prelude::*;
use clerk_runtime::ratelimit::redis::{RedisConfig, RedisStore};
use clerk_runtime::ratelimit::{
    CheckFuture, FailMode, Limiter, ManualClock, MemoryStore, RateLimit, RateLimitStore,
    RequestKey, RouteLimiter, StoreError,
};
use clerk_tests::redis_server::RedisServer;
use reqwest::StatusCode;
use serde_json::Value;

use crate::layer::{NOW, client, layer, token, user};

#[protect(rate_limit = "10/10s")]
async fn search() -> &'static str {
    "results"
}

#[protect(rate_limit = "10/10s")]
async fn export() -> &'static str {
    "export"
}

#[protect(role = "org:admin", rate_limit = "10/10s")]
async fn admin_report() -> &'static str {
    "report"
}

#[public(rate_limit = "10/10s")]
async fn status() -> &'static str {
    "up"
}

#[public(rate_limit = "10/10s")]
async fn unlisted_default() -> &'static str {
    "default"
}

fn app() -> Routes {
    routes![
        GET "/search" => search,
        GET "/export" => export,
        GET "/admin/report" => admin_report,
        GET "/status" => status,
    ]
}

/// A memory store on a clock that stands still: every request of a test
/// falls in one window, however slow the machine.
fn still_limiter() -> Limiter {
    let clock = ManualClock::new(Duration::from_secs(NOW as u64));
    Limiter::new(Arc::new(MemoryStore::new())).clock(Arc::new(clock))
}

/// Serves `router` on 127.0.0.1:0 with the socket peer recorded (the client
/// IP of signed-out callers); returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

async fn serve_with(limiter: impl Into<RouteLimiter>) -> String {
    serve(app().layer(layer().rate_limiter(limiter)).into_router()).await
}

async fn get(base: &str, path: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut request = client().get(format!("{base}{path}"));
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    request.send().await.unwrap()
}

/// Sends `n` requests; returns the statuses.
async fn statuses(base: &str, path: &str, bearer: Option<&str>, n: usize) -> Vec<StatusCode> {
    let mut statuses = Vec::with_capacity(n);
    for _ in 0..n {
        statuses.push(get(base, path, bearer).await.status());
    }
    statuses
}

async fn exhaust(base: &str, path: &str, bearer: Option<&str>) {
    let admitted = statuses(base, path, bearer, 10).await;
    assert_eq!(admitted, vec![StatusCode::OK; 10], "{path}");
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn eleventh_request_in_the_window_gets_429_with_retry_after_and_ratelimit_headers() {
    let base = serve_with(still_limiter()).await;
    let alice = user("user_alice");
    exhaust(&base, "/search", Some(&alice)).await;

    let refused = get(&base, "/search", Some(&alice)).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // The clock stands at the start of a 10 s window holding all 10 requests.
    // Sliding-window counter: in the next window they still weigh
    // 10 * (10 s - e) / 10 s, so one more fits from e = 1 s on: 11 s from now.
    // All 10 have left the sliding window at the end of the next one: 20 s.
    assert_eq!(header(&refused, "retry-after"), "11");
    assert_eq!(header(&refused, "ratelimit-limit"), "10");
    assert_eq!(header(&refused, "ratelimit-remaining"), "0");
    assert_eq!(header(&refused, "ratelimit-reset"), "20");
    assert_eq!(header(&refused, "ratelimit-policy"), "10;w=10");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(body["reason"], "rate-limit-exceeded");
}

#[tokio::test]
async fn each_signed_in_user_has_their_own_budget() {
    let base = serve_with(still_limiter()).await;
    let alice = user("user_alice");
    exhaust(&base, "/search", Some(&alice)).await;
    let bob = user("user_bob");
    assert_eq!(
        get(&base, "/search", Some(&bob)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&base, "/search", Some(&alice)).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn two_routes_with_the_same_limit_have_separate_budgets() {
    let base = serve_with(still_limiter()).await;
    let alice = user("user_alice");
    exhaust(&base, "/search", Some(&alice)).await;
    exhaust(&base, "/export", Some(&alice)).await;
    assert_eq!(
        get(&base, "/export", Some(&alice)).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn signed_out_callers_are_refused_by_the_policy_not_the_limit() {
    let base = serve_with(still_limiter()).await;
    let refused = statuses(&base, "/search", None, 15).await;
    assert_eq!(refused, vec![StatusCode::UNAUTHORIZED; 15]);
}

#[tokio::test]
async fn forbidden_callers_do_not_spend_budget() {
    let base = serve_with(still_limiter()).await;
    let member = token(DevSession::new("user_carol").org("org_1", "acme", "org:member"));
    let refused = statuses(&base, "/admin/report", Some(&member), 15).await;
    assert_eq!(refused, vec![StatusCode::FORBIDDEN; 15]);
    // Promoted to admin, the same user still has the whole budget.
    let admin = token(DevSession::new("user_carol").org("org_1", "acme", "org:admin"));
    exhaust(&base, "/admin/report", Some(&admin)).await;
}

#[tokio::test]
async fn public_route_is_limited_per_client_ip() {
    let behind_proxy = RouteLimiter::new(still_limiter()).key(
        RequestKey::new().trust_forwarded_header(HeaderName::from_static("x-forwarded-for"), 1),
    );
    let base = serve_with(behind_proxy).await;
    let from = |ip: &'static str| {
        let base = base.clone();
        async move {
            client()
                .get(format!("{base}/status"))
                .header("x-forwarded-for", ip)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for _ in 0..10 {
        assert_eq!(from("203.0.113.7").await, StatusCode::OK);
    }
    assert_eq!(from("203.0.113.7").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(from("198.51.100.1").await, StatusCode::OK);
}

#[tokio::test]
async fn public_route_counts_the_socket_peer_without_a_trusted_header() {
    let base = serve_with(still_limiter()).await;
    exhaust(&base, "/status", None).await;
    assert_eq!(
        get(&base, "/status", None).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // A signed-in caller of the same public route counts as their user.
    let alice = user("user_alice");
    assert_eq!(
        get(&base, "/status", Some(&alice)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn declared_limit_is_enforced_without_an_installed_limiter() {
    let app = routes![GET "/unlisted-default" => unlisted_default];
    let base = serve(app.layer(layer()).into_router()).await;
    let alice = user("user_dora");
    exhaust(&base, "/unlisted-default", Some(&alice)).await;
    assert_eq!(
        get(&base, "/unlisted-default", Some(&alice)).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A store that is always down.
struct DownStore;

impl RateLimitStore for DownStore {
    fn check<'a>(&'a self, _: &'a str, _: RateLimit, _: Duration) -> CheckFuture<'a> {
        Box::pin(async { Err(StoreError::Timeout(Duration::from_millis(1))) })
    }
}

#[tokio::test]
async fn fail_mode_comes_from_the_installed_limiter() {
    let alice = user("user_alice");
    let closed = serve_with(Limiter::new(Arc::new(DownStore)).fail_mode(FailMode::Closed)).await;
    let response = get(&closed, "/search", Some(&alice)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "rate-limit-store-unavailable");

    let open = serve_with(Limiter::new(Arc::new(DownStore)).fail_mode(FailMode::Open)).await;
    assert_eq!(
        statuses(&open, "/search", Some(&alice), 12).await,
        vec![StatusCode::OK; 12]
    );
}

#[test]
fn route_table_lists_the_declared_limits() {
    let table: Vec<String> = app().table().iter().map(ToString::to_string).collect();
    assert_eq!(
        table,
        [
            "GET    /search          signed in, rate 10/10s  (search)",
            "GET    /export          signed in, rate 10/10s  (export)",
            "GET    /admin/report    role org:admin, rate 10/10s  (admin_report)",
            "GET    /status          public, rate 10/10s  (status)",
        ]
    );
    let json = serde_json::to_value(app().table()).unwrap();
    assert_eq!(
        json[3]["policy"],
        serde_json::json!({"kind": "public", "rate_limit": "10/10s"})
    );
    assert_eq!(json[2]["policy"]["rate_limit"], "10/10s");
}

#[tokio::test]
async fn two_instances_sharing_redis_enforce_one_limit() {
    let Some(server) = RedisServer::start() else {
        eprintln!("skipping two_instances_sharing_redis_enforce_one_limit: no redis-server");
        return;
    };
    let mut instances = Vec::new();
    for _ in 0..2 {
        let store = RedisStore::connect(RedisConfig::new(server.url()))
            .await
            .unwrap();
        instances.push(serve_with(Limiter::new(Arc::new(store)).fail_mode(FailMode::Closed)).await);
    }
    let alice = user("user_alice");
    let mut admitted = [0, 0];
    for i in 0..20 {
        let status = get(&instances[i % 2], "/search", Some(&alice))
            .await
            .status();
        match status {
            StatusCode::OK => admitted[i % 2] += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(admitted, [5, 5], "one budget of 10, split by arrival");
}
