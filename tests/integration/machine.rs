//! Machine callers end to end: routes that declare `accepts = ..`, the
//! layer, the guard, a fake Backend API on 127.0.0.1 for opaque tokens and
//! the dev issuer for the JWT forms (clerk-machine-webhooks-openapi.md A).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clerk_runtime::backend::BackendClient;
use clerk_runtime::machine::MachineVerifier;
use clerk_runtime::prelude::*;
use clerk_runtime::{Caller, DevMachineToken, Verifier};
use clerk_tests::fake_clerk::{FakeClerk, Recorded, Reply};
use serde_json::{Value, json};
use tower::ServiceExt;

#[protect(accepts = "api_key", scope = "invoices:read")]
async fn export(machine: MachineAuth) -> Json<Value> {
    Json(json!({
        "id": machine.id(), "type": machine.token_type().as_str(), "name": machine.name(),
        "user": machine.user_id(), "org": machine.org_id(), "scopes": machine.scopes(),
    }))
}

#[protect(accepts = "m2m_token")]
async fn sync(machine: MachineAuth) -> Json<Value> {
    Json(
        json!({ "machine": machine.machine_id(), "scopes": machine.scopes(), "claims": machine.claims() }),
    )
}

#[protect(accepts = "oauth_token", scope = "read:foo")]
async fn profile(machine: MachineAuth) -> Json<Value> {
    Json(json!({ "user": machine.user_id(), "client": machine.client_id() }))
}

#[protect(accepts = ["session_token", "api_key"], role = "org:admin")]
async fn either(caller: Caller) -> Json<Value> {
    let kind = match &caller {
        Caller::Session(_) => "session",
        Caller::Machine(_) => "machine",
    };
    Json(json!({ "caller": kind, "user": caller.user_id() }))
}

#[protect(accepts = "api_key", rate_limit = "2/60s")]
async fn limited(_machine: MachineAuth) -> &'static str {
    "ok"
}

#[protect]
async fn session_only(auth: Auth) -> String {
    auth.user_id().to_owned()
}

/// An API key resource as Clerk's Backend API sends it (snake_case).
fn api_key_json(scopes: &[&str]) -> Value {
    json!({
        "object": "api_key", "id": "ak_ey966f1b1xf93586b2debdcadb0b3bd1", "type": "api_key",
        "name": "my-api-key", "subject": "user_2vYVtestTESTtestTESTtestTESTtest",
        "scopes": scopes, "claims": {"foo": "bar"}, "revoked": false, "revocation_reason": null,
        "expired": false, "expiration": null, "created_by": null, "description": null,
        "last_used_at": null, "created_at": 1745354860746_i64, "updated_at": 1745354860746_i64
    })
}

const API_KEY: &str = "ak_LCWGdaM8mv8K4PC/57IICZQXAeWfCgF30DZaFXHoGn9=";

struct App {
    router: axum::Router,
    issuer: DevIssuer,
}

fn app_with(issuer: DevIssuer, machines: impl FnOnce(Verifier) -> MachineVerifier) -> App {
    let verifier = issuer.verifier().expect("dev verifier");
    let layer = ClerkLayer::new(verifier.clone()).machine_tokens(machines(verifier));
    let router = routes![
        GET "/export" => export,
        GET "/sync" => sync,
        GET "/profile" => profile,
        GET "/either" => either,
        GET "/limited" => limited,
        GET "/me" => session_only,
    ]
    .layer(layer)
    .into_router();
    App { router, issuer }
}

fn app(fake: &FakeClerk) -> App {
    let client = BackendClient::builder("sk_test_instance")
        .base_url(fake.url.as_str())
        .retry(clerk_runtime::backend::RetryPolicy::NONE)
        .build()
        .expect("client");
    app_with(DevIssuer::new().expect("issuer"), |keys| {
        MachineVerifier::builder(keys).backend(client).build()
    })
}

async fn call(
    router: &axum::Router,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Value, String) {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body, challenge)
}

fn api_keys(request: &Recorded) -> bool {
    request.path() == "/api_keys/verify"
}

#[tokio::test]
async fn api_key_with_the_scope_is_admitted_and_verified_as_clerk_does() {
    let fake =
        FakeClerk::start(|_, _| Reply::json(200, api_key_json(&["invoices:read", "write:bar"])))
            .await;
    let app = app(&fake);
    let (status, body, _) = call(&app.router, "/export", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], "ak_ey966f1b1xf93586b2debdcadb0b3bd1");
    assert_eq!(body["type"], "api_key");
    assert_eq!(body["name"], "my-api-key");
    assert_eq!(body["user"], "user_2vYVtestTESTtestTESTtestTESTtest");
    assert_eq!(body["org"], Value::Null);
    // The request: no `/v1`, the secret in the body, the instance key as bearer.
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/api_keys/verify");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk_test_instance")
    );
    assert_eq!(request.header("clerk-api-version"), Some("2026-05-12"));
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(sent, json!({ "secret": API_KEY }));
}

#[tokio::test]
async fn a_burst_of_one_key_costs_one_backend_call() {
    let fake = FakeClerk::start(|_, _| {
        Reply::json(200, api_key_json(&["invoices:read"])).delay(Duration::from_millis(50))
    })
    .await;
    let app = Arc::new(app(&fake));
    let calls = (0..100).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { call(&app.router, "/export", Some(API_KEY)).await.0 })
    });
    for status in futures_join(calls).await {
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(fake.requests().iter().filter(|r| api_keys(r)).count(), 1);
}

async fn futures_join(
    handles: impl Iterator<Item = tokio::task::JoinHandle<StatusCode>>,
) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_missing_scope_is_a_403_naming_it() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, api_key_json(&["write:bar"]))).await;
    let app = app(&fake);
    let (status, body, challenge) = call(&app.router, "/export", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["reason"], "scope-required");
    assert_eq!(body["scope"], "invoices:read");
    assert_eq!(
        challenge,
        r#"Bearer error="insufficient_scope", scope="invoices:read""#
    );
}

#[tokio::test]
async fn backend_answers_map_to_clerks_codes_and_statuses() {
    let cases: [(Reply, StatusCode, &str); 5] = [
        (
            Reply::clerk_error(404, "resource_not_found", "not found"),
            StatusCode::UNAUTHORIZED,
            "token-invalid",
        ),
        (
            Reply::clerk_error(401, "authentication_invalid", "bad key"),
            StatusCode::SERVICE_UNAVAILABLE,
            "secret-key-invalid",
        ),
        (
            Reply::clerk_error(500, "internal", "boom"),
            StatusCode::SERVICE_UNAVAILABLE,
            "unexpected-error",
        ),
        (
            Reply::clerk_error(400, "form_param_missing", "missing"),
            StatusCode::SERVICE_UNAVAILABLE,
            "unexpected-error",
        ),
        (
            Reply::raw(200, "not json"),
            StatusCode::SERVICE_UNAVAILABLE,
            "unexpected-error",
        ),
    ];
    for (reply, expected, reason) in cases {
        let fake = FakeClerk::start(move |_, _| reply.clone()).await;
        let app = app(&fake);
        let (status, body, challenge) = call(&app.router, "/export", Some(API_KEY)).await;
        assert_eq!(
            (status, body["reason"].as_str()),
            (expected, Some(reason)),
            "{body}"
        );
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(challenge, r#"Bearer error="invalid_token""#);
        }
    }
}

#[tokio::test]
async fn unavailable_answers_are_not_cached_but_refusals_are() {
    // First call fails (Clerk down), the second succeeds: the failure was not kept.
    let fake = FakeClerk::start(|_, n| match n {
        0 => Reply::clerk_error(503, "unavailable", "down"),
        _ => Reply::json(200, api_key_json(&["invoices:read"])),
    })
    .await;
    let app = app(&fake);
    assert_eq!(
        call(&app.router, "/export", Some(API_KEY)).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        call(&app.router, "/export", Some(API_KEY)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app.router, "/export", Some(API_KEY)).await.0,
        StatusCode::OK
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn clerk_unreachable_is_a_503() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = BackendClient::builder("sk_test_x")
        .base_url(url)
        .retry(clerk_runtime::backend::RetryPolicy::NONE)
        .build()
        .unwrap();
    let app = app_with(DevIssuer::new().unwrap(), |keys| {
        MachineVerifier::builder(keys).backend(client).build()
    });
    let (status, body, _) = call(&app.router, "/export", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["reason"], "unexpected-error");
}

#[tokio::test]
async fn revoked_and_expired_keys_are_refused() {
    let mut revoked = api_key_json(&["invoices:read"]);
    revoked["revoked"] = json!(true);
    let mut expired = api_key_json(&["invoices:read"]);
    expired["expiration"] = json!(1_000_i64);
    for resource in [revoked, expired] {
        let fake = FakeClerk::start(move |_, _| Reply::json(200, resource.clone())).await;
        let app = app(&fake);
        let (status, body, _) = call(&app.router, "/export", Some(API_KEY)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["reason"], "token-invalid");
    }
}

#[tokio::test]
async fn wrong_types_and_missing_tokens_are_decided_before_any_call() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, api_key_json(&["invoices:read"]))).await;
    let app = app(&fake);
    let session = app.issuer.mint(&DevSession::new("user_1"));
    for token in [
        session.as_str(),
        "mt_8XOIucKvqHVr5tYP123456789abcdefghij",
        "oat_x",
    ] {
        let (status, body, _) = call(&app.router, "/export", Some(token)).await;
        assert_eq!(
            (status, body["reason"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("token-type-mismatch"))
        );
    }
    let (status, body, challenge) = call(&app.router, "/export", None).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("No token in header"))
    );
    assert_eq!(challenge, "Bearer");
    // Never from a cookie.
    let request = Request::get("/export")
        .header("cookie", format!("__session={API_KEY}; __client_uat=1"))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // An opaque machine token on a session route is no JWT: `token-invalid`,
    // as Clerk's session path says (machine_oracle.rs), and never sent to Clerk.
    let (status, body, _) = call(&app.router, "/me", Some(API_KEY)).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token-invalid"))
    );
    assert!(fake.requests().is_empty(), "no Backend API call was needed");
}

#[tokio::test]
async fn a_route_accepting_both_takes_a_session_by_its_rules_and_a_key() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, api_key_json(&[]))).await;
    let app = app(&fake);
    let admin = app
        .issuer
        .mint(&DevSession::new("user_admin").org("org_1", "acme", "org:admin"));
    let (status, body, _) = call(&app.router, "/either", Some(&admin)).await;
    assert_eq!(
        (status, body["caller"].as_str()),
        (StatusCode::OK, Some("session"))
    );
    let member = app
        .issuer
        .mint(&DevSession::new("user_m").org("org_1", "acme", "org:member"));
    assert_eq!(
        call(&app.router, "/either", Some(&member)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body, _) = call(&app.router, "/either", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["caller"], "machine");
    assert_eq!(body["user"], "user_2vYVtestTESTtestTESTtestTESTtest");
    let m2m = app
        .issuer
        .mint_machine_jwt(&DevMachineToken::m2m("mch_1"))
        .unwrap();
    assert_eq!(
        call(&app.router, "/either", Some(&m2m)).await.1["reason"],
        "token-type-mismatch"
    );
}

#[tokio::test]
async fn rate_limits_count_each_machine_caller_apart() {
    let fake = FakeClerk::start(|request: &Recorded, _| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let mut key = api_key_json(&[]);
        key["id"] = json!(format!("ak_id_of_{}", body["secret"].as_str().unwrap()));
        Reply::json(200, key)
    })
    .await;
    let app = app(&fake);
    assert_eq!(
        call(&app.router, "/limited", Some("ak_one")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app.router, "/limited", Some("ak_one")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app.router, "/limited", Some("ak_one")).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        call(&app.router, "/limited", Some("ak_two")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn m2m_and_oauth_jwts_verify_locally() {
    let fake = FakeClerk::start(|_, _| Reply::json(500, json!({}))).await;
    let app = app(&fake);
    let m2m = DevMachineToken::m2m("mch_caller")
        .scopes(["mch_me", "mch_other"])
        .claims(json!({"tier": "gold"}));
    let token = app.issuer.mint_machine_jwt(&m2m).unwrap();
    let (status, body, _) = call(&app.router, "/sync", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["machine"], "mch_caller");
    assert_eq!(body["scopes"], json!(["mch_me", "mch_other"]));
    // Custom claims keep `aud` and `scopes`, and drop Clerk's structural claims.
    assert_eq!(body["claims"]["tier"], "gold");
    assert!(body["claims"].get("exp").is_none() && body["claims"].get("aud").is_some());
    let oauth = DevMachineToken::oauth("user_7", "client_9").scopes(["read:foo"]);
    let token = app.issuer.mint_machine_jwt(&oauth).unwrap();
    let (status, body, _) = call(&app.router, "/profile", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"user": "user_7", "client": "client_9"}));
    let narrow = app
        .issuer
        .mint_machine_jwt(&DevMachineToken::oauth("user_7", "client_9").scopes(["write:bar"]))
        .unwrap();
    assert_eq!(
        call(&app.router, "/profile", Some(&narrow)).await.0,
        StatusCode::FORBIDDEN
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn machine_jwt_failures_carry_clerks_codes() {
    let fake = FakeClerk::start(|_, _| Reply::json(500, json!({}))).await;
    let app = app(&fake);
    let issuer = &app.issuer;
    let now = issuer.now();
    let payload =
        |exp: i64| json!({"sub": "mch_a", "iat": now - 100, "exp": exp, "jti": "mt_1"}).to_string();
    let header = |cat: &str| {
        json!({"alg": "RS256", "kid": issuer.kid(), "typ": "JWT", "cat": cat}).to_string()
    };
    let expired = issuer.mint_raw(&header("cl_B7d4PD333AAA"), &payload(now - 50));
    let wrong_cat = issuer.mint_raw(&header("cl_B7d4PD111AAA"), &payload(now + 50));
    let no_cat = issuer.mint_raw(
        &json!({"alg": "RS256", "kid": issuer.kid(), "typ": "JWT"}).to_string(),
        &payload(now + 50),
    );
    let forged = DevIssuer::new()
        .unwrap()
        .mint_raw(&header("cl_B7d4PD333AAA"), &payload(now + 50));
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"}).to_string()),
        b64(&payload(now + 50))
    );
    let cases = [
        (expired, "token-verification-failed"),
        (wrong_cat, "token-invalid"),
        (forged, "token-verification-failed"),
    ];
    for (token, reason) in cases {
        let (status, body, _) = call(&app.router, "/sync", Some(&token)).await;
        assert_eq!(
            (status, body["reason"].as_str()),
            (StatusCode::UNAUTHORIZED, Some(reason))
        );
    }
    // Clerk's JwtFormatRegExp needs a non-empty signature: `alg: none` with
    // none is no JWT, hence no machine token at all.
    assert_eq!(
        call(&app.router, "/sync", Some(&alg_none)).await.1["reason"],
        "token-type-mismatch"
    );
    // Absent `cat`: accepted (tokens minted before categories).
    assert_eq!(
        call(&app.router, "/sync", Some(&no_cat)).await.0,
        StatusCode::OK
    );
}

fn b64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn an_m2m_jwt_for_another_machine_is_refused_when_the_machine_id_is_set() {
    let issuer = DevIssuer::new().unwrap();
    let app = app_with(issuer, |keys| {
        MachineVerifier::builder(keys).machine_id("mch_me").build()
    });
    let for_me = app
        .issuer
        .mint_machine_jwt(&DevMachineToken::m2m("mch_a").scopes(["mch_me"]))
        .unwrap();
    let for_other = app
        .issuer
        .mint_machine_jwt(&DevMachineToken::m2m("mch_a").scopes(["mch_x"]))
        .unwrap();
    assert_eq!(
        call(&app.router, "/sync", Some(&for_me)).await.0,
        StatusCode::OK
    );
    let (status, body, _) = call(&app.router, "/sync", Some(&for_other)).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token-invalid"))
    );
}

#[tokio::test]
async fn opaque_m2m_tokens_use_the_machine_secret_key() {
    let fake = FakeClerk::start(|_, _| {
        Reply::json(200, json!({
            "object": "machine_to_machine_token", "id": "mt_ey966f1b1xf93586b2debdcadb0b3bd1",
            "subject": "mch_2vYVtestTESTtestTESTtestTESTtest", "scopes": ["mch_1xxxxx", "mch_2xxxxx"],
            "claims": {"foo": "bar"}, "revoked": false, "revocation_reason": null, "expired": false,
            "expiration": null, "created_at": 1745185445567_i64, "updated_at": 1745185445567_i64
        }))
    })
    .await;
    let client = |key: &str| {
        BackendClient::builder(key)
            .base_url(fake.url.as_str())
            .build()
            .unwrap()
    };
    let (instance, machine) = (client("sk_test_instance"), client("ak_xxxxx"));
    let app = app_with(DevIssuer::new().unwrap(), |keys| {
        MachineVerifier::builder(keys)
            .backend(instance)
            .machine_backend(machine)
            .build()
    });
    let (status, body, _) = call(
        &app.router,
        "/sync",
        Some("mt_8XOIucKvqHVr5tYP123456789abcdefghij"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["machine"], "mch_2vYVtestTESTtestTESTtestTESTtest");
    assert_eq!(body["claims"], json!({"foo": "bar"}));
    let request = &fake.requests()[0];
    assert_eq!(request.path(), "/m2m_tokens/verify");
    assert_eq!(request.header("authorization"), Some("Bearer ak_xxxxx"));
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        sent,
        json!({"token": "mt_8XOIucKvqHVr5tYP123456789abcdefghij"})
    );
}

#[tokio::test]
async fn opaque_oauth_tokens_post_the_access_token() {
    let fake = FakeClerk::start(|_, _| {
        Reply::json(200, json!({
            "object": "clerk_idp_oauth_access_token", "id": "oat_2VTWUzvGC5UhdJCNx6xG1D98edc",
            "client_id": "client_2VTWUzvGC5UhdJCNx6xG1D98edc", "subject": "user_2vYVtestTESTtestTESTtestTESTtest",
            "scopes": ["read:foo", "write:bar"], "revoked": false, "revocation_reason": null,
            "expired": false, "expiration": null, "created_at": 1744928754551_i64, "updated_at": 1744928754551_i64
        }))
    })
    .await;
    let app = app(&fake);
    let (status, body, _) = call(
        &app.router,
        "/profile",
        Some("oat_8XOIucKvqHVr5tYP123456789abcdefghij"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["client"], "client_2VTWUzvGC5UhdJCNx6xG1D98edc");
    let request = &fake.requests()[0];
    assert_eq!(request.path(), "/oauth_applications/access_tokens/verify");
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        sent,
        json!({"access_token": "oat_8XOIucKvqHVr5tYP123456789abcdefghij"})
    );
}

#[tokio::test]
async fn without_a_backend_client_opaque_tokens_are_a_500_that_says_why() {
    let app = app_with(DevIssuer::new().unwrap(), |keys| {
        MachineVerifier::builder(keys).build()
    });
    let (status, body, _) = call(&app.router, "/export", Some(API_KEY)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["reason"], "machine-verification-unconfigured");
}

#[tokio::test]
async fn the_dev_issuer_answers_for_its_opaque_tokens_and_their_revocation() {
    let issuer = DevIssuer::new().unwrap();
    let server = issuer.serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let client = server.backend_client().unwrap();
    let app = app_with(issuer, |keys| {
        MachineVerifier::builder(keys)
            .backend(client)
            .cache_ttl(Duration::ZERO)
            .build()
    });
    let key = app
        .issuer
        .issue_machine_token(&DevMachineToken::api_key("org_42", "ci").scopes(["invoices:read"]));
    assert!(key.starts_with("ak_"));
    let (status, body, _) = call(&app.router, "/export", Some(&key)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["org"].as_str(), body["name"].as_str()),
        (Some("org_42"), Some("ci"))
    );
    assert!(app.issuer.revoke_machine_token(&key));
    assert_eq!(
        call(&app.router, "/export", Some(&key)).await.1["reason"],
        "token-invalid"
    );
    assert_eq!(
        call(&app.router, "/export", Some("ak_never_issued"))
            .await
            .1["reason"],
        "token-invalid"
    );
    let m2m = app
        .issuer
        .issue_machine_token(&DevMachineToken::m2m("mch_7"));
    assert_eq!(
        call(&app.router, "/sync", Some(&m2m)).await.1["machine"],
        "mch_7"
    );
    server.shutdown().await;
}

#[test]
fn the_route_table_says_what_each_route_accepts() {
    let routes: Routes = routes![
        GET "/export" => export,
        GET "/either" => either,
    ];
    let table = Table(routes.table()).to_string();
    assert!(table.contains("api_key scope invoices:read"), "{table}");
    assert!(table.contains("role org:admin or api_key"), "{table}");
    let json = serde_json::to_value(routes.table()).unwrap();
    assert_eq!(
        json[0]["policy"]["accepts"],
        json!({"tokens": ["api_key"], "scopes": ["invoices:read"]})
    );
}

/// Clerk's fixtures (`@clerk/backend` fixtures/machine.ts, index.ts): OAuth
/// access-token JWTs signed by the fixture instance key, valid at
/// 1666648250 (A.7).
const CLERK_OAUTH_JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18yR0lvUWhiVXB5MGhYN0IyY1ZrdVRNaW5Yb0QiLCJ0eXAiOiJhdCtqd3QifQ.eyJhenAiOiJodHRwczovL2FjY291bnRzLmluc3BpcmVkLnB1bWEtNzQubGNsLmRldiIsImV4cCI6MTY2NjY0ODU1MCwiaWF0IjoxNjY2NjQ4MjUwLCJpc3MiOiJodHRwczovL2NsZXJrLm9hdXRoLmV4YW1wbGUudGVzdCIsIm5iZiI6MTY2NjY0ODI0MCwic2lkIjoic2Vzc18yR2JEQjRlbk5kQ2E1dlMxenBDM1h6Zzl0SzkiLCJzdWIiOiJ1c2VyXzJ2WVZ0ZXN0VEVTVHRlc3RURVNUdGVzdFRFU1R0ZXN0IiwiY2xpZW50X2lkIjoiY2xpZW50XzJWVFdVenZHQzVVaGRKQ054NnhHMUQ5OGVkYyIsInNjb3BlIjoicmVhZDpmb28gd3JpdGU6YmFyIiwianRpIjoib2F0XzJ4S2E5Qmd2N054TVJERnlRdzhMcFozY1RtVTF2SGpFIn0.Wgw5L2u0nGkxF9Y-5Dje414UEkxq2Fu3_VePeh1-GehCugi0eIXV-QyiXp1ba4pxWWbCfIC_hihzKjwnVb5wrhzqyw8FJpvnvtrHEjt-zSijpS7WlO7ScJDY-PE8zgH-CICnS2CKYSkP3Rbzka9XY_Z6ieUzmBSFdA_0K8pQOdDHv70y04dnL1CjL6XToncnvezioL388Y1UTqlhll8b2Pm4EI7rGdHVKzLcKnKoYpgsBPZLmO7qGPJ5BkHvmg3gOSkmIiziFaEZkoXvjbvEUAt5qEqzaADSaFP6QhRYNtr1s4OD9uj0SK6QaoZTj69XYFuNMNnm7zN_WxvPBMTq9g";
const CLERK_OAUTH_JWT_APPLICATION_TYP: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18yR0lvUWhiVXB5MGhYN0IyY1ZrdVRNaW5Yb0QiLCJ0eXAiOiJhcHBsaWNhdGlvbi9hdCtqd3QifQ.eyJhenAiOiJodHRwczovL2FjY291bnRzLmluc3BpcmVkLnB1bWEtNzQubGNsLmRldiIsImV4cCI6MTY2NjY0ODU1MCwiaWF0IjoxNjY2NjQ4MjUwLCJpc3MiOiJodHRwczovL2NsZXJrLm9hdXRoLmV4YW1wbGUudGVzdCIsIm5iZiI6MTY2NjY0ODI0MCwic2lkIjoic2Vzc18yR2JEQjRlbk5kQ2E1dlMxenBDM1h6Zzl0SzkiLCJzdWIiOiJ1c2VyXzJ2WVZ0ZXN0VEVTVHRlc3RURVNUdGVzdFRFU1R0ZXN0IiwiY2xpZW50X2lkIjoiY2xpZW50XzJWVFdVenZHQzVVaGRKQ054NnhHMUQ5OGVkYyIsInNjb3BlIjoicmVhZDpmb28gd3JpdGU6YmFyIiwianRpIjoib2F0XzJ4S2E5Qmd2N054TVJERnlRdzhMcFozY1RtVTF2SGpFIn0.GPTvB4doScjzQD0kRMhMebVDREjwcrMWK73OP_kFc3pl0gST29BlWrKMBi8wRxoSJBc2ukO10BPhGxnh15PxCNLyk6xQFWhFBA7XpVxY4T_VHPDU5FEOocPQuqcqZ4cA1GDJST-BH511fxoJnv4kfha46IvQiUMvWCacIj_w12qfZigeb208mTDIeoJQtlYb-sD9u__CVvB4uZOqGb0lIL5-cCbhMPFg-6GQ2DhZ-Eq5tw7oyO6lPrsAaFN9u-59SLvips364ieYNpgcr9Dbo5PDvUSltqxoIXTDFo4esWw6XwUjnGfqCh34LYAhv_2QF2U0-GASBEn4GK-Wfv3wXg";
const CLERK_FIXTURE_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqYy3MY8fOneEyzNDu9lp
6iGXKkNUF+u/dUnrlkadZYyB35efzKFJEr9fftmWv5PUj1uRHTQ3bh6X1cceOYsI
jy008dHWZJsKhGOxgdTjeK91rjaklxt7tyFXEiKHIOr1LSgKzopClOfCIjxK/oPU
Of38pVh7WnekcSBQmU5fqA+EzKMi6k9VwvbzqKlZM4XQsiFyn28d9VubJWjTU8nN
ot0n1NE+9k6TxM8nglM4RwkBH4Ni4B0LhKKOOV+AG8tBNiZVil415dpBldmJ/j0w
k7Ad4VFi9en3Z17oCKr+K+zuT7vKMKSb1548dk0vnmi0vj2QGXSo+61wM5yQWpk6
sQIDAQAB
-----END PUBLIC KEY-----";
const CLERK_FIXTURE_NOW: i64 = 1_666_648_250;

fn clerk_fixture_verifier() -> MachineVerifier {
    let keys = Verifier::builder()
        .pem(CLERK_FIXTURE_PEM)
        .clock(|| CLERK_FIXTURE_NOW)
        .build()
        .unwrap();
    MachineVerifier::builder(keys).build()
}

/// Clerk's `verify.test.ts`, the cases that need no Backend API.
#[tokio::test]
async fn clerks_oauth_jwt_cases() {
    let verifier = clerk_fixture_verifier();
    let auth = verifier.verify(CLERK_OAUTH_JWT).await.unwrap();
    assert_eq!(auth.token_type().as_str(), "oauth_token");
    assert_eq!(auth.id(), "oat_2xKa9Bgv7NxMRDFyQw8LpZ3cTmU1vHjE");
    assert_eq!(auth.client_id(), Some("client_2VTWUzvGC5UhdJCNx6xG1D98edc"));
    assert_eq!(auth.subject(), "user_2vYVtestTESTtestTESTtestTESTtest");
    assert_eq!(
        auth.user_id(),
        Some("user_2vYVtestTESTtestTESTtestTESTtest")
    );
    assert_eq!(auth.scopes(), ["read:foo", "write:bar"]);
    assert_eq!(auth.expires_at(), Some(1_666_648_550));
    let auth = verifier
        .verify(CLERK_OAUTH_JWT_APPLICATION_TYP)
        .await
        .unwrap();
    assert_eq!(auth.token_type().as_str(), "oauth_token");
    // `alg: none` (createJwt's bogus signature): refused on the header.
    let parts: Vec<&str> = CLERK_OAUTH_JWT.split('.').collect();
    let none = format!(
        "{}.{}.{}",
        b64(
            &json!({"alg": "none", "kid": "ins_2GIoQhbUpy0hX7B2cVkuTMinXoD", "typ": "at+jwt"})
                .to_string()
        ),
        parts[1],
        parts[2]
    );
    let error = verifier.verify(&none).await.unwrap_err();
    assert_eq!(error.reason(), "token-verification-failed");
    assert!(error.to_string().contains("algorithm"), "{error}");
    // Signature before claims: a tampered payload fails on the signature.
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(r#"{"sub":"user_x","exp":1}"#),
        parts[2]
    );
    let error = verifier.verify(&tampered).await.unwrap_err();
    assert!(error.to_string().contains("signature"), "{error}");
    // Neither M2M nor OAuth: not a machine token.
    assert_eq!(
        verifier
            .verify("invalid.jwt.token")
            .await
            .unwrap_err()
            .reason(),
        "token-type-mismatch"
    );
    // Well past the fixture's exp and the clock skew: expired.
    let later = Verifier::builder()
        .pem(CLERK_FIXTURE_PEM)
        .clock(|| CLERK_FIXTURE_NOW + 400)
        .build()
        .unwrap();
    let error = MachineVerifier::builder(later)
        .build()
        .verify(CLERK_OAUTH_JWT)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("expired"), "{error}");
}

/// Odd `sub` values (Clerk's regression cases): classified and refused,
/// never a panic.
#[tokio::test]
async fn odd_subjects_are_refused_not_a_crash() {
    let issuer = DevIssuer::new().unwrap();
    let verifier = MachineVerifier::builder(issuer.verifier().unwrap()).build();
    let now = issuer.now();
    for sub in [Value::Null, json!(123), json!({}), json!(["mch_x"])] {
        let mut payload = json!({"iat": now, "exp": now + 60, "sub": sub});
        if sub.is_null() {
            payload.as_object_mut().unwrap().remove("sub");
        }
        let token = issuer.mint_raw(
            &json!({"alg": "RS256", "kid": issuer.kid(), "typ": "at+jwt"}).to_string(),
            &payload.to_string(),
        );
        let error = verifier.verify(&token).await.unwrap_err();
        assert_eq!(error.reason(), "token-verification-failed", "{sub}");
    }
}

/// With Clerk's browser-session decision on (a publishable key), a machine
/// caller's header token takes the header path: no handshake, and the route
/// that accepts it admits it. The layer comes from the configuration, as
/// `ClerkLayer::from_env` builds it (secret key → Backend API for opaque tokens).
#[tokio::test]
async fn machine_callers_work_with_browser_sessions_from_the_configuration() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, api_key_json(&["invoices:read"]))).await;
    let issuer = DevIssuer::new().unwrap();
    for prefix in ["pk_test_", "pk_live_"] {
        let publishable = format!("{prefix}{}", b64_standard("clerk.fake-instance.test$"));
        let config = clerk_runtime::ClerkConfig::builder()
            .secret_key("sk_test_instance")
            .jwt_key(issuer.public_key_pem())
            .publishable_key(publishable)
            .api_url(fake.url.as_str())
            .build()
            .unwrap();
        let router = routes![GET "/export" => export, GET "/sync" => sync]
            .layer(ClerkLayer::from_config(&config).unwrap())
            .into_router();
        let (status, body, _) = call(&router, "/export", Some(API_KEY)).await;
        assert_eq!(status, StatusCode::OK, "{prefix}: {body}");
        let m2m = issuer
            .mint_machine_jwt(&DevMachineToken::m2m("mch_1"))
            .unwrap();
        let (status, body, _) = call(&router, "/sync", Some(&m2m)).await;
        assert_eq!(status, StatusCode::OK, "{prefix}: {body}");
    }
    assert!(fake.requests().iter().all(api_keys));
}

fn b64_standard(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
