//! The `Sessions` extractor end to end: dev-issuer tokens through
//! `ClerkLayer`, sign-outs sent to a fake Backend API on 127.0.0.1, and the
//! revoked session's token refused by the very next request.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::routing::{delete, get, post};
use clerk_runtime::__private::{Guard, PolicySource};
use clerk_runtime::backend::{BackendClient, RetryPolicy};
use clerk_runtime::extract::sessions::{SessionInfo, Sessions, SessionsError};
use clerk_runtime::policy::Protection;
use clerk_runtime::{Auth, DevSession, Policy, Rule};
use clerk_tests::fake_clerk::{FakeClerk, Recorded, Reply, session_json};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::layer::{client, layer, serve, token};

enum SignedIn {}
impl PolicySource for SignedIn {
    const POLICY: Policy = Policy::Protected(Protection {
        rule: Rule::SignedIn,
        allow_pending: false,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    });
}

async fn me(_: Guard<SignedIn>, auth: Auth) -> String {
    auth.user_id().to_owned()
}

async fn sign_out(_: Guard<SignedIn>, sessions: Sessions) -> Result<String, SessionsError> {
    Ok(sessions.sign_out().await?.id)
}

async fn sign_out_everywhere(
    _: Guard<SignedIn>,
    sessions: Sessions,
) -> Result<Json<Vec<String>>, SessionsError> {
    let revoked = sessions.sign_out_everywhere().await?;
    Ok(Json(revoked.into_iter().map(|s| s.id).collect()))
}

async fn list(
    _: Guard<SignedIn>,
    sessions: Sessions,
) -> Result<Json<Vec<SessionInfo>>, SessionsError> {
    Ok(Json(sessions.list().await?))
}

async fn sign_out_one(
    _: Guard<SignedIn>,
    sessions: Sessions,
    Path(id): Path<String>,
) -> Result<String, SessionsError> {
    Ok(sessions.sign_out_session(&id).await?.id)
}

fn app() -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/sign-out", post(sign_out))
        .route("/sign-out-everywhere", post(sign_out_everywhere))
        .route("/sessions", get(list))
        .route("/sessions/{id}", delete(sign_out_one))
}

/// Alice has two active sessions (`sess_a`, `sess_b`); `sess_bob` is Bob's.
fn clerk_script(r: &Recorded, _: usize) -> Reply {
    let owner = |id: &str| {
        if id == "sess_bob" {
            "user_bob"
        } else {
            "user_alice"
        }
    };
    let id = r.path().split('/').nth(3).unwrap_or_default().to_owned();
    match (r.method.as_str(), r.path()) {
        ("GET", "/v1/sessions")
            if r.query.get("user_id").map(String::as_str) == Some("user_alice") =>
        {
            let data = if r.query.get("status").map(String::as_str) == Some("pending") {
                vec![]
            } else {
                vec![
                    session_json("sess_a", "user_alice", "active"),
                    session_json("sess_b", "user_alice", "active"),
                ]
            };
            let total = data.len();
            Reply::json(200, json!({"data": data, "total_count": total}))
        }
        ("POST", path) if path.ends_with("/revoke") => {
            Reply::json(200, session_json(&id, owner(&id), "revoked"))
        }
        ("GET", _) if id.starts_with("sess_") => {
            Reply::json(200, session_json(&id, owner(&id), "active"))
        }
        _ => Reply::clerk_error(404, "resource_not_found", "not found"),
    }
}

fn backend(fake: &FakeClerk) -> BackendClient {
    BackendClient::builder("sk_test_sessions")
        .base_url(&fake.url)
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        })
        .build()
        .unwrap()
}

async fn start(fake: &FakeClerk) -> String {
    serve(app().layer(layer().backend_client(backend(fake)))).await
}

fn alice(session_id: &str) -> String {
    token(DevSession::new("user_alice").session_id(session_id))
}

async fn call(method: &str, base: &str, path: &str, token: &str) -> (StatusCode, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = client()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

fn reason(body: &str) -> Value {
    serde_json::from_str::<Value>(body).unwrap()["reason"].clone()
}

#[tokio::test]
async fn sign_out_revokes_the_current_session_and_its_token_is_refused_at_once() {
    let fake = FakeClerk::start(clerk_script).await;
    let base = start(&fake).await;
    let token = alice("sess_a");
    assert_eq!(call("GET", &base, "/me", &token).await.0, StatusCode::OK);

    let (status, body) = call("POST", &base, "/sign-out", &token).await;

    assert_eq!((status, body.as_str()), (StatusCode::OK, "sess_a"));
    assert_eq!(fake.count("POST", "/v1/sessions/sess_a/revoke"), 1);
    let (status, body) = call("GET", &base, "/me", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(reason(&body), "session-revoked");
}

#[tokio::test]
async fn sign_out_leaves_the_users_other_sessions_signed_in() {
    let fake = FakeClerk::start(clerk_script).await;
    let base = start(&fake).await;
    call("POST", &base, "/sign-out", &alice("sess_a")).await;
    assert_eq!(
        call("GET", &base, "/me", &alice("sess_b")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn sign_out_everywhere_revokes_every_session_of_the_user() {
    let fake = FakeClerk::start(clerk_script).await;
    let base = start(&fake).await;
    let (a, b) = (alice("sess_a"), alice("sess_b"));

    let (status, body) = call("POST", &base, "/sign-out-everywhere", &a).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!(["sess_a", "sess_b"])
    );
    assert_eq!(fake.count("POST", "/v1/sessions/sess_a/revoke"), 1);
    assert_eq!(fake.count("POST", "/v1/sessions/sess_b/revoke"), 1);
    for token in [&a, &b] {
        let (status, body) = call("GET", &base, "/me", token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(reason(&body), "session-revoked");
    }
}

#[tokio::test]
async fn list_returns_the_users_active_sessions_marking_the_current_one() {
    let fake = FakeClerk::start(clerk_script).await;
    let base = start(&fake).await;

    let (status, body) = call("GET", &base, "/sessions", &alice("sess_b")).await;

    assert_eq!(status, StatusCode::OK);
    let list: Value = serde_json::from_str(&body).unwrap();
    let marks: Vec<(&str, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["current"].as_bool().unwrap()))
        .collect();
    assert_eq!(marks, [("sess_a", false), ("sess_b", true)]);
    let query = &fake.requests()[0].query;
    assert_eq!(query.get("user_id").map(String::as_str), Some("user_alice"));
    assert_eq!(query.get("status").map(String::as_str), Some("active"));
}

#[tokio::test]
async fn signing_out_another_users_session_is_not_found_and_revokes_nothing() {
    let fake = FakeClerk::start(clerk_script).await;
    let base = start(&fake).await;

    let (status, body) = call("DELETE", &base, "/sessions/sess_bob", &alice("sess_a")).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(reason(&body), "session-not-found");
    assert_eq!(fake.count("POST", "/v1/sessions/sess_bob/revoke"), 0);
}

#[tokio::test]
async fn signing_out_one_of_the_users_other_sessions_revokes_it() {
    let fake = FakeClerk::start(clerk_script).await;
    let base = start(&fake).await;

    let (status, _) = call("DELETE", &base, "/sessions/sess_b", &alice("sess_a")).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(fake.count("POST", "/v1/sessions/sess_b/revoke"), 1);
    assert_eq!(
        call("GET", &base, "/me", &alice("sess_b")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call("GET", &base, "/me", &alice("sess_a")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn signed_out_request_gets_401_and_no_backend_call() {
    let fake = FakeClerk::start(clerk_script).await;
    let base = start(&fake).await;
    let response = client()
        .post(format!("{base}/sign-out"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn backend_failure_is_502_and_the_session_stays_signed_in() {
    let fake =
        FakeClerk::start(|_, _| Reply::clerk_error(401, "authentication_invalid", "bad key")).await;
    let base = start(&fake).await;
    let token = alice("sess_a");

    let (status, body) = call("POST", &base, "/sign-out", &token).await;

    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(reason(&body), "clerk-backend-error");
    assert!(!body.contains("sk_test_sessions"));
    assert_eq!(call("GET", &base, "/me", &token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn sessions_without_a_backend_client_is_500_naming_it() {
    let base = serve(app().layer(layer())).await;
    let (status, body) = call("POST", &base, "/sign-out", &alice("sess_a")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reason(&body), "backend-client-missing");
}
