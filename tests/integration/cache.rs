//! The verified-token cache is never a way around verification: expired
//! tokens fall out, revoked sessions are refused at once, and only the exact
//! verified text can hit an entry.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clerk_runtime::backend::{BackendClient, RetryPolicy};
use clerk_runtime::{Auth, DevIssuer, DevSession, Verifier};
use clerk_tests::fake_clerk::{FakeClerk, Reply, session_json};

const NOW: i64 = 1_700_000_000;

fn issuer() -> &'static DevIssuer {
    static ISSUER: OnceLock<DevIssuer> = OnceLock::new();
    ISSUER.get_or_init(|| DevIssuer::new().unwrap())
}

/// A verifier whose clock the test moves.
fn verifier_with_clock() -> (Verifier, Arc<AtomicI64>) {
    let clock = Arc::new(AtomicI64::new(NOW));
    let now = clock.clone();
    let verifier = Verifier::builder()
        .pem(issuer().public_key_pem())
        .clock(move || now.load(Ordering::SeqCst))
        .build()
        .unwrap();
    (verifier, clock)
}

fn session(sid: &str) -> DevSession {
    DevSession::new("user_1").session_id(sid).issued_at(NOW)
}

/// Verifies `token` until the cache holds it (a token is cached on its
/// second verification) and checks that the cache answers.
async fn cached(verifier: &Verifier, token: &str) -> Auth {
    let first = verifier.verify(token).await.unwrap();
    let second = verifier.verify(token).await.unwrap();
    let third = verifier.verify(token).await.unwrap();
    assert!(
        !Auth::ptr_eq(&first, &second),
        "cached on its first sighting"
    );
    assert!(Auth::ptr_eq(&second, &third), "not served from the cache");
    third
}

async fn reason(verifier: &Verifier, token: &str) -> &'static str {
    verifier.verify(token).await.unwrap_err().reason()
}

#[tokio::test]
async fn cached_token_falls_out_once_the_clock_passes_exp_and_skew() {
    let (verifier, clock) = verifier_with_clock();
    let token = issuer().mint(&session("sess_1")); // exp = NOW + 60, skew 5 s
    cached(&verifier, &token).await;

    clock.store(NOW + 64, Ordering::SeqCst);
    assert!(verifier.verify(&token).await.is_ok());
    clock.store(NOW + 65, Ordering::SeqCst);
    assert_eq!(reason(&verifier, &token).await, "token-expired");
}

#[tokio::test]
async fn cached_token_is_not_served_before_it_is_valid() {
    // A clock that steps back (NTP) must not make the cache vouch for a
    // token the pipeline would call not yet active.
    let (verifier, clock) = verifier_with_clock();
    let token = issuer().mint(&session("sess_1")); // nbf = NOW - 5, iat = NOW
    cached(&verifier, &token).await;

    clock.store(NOW - 20, Ordering::SeqCst);
    assert!(verifier.verify(&token).await.is_err());
}

#[tokio::test]
async fn revoked_session_is_rejected_at_once_even_when_cached() {
    let (verifier, _) = verifier_with_clock();
    let token = issuer().mint(&session("sess_1"));
    cached(&verifier, &token).await;

    verifier.revoke_session("sess_1");

    assert_eq!(reason(&verifier, &token).await, "session-revoked");
}

#[tokio::test]
async fn revoked_session_rejects_its_tokens_never_seen_before() {
    let (verifier, _) = verifier_with_clock();
    verifier.revoke_session("sess_1");

    let token = issuer().mint(&session("sess_1"));
    assert_eq!(reason(&verifier, &token).await, "session-revoked");
}

#[tokio::test]
async fn revoking_one_session_leaves_other_sessions_cached() {
    let (verifier, _) = verifier_with_clock();
    let other = issuer().mint(&session("sess_2"));
    let before = cached(&verifier, &other).await;

    verifier.revoke_session("sess_1");

    let after = verifier.verify(&other).await.unwrap();
    assert!(Auth::ptr_eq(&before, &after), "still served from the cache");
}

#[tokio::test]
async fn revocation_is_forgotten_after_its_tokens_can_no_longer_be_valid() {
    let (verifier, clock) = verifier_with_clock();
    verifier.revoke_session("sess_1");

    let later =
        NOW + i64::try_from(clerk_runtime::verify::REVOKED_SESSION_MEMORY.as_secs()).unwrap() + 1;
    clock.store(later, Ordering::SeqCst);
    let token = issuer().mint(&session("sess_1").issued_at(later));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn revoking_through_the_backend_client_rejects_the_session_at_once() {
    let fake = FakeClerk::start(|r, _| {
        let id = r.path().split('/').nth(3).unwrap_or_default().to_owned();
        Reply::json(200, session_json(&id, "user_1", "revoked"))
    })
    .await;
    let (verifier, _) = verifier_with_clock();
    let hook = verifier.clone();
    let clerk = BackendClient::builder("sk_test_cache")
        .base_url(&fake.url)
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        })
        .on_session_revoked(move |sid| hook.revoke_session(sid))
        .build()
        .unwrap();
    let token = issuer().mint(&session("sess_9"));
    cached(&verifier, &token).await;

    clerk.revoke_session("sess_9").await.unwrap();

    assert_eq!(reason(&verifier, &token).await, "session-revoked");
}

/// `token` with the middle base64url character of part `part` changed.
fn tamper(token: &str, part: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut chars: Vec<char> = parts[part].chars().collect();
    let mid = chars.len() / 2;
    chars[mid] = if chars[mid] == 'A' { 'B' } else { 'A' };
    parts[part] = chars.into_iter().collect();
    parts.join(".")
}

#[tokio::test]
async fn tampered_signature_of_a_cached_token_is_rejected() {
    let (verifier, _) = verifier_with_clock();
    let token = issuer().mint(&session("sess_1"));
    cached(&verifier, &token).await;

    let forged = tamper(&token, 2);
    assert_eq!(reason(&verifier, &forged).await, "token-invalid-signature");
}

#[tokio::test]
async fn tampered_payload_of_a_cached_token_is_rejected() {
    let (verifier, _) = verifier_with_clock();
    let token = issuer().mint(&session("sess_1"));
    cached(&verifier, &token).await;

    // A real edit of the claims, re-encoded, keeping the cached signature.
    let mut parts: Vec<&str> = token.split('.').collect();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let edited = URL_SAFE_NO_PAD.encode(payload.replace("user_1", "user_2"));
    parts[1] = &edited;
    let forged = parts.join(".");

    assert_eq!(reason(&verifier, &forged).await, "token-invalid-signature");
    assert_eq!(reason(&verifier, &forged).await, "token-invalid-signature");
}

#[tokio::test]
async fn cached_token_with_extra_characters_is_not_a_hit() {
    let (verifier, _) = verifier_with_clock();
    let token = issuer().mint(&session("sess_1"));
    cached(&verifier, &token).await;

    for forged in [
        format!("{token}A"),
        format!("{token}."),
        format!(" {token}"),
    ] {
        assert!(verifier.verify(&forged).await.is_err(), "{forged:.12}...");
    }
}

#[tokio::test]
async fn tampered_token_is_not_cached_after_failing() {
    let (verifier, _) = verifier_with_clock();
    let token = issuer().mint(&session("sess_1"));
    let forged = tamper(&token, 2);

    assert!(verifier.verify(&forged).await.is_err());
    assert!(verifier.verify(&forged).await.is_err());
    assert!(verifier.verify(&token).await.is_ok());
}

/// Typed claims: a `Clone` type is decoded once per verified token and kept
/// with it, so a cached token's later requests clone it (issue 19).
mod typed_claims {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use clerk_runtime::{ClaimError, ClaimSet, Claims, FromClaims};
    use serde_json::json;

    use super::{cached, issuer, session, verifier_with_clock};

    /// A `FromClaims` type that counts its decodes in `COUNT`.
    macro_rules! counted {
        ($name:ident, $count:ident) => {
            static $count: AtomicUsize = AtomicUsize::new(0);
            #[derive(Clone, Debug, PartialEq)]
            struct $name(Option<String>);
            impl FromClaims for $name {
                fn from_claims(claims: &ClaimSet) -> Result<Self, ClaimError> {
                    $count.fetch_add(1, Ordering::SeqCst);
                    claims.optional("tenant").map($name)
                }
            }
        };
    }

    async fn cached_auth(sid: &str) -> clerk_runtime::Auth {
        let (verifier, _clock) = verifier_with_clock();
        let token = issuer().mint(&session(sid).custom_claims(json!({"tenant": "acme"})));
        cached(&verifier, &token).await
    }

    #[tokio::test]
    async fn claims_as_decodes_once_for_every_handle_of_a_cached_token() {
        counted!(Tenant, DECODES);
        let (verifier, _clock) = verifier_with_clock();
        let token =
            issuer().mint(&session("sess_typed_1").custom_claims(json!({"tenant": "acme"})));
        let auth = cached(&verifier, &token).await;
        let again = verifier.verify(&token).await.unwrap();
        assert_eq!(auth.claims_as::<Tenant>(), Ok(Tenant(Some("acme".into()))));
        assert_eq!(again.claims_as::<Tenant>(), Ok(Tenant(Some("acme".into()))));
        assert_eq!(DECODES.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn claims_as_keeps_a_failed_decode_too() {
        static DECODES: AtomicUsize = AtomicUsize::new(0);
        #[derive(Clone, Debug)]
        struct Number(#[allow(dead_code)] i64);
        impl FromClaims for Number {
            fn from_claims(claims: &ClaimSet) -> Result<Self, ClaimError> {
                DECODES.fetch_add(1, Ordering::SeqCst);
                claims.required("tenant").map(Number)
            }
        }
        let auth = cached_auth("sess_typed_2").await;
        for _ in 0..2 {
            let error = auth.claims_as::<Number>().unwrap_err();
            assert_eq!(error.reason(), "invalid_claim");
        }
        assert_eq!(DECODES.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn only_the_first_type_is_kept() {
        counted!(First, FIRST);
        counted!(Second, SECOND);
        let auth = cached_auth("sess_typed_3").await;
        for _ in 0..3 {
            assert_eq!(auth.claims_as::<First>(), Ok(First(Some("acme".into()))));
            assert_eq!(auth.claims_as::<Second>(), Ok(Second(Some("acme".into()))));
        }
        assert_eq!(FIRST.load(Ordering::SeqCst), 1);
        assert_eq!(
            SECOND.load(Ordering::SeqCst),
            3,
            "a second type is decoded each call"
        );
    }

    /// The derive reads a `Clone` type through `claims_as` (it takes the
    /// token's one slot) and any other type afresh (the slot stays free).
    #[tokio::test]
    async fn derived_claims_are_kept_only_when_the_type_is_clone() {
        #[derive(Claims, Clone, Debug)]
        struct Kept {
            tenant: String,
        }
        #[derive(Claims, Debug)]
        struct Fresh {
            tenant: String,
        }
        counted!(Probe, PROBES);
        counted!(Other, OTHERS);

        assert!(Kept::kept_with_token() && !Fresh::kept_with_token());
        assert!(!Probe::kept_with_token(), "a hand-written impl is not kept");

        let auth = cached_auth("sess_typed_4").await;
        assert_eq!(Kept::from_session(&auth).unwrap().tenant, "acme");
        auth.claims_as::<Probe>().unwrap();
        auth.claims_as::<Probe>().unwrap();
        assert_eq!(PROBES.load(Ordering::SeqCst), 2, "`Kept` holds the slot");

        let auth = cached_auth("sess_typed_5").await;
        assert_eq!(Fresh::from_session(&auth).unwrap().tenant, "acme");
        auth.claims_as::<Other>().unwrap();
        auth.claims_as::<Other>().unwrap();
        assert_eq!(
            OTHERS.load(Ordering::SeqCst),
            1,
            "`Fresh` left the slot free"
        );
    }
}
