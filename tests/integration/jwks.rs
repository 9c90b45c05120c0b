//! Remote keys against a real JWKS server on 127.0.0.1: fetch, cache,
//! rotation, failures, single flight and the unknown-kid cooldown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use clerk_runtime::verify::keys::{CachePolicy, DEFAULT_MAX_STALE};
use clerk_runtime::{DevIssuer, DevSession, Verifier};
use clerk_tests::jwks_server::{JwksServer, VALID_SECRET, jwks_of};

const NOW: i64 = 1_700_000_000;

fn key_a() -> &'static DevIssuer {
    static K: OnceLock<DevIssuer> = OnceLock::new();
    K.get_or_init(|| DevIssuer::new().unwrap().with_kid("ins_a"))
}

fn key_b() -> &'static DevIssuer {
    static K: OnceLock<DevIssuer> = OnceLock::new();
    K.get_or_init(|| DevIssuer::new().unwrap().with_kid("ins_b"))
}

fn token(issuer: &DevIssuer, user: &str) -> String {
    issuer.mint(&DevSession::new(user).issued_at(NOW))
}

/// A settable monotonic clock for the JWKS cache.
#[derive(Clone)]
struct TestClock {
    start: Instant,
    offset_ms: Arc<AtomicU64>,
}

impl TestClock {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            offset_ms: Arc::new(AtomicU64::new(0)),
        }
    }
    fn advance(&self, d: Duration) {
        self.offset_ms
            .fetch_add(d.as_millis() as u64, Ordering::SeqCst);
    }
    fn now(&self) -> Instant {
        self.start + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

fn remote(server: &JwksServer, policy: CachePolicy, clock: &TestClock) -> Verifier {
    let clock = clock.clone();
    Verifier::builder()
        .jwks_url(server.jwks_url())
        .cache_policy(policy)
        .cache_clock(move || clock.now())
        .build()
        .unwrap()
}

const NO_COOLDOWN: CachePolicy = CachePolicy {
    ttl: Duration::from_secs(300),
    unknown_kid_cooldown: Duration::ZERO,
    max_stale: DEFAULT_MAX_STALE,
};

#[tokio::test]
async fn keys_are_fetched_once_and_then_cached() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let verifier = remote(&server, CachePolicy::default(), &TestClock::new());
    verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap();
    verifier
        .verify_at(&token(key_a(), "user_2"), NOW)
        .await
        .unwrap();
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn keys_are_refetched_after_the_ttl() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let clock = TestClock::new();
    let verifier = remote(&server, CachePolicy::default(), &clock);
    verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(300));
    verifier
        .verify_at(&token(key_a(), "user_2"), NOW)
        .await
        .unwrap();
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn backend_api_source_sends_the_secret_key() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let verifier = Verifier::builder()
        .backend_api(server.url(), VALID_SECRET)
        .build()
        .unwrap();
    assert!(
        verifier
            .verify_at(&token(key_a(), "user_1"), NOW)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn rejected_secret_key_is_secret_key_invalid() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let verifier = Verifier::builder()
        .backend_api(server.url(), "sk_test_wrong")
        .build()
        .unwrap();
    let err = verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "secret-key-invalid");
    assert!(!err.to_string().contains("sk_test_wrong"));
}

#[tokio::test]
async fn rotation_accepts_the_new_key_and_drops_the_old_one() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let verifier = remote(&server, NO_COOLDOWN, &TestClock::new());
    let old = token(key_a(), "user_1");
    // Twice: the second verification caches it.
    verifier.verify_at(&old, NOW).await.unwrap();
    verifier.verify_at(&old, NOW).await.unwrap();

    server.set_jwks(jwks_of(&[key_b()]));
    verifier
        .verify_at(&token(key_b(), "user_1"), NOW)
        .await
        .unwrap();

    // The cached verification of the old token went with the old key.
    let err = verifier.verify_at(&old, NOW).await.unwrap_err();
    assert_eq!(err.reason(), "jwk-kid-mismatch");
}

#[tokio::test]
async fn unknown_kid_is_a_kid_mismatch_until_the_key_is_published() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let clock = TestClock::new();
    let verifier = remote(&server, CachePolicy::default(), &clock);
    let new = token(key_b(), "user_1");
    let err = verifier.verify_at(&new, NOW).await.unwrap_err();
    assert_eq!(err.reason(), "jwk-kid-mismatch");

    server.set_jwks(jwks_of(&[key_a(), key_b()]));
    clock.advance(Duration::from_secs(10));
    assert!(verifier.verify_at(&new, NOW).await.is_ok());
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn cooldown_blocks_a_second_unknown_kid_refetch() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let clock = TestClock::new();
    let verifier = remote(&server, CachePolicy::default(), &clock);
    verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap();
    for user in ["u1", "u2", "u3"] {
        let err = verifier
            .verify_at(&token(key_b(), user), NOW)
            .await
            .unwrap_err();
        assert_eq!(err.reason(), "jwk-kid-mismatch");
    }
    assert_eq!(server.fetches(), 1);
    clock.advance(Duration::from_secs(10));
    let _ = verifier.verify_at(&token(key_b(), "u4"), NOW).await;
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn concurrent_unknown_kid_verifications_cause_one_fetch() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    server.set_delay(Duration::from_millis(50));
    // No cooldown: only the single-flight lock prevents extra fetches.
    let verifier = remote(&server, NO_COOLDOWN, &TestClock::new());
    let token = token(key_b(), "user_1");
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let verifier = verifier.clone();
            let token = token.clone();
            tokio::spawn(async move { verifier.verify_at(&token, NOW).await })
        })
        .collect();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.reason(), "jwk-kid-mismatch");
    }
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn cached_keys_keep_working_when_the_server_goes_down() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let clock = TestClock::new();
    let verifier = remote(&server, CachePolicy::default(), &clock);
    verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap();

    server.fail_with(Some(StatusCode::SERVICE_UNAVAILABLE));
    clock.advance(Duration::from_secs(301)); // stale: a refresh is attempted
    verifier
        .verify_at(&token(key_a(), "user_2"), NOW)
        .await
        .unwrap();
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn cached_keys_stop_verifying_past_the_stale_limit() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let clock = TestClock::new();
    let policy = CachePolicy {
        max_stale: Duration::from_secs(3600),
        ..CachePolicy::default()
    };
    let verifier = remote(&server, policy, &clock);
    verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap();

    server.fail_with(Some(StatusCode::SERVICE_UNAVAILABLE));
    clock.advance(Duration::from_secs(3599)); // stale, still within the limit
    verifier
        .verify_at(&token(key_a(), "user_2"), NOW)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(2)); // past the limit
    let err = verifier
        .verify_at(&token(key_a(), "user_3"), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
    assert!(err.is_unavailable());

    server.fail_with(None); // Clerk is back: keys load again after the cooldown
    clock.advance(Duration::from_secs(11));
    verifier
        .verify_at(&token(key_a(), "user_4"), NOW)
        .await
        .unwrap();
}

#[test]
fn default_stale_limit_is_a_day() {
    assert_eq!(
        CachePolicy::default().max_stale,
        Duration::from_secs(24 * 3600)
    );
}

#[tokio::test]
async fn failing_first_fetch_is_remote_failed_to_load() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    server.fail_with(Some(StatusCode::INTERNAL_SERVER_ERROR));
    let verifier = remote(&server, CachePolicy::default(), &TestClock::new());
    let err = verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
}

#[tokio::test]
async fn failed_first_fetch_is_not_retried_within_the_cooldown() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    server.fail_with(Some(StatusCode::INTERNAL_SERVER_ERROR));
    let verifier = remote(&server, CachePolicy::default(), &TestClock::new());
    for user in ["u1", "u2"] {
        let err = verifier
            .verify_at(&token(key_a(), user), NOW)
            .await
            .unwrap_err();
        assert_eq!(err.reason(), "jwk-remote-failed-to-load");
    }
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn empty_key_set_is_remote_failed_to_load() {
    let server = JwksServer::start(r#"{"keys":[]}"#.into()).await;
    let verifier = remote(&server, CachePolicy::default(), &TestClock::new());
    let err = verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
}

#[tokio::test]
async fn oversized_jwks_body_is_remote_invalid() {
    let padding = "x".repeat(1024 * 1024 + 1);
    let server = JwksServer::start(format!(r#"{{"keys":[],"pad":"{padding}"}}"#)).await;
    let verifier = remote(&server, CachePolicy::default(), &TestClock::new());
    let err = verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-invalid");
}

#[tokio::test]
async fn slow_server_times_out() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    server.set_delay(Duration::from_secs(5));
    let verifier = Verifier::builder()
        .jwks_url(server.jwks_url())
        .http_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn user_supplied_http_client_is_used_with_the_timeout() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    server.set_delay(Duration::from_secs(5));
    let verifier = Verifier::builder()
        .jwks_url(server.jwks_url())
        .http_client(reqwest::Client::new())
        .http_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn stale_key_is_served_without_waiting_for_an_inflight_refresh() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let clock = TestClock::new();
    let verifier = Verifier::builder()
        .jwks_url(server.jwks_url())
        .http_timeout(Duration::from_secs(3))
        .cache_clock({
            let clock = clock.clone();
            move || clock.now()
        })
        .build()
        .unwrap();
    verifier
        .verify_at(&token(key_a(), "user_1"), NOW)
        .await
        .unwrap();

    server.set_delay(Duration::from_secs(3));
    clock.advance(Duration::from_secs(301));
    let refreshing = tokio::spawn({
        let verifier = verifier.clone();
        let token = token(key_a(), "user_2");
        async move { verifier.verify_at(&token, NOW).await }
    });
    while server.fetches() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    verifier
        .verify_at(&token(key_a(), "user_3"), NOW)
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    refreshing.abort();
}

#[test]
fn jwks_url_must_be_absolute_http() {
    let err = Verifier::from_jwks_url("clerk.example.com/jwks").unwrap_err();
    assert!(err.to_string().contains("jwks_url"), "{err}");
}

#[tokio::test]
async fn config_with_secret_key_verifies_through_the_backend_api() {
    let server = JwksServer::start(jwks_of(&[key_a()])).await;
    let url = server.url().to_owned();
    let config = clerk_runtime::ClerkConfig::from_lookup(|name| match name {
        "CLERK_SECRET_KEY" => Some(VALID_SECRET.into()),
        "CLERK_API_URL" => Some(url.clone()),
        _ => None,
    })
    .unwrap();
    let verifier = config.verifier().unwrap();
    assert!(
        verifier
            .verify_at(&token(key_a(), "user_1"), NOW)
            .await
            .is_ok()
    );
    assert_eq!(server.fetches(), 1);
}

#[test]
fn debug_output_never_shows_the_secret_key() {
    let source = clerk_runtime::verify::keys::JwksSource::BackendApi {
        api_url: "https://api.clerk.com".into(),
        secret_key: "sk_live_topsecret".into(),
    };
    let verifier = Verifier::builder()
        .jwks_source(source.clone())
        .build()
        .unwrap();
    assert!(!format!("{source:?}").contains("topsecret"));
    assert!(!format!("{verifier:?}").contains("topsecret"));
}
