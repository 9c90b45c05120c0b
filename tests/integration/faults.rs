//! Fault injection over real sockets on 127.0.0.1: a JWKS endpoint and the
//! Backend API that fail at the HTTP and at the byte level. None of it may
//! panic, turn into a wrong 200, or stop known keys from serving; everything
//! recovers once the server is healthy again.
//!
//! Time is injected (token clock fixed, JWKS cache clock advanced by hand);
//! the only real waits are the short HTTP time-outs of the hang tests.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use clerk_runtime::backend::{BackendClient, BackendError, MAX_RESPONSE_BYTES, RetryPolicy};
use clerk_runtime::layer::ClerkLayer;
use clerk_runtime::verify::keys::{CachePolicy, DEFAULT_MAX_STALE, MAX_JWKS_BYTES};
use clerk_runtime::{Auth, DevIssuer, DevSession, Verifier};
use clerk_tests::fake_clerk::session_json;
use clerk_tests::jwks_server::jwks_of;
use clerk_tests::raw_http::{Fault, RawHttpServer};
use reqwest::StatusCode;

const NOW: i64 = 1_850_000_000;
const TEN_MB: usize = 10 * 1024 * 1024;
const POLICY: CachePolicy = CachePolicy {
    ttl: Duration::from_secs(300),
    unknown_kid_cooldown: Duration::from_secs(10),
    max_stale: DEFAULT_MAX_STALE,
};
/// Short enough that the hang tests take well under a second each.
const HTTP_TIMEOUT: Duration = Duration::from_millis(400);

fn issuer(kid: &str) -> DevIssuer {
    DevIssuer::new()
        .expect("dev issuer")
        .with_kid(kid)
        .with_clock(|| NOW)
}

fn token(issuer: &DevIssuer, user: &str) -> String {
    issuer.mint(&DevSession::new(user).session_id(format!("sess_{user}")))
}

/// The JWKS cache's monotonic clock, moved by the test.
#[derive(Clone)]
struct CacheClock(Arc<Mutex<Instant>>);

impl CacheClock {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }

    fn advance(&self, secs: u64) {
        *self.0.lock().unwrap() += Duration::from_secs(secs);
    }
}

fn verifier(server: &RawHttpServer, iss: &str, clock: &CacheClock) -> Verifier {
    let clock = clock.clone();
    Verifier::builder()
        .jwks_url(format!("{}/.well-known/jwks.json", server.url()))
        .issuer(iss)
        .clock(|| NOW)
        .cache_clock(move || *clock.0.lock().unwrap())
        .cache_policy(POLICY)
        .http_timeout(HTTP_TIMEOUT)
        .build()
        .expect("verifier")
}

async fn reason(verifier: &Verifier, token: &str) -> &'static str {
    match verifier.verify(token).await {
        Ok(auth) => panic!("verified as {} under a fault", auth.user_id()),
        Err(err) => err.reason(),
    }
}

/// A cold verifier facing `fault` refuses with `expected`, then verifies
/// once the server is healthy and the cooldown has passed.
async fn signed_out_then_recovers(fault: Fault, expected: &str) {
    let key = issuer("ins_fault");
    let tok = token(&key, "user_1");
    let server = RawHttpServer::start(fault).await;
    let clock = CacheClock::new();
    let verifier = verifier(&server, key.issuer(), &clock);
    let started = Instant::now();
    assert_eq!(reason(&verifier, &tok).await, expected);
    assert!(
        started.elapsed() < HTTP_TIMEOUT * 3,
        "a fault must not hold the request: {:?}",
        started.elapsed()
    );
    server.set(Fault::Healthy(key.jwks_json()));
    clock.advance(POLICY.unknown_kid_cooldown.as_secs());
    let auth = verifier.verify(&tok).await.expect("recovered");
    assert_eq!(auth.user_id(), "user_1");
}

#[tokio::test]
async fn jwks_http_500_signs_out_and_recovers() {
    signed_out_then_recovers(
        Fault::Status(500, "oops".into()),
        "jwk-remote-failed-to-load",
    )
    .await;
}

#[tokio::test]
async fn jwks_invalid_json_is_remote_invalid_and_recovers() {
    signed_out_then_recovers(
        Fault::Healthy(r#"{"keys":[{"kty":"RSA","#.into()),
        "jwk-remote-invalid",
    )
    .await;
}

#[tokio::test]
async fn jwks_empty_key_set_fails_to_load_and_recovers() {
    signed_out_then_recovers(
        Fault::Healthy(r#"{"keys":[]}"#.into()),
        "jwk-remote-failed-to-load",
    )
    .await;
}

#[tokio::test]
async fn jwks_hang_times_out_and_recovers() {
    signed_out_then_recovers(Fault::Hang, "jwk-remote-failed-to-load").await;
}

#[tokio::test]
async fn jwks_connection_closed_mid_body_fails_and_recovers() {
    signed_out_then_recovers(
        Fault::CloseMidBody {
            declared: 4096,
            sent: 100,
        },
        "jwk-remote-failed-to-load",
    )
    .await;
}

#[tokio::test]
async fn jwks_connection_closed_before_response_fails_and_recovers() {
    signed_out_then_recovers(Fault::CloseBeforeResponse, "jwk-remote-failed-to-load").await;
}

#[tokio::test]
async fn jwks_declared_10mb_body_is_refused_by_the_size_cap_and_recovers() {
    signed_out_then_recovers(
        Fault::Large {
            len: Some(TEN_MB),
            declare: true,
        },
        "jwk-remote-invalid",
    )
    .await;
}

#[tokio::test]
async fn jwks_chunked_10mb_body_is_refused_by_the_size_cap_and_recovers() {
    signed_out_then_recovers(
        Fault::Large {
            len: Some(TEN_MB),
            declare: false,
        },
        "jwk-remote-invalid",
    )
    .await;
}

/// An endless body cannot be buffered whole: refusing it proves the cap is
/// applied while streaming, not after reading everything.
#[tokio::test]
async fn jwks_endless_body_is_cut_at_the_size_cap() {
    let key = issuer("ins_endless");
    let server = RawHttpServer::start(Fault::Large {
        len: None,
        declare: false,
    })
    .await;
    let verifier = verifier(&server, key.issuer(), &CacheClock::new());
    assert_eq!(
        reason(&verifier, &token(&key, "user_1")).await,
        "jwk-remote-invalid"
    );
    assert!(server.body_bytes_written() >= MAX_JWKS_BYTES);
}

/// Body exactly at [`MAX_JWKS_BYTES`] is read; one byte more is refused by
/// the cap (not by the JSON parser), with and without a `Content-Length`.
#[tokio::test]
async fn jwks_body_at_the_size_cap_is_accepted_one_byte_more_is_refused() {
    let key = issuer("ins_cap");
    let tok = token(&key, "user_1");
    let jwks = key.jwks_json();
    let padded = |len: usize| format!("{jwks}{}", " ".repeat(len - jwks.len()));
    type Framing = fn(String) -> Fault;
    for framing in [Fault::Healthy as Framing, Fault::Chunked as Framing] {
        let clock = CacheClock::new();
        let server = RawHttpServer::start(framing(padded(MAX_JWKS_BYTES))).await;
        let at_cap = verifier(&server, key.issuer(), &clock).verify(&tok).await;
        assert!(at_cap.is_ok(), "{at_cap:?}");
        server.set(framing(padded(MAX_JWKS_BYTES + 1)));
        let err = verifier(&server, key.issuer(), &clock)
            .verify(&tok)
            .await
            .expect_err("one byte over the cap");
        assert_eq!(err.reason(), "jwk-remote-invalid");
        assert!(err.to_string().contains("larger than"), "{err}");
    }
}

/// Once a key is known, no fault of the endpoint stops it from serving
/// (stale beyond the TTL), and an unknown kid is still refused.
#[tokio::test]
async fn known_keys_keep_serving_through_every_fault_and_new_keys_arrive_after() {
    let key = issuer("ins_known");
    let stranger = issuer("ins_stranger");
    let tok = token(&key, "user_known");
    let stranger_tok = token(&stranger, "user_stranger");
    let server = RawHttpServer::start(Fault::Healthy(key.jwks_json())).await;
    let clock = CacheClock::new();
    let verifier = verifier(&server, key.issuer(), &clock);
    verifier.verify(&tok).await.expect("warm");
    let faults = [
        Fault::Status(500, String::new()),
        Fault::Status(401, r#"{"errors":[{"code":"clerk_key_invalid"}]}"#.into()),
        Fault::Healthy("not json".into()),
        Fault::Healthy(r#"{"keys":[]}"#.into()),
        Fault::Hang,
        Fault::CloseMidBody {
            declared: 1000,
            sent: 10,
        },
        Fault::CloseBeforeResponse,
        Fault::Large {
            len: Some(TEN_MB),
            declare: false,
        },
    ];
    for fault in faults {
        let label = format!("{fault:?}");
        server.set(fault);
        clock.advance(POLICY.ttl.as_secs() + 1);
        let auth = verifier.verify(&tok).await;
        assert_eq!(
            auth.map(|a| a.user_id().to_owned()).ok().as_deref(),
            Some("user_known"),
            "{label}"
        );
        clock.advance(POLICY.unknown_kid_cooldown.as_secs());
        verifier.verify(&stranger_tok).await.expect_err(&label);
        // A fresh copy of the token (not the verified-token cache) also passes.
        let fresh = token(&key, "user_known2");
        assert!(verifier.verify(&fresh).await.is_ok(), "{label}");
    }
    server.set(Fault::Healthy(jwks_of(&[&key, &stranger])));
    clock.advance(POLICY.unknown_kid_cooldown.as_secs());
    let auth = verifier.verify(&stranger_tok).await.expect("recovered");
    assert_eq!(auth.user_id(), "user_stranger");
}

/// Clerk-style rotation (old → old+new → new) while 1,000 requests with
/// old, new, forged (old kid, other key) and unknown-kid tokens hit the
/// layer over HTTP. Forged and unknown tokens never get a 200, new tokens
/// always do, the endpoint sees single-flight fetches, and after the
/// rotation and an outage the layer serves the next key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_under_1000_concurrent_requests() {
    let old = issuer("ins_old");
    let new = issuer("ins_new");
    let forged = issuer("ins_old");
    let stranger = issuer("ins_stranger");
    let server = RawHttpServer::start(Fault::Healthy(old.jwks_json())).await;
    let clock = CacheClock::new();
    let verifier = verifier(&server, old.issuer(), &clock);
    let app = Router::new()
        .route(
            "/me",
            get(|auth: Auth| async move { auth.user_id().to_owned() }),
        )
        .layer(ClerkLayer::new(verifier.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::new();
    let get_me = |tok: String| {
        let client = client.clone();
        let url = format!("{base}/me");
        async move {
            let response = client.get(url).bearer_auth(tok).send().await.unwrap();
            let status = response.status();
            (status, response.text().await.unwrap())
        }
    };

    let tokens = [
        token(&old, "user_old"),
        token(&new, "user_new"),
        token(&forged, "user_forged"),
        token(&stranger, "user_stranger"),
    ];
    assert_eq!(get_me(tokens[0].clone()).await.0, StatusCode::OK);
    let fetches_before = server.requests();

    // Clerk publishes the new key next to the old one first.
    server.set(Fault::Healthy(jwks_of(&[&old, &new])));
    clock.advance(POLICY.unknown_kid_cooldown.as_secs());
    let mut tasks = Vec::with_capacity(1000);
    for i in 0..1000 {
        if i == 500 {
            // ...then drops the old one, mid-storm.
            server.set(Fault::Healthy(new.jwks_json()));
        }
        let kind = i % 4;
        let fut = get_me(tokens[kind].clone());
        tasks.push(tokio::spawn(async move { (kind, fut.await) }));
    }
    let mut ok = [0usize; 4];
    for task in tasks {
        let (kind, (status, body)) = task.await.expect("no request panicked");
        match kind {
            // Either set may have been fetched: old tokens pass or fail, never wrongly.
            0 if status == StatusCode::OK => assert_eq!(body, "user_old"),
            0 => assert_eq!(status, StatusCode::UNAUTHORIZED),
            1 => assert_eq!((status, body.as_str()), (StatusCode::OK, "user_new")),
            _ => assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "forged/unknown got {body}"
            ),
        }
        ok[kind] += usize::from(status == StatusCode::OK);
    }
    assert_eq!(ok[1], 250);
    assert_eq!(ok[2] + ok[3], 0);
    let storm_fetches = server.requests() - fetches_before;
    assert!(
        (1..=2).contains(&storm_fetches),
        "{storm_fetches} JWKS fetches for 1000 requests"
    );

    // After the TTL, a request that reaches the key store (a freshly minted
    // token, not one in the verified-token cache) refetches; the set no
    // longer has the old key, so the cache of verified tokens is dropped
    // and old-key tokens stop working at once.
    clock.advance(POLICY.ttl.as_secs() + 1);
    assert_eq!(get_me(token(&new, "user_new2")).await.0, StatusCode::OK);
    assert_eq!(get_me(tokens[0].clone()).await.0, StatusCode::UNAUTHORIZED);

    // An outage: the known key keeps serving (fresh tokens, so the key
    // store answers, not the cache), nothing else gets in.
    server.set(Fault::Status(503, String::new()));
    clock.advance(POLICY.ttl.as_secs() + 1);
    assert_eq!(get_me(token(&new, "user_new3")).await.0, StatusCode::OK);
    assert_eq!(get_me(tokens[1].clone()).await.0, StatusCode::OK);
    assert_eq!(get_me(tokens[2].clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get_me(tokens[3].clone()).await.0, StatusCode::UNAUTHORIZED);

    // Healthy again with the next rotation: the layer picks it up.
    let newer = issuer("ins_newer");
    server.set(Fault::Healthy(jwks_of(&[&new, &newer])));
    clock.advance(POLICY.unknown_kid_cooldown.as_secs());
    let (status, body) = get_me(token(&newer, "user_newer")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "user_newer"));
}

fn backend(server: &RawHttpServer) -> BackendClient {
    BackendClient::builder("sk_test_faults")
        .base_url(server.url())
        .timeout(HTTP_TIMEOUT)
        .retry(RetryPolicy::NONE)
        .build()
        .expect("backend client")
}

fn healthy_session() -> Fault {
    Fault::Healthy(session_json("sess_1", "user_1", "active").to_string())
}

/// The session client faces `fault`, fails with an error `check` accepts,
/// and works again once the server is healthy.
async fn backend_fails_then_recovers(fault: Fault, check: impl Fn(&BackendError) -> bool) {
    let server = RawHttpServer::start(fault).await;
    let client = backend(&server);
    let started = Instant::now();
    let err = client.get_session("sess_1").await.expect_err("a fault");
    assert!(check(&err), "unexpected error: {err:?}");
    assert!(
        started.elapsed() < HTTP_TIMEOUT * 3,
        "{:?}",
        started.elapsed()
    );
    server.set(healthy_session());
    let session = client.get_session("sess_1").await.expect("recovered");
    assert_eq!(session.id, "sess_1");
}

#[tokio::test]
async fn backend_connection_closed_mid_body_is_a_transport_error() {
    backend_fails_then_recovers(
        Fault::CloseMidBody {
            declared: 4096,
            sent: 50,
        },
        |e| matches!(e, BackendError::Transport(_)),
    )
    .await;
}

#[tokio::test]
async fn backend_connection_closed_before_response_is_a_transport_error() {
    backend_fails_then_recovers(Fault::CloseBeforeResponse, |e| {
        matches!(e, BackendError::Transport(_))
    })
    .await;
}

#[tokio::test]
async fn backend_hang_times_out() {
    backend_fails_then_recovers(Fault::Hang, |e| matches!(e, BackendError::Timeout)).await;
}

#[tokio::test]
async fn backend_declared_10mb_body_is_refused_by_the_size_cap() {
    backend_fails_then_recovers(
        Fault::Large {
            len: Some(TEN_MB),
            declare: true,
        },
        |e| matches!(e, BackendError::TooLarge { limit, .. } if *limit == MAX_RESPONSE_BYTES),
    )
    .await;
}

#[tokio::test]
async fn backend_chunked_10mb_body_is_refused_by_the_size_cap() {
    backend_fails_then_recovers(
        Fault::Large {
            len: Some(TEN_MB),
            declare: false,
        },
        |e| matches!(e, BackendError::TooLarge { .. }),
    )
    .await;
}

#[tokio::test]
async fn backend_endless_body_is_cut_at_the_size_cap() {
    backend_fails_then_recovers(
        Fault::Large {
            len: None,
            declare: false,
        },
        |e| matches!(e, BackendError::TooLarge { .. }),
    )
    .await;
}

#[tokio::test]
async fn backend_server_error_and_invalid_json_are_errors_not_panics() {
    backend_fails_then_recovers(Fault::Status(500, "<html>".into()), |e| {
        matches!(e, BackendError::Server { .. })
    })
    .await;
    backend_fails_then_recovers(Fault::Healthy("{\"object\":".into()), |e| {
        matches!(e, BackendError::Decode { .. })
    })
    .await;
}

/// A body of exactly [`MAX_RESPONSE_BYTES`] is read; one byte more is not.
#[tokio::test]
async fn backend_body_at_the_size_cap_is_read_one_byte_more_is_refused() {
    let json = session_json("sess_1", "user_1", "active").to_string();
    let padded = |len: usize| format!("{json}{}", " ".repeat(len - json.len()));
    let server = RawHttpServer::start(Fault::Healthy(padded(MAX_RESPONSE_BYTES))).await;
    let client = backend(&server);
    assert!(client.get_session("sess_1").await.is_ok());
    server.set(Fault::Healthy(padded(MAX_RESPONSE_BYTES + 1)));
    assert!(matches!(
        client.get_session("sess_1").await,
        Err(BackendError::TooLarge { .. })
    ));
}
