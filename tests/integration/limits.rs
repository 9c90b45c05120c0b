//! The documented input limits, each tested at its boundary: N accepted,
//! N + 1 refused (see SECURITY.md for why each limit is what it is).
//! Claim-string and cookie limits are tested next to their code
//! (`claims/decode.rs`, `source.rs`); body caps in `faults.rs`.

use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clerk_runtime::layer::ClerkLayer;
use clerk_runtime::token::MAX_TOKEN_BYTES;
use clerk_runtime::verify::keys::{KeySet, MAX_JWKS_KEYS};
use clerk_runtime::{Auth, DevIssuer};
use serde_json::json;

const NOW: i64 = 1_850_000_000;

fn issuer() -> DevIssuer {
    DevIssuer::new().expect("dev issuer").with_clock(|| NOW)
}

fn b64_len(bytes: usize) -> usize {
    (4 * bytes).div_ceil(3)
}

/// A genuinely signed session token of exactly `len` bytes (padding in a
/// custom claim and, when base64 lengths need it, a header field).
fn token_of_len(issuer: &DevIssuer, len: usize) -> String {
    let signature = b64_len(256); // RSA-2048
    for header_pad in 0..4 {
        let header =
            json!({"alg": "RS256", "typ": "JWT", "kid": issuer.kid(), "x": "h".repeat(header_pad)})
                .to_string();
        let base = json!({"sub": "user_1", "sid": "sess_1", "iss": issuer.issuer(),
            "iat": NOW, "exp": NOW + 60, "pad": ""})
        .to_string();
        let fixed = b64_len(header.len()) + 2 + signature;
        let Some(room) = len.checked_sub(fixed) else {
            continue;
        };
        // Smallest payload whose base64 is `room` long, if one is.
        if let Some(payload_len) = (0..=room).find(|n| b64_len(*n) == room)
            && let Some(pad) = payload_len.checked_sub(base.len())
        {
            let payload = base.replace(r#""pad":"""#, &format!(r#""pad":"{}""#, "p".repeat(pad)));
            let token = issuer.mint_raw(&header, &payload);
            assert_eq!(token.len(), len);
            return token;
        }
    }
    panic!("no token of {len} bytes");
}

#[tokio::test]
async fn token_at_the_size_limit_verifies_one_byte_more_is_too_large() {
    let issuer = issuer();
    let verifier = issuer.verifier().unwrap();
    let at_limit = token_of_len(&issuer, MAX_TOKEN_BYTES);
    let auth = verifier
        .verify_at(&at_limit, NOW)
        .await
        .expect("at the limit");
    assert_eq!(auth.user_id(), "user_1");
    let over = token_of_len(&issuer, MAX_TOKEN_BYTES + 1);
    let err = verifier.verify_at(&over, NOW).await.unwrap_err();
    assert_eq!(err.reason(), "token-too-large");
}

#[tokio::test]
async fn bearer_token_at_the_size_limit_passes_the_layer_one_byte_more_is_refused() {
    let issuer = issuer();
    let app = Router::new()
        .route(
            "/me",
            get(|auth: Auth| async move { auth.user_id().to_owned() }),
        )
        .layer(ClerkLayer::dev(&issuer).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/me", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::new();
    let call = |token: String| client.get(&url).bearer_auth(token).send();
    let ok = call(token_of_len(&issuer, MAX_TOKEN_BYTES)).await.unwrap();
    assert_eq!(ok.status(), 200);
    let refused = call(token_of_len(&issuer, MAX_TOKEN_BYTES + 1))
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["reason"], "token-too-large");
}

#[test]
fn jwks_with_the_maximum_key_count_parses_one_more_is_refused() {
    let issuer = issuer();
    let keys = |n: usize| {
        let keys: Vec<_> = (0..n)
            .map(|i| {
                let mut jwk = issuer.jwk();
                jwk["kid"] = json!(format!("ins_{i}"));
                jwk
            })
            .collect();
        json!({ "keys": keys }).to_string()
    };
    let set = KeySet::from_jwks_json(keys(MAX_JWKS_KEYS).as_bytes()).expect("at the limit");
    assert_eq!(set.len(), MAX_JWKS_KEYS);
    let err = KeySet::from_jwks_json(keys(MAX_JWKS_KEYS + 1).as_bytes()).unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-invalid");
}

#[test]
fn base64_length_helper_matches_the_encoder() {
    for n in 0..10 {
        assert_eq!(b64_len(n), URL_SAFE_NO_PAD.encode(vec![0u8; n]).len());
    }
}
