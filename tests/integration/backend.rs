//! The Backend API client against a fake Clerk on 127.0.0.1:0.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clerk_runtime::backend::{
    ApiSessionStatus, BackendClient, BackendClientBuilder, BackendError, ListSessions, RetryPolicy,
};
use clerk_tests::fake_clerk::{FakeClerk, Recorded, Reply, session_json};
use serde_json::json;

const SECRET: &str = "sk_test_integration_s3cret_value";

/// Retries fast enough that retry tests take milliseconds.
const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay: Duration::from_millis(5),
    max_delay: Duration::from_millis(50),
};

fn builder(fake: &FakeClerk) -> BackendClientBuilder {
    BackendClient::builder(SECRET)
        .base_url(&fake.url)
        .timeout(Duration::from_secs(5))
        .retry(FAST_RETRY)
}

fn client(fake: &FakeClerk) -> BackendClient {
    builder(fake).build().expect("client")
}

fn user_json() -> serde_json::Value {
    json!({
        "object": "user",
        "id": "user_1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "username": "ada",
        "image_url": "https://img.clerk.com/ada",
        "has_image": true,
        "primary_email_address_id": "idn_2",
        "email_addresses": [
            {"id": "idn_1", "object": "email_address", "email_address": "old@example.com"},
            {"id": "idn_2", "object": "email_address", "email_address": "ada@example.com",
             "verification": {"status": "verified", "strategy": "email_code"}}
        ],
        "public_metadata": {"role": "admin"},
        "private_metadata": {"plan": "pro"},
        "created_at": 1_699_000_000_000i64,
        "updated_at": 1_700_000_000_000i64,
        "two_factor_enabled": false
    })
}

fn ok_session(r: &Recorded) -> Reply {
    // `/v1/sessions/{id}` and `/v1/sessions/{id}/revoke` both answer with the session.
    let id = r.path().split('/').nth(3).unwrap_or_default().to_owned();
    let status = if r.path().ends_with("/revoke") {
        "revoked"
    } else {
        "active"
    };
    Reply::json(200, session_json(&id, "user_1", status))
}

#[tokio::test]
async fn get_user_decodes_the_user_and_resolves_the_primary_email() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, user_json())).await;
    let user = client(&fake).get_user("user_1").await.unwrap();

    assert_eq!(user.id, "user_1");
    assert_eq!(user.full_name().as_deref(), Some("Ada Lovelace"));
    assert_eq!(user.username.as_deref(), Some("ada"));
    assert_eq!(user.image_url.as_deref(), Some("https://img.clerk.com/ada"));
    assert_eq!(user.primary_email(), Some("ada@example.com"));
    assert_eq!(user.public_metadata["role"], "admin");
    assert_eq!(user.private_metadata.unwrap()["plan"], "pro");
    assert_eq!(user.created_at, Some(1_699_000_000_000));
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path(), "/v1/users/user_1");
}

#[tokio::test]
async fn every_call_sends_the_secret_key_as_bearer_and_the_api_version() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, user_json())).await;
    client(&fake).get_user("user_1").await.unwrap();

    let req = &fake.requests()[0];
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert_eq!(
        req.header("clerk-api-version"),
        Some(clerk_runtime::backend::DEFAULT_API_VERSION)
    );
}

#[tokio::test]
async fn api_version_header_is_configurable() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, user_json())).await;
    let clerk = builder(&fake).api_version("2025-11-10").build().unwrap();
    clerk.get_user("user_1").await.unwrap();
    assert_eq!(
        fake.requests()[0].header("clerk-api-version"),
        Some("2025-11-10")
    );
}

#[tokio::test]
async fn list_sessions_sends_owner_status_limit_and_offset() {
    let fake = FakeClerk::start(|_, _| {
        Reply::json(
            200,
            json!({"data": [session_json("sess_1", "user_1", "active")], "total_count": 1}),
        )
    })
    .await;
    let query = ListSessions::for_user("user_1")
        .status(ApiSessionStatus::Active)
        .limit(20)
        .offset(40);
    let sessions = client(&fake).list_sessions(&query).await.unwrap();

    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].id, "sess_1");
    assert_eq!(sessions[0].status, ApiSessionStatus::Active);
    assert_eq!(sessions[0].client_id.as_deref(), Some("client_1"));
    let req = &fake.requests()[0];
    assert_eq!(req.path(), "/v1/sessions");
    assert_eq!(req.query.get("user_id").map(String::as_str), Some("user_1"));
    assert_eq!(req.query.get("status").map(String::as_str), Some("active"));
    assert_eq!(req.query.get("limit").map(String::as_str), Some("20"));
    assert_eq!(req.query.get("offset").map(String::as_str), Some("40"));
    assert!(!req.query.contains_key("client_id"));
}

#[tokio::test]
async fn list_sessions_by_client_accepts_a_bare_array_and_unknown_statuses() {
    let fake = FakeClerk::start(|_, _| {
        Reply::json(
            200,
            json!([
                session_json("sess_1", "user_1", "ended"),
                session_json("sess_2", "user_1", "hibernating")
            ]),
        )
    })
    .await;
    let sessions = client(&fake)
        .list_sessions(&ListSessions::for_client("client_1"))
        .await
        .unwrap();

    assert_eq!(sessions[0].status, ApiSessionStatus::Ended);
    assert_eq!(
        sessions[1].status,
        ApiSessionStatus::Unknown("hibernating".into())
    );
    let req = &fake.requests()[0];
    assert_eq!(
        req.query.get("client_id").map(String::as_str),
        Some("client_1")
    );
    assert!(!req.query.contains_key("user_id"));
    assert!(!req.query.contains_key("limit"));
}

#[tokio::test]
async fn list_limit_out_of_range_is_rejected_without_a_request() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, json!([]))).await;
    let err = client(&fake)
        .list_sessions(&ListSessions::for_user("user_1").limit(501))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::InvalidArgument(_)), "{err:?}");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn get_session_reads_one_session() {
    let fake = FakeClerk::start(|r, _| ok_session(r)).await;
    let session = client(&fake).get_session("sess_9").await.unwrap();
    assert_eq!(session.id, "sess_9");
    assert_eq!(session.user_id, "user_1");
    assert_eq!(session.expire_at, Some(1_700_604_800_000));
    assert_eq!(fake.requests()[0].path(), "/v1/sessions/sess_9");
}

#[tokio::test]
async fn revoke_session_posts_to_revoke_and_calls_the_hook_with_the_session_id() {
    let fake = FakeClerk::start(|r, _| ok_session(r)).await;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = seen.clone();
    let clerk = builder(&fake)
        .on_session_revoked(move |sid| sink.lock().unwrap().push(sid.to_owned()))
        .build()
        .unwrap();

    let session = clerk.revoke_session("sess_7").await.unwrap();

    assert_eq!(session.status, ApiSessionStatus::Revoked);
    assert_eq!(fake.count("POST", "/v1/sessions/sess_7/revoke"), 1);
    assert_eq!(*seen.lock().unwrap(), vec!["sess_7".to_owned()]);
}

#[tokio::test]
async fn failed_revoke_does_not_call_the_hook() {
    let fake =
        FakeClerk::start(|_, _| Reply::clerk_error(404, "resource_not_found", "not found")).await;
    let calls = Arc::new(Mutex::new(0));
    let sink = calls.clone();
    let clerk = builder(&fake)
        .on_session_revoked(move |_| *sink.lock().unwrap() += 1)
        .build()
        .unwrap();
    assert!(clerk.revoke_session("sess_7").await.is_err());
    assert_eq!(*calls.lock().unwrap(), 0);
}

/// Serves 5 active sessions and 1 pending one, paged by `offset`/`limit`.
fn sessions_of_user_1(r: &Recorded) -> Reply {
    if r.method == "GET" && r.path() == "/v1/sessions" {
        let offset: usize = r.query["offset"].parse().unwrap();
        let limit: usize = r.query["limit"].parse().unwrap();
        let all: Vec<_> = match r.query["status"].as_str() {
            "active" => (1..=5)
                .map(|i| session_json(&format!("sess_{i}"), "user_1", "active"))
                .collect(),
            "pending" => vec![session_json("sess_p", "user_1", "pending")],
            _ => vec![],
        };
        let total = all.len();
        let page: Vec<_> = all.into_iter().skip(offset).take(limit).collect();
        Reply::json(200, json!({"data": page, "total_count": total}))
    } else {
        ok_session(r)
    }
}

#[tokio::test]
async fn revoke_all_sessions_pages_through_signed_in_sessions_and_revokes_each() {
    let fake = FakeClerk::start(|r, _| sessions_of_user_1(r)).await;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = seen.clone();
    let clerk = builder(&fake)
        .on_session_revoked(move |sid| sink.lock().unwrap().push(sid.to_owned()))
        .build()
        .unwrap();

    let revoked = clerk.revoke_all_sessions_paged("user_1", 2).await.unwrap();

    let ids: Vec<_> = revoked.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["sess_1", "sess_2", "sess_3", "sess_4", "sess_5", "sess_p"]
    );
    let listings: Vec<_> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| {
            assert_eq!(r.query["user_id"], "user_1");
            assert_eq!(r.query["limit"], "2");
            format!("{}@{}", r.query["status"], r.query["offset"])
        })
        .collect();
    assert_eq!(listings, ["active@0", "active@2", "active@4", "pending@0"]);
    for id in ids {
        assert_eq!(fake.count("POST", &format!("/v1/sessions/{id}/revoke")), 1);
    }
    assert_eq!(seen.lock().unwrap().len(), 6);
}

#[tokio::test]
async fn revoke_all_sessions_stops_paging_when_the_server_ignores_offset() {
    let fake = FakeClerk::start(|r, _| {
        if r.method == "GET" {
            // Always the same full page, whatever the offset.
            Reply::json(
                200,
                json!([
                    session_json("sess_1", "user_1", "active"),
                    session_json("sess_2", "user_1", "active")
                ]),
            )
        } else {
            ok_session(r)
        }
    })
    .await;
    let revoked = client(&fake)
        .revoke_all_sessions_paged("user_1", 2)
        .await
        .unwrap();
    assert_eq!(revoked.len(), 2);
    assert!(fake.requests().len() < 10);
}

#[tokio::test]
async fn revoke_all_sessions_with_no_active_session_revokes_nothing() {
    let fake =
        FakeClerk::start(|_, _| Reply::json(200, json!({"data": [], "total_count": 0}))).await;
    let revoked = client(&fake).revoke_all_sessions("user_1").await.unwrap();
    assert!(revoked.is_empty());
    assert_eq!(fake.requests().len(), 2, "one listing per signed-in status");
    assert_eq!(fake.requests()[0].query["limit"], "500");
}

#[tokio::test]
async fn create_session_token_posts_without_a_body_and_returns_the_jwt() {
    let fake = FakeClerk::start(|_, _| {
        Reply::json(200, json!({"object": "token", "jwt": "eyJ.session.sig"}))
    })
    .await;
    let jwt = client(&fake).create_session_token("sess_1").await.unwrap();
    assert_eq!(jwt, "eyJ.session.sig");
    let req = &fake.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.path()),
        ("POST", "/v1/sessions/sess_1/tokens")
    );
    assert!(req.body.is_empty());
}

#[tokio::test]
async fn create_template_token_sends_expires_in_seconds() {
    let fake = FakeClerk::start(|_, _| {
        Reply::json(200, json!({"object": "token", "jwt": "eyJ.template.sig"}))
    })
    .await;
    let jwt = client(&fake)
        .create_template_token("sess_1", "supabase", Some(120))
        .await
        .unwrap();
    assert_eq!(jwt, "eyJ.template.sig");
    let req = &fake.requests()[0];
    assert_eq!(req.path(), "/v1/sessions/sess_1/tokens/supabase");
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body, json!({"expires_in_seconds": 120}));
}

#[tokio::test]
async fn ids_with_slashes_are_percent_encoded_into_one_segment() {
    let fake =
        FakeClerk::start(|_, _| Reply::json(200, json!({"object": "token", "jwt": "x"}))).await;
    client(&fake)
        .create_template_token("sess_1/../../users", "a b/c", None)
        .await
        .unwrap();
    assert_eq!(
        fake.requests()[0].path(),
        "/v1/sessions/sess_1%2F..%2F..%2Fusers/tokens/a%20b%2Fc"
    );
}

#[tokio::test]
async fn empty_ids_are_rejected_without_a_request() {
    let fake = FakeClerk::start(|r, _| ok_session(r)).await;
    let clerk = client(&fake);
    assert!(matches!(
        clerk.get_user("").await,
        Err(BackendError::InvalidArgument(_))
    ));
    assert!(matches!(
        clerk.revoke_session(" ").await,
        Err(BackendError::InvalidArgument(_))
    ));
    assert!(matches!(
        clerk.create_template_token("sess_1", "", None).await,
        Err(BackendError::InvalidArgument(_))
    ));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn not_found_is_typed_and_carries_clerks_error_code() {
    let fake =
        FakeClerk::start(|_, _| Reply::clerk_error(404, "resource_not_found", "User not found"))
            .await;
    let err = client(&fake).get_user("user_gone").await.unwrap_err();

    let BackendError::NotFound { errors } = &err else {
        panic!("expected NotFound, got {err:?}");
    };
    assert_eq!(errors[0].message, "User not found");
    assert_eq!(
        errors[0].long_message.as_deref(),
        Some("User not found (long)")
    );
    assert_eq!(err.code(), Some("resource_not_found"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(fake.requests().len(), 1, "404 is not retried");
}

#[tokio::test]
async fn rejected_secret_key_is_unauthorized() {
    let fake = FakeClerk::start(|_, _| {
        Reply::clerk_error(401, "authentication_invalid", "Invalid authentication")
    })
    .await;
    let err = client(&fake).get_session("sess_1").await.unwrap_err();
    assert!(matches!(err, BackendError::Unauthorized { .. }), "{err:?}");
    assert_eq!(err.code(), Some("authentication_invalid"));
    assert_eq!(fake.requests().len(), 1, "401 is not retried");
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    let fake = FakeClerk::start(|_, _| Reply::clerk_error(422, "form_param_invalid", "bad")).await;
    let err = client(&fake)
        .create_session_token("sess_1")
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Api { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn rate_limited_call_waits_retry_after_then_succeeds() {
    let fake = FakeClerk::start(|_, n| {
        if n == 0 {
            Reply::clerk_error(429, "too_many_requests", "slow down").header("retry-after", "1")
        } else {
            Reply::json(200, user_json())
        }
    })
    .await;
    let clerk = builder(&fake)
        .retry(RetryPolicy {
            max_delay: Duration::from_secs(2),
            ..FAST_RETRY
        })
        .build()
        .unwrap();

    let started = Instant::now();
    let user = clerk.get_user("user_1").await.unwrap();

    assert_eq!(user.id, "user_1");
    assert_eq!(fake.count("GET", "/v1/users/user_1"), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_wait_cap_gives_up_at_once() {
    let fake = FakeClerk::start(|_, _| {
        Reply::clerk_error(429, "too_many_requests", "slow down").header("retry-after", "30")
    })
    .await;
    let err = client(&fake).get_user("user_1").await.unwrap_err();

    let BackendError::RateLimited { retry_after, .. } = err else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(30)));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn server_error_is_retried_then_succeeds() {
    let fake = FakeClerk::start(|r, n| {
        if n == 0 {
            Reply::clerk_error(500, "internal_clerk_error", "oops")
        } else {
            ok_session(r)
        }
    })
    .await;
    let session = client(&fake).revoke_session("sess_1").await.unwrap();
    assert_eq!(session.status, ApiSessionStatus::Revoked);
    assert_eq!(fake.count("POST", "/v1/sessions/sess_1/revoke"), 2);
}

#[tokio::test]
async fn persistent_server_errors_stop_after_max_attempts() {
    let fake = FakeClerk::start(|_, _| Reply::raw(503, "<html>unavailable</html>")).await;
    let err = client(&fake).get_user("user_1").await.unwrap_err();
    assert!(matches!(err, BackendError::Server { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(err.errors().is_empty());
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn slow_response_times_out_without_retrying() {
    let fake =
        FakeClerk::start(|_, _| Reply::json(200, user_json()).delay(Duration::from_millis(600)))
            .await;
    let clerk = builder(&fake)
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = clerk.get_user("user_1").await.unwrap_err();

    assert!(matches!(err, BackendError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_a_short_snippet() {
    let fake = FakeClerk::start(|_, _| {
        Reply::raw(200, format!("{{\"id\": \"user_1\", {}", "x".repeat(500)))
    })
    .await;
    let err = client(&fake).get_user("user_1").await.unwrap_err();

    let BackendError::Decode {
        snippet, status, ..
    } = &err
    else {
        panic!("expected Decode, got {err:?}");
    };
    assert_eq!(status.as_u16(), 200);
    assert!(snippet.starts_with("{\"id\": \"user_1\""));
    assert!(snippet.len() < 200);
    assert_eq!(fake.requests().len(), 1, "decode errors are not retried");
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let clerk = BackendClient::builder(SECRET)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(FAST_RETRY)
        .build()
        .unwrap();
    let err = clerk.get_user("user_1").await.unwrap_err();
    assert!(matches!(err, BackendError::Transport(_)), "{err:?}");
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn secret_key_appears_in_neither_debug_nor_errors() {
    // A misbehaving proxy that echoes the Authorization header back.
    let fake = FakeClerk::start(|r, _| {
        let echoed = r.header("authorization").unwrap_or_default().to_owned();
        if r.path().starts_with("/v1/users") {
            Reply::clerk_error(401, "authentication_invalid", &format!("bad key {echoed}"))
        } else {
            Reply::raw(200, format!("not json: {echoed}"))
        }
    })
    .await;
    let clerk = client(&fake);
    assert!(!format!("{clerk:?}").contains(SECRET));
    assert!(!format!("{:?}", builder(&fake)).contains(SECRET));

    let unauthorized = clerk.get_user("user_1").await.unwrap_err();
    let decode = clerk.get_session("sess_1").await.unwrap_err();
    assert!(matches!(decode, BackendError::Decode { .. }), "{decode:?}");
    for err in [unauthorized, decode] {
        assert!(!err.to_string().contains(SECRET), "{err}");
        assert!(!format!("{err:?}").contains(SECRET), "{err:?}");
    }
}

#[tokio::test]
async fn redirects_are_not_followed_so_the_key_stays_with_clerk() {
    let elsewhere = FakeClerk::start(|_, _| Reply::json(200, user_json())).await;
    let target = format!("{}/v1/users/user_1", elsewhere.url);
    let fake = FakeClerk::start(move |_, _| Reply::raw(307, "").header("location", &target)).await;

    let err = client(&fake).get_user("user_1").await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(307));
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test]
async fn a_caller_supplied_http_client_is_used() {
    let fake = FakeClerk::start(|_, _| Reply::json(200, user_json())).await;
    let own = reqwest::Client::builder()
        .user_agent("my-service/1.0")
        .build()
        .unwrap();
    let clerk = builder(&fake).http_client(own).build().unwrap();
    clerk.get_user("user_1").await.unwrap();
    assert_eq!(
        fake.requests()[0].header("user-agent"),
        Some("my-service/1.0")
    );
}
