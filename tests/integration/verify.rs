//! The verification pipeline: one test per rule and reason (semantics §3).

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk_runtime::{Auth, ClerkConfig, DevIssuer, DevSession, TokenKind, Verifier};
use clerk_tests::jwks_server::{JwksServer, jwks_of};
use serde_json::{Value, json};

const NOW: i64 = 1_700_000_000;

fn issuer() -> &'static DevIssuer {
    static ISSUER: OnceLock<DevIssuer> = OnceLock::new();
    ISSUER.get_or_init(|| {
        DevIssuer::new()
            .unwrap()
            .with_issuer("https://clerk.example.com")
    })
}

fn other_issuer() -> &'static DevIssuer {
    static ISSUER: OnceLock<DevIssuer> = OnceLock::new();
    ISSUER.get_or_init(|| {
        DevIssuer::new()
            .unwrap()
            .with_issuer("https://clerk.example.com")
    })
}

fn verifier() -> Verifier {
    Verifier::builder()
        .pem(issuer().public_key_pem())
        .build()
        .unwrap()
}

fn session() -> DevSession {
    DevSession::new("user_1")
        .session_id("sess_1")
        .issued_at(NOW)
}

fn header() -> String {
    json!({"alg": "RS256", "kid": issuer().kid(), "typ": "JWT"}).to_string()
}

/// Valid session claims at NOW, to be edited per test.
fn claims() -> serde_json::Map<String, Value> {
    let Value::Object(map) = json!({
        "sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.com",
        "iat": NOW, "nbf": NOW - 5, "exp": NOW + 60, "v": 2, "sts": "active",
    }) else {
        unreachable!()
    };
    map
}

fn raw(claims: serde_json::Map<String, Value>) -> String {
    issuer().mint_raw(&header(), &Value::Object(claims).to_string())
}

async fn reason(verifier: &Verifier, token: &str, now: i64) -> &'static str {
    verifier.verify_at(token, now).await.unwrap_err().reason()
}

#[tokio::test]
async fn valid_session_token_verifies() {
    let auth = verifier()
        .verify_at(&issuer().mint(&session()), NOW)
        .await
        .unwrap();
    assert_eq!(auth.user_id(), "user_1");
    assert_eq!(auth.session_id(), Some("sess_1"));
}

#[tokio::test]
async fn verify_uses_the_configured_clock() {
    let verifier = Verifier::builder()
        .pem(issuer().public_key_pem())
        .clock(|| NOW + 1000)
        .build()
        .unwrap();
    let err = verifier
        .verify(&issuer().mint(&session()))
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "token-expired");
}

#[tokio::test]
async fn pem_verifier_ignores_the_kid() {
    let header = json!({"alg": "RS256", "kid": "ins_somebody_else", "typ": "JWT"}).to_string();
    let token = issuer().mint_raw(&header, &Value::Object(claims()).to_string());
    assert!(verifier().verify_at(&token, NOW).await.is_ok());
}

#[tokio::test]
async fn alg_none_is_rejected_before_any_key_is_fetched() {
    let server = JwksServer::start(jwks_of(&[issuer()])).await;
    let verifier = Verifier::from_jwks_url(&server.jwks_url()).unwrap();
    let header = json!({"alg": "none", "kid": issuer().kid()}).to_string();
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(Value::Object(claims()).to_string()),
        URL_SAFE_NO_PAD.encode("x")
    );
    assert_eq!(
        reason(&verifier, &token, NOW).await,
        "token-invalid-algorithm"
    );
    assert_eq!(server.fetches(), 0);
}

#[tokio::test]
async fn hs256_is_rejected_before_any_key_is_fetched() {
    let server = JwksServer::start(jwks_of(&[issuer()])).await;
    let verifier = Verifier::from_jwks_url(&server.jwks_url()).unwrap();
    let header = json!({"alg": "HS256", "kid": issuer().kid(), "typ": "JWT"}).to_string();
    let token = issuer().mint_raw(&header, &Value::Object(claims()).to_string());
    assert_eq!(
        reason(&verifier, &token, NOW).await,
        "token-invalid-algorithm"
    );
    assert_eq!(server.fetches(), 0);
}

#[tokio::test]
async fn token_signed_by_another_key_has_invalid_signature() {
    let token = other_issuer().mint(&session());
    assert_eq!(
        reason(&verifier(), &token, NOW).await,
        "token-invalid-signature"
    );
}

#[tokio::test]
async fn tampered_payload_has_invalid_signature() {
    let token = issuer().mint(&session());
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged = claims();
    forged.insert("sub".into(), json!("user_admin"));
    let payload = URL_SAFE_NO_PAD.encode(Value::Object(forged).to_string());
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    assert_eq!(
        reason(&verifier(), &tampered, NOW).await,
        "token-invalid-signature"
    );
}

#[tokio::test]
async fn key_below_2048_bits_fails_verification() {
    // A 1024-bit modulus (odd, top bit set): imports, but RS256 needs >= 2048.
    let mut n = vec![0xC3u8; 128];
    n[127] = 0x01;
    let jwks = json!({"keys": [{"kty": "RSA", "kid": "weak", "n": URL_SAFE_NO_PAD.encode(&n), "e": "AQAB"}]});
    let server = JwksServer::start(jwks.to_string()).await;
    let verifier = Verifier::from_jwks_url(&server.jwks_url()).unwrap();
    let header = json!({"alg": "RS256", "kid": "weak", "typ": "JWT"}).to_string();
    let token = issuer().mint_raw(&header, &Value::Object(claims()).to_string());
    assert_eq!(
        reason(&verifier, &token, NOW).await,
        "token-verification-failed"
    );
}

#[tokio::test]
async fn token_expires_at_exp_plus_skew() {
    let token = issuer().mint(&session()); // exp = NOW + 60
    assert!(verifier().verify_at(&token, NOW + 64).await.is_ok());
    assert_eq!(reason(&verifier(), &token, NOW + 65).await, "token-expired");
}

#[tokio::test]
async fn cached_token_is_not_served_past_exp() {
    let verifier = verifier();
    let token = issuer().mint(&session());
    // Twice: the second verification caches it.
    verifier.verify_at(&token, NOW).await.unwrap();
    verifier.verify_at(&token, NOW).await.unwrap();
    assert_eq!(reason(&verifier, &token, NOW + 65).await, "token-expired");
}

#[tokio::test]
async fn clock_skew_is_configurable() {
    let verifier = Verifier::builder()
        .pem(issuer().public_key_pem())
        .clock_skew(Duration::ZERO)
        .build()
        .unwrap();
    let token = issuer().mint(&session());
    assert_eq!(reason(&verifier, &token, NOW + 60).await, "token-expired");
}

#[tokio::test]
async fn nbf_beyond_skew_is_not_active_yet() {
    let mut c = claims();
    c.insert("nbf".into(), json!(NOW + 6));
    c.remove("iat");
    assert_eq!(
        reason(&verifier(), &raw(c.clone()), NOW).await,
        "token-not-active-yet"
    );
    c.insert("nbf".into(), json!(NOW + 5));
    assert!(verifier().verify_at(&raw(c), NOW).await.is_ok());
}

#[tokio::test]
async fn iat_beyond_skew_is_in_the_future() {
    let mut c = claims();
    c.remove("nbf");
    c.insert("iat".into(), json!(NOW + 6));
    assert_eq!(
        reason(&verifier(), &raw(c.clone()), NOW).await,
        "token-iat-in-the-future"
    );
    c.insert("iat".into(), json!(NOW + 5));
    assert!(verifier().verify_at(&raw(c), NOW).await.is_ok());
}

#[tokio::test]
async fn missing_exp_is_invalid() {
    let mut c = claims();
    c.remove("exp");
    assert_eq!(reason(&verifier(), &raw(c), NOW).await, "token-invalid");
}

#[tokio::test]
async fn non_numeric_exp_is_invalid() {
    let mut c = claims();
    c.insert("exp".into(), json!("tomorrow"));
    assert_eq!(reason(&verifier(), &raw(c), NOW).await, "token-invalid");
}

#[tokio::test]
async fn non_string_sub_is_token_verification_failed_as_in_clerk() {
    let mut c = claims();
    c.insert("sub".into(), json!(42));
    assert_eq!(
        reason(&verifier(), &raw(c), NOW).await,
        "token-verification-failed"
    );
}

fn azp_verifier() -> Verifier {
    Verifier::builder()
        .pem(issuer().public_key_pem())
        .authorized_parties(["https://app.example.com"])
        .build()
        .unwrap()
}

#[tokio::test]
async fn azp_in_authorized_parties_passes() {
    let token = issuer().mint(&session().azp("https://app.example.com"));
    assert!(azp_verifier().verify_at(&token, NOW).await.is_ok());
}

#[tokio::test]
async fn azp_outside_authorized_parties_is_rejected() {
    let token = issuer().mint(&session().azp("https://evil.example.com"));
    assert_eq!(
        reason(&azp_verifier(), &token, NOW).await,
        "token-invalid-authorized-parties"
    );
}

#[tokio::test]
async fn missing_azp_is_rejected_when_parties_are_configured() {
    let token = issuer().mint(&session());
    assert_eq!(
        reason(&azp_verifier(), &token, NOW).await,
        "token-invalid-authorized-parties"
    );
}

#[tokio::test]
async fn azp_is_not_enforced_without_configured_parties() {
    let token = issuer().mint(&session().azp("https://anything.example.com"));
    assert!(verifier().verify_at(&token, NOW).await.is_ok());
}

#[tokio::test]
async fn wrong_issuer_is_rejected() {
    let verifier = Verifier::builder()
        .pem(issuer().public_key_pem())
        .issuer("https://clerk.other.com")
        .build()
        .unwrap();
    assert_eq!(
        reason(&verifier, &issuer().mint(&session()), NOW).await,
        "token-invalid-issuer"
    );
}

#[tokio::test]
async fn issuer_is_derived_from_the_publishable_key() {
    let pk = |host: &str| format!("pk_live_{}", STANDARD.encode(format!("{host}$")));
    let config = |host: &str| {
        ClerkConfig::builder()
            .jwt_key(issuer().public_key_pem())
            .publishable_key(pk(host))
            .build()
            .unwrap()
    };
    let token = issuer().mint(&session());
    let right = config("clerk.example.com").verifier().unwrap();
    assert!(right.verify_at(&token, NOW).await.is_ok());
    let wrong = config("clerk.other.com").verifier().unwrap();
    assert_eq!(reason(&wrong, &token, NOW).await, "token-invalid-issuer");
}

#[tokio::test]
async fn oversized_token_is_rejected_as_too_large() {
    let token = format!("{}.{}.{}", "a".repeat(9000), "b".repeat(9000), "c");
    assert_eq!(reason(&verifier(), &token, NOW).await, "token-too-large");
}

#[tokio::test]
async fn token_with_two_parts_is_invalid() {
    let token = issuer().mint(&session());
    let two = token.rsplit_once('.').unwrap().0;
    assert_eq!(reason(&verifier(), two, NOW).await, "token-invalid");
}

#[tokio::test]
async fn token_with_four_parts_is_invalid() {
    let token = format!("{}.x", issuer().mint(&session()));
    assert_eq!(reason(&verifier(), &token, NOW).await, "token-invalid");
}

#[tokio::test]
async fn non_json_payload_is_invalid() {
    let token = issuer().mint_raw(&header(), "not json");
    assert_eq!(reason(&verifier(), &token, NOW).await, "token-invalid");
}

#[tokio::test]
async fn typ_other_than_jwt_is_invalid() {
    let header = json!({"alg": "RS256", "typ": "JWS"}).to_string();
    let token = issuer().mint_raw(&header, &Value::Object(claims()).to_string());
    assert_eq!(reason(&verifier(), &token, NOW).await, "token-invalid");
}

#[tokio::test]
async fn oauth_access_token_is_a_type_mismatch() {
    let header = json!({"alg": "RS256", "typ": "at+jwt"}).to_string();
    let token = issuer().mint_raw(&header, &Value::Object(claims()).to_string());
    assert_eq!(
        reason(&verifier(), &token, NOW).await,
        "token-type-mismatch"
    );
}

#[tokio::test]
async fn machine_subject_is_a_type_mismatch() {
    let mut c = claims();
    c.insert("sub".into(), json!("mch_123"));
    assert_eq!(
        reason(&verifier(), &raw(c), NOW).await,
        "token-type-mismatch"
    );
}

/// `claims` (a session's, with `sid`) signed by the instance key under a
/// header carrying `cat` (none when `None`).
fn with_category(cat: Option<&str>) -> String {
    let mut header = json!({"alg": "RS256", "kid": issuer().kid(), "typ": "JWT"});
    if let Some(cat) = cat {
        header["cat"] = json!(cat);
    }
    issuer().mint_raw(&header.to_string(), &Value::Object(claims()).to_string())
}

#[tokio::test]
async fn session_category_verifies_as_a_session() {
    let auth = verifier()
        .verify_at(&with_category(Some("cl_B7d4PD111AAA")), NOW)
        .await
        .unwrap();
    assert_eq!(auth.session_id(), Some("sess_1"));
}

#[tokio::test]
async fn ignore_category_and_no_category_verify_as_a_session() {
    for cat in [Some("cl_I7d4PD111III"), None] {
        let token = with_category(cat);
        assert!(verifier().verify_at(&token, NOW).await.is_ok(), "{cat:?}");
    }
}

#[tokio::test]
async fn template_category_with_a_sid_is_a_type_mismatch() {
    let token = with_category(Some("cl_B7d4PD222AAA"));
    assert_eq!(
        reason(&verifier(), &token, NOW).await,
        "token-type-mismatch"
    );
}

#[tokio::test]
async fn m2m_category_with_a_sid_is_a_type_mismatch() {
    let token = with_category(Some("cl_B7d4PD333AAA"));
    assert_eq!(
        reason(&verifier(), &token, NOW).await,
        "token-type-mismatch"
    );
}

#[tokio::test]
async fn unknown_category_is_a_type_mismatch() {
    for cat in ["cl_m2m_token", "cl_B7d4PD444AAA", "session"] {
        let token = with_category(Some(cat));
        assert_eq!(
            reason(&verifier(), &token, NOW).await,
            "token-type-mismatch",
            "{cat}"
        );
    }
}

fn template_verifier() -> Verifier {
    Verifier::builder()
        .pem(issuer().public_key_pem())
        .kind(TokenKind::Template)
        .build()
        .unwrap()
}

#[tokio::test]
async fn template_verifier_accepts_template_and_unmarked_tokens() {
    for cat in [Some("cl_B7d4PD222AAA"), Some("cl_I7d4PD111III"), None] {
        let token = with_category(cat);
        assert!(
            template_verifier().verify_at(&token, NOW).await.is_ok(),
            "{cat:?}"
        );
    }
}

#[tokio::test]
async fn template_verifier_refuses_session_m2m_and_unknown_categories() {
    for cat in ["cl_B7d4PD111AAA", "cl_B7d4PD333AAA", "cl_B7d4PD444AAA"] {
        let token = with_category(Some(cat));
        assert_eq!(
            reason(&template_verifier(), &token, NOW).await,
            "token-type-mismatch",
            "{cat}"
        );
    }
}

#[tokio::test]
async fn dev_issuer_stamps_clerks_category_codes() {
    let iss = DevIssuer::clone(issuer()).with_clock(|| NOW);
    let cat = |token: &str| -> Value {
        let head = token.split('.').next().unwrap();
        serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(head).unwrap()).unwrap()["cat"]
            .clone()
    };
    assert_eq!(cat(&iss.mint(&session())), "cl_B7d4PD111AAA");
    assert_eq!(cat(&iss.mint_v1(&session())), "cl_B7d4PD111AAA");
    let template = iss.mint_template("t", json!({}), Duration::from_secs(60));
    assert_eq!(cat(&template), "cl_B7d4PD222AAA");
}

fn template(aud: &str) -> String {
    let iss = DevIssuer::clone(issuer()).with_clock(|| NOW);
    iss.mint_template(
        "backend",
        json!({"sub": "user_1", "aud": aud}),
        Duration::from_secs(60),
    )
}

#[tokio::test]
async fn template_token_is_rejected_where_a_session_token_is_expected() {
    assert_eq!(
        reason(&verifier(), &template("api"), NOW).await,
        "token-type-mismatch"
    );
}

#[tokio::test]
async fn template_token_with_matching_audience_is_accepted_when_configured() {
    let verifier = Verifier::builder()
        .pem(issuer().public_key_pem())
        .kind(TokenKind::Template)
        .audience(["api"])
        .build()
        .unwrap();
    let auth = verifier.verify_at(&template("api"), NOW).await.unwrap();
    assert_eq!(auth.user_id(), "user_1");
    assert_eq!(auth.session_id(), None);
}

#[tokio::test]
async fn template_token_with_other_audience_is_rejected() {
    let verifier = Verifier::builder()
        .pem(issuer().public_key_pem())
        .kind(TokenKind::Template)
        .audience(["api"])
        .build()
        .unwrap();
    assert_eq!(
        reason(&verifier, &template("other"), NOW).await,
        "token-invalid-audience"
    );
}

#[tokio::test]
async fn pending_session_is_verified_and_keeps_its_status() {
    let token = issuer().mint(&session().status("pending"));
    let auth = verifier().verify_at(&token, NOW).await.unwrap();
    assert!(auth.is_pending());
}

#[tokio::test]
async fn token_is_served_from_the_cache_after_its_second_verification() {
    let verifier = verifier();
    let token = issuer().mint(&session());
    let first = verifier.verify_at(&token, NOW).await.unwrap();
    let second = verifier.verify_at(&token, NOW + 1).await.unwrap();
    let third = verifier.verify_at(&token, NOW + 2).await.unwrap();
    // The first verification only notes the token; the second caches it.
    assert!(!Auth::ptr_eq(&first, &second));
    assert!(Auth::ptr_eq(&second, &third));
}

#[tokio::test]
async fn revoked_session_is_refused_at_once_even_when_cached() {
    let verifier = Verifier::builder()
        .pem(issuer().public_key_pem())
        .clock(|| NOW)
        .build()
        .unwrap();
    let token = issuer().mint(&session());
    let other = issuer().mint(&session().session_id("sess_2"));
    // Twice: the second verification caches it.
    verifier.verify_at(&token, NOW).await.unwrap();
    verifier.verify_at(&token, NOW).await.unwrap();
    verifier.revoke_session("sess_1");
    let err = verifier.verify_at(&token, NOW).await.unwrap_err();
    assert_eq!(err.reason(), "session-revoked");
    assert!(verifier.verify_at(&other, NOW).await.is_ok());
}

#[test]
fn config_reads_variables_through_the_lookup() {
    let pem = issuer().public_key_pem();
    let config = ClerkConfig::from_lookup(|name| match name {
        "CLERK_JWT_KEY" => Some(pem.clone()),
        "CLERK_SECRET_KEY" => Some("sk_test_secret".into()),
        "CLERK_AUTHORIZED_PARTIES" => Some("https://a.example.com, https://b.example.com".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(
        config.authorized_parties(),
        ["https://a.example.com", "https://b.example.com"]
    );
    assert_eq!(config.api_url(), "https://api.clerk.com");
    assert!(!format!("{config:?}").contains("sk_test_secret"));
}

#[test]
fn config_without_any_key_fails_with_jwk_failed_to_resolve() {
    let err = ClerkConfig::from_lookup(|_| None).unwrap_err();
    assert_eq!(err.reason(), "jwk-failed-to-resolve");
}

#[test]
fn malformed_publishable_key_names_the_variable() {
    let err = ClerkConfig::from_lookup(|name| match name {
        "CLERK_SECRET_KEY" => Some("sk_test_secret".into()),
        "CLERK_PUBLISHABLE_KEY" => Some("pk_test_!!!".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(err.to_string().contains("CLERK_PUBLISHABLE_KEY"));
}

#[tokio::test]
async fn pem_takes_precedence_over_the_secret_key() {
    let pem = issuer().public_key_pem();
    let config = ClerkConfig::from_lookup(|name| match name {
        "CLERK_JWT_KEY" => Some(pem.clone()),
        "CLERK_SECRET_KEY" => Some("sk_test_secret".into()),
        // Unreachable API: a network fetch would fail the verification.
        "CLERK_API_URL" => Some("http://127.0.0.1:9".into()),
        _ => None,
    })
    .unwrap();
    let verifier = config.verifier().unwrap();
    assert!(
        verifier
            .verify_at(&issuer().mint(&session()), NOW)
            .await
            .is_ok()
    );
    assert_eq!(verifier.jwks_fetches(), 0);
}
