//! Machine tokens, differentially: Clerk's `authenticateRequest` with
//! `acceptsToken` (tests/oracle/machine.mjs) and our routes declaring the
//! same `accepts`, on the same tokens. The cases are those Clerk decides
//! without the network: every type decision, and the JWT forms (verified
//! with the dev issuer's key as `jwtKey`). Opaque tokens of an accepted type
//! need the Backend API and are covered against a fake one in `machine.rs`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clerk_runtime::prelude::*;
use clerk_runtime::{Caller, DevMachineToken};
use clerk_tests::clerk_oracle::{clerk_verdicts, oracle_dir};
use serde_json::{Value, json};
use tower::ServiceExt;

#[protect]
async fn session_token(auth: Auth) -> String {
    auth.user_id().to_owned()
}

#[protect(accepts = "api_key")]
async fn api_key(machine: MachineAuth) -> String {
    machine.subject().to_owned()
}

#[protect(accepts = "m2m_token")]
async fn m2m_token(machine: MachineAuth) -> String {
    machine.subject().to_owned()
}

#[protect(accepts = "oauth_token")]
async fn oauth_token(machine: MachineAuth) -> String {
    machine.subject().to_owned()
}

#[protect(accepts = ["api_key", "m2m_token"])]
async fn api_key_or_m2m(machine: MachineAuth) -> String {
    machine.subject().to_owned()
}

#[protect(accepts = "any")]
async fn any(caller: Caller) -> String {
    match caller {
        Caller::Session(auth) => auth.user_id().to_owned(),
        Caller::Machine(machine) => machine.subject().to_owned(),
    }
}

/// Builds the `acceptsToken` value Clerk takes.
type AcceptsValue = fn() -> Value;

/// `acceptsToken` as Clerk takes it, and our route declaring the same.
const ACCEPTS: [(&str, AcceptsValue); 6] = [
    ("/session_token", || json!("session_token")),
    ("/api_key", || json!("api_key")),
    ("/m2m_token", || json!("m2m_token")),
    ("/oauth_token", || json!("oauth_token")),
    ("/api_key_or_m2m", || json!(["api_key", "m2m_token"])),
    ("/any", || json!("any")),
];

/// Where we answer differently on purpose: (case id, why).
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "none/session_token",
        "without browser sessions (no publishable key) the layer says `session-token-missing`; \
         Clerk's request decision, which `ClerkLayer` applies with a publishable key, says \
         `session-token-and-uat-missing` (tests of session_layer.rs)",
    ),
    (
        "none/any",
        "as none/session_token: 'any' includes session tokens",
    ),
];

#[tokio::test]
async fn machine_token_decisions_agree_with_clerk_sdk() {
    let Some(dir) = oracle_dir() else { return };
    let issuer = DevIssuer::new().unwrap();
    let now = issuer.now();
    let m2m = DevMachineToken::m2m("mch_caller").scopes(["mch_me"]);
    let oauth = DevMachineToken::oauth("user_7", "client_9").scopes(["read:foo"]);
    let header = |typ: &str, cat: Option<&str>| {
        let mut h = json!({"alg": "RS256", "kid": issuer.kid(), "typ": typ});
        if let Some(cat) = cat {
            h["cat"] = json!(cat);
        }
        h.to_string()
    };
    let m2m_payload = |exp: i64| {
        json!({"sub": "mch_a", "iat": now - 100, "nbf": now - 100, "exp": exp, "jti": "mt_1", "scopes": "mch_me"}).to_string()
    };
    let tokens: Vec<(&str, Option<String>, Option<String>)> = vec![
        (
            "session",
            Some(issuer.mint(&DevSession::new("user_1"))),
            None,
        ),
        ("m2m-jwt", issuer.mint_machine_jwt(&m2m), None),
        ("oauth-jwt", issuer.mint_machine_jwt(&oauth), None),
        (
            "template",
            Some(issuer.mint_template(
                "svc",
                json!({"aud": "svc"}),
                std::time::Duration::from_secs(60),
            )),
            None,
        ),
        (
            "m2m-jwt-expired",
            Some(issuer.mint_raw(
                &header("JWT", Some("cl_B7d4PD333AAA")),
                &m2m_payload(now - 60),
            )),
            None,
        ),
        (
            "m2m-jwt-session-cat",
            Some(issuer.mint_raw(
                &header("JWT", Some("cl_B7d4PD111AAA")),
                &m2m_payload(now + 60),
            )),
            None,
        ),
        (
            "m2m-jwt-no-cat",
            Some(issuer.mint_raw(&header("JWT", None), &m2m_payload(now + 60))),
            None,
        ),
        (
            "m2m-jwt-at-typ",
            Some(issuer.mint_raw(&header("at+jwt", None), &m2m_payload(now + 60))),
            None,
        ),
        (
            "m2m-jwt-forged",
            Some(DevIssuer::new().unwrap().mint_raw(
                &header("JWT", Some("cl_B7d4PD333AAA")),
                &m2m_payload(now + 60),
            )),
            None,
        ),
        ("api-key", Some("ak_some-token-value".into()), None),
        ("m2m-opaque", Some("mt_some-token-value".into()), None),
        ("oauth-opaque", Some("oat_some-token-value".into()), None),
        ("none", None, None),
        (
            "cookie-api-key",
            None,
            Some("__session=ak_some-token-value; __client_uat=1".into()),
        ),
    ];
    let mut cases = Vec::new();
    for (name, token, cookie) in &tokens {
        for (path, accepts) in ACCEPTS {
            let route = path.trim_start_matches('/');
            let accepts = accepts();
            // Opaque tokens of an accepted type go to the Backend API: not here.
            let opaque_type = match *name {
                "api-key" => Some("api_key"),
                "m2m-opaque" => Some("m2m_token"),
                "oauth-opaque" => Some("oauth_token"),
                _ => None,
            };
            let accepted = |t: &str| {
                accepts == json!("any")
                    || accepts == json!(t)
                    || accepts.as_array().is_some_and(|a| a.contains(&json!(t)))
            };
            if opaque_type.is_some_and(accepted) {
                continue;
            }
            // A cookie on session routes runs Clerk's browser-session path: other tests.
            if cookie.is_some() && accepted("session_token") {
                continue;
            }
            cases.push(json!({
                "id": format!("{name}/{route}"), "path": path, "token": token, "cookie": cookie,
                "accepts": accepts, "jwtKey": issuer.public_key_pem(),
            }));
        }
    }
    let clerk = clerk_verdicts(&dir, "machine.mjs", &cases);
    let layer = ClerkLayer::dev(&issuer).unwrap();
    let router = routes![
        GET "/session_token" => session_token,
        GET "/api_key" => api_key,
        GET "/m2m_token" => m2m_token,
        GET "/oauth_token" => oauth_token,
        GET "/api_key_or_m2m" => api_key_or_m2m,
        GET "/any" => any,
    ]
    .layer(layer)
    .into_router();
    let mut disagreements = Vec::new();
    for (case, verdict) in cases.iter().zip(&clerk) {
        let id = case["id"].as_str().unwrap();
        assert_eq!(
            verdict["fetched"], false,
            "{id}: Clerk needed the network: {verdict}"
        );
        let mut request = Request::get(case["path"].as_str().unwrap());
        if let Some(token) = case["token"].as_str() {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(cookie) = case["cookie"].as_str() {
            request = request.header("cookie", cookie);
        }
        let response = router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let ours = if status == StatusCode::OK {
            (
                "signed-in".to_owned(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        } else {
            let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            (
                "signed-out".to_owned(),
                body["reason"].as_str().unwrap_or_default().to_owned(),
            )
        };
        let theirs = match verdict["status"].as_str() {
            Some("signed-in") => (
                "signed-in".to_owned(),
                verdict["subject"].as_str().unwrap_or_default().to_owned(),
            ),
            _ => (
                "signed-out".to_owned(),
                verdict["reason"].as_str().unwrap_or_default().to_owned(),
            ),
        };
        let known = KNOWN_DIFFERENCES.iter().any(|(known, _)| *known == id);
        if (ours != theirs) != known {
            disagreements.push(format!(
                "{id}: clerk {theirs:?}, ours {ours:?} (known: {known})"
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
    assert!(cases.len() > 60, "{} cases", cases.len());
}

/// Recognition alone: Clerk's `isMachineToken` and `isMachineTokenByPrefix`
/// against `token::machine` on the strings of Clerk's machine.test.ts and
/// the dev issuer's tokens.
#[tokio::test]
async fn machine_token_recognition_agrees_with_clerk_sdk() {
    use clerk_runtime::token::machine::{is_machine_token_by_prefix, machine_token_type};
    let Some(dir) = oracle_dir() else { return };
    let issuer = DevIssuer::new().unwrap();
    let mut tokens: Vec<String> = [
        "mt_some-token-value",
        "oat_some-token-value",
        "ak_some-token-value",
        "unknown_prefix_token",
        "session_token_value",
        "jwt_token_value",
        "",
        "M2M_token_value",
        "OAUTH_token_value",
        "API_KEY_value",
        "not.a.jwt",
        "invalid.jwt.token",
        "a.b.c",
        "mt_",
        "Mt_x",
        " ak_x",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    tokens.push(issuer.mint(&DevSession::new("user_1")));
    tokens.push(
        issuer
            .mint_machine_jwt(&DevMachineToken::m2m("mch_1"))
            .unwrap(),
    );
    tokens.push(
        issuer
            .mint_machine_jwt(&DevMachineToken::oauth("user_1", "client_1"))
            .unwrap(),
    );
    tokens.push(issuer.mint_raw(r#"{"alg":"RS256","typ":"at+jwt"}"#, r#"{"sub":"mch_1"}"#));
    tokens.push(issuer.mint_raw(
        r#"{"alg":"RS256","typ":"application/at+jwt"}"#,
        r#"{"sub":7}"#,
    ));
    tokens.push(issuer.mint_raw(r#"{"alg":"RS256","typ":"AT+JWT"}"#, r#"{"sub":"user_1"}"#));
    let cases: Vec<Value> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"id": format!("classify-{i}"), "classify": t}))
        .collect();
    let clerk = clerk_verdicts(&dir, "machine.mjs", &cases);
    for (token, verdict) in tokens.iter().zip(&clerk) {
        assert_eq!(
            (
                machine_token_type(token).is_some(),
                is_machine_token_by_prefix(token)
            ),
            (verdict["isMachine"] == true, verdict["byPrefix"] == true),
            "{token:?}: {verdict}"
        );
    }
}
