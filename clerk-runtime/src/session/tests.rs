//! The §2.6 table of `clerk-handshake.md`, row by row, on the pure decision
//! (`decide` with the verification result given), plus the resolution rules
//! of §3. The differential test (tests/integration/handshake.rs) checks the
//! same rows against Clerk's SDK; these pin them without node.

use super::*;
use crate::dev::DevIssuer;
use crate::error::VerifyError;
use crate::verify::keys::VerifyingKey;
use serde_json::json;

const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k"; // clerk.example.com
const PK_TEST: &str = "pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA"; // clerk.inspired.puma-74.lcl.dev
const NOW: i64 = 1_767_225_600;

fn live() -> SessionConfig {
    SessionConfig::builder(PK_LIVE).build().unwrap()
}
fn test() -> SessionConfig {
    SessionConfig::builder(PK_TEST).build().unwrap()
}

const DOC: &[(&str, &str)] = &[("host", "app.example.com"), ("sec-fetch-dest", "document")];
const API: &[(&str, &str)] = &[("host", "app.example.com"), ("sec-fetch-dest", "empty")];

fn request(
    config: &SessionConfig,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    cookie: &str,
) -> SessionRequest {
    let mut b = http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    if !cookie.is_empty() {
        b = b.header("cookie", cookie);
    }
    SessionRequest::from_parts(&b.body(()).unwrap().into_parts().0, config, NOW)
}

/// An unverified token with these claims (the decision only peeks at it;
/// the verification result is passed separately).
fn jwt(header: serde_json::Value, claims: serde_json::Value) -> String {
    use base64::Engine as _;
    let e = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!("{}.{}.c2ln", e(header), e(claims))
}

fn session(iat: i64) -> String {
    jwt(
        json!({"alg": "RS256", "typ": "JWT"}),
        json!({"sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.com", "iat": iat, "exp": iat + 60}),
    )
}

fn decide_with(
    config: &SessionConfig,
    req: &SessionRequest,
    session: Option<Result<Auth, VerifyError>>,
) -> SessionState {
    decide(
        req,
        config,
        Evidence {
            session,
            refresh: None,
        },
    )
    .unwrap()
}

use crate::auth::Auth;

/// A real `Auth`, from the dev issuer and a verifier.
fn auth() -> Auth {
    let issuer = DevIssuer::new().unwrap();
    let token = issuer.mint(&crate::dev::DevSession::new("user_1").issued_at(NOW - 10));
    let verifier = issuer.verifier().unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(verifier.verify_at(&token, NOW))
        .unwrap()
}

fn expired() -> VerifyError {
    VerifyError::Expired {
        exp: NOW - 540,
        now: NOW,
    }
}

fn assert_state(s: &SessionState, status: Status, reason: &str) {
    assert_eq!((s.status, s.reason()), (status, reason), "{s:?}");
    assert_eq!(s.location.is_some(), status == Status::Handshake, "{s:?}");
}

#[test]
fn prod_without_cookies_is_signed_out_uat_missing() {
    let c = live();
    for cookie in ["", "__client_uat=0"] {
        for h in [DOC, API] {
            let r = request(&c, "GET", "/d", h, cookie);
            assert_eq!(token_to_verify(&r, &c).unwrap(), None);
            assert_state(
                &decide_with(&c, &r, None),
                Status::SignedOut,
                "session-token-and-uat-missing",
            );
        }
    }
}

#[test]
fn uat_without_session_handshakes_on_documents_only() {
    let c = live();
    let r = request(&c, "GET", "/d", DOC, "__client_uat=12345");
    let s = decide_with(&c, &r, None);
    assert_state(&s, Status::Handshake, "client-uat-but-no-session-token");
    assert_eq!(s.headers[0], ("cache-control", "no-store".to_owned()));
    assert_eq!(
        s.set_cookies,
        ["__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2"]
    );
    let r = request(&c, "GET", "/d", API, "__client_uat=12345");
    let s = decide_with(&c, &r, None);
    assert_state(&s, Status::SignedOut, "client-uat-but-no-session-token");
    assert!(s.set_cookies.is_empty());
    assert_eq!(
        s.headers,
        [
            ("x-clerk-auth-status", "signed-out".to_owned()),
            (
                "x-clerk-auth-reason",
                "client-uat-but-no-session-token".to_owned()
            )
        ]
    );
}

#[test]
fn session_without_uat_handshakes_even_when_undecodable() {
    let c = live();
    for token in [session(NOW - 10), "garbage".to_owned()] {
        let r = request(&c, "GET", "/d", DOC, &format!("__session={token}"));
        assert_state(
            &decide_with(&c, &r, None),
            Status::Handshake,
            "session-token-but-no-client-uat",
        );
        let r = request(
            &c,
            "POST",
            "/d",
            DOC,
            &format!("__session={token}; __client_uat=0"),
        );
        assert_state(
            &decide_with(&c, &r, None),
            Status::SignedOut,
            "session-token-but-no-client-uat",
        );
    }
}

#[test]
fn token_older_than_uat_handshakes_before_verification() {
    let c = live();
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!("__session={}; __client_uat={NOW}", session(NOW - 10)),
    );
    assert_eq!(
        token_to_verify(&r, &c).unwrap(),
        None,
        "decided before verifying"
    );
    assert_state(
        &decide_with(&c, &r, None),
        Status::Handshake,
        "session-token-iat-before-client-uat",
    );
}

#[test]
fn expired_session_reasons_name_the_refresh_outcome() {
    let c = live();
    let cookie = format!(
        "__session={}; __client_uat={}",
        session(NOW - 600),
        NOW - 600
    );
    let r = request(&c, "GET", "/d", DOC, &cookie);
    assert_eq!(
        token_to_verify(&r, &c).unwrap(),
        r.session_token_in_cookie.as_deref()
    );
    let s = decide_with(&c, &r, Some(Err(expired())));
    assert_state(
        &s,
        Status::Handshake,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
    );
    assert!(
        s.headers
            .iter()
            .any(|(k, v)| *k == "x-clerk-auth-message" && v.contains("token-carrier=cookie"))
    );
    let r = request(&c, "GET", "/d", API, &cookie);
    assert_state(
        &decide_with(&c, &r, Some(Err(expired()))),
        Status::SignedOut,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
    );
    let r = request(&c, "POST", "/d", DOC, &cookie);
    assert_state(
        &decide_with(&c, &r, Some(Err(expired()))),
        Status::SignedOut,
        "session-token-expired-refresh-non-eligible-non-get",
    );
}

#[test]
fn refresh_cookie_makes_a_get_eligible_for_refresh() {
    let c = live();
    let sfx = c.cookie_suffix().as_str().to_owned();
    let cookie = format!(
        "__session={}; __client_uat=1; __refresh_{sfx}=r",
        session(NOW - 600)
    );
    let r = request(&c, "GET", "/d", DOC, &cookie);
    // No Backend API client: Clerk's `missing-api-client`.
    assert_state(
        &decide_with(&c, &r, Some(Err(expired()))),
        Status::Handshake,
        "session-token-expired-refresh-missing-api-client",
    );
    let failed = Evidence {
        session: Some(Err(expired())),
        refresh: Some(Refresh::Failed("fetch-error".into())),
    };
    assert_state(
        &decide(&r, &c, failed).unwrap(),
        Status::Handshake,
        "session-token-expired-refresh-fetch-error",
    );
    let ok = Evidence {
        session: Some(Err(expired())),
        refresh: Some(Refresh::Refreshed {
            auth: auth(),
            set_cookies: vec!["__session=new".into()],
        }),
    };
    let s = decide(&r, &c, ok).unwrap();
    assert_state(&s, Status::SignedIn, "");
    assert_eq!(s.set_cookies, ["__session=new"]);
    // The unsuffixed __refresh is never read.
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!(
            "__session={}; __client_uat=1; __refresh=r",
            session(NOW - 600)
        ),
    );
    assert_state(
        &decide_with(&c, &r, Some(Err(expired()))),
        Status::Handshake,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
    );
}

#[test]
fn nbf_and_iat_in_the_future_handshake() {
    let c = live();
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!("__session={}; __client_uat=1", session(NOW)),
    );
    let nbf = VerifyError::NotActiveYet {
        nbf: NOW + 60,
        now: NOW,
    };
    assert_state(
        &decide_with(&c, &r, Some(Err(nbf))),
        Status::Handshake,
        "session-token-nbf",
    );
    let iat = VerifyError::IatInFuture {
        iat: NOW + 60,
        now: NOW,
    };
    assert_state(
        &decide_with(&c, &r, Some(Err(iat))),
        Status::Handshake,
        "session-token-iat-in-the-future",
    );
}

#[test]
fn other_verification_errors_sign_out_with_their_reason() {
    let c = live();
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!("__session={}; __client_uat=1", session(NOW)),
    );
    for (err, reason) in [
        (VerifyError::InvalidSignature, "token-invalid-signature"),
        (
            VerifyError::InvalidAuthorizedParty,
            "token-invalid-authorized-parties",
        ),
        (
            VerifyError::UnsupportedAlgorithm("RS384".into()),
            "token-invalid-algorithm",
        ),
        (VerifyError::KidMismatch { kid: None }, "jwk-kid-mismatch"),
    ] {
        assert_state(
            &decide_with(&c, &r, Some(Err(err))),
            Status::SignedOut,
            reason,
        );
    }
}

#[test]
fn undecodable_session_is_token_invalid() {
    let c = live();
    let r = request(&c, "GET", "/d", DOC, "__session=not-a-jwt; __client_uat=1");
    assert_eq!(token_to_verify(&r, &c).unwrap(), None);
    assert_state(
        &decide_with(&c, &r, None),
        Status::SignedOut,
        "token-invalid",
    );
}

#[test]
fn machine_oauth_and_template_tokens_are_type_mismatches() {
    let c = live();
    let claims = json!({"sub": "user_1", "iat": NOW});
    for token in [
        jwt(json!({"alg": "RS256", "typ": "at+jwt"}), claims.clone()),
        jwt(
            json!({"alg": "RS256", "cat": "cl_B7d4PD222AAA"}),
            claims.clone(),
        ),
        jwt(
            json!({"alg": "RS256", "cat": "cl_B7d4PD333AAA"}),
            claims.clone(),
        ),
        jwt(json!({"alg": "RS256", "cat": "cl_future"}), claims.clone()),
        jwt(json!({"alg": "RS256"}), json!({"sub": "mch_1", "iat": NOW})),
    ] {
        let r = request(
            &c,
            "GET",
            "/d",
            DOC,
            &format!("__session={token}; __client_uat=1"),
        );
        let s = decide_with(&c, &r, None);
        assert_state(&s, Status::SignedOut, "token-type-mismatch");
        assert_eq!(s.message, "");
        // The header path refuses them too, whatever the verifier said.
        let h = format!("Bearer {token}");
        let r = request(
            &c,
            "GET",
            "/d",
            &[("authorization", &h), ("sec-fetch-dest", "document")],
            "",
        );
        assert_state(
            &decide_with(&c, &r, Some(Ok(auth()))),
            Status::SignedOut,
            "token-type-mismatch",
        );
    }
    for cat in ["cl_B7d4PD111AAA", "cl_I7d4PD111III"] {
        let token = jwt(json!({"alg": "RS256", "cat": cat}), claims.clone());
        let r = request(
            &c,
            "GET",
            "/d",
            DOC,
            &format!("__session={token}; __client_uat=1"),
        );
        assert_state(&decide_with(&c, &r, Some(Ok(auth()))), Status::SignedIn, "");
    }
}

#[test]
fn valid_session_is_signed_in_without_headers() {
    let c = live();
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!("__session={}; __client_uat={}", session(NOW - 10), NOW - 10),
    );
    let s = decide_with(&c, &r, Some(Ok(auth())));
    assert_state(&s, Status::SignedIn, "");
    assert!(s.headers.is_empty() && s.set_cookies.is_empty());
}

#[test]
fn cross_origin_referer_on_the_primary_handshakes_once() {
    let c = live();
    let cookie = format!("__session={}; __client_uat=1", session(NOW - 10));
    let with = |referer: &str, extra: &str| {
        let h = [
            ("host", "app.example.com"),
            ("sec-fetch-dest", "document"),
            ("referer", referer),
        ];
        request(&c, "GET", "/d", &h, &format!("{cookie}{extra}"))
    };
    let s = decide_with(&c, &with("https://satellite.com/x", ""), Some(Ok(auth())));
    assert_state(&s, Status::Handshake, "primary-domain-cross-origin-sync");
    assert_eq!(
        s.message,
        "Cross-origin request from satellite domain requires handshake"
    );
    for (referer, extra) in [
        ("https://satellite.com/x", "; __clerk_redirect_count=1"),
        ("http://app.example.com/x", ""),
        ("https://clerk.example.com/v1", ""),
        ("https://accounts.example.com/sign-in", ""),
        ("not a url", ""),
    ] {
        assert_state(
            &decide_with(&c, &with(referer, extra), Some(Ok(auth()))),
            Status::SignedIn,
            "",
        );
    }
}

#[test]
fn dev_without_dev_browser_handshakes_before_anything_else() {
    let c = test();
    let r = request(&c, "GET", "/d", DOC, "");
    assert_state(
        &decide_with(&c, &r, None),
        Status::Handshake,
        "dev-browser-missing",
    );
    let r = request(&c, "GET", "/d", API, "");
    assert_state(
        &decide_with(&c, &r, None),
        Status::SignedOut,
        "dev-browser-missing",
    );
}

#[test]
fn dev_browser_in_the_query_forces_a_sync_with_the_query_value() {
    let c = test();
    let r = request(
        &c,
        "GET",
        "/d?__clerk_db_jwt=q&y=2",
        DOC,
        "__clerk_db_jwt=cookie",
    );
    let s = decide_with(&c, &r, Some(Ok(auth())));
    assert_state(&s, Status::Handshake, "dev-browser-sync");
    let loc = url::Url::parse(s.location.as_deref().unwrap()).unwrap();
    let pairs: Vec<(String, String)> = loc
        .query_pairs()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    assert_eq!(
        pairs[0],
        ("redirect_url".into(), "http://app.example.com/d?y=2".into())
    );
    assert_eq!(
        pairs.last().unwrap(),
        &("__clerk_db_jwt".into(), "q".into())
    );
}

#[test]
fn dev_primary_responds_to_syncing() {
    let c = test();
    let r = request(
        &c,
        "GET",
        "/d?__clerk_redirect_url=http%3A%2F%2Flocalhost%3A3001%2Fdash",
        DOC,
        "__clerk_db_jwt=db",
    );
    let s = decide_with(&c, &r, None);
    assert_state(&s, Status::Handshake, "primary-responds-to-syncing");
    assert_eq!(
        s.location.as_deref(),
        Some("http://localhost:3001/dash?__clerk_db_jwt=db&__clerk_synced=true")
    );
    let r = request(
        &c,
        "GET",
        "/d?__clerk_redirect_url=nope",
        DOC,
        "__clerk_db_jwt=db",
    );
    assert_eq!(
        decide(&r, &c, Evidence::default()).unwrap_err(),
        SessionError::InvalidSyncRedirect
    );
}

fn satellite(pk: &str, auto_sync: bool) -> SessionConfig {
    SessionConfig::builder(pk)
        .satellite(true)
        .domain("sat.example.net")
        .sign_in_url("https://primary.example/sign-in")
        .satellite_auto_sync(auto_sync)
        .build()
        .unwrap()
}

#[test]
fn prod_satellite_without_cookies_is_signed_out_unless_syncing_is_asked() {
    let c = satellite(PK_LIVE, false);
    let r = request(&c, "GET", "/p", DOC, "");
    assert_state(
        &decide_with(&c, &r, None),
        Status::SignedOut,
        "session-token-and-uat-missing",
    );
    for (cfg, uri) in [
        (satellite(PK_LIVE, false), "/p?__clerk_synced=false"),
        (satellite(PK_LIVE, true), "/p"),
    ] {
        let r = request(&cfg, "GET", uri, DOC, "");
        let s = decide_with(&cfg, &r, None);
        assert_state(&s, Status::Handshake, "satellite-needs-syncing");
        assert!(
            s.location
                .as_deref()
                .unwrap()
                .starts_with("https://clerk.sat.example.net/v1/client/handshake?")
        );
    }
    let r = request(&c, "GET", "/p?__clerk_synced=true", DOC, "");
    assert_state(
        &decide_with(&c, &r, None),
        Status::SignedOut,
        "session-token-and-uat-missing",
    );
    let r = request(
        &c,
        "GET",
        "/p?__clerk_synced=false",
        DOC,
        "__clerk_redirect_count=3",
    );
    assert_state(
        &decide_with(&c, &r, None),
        Status::SignedOut,
        "satellite-needs-syncing",
    );
}

#[test]
fn dev_satellite_sync_goes_to_the_primary_sign_in() {
    let c = satellite(PK_TEST, true);
    let r = request(&c, "GET", "/p", DOC, "__clerk_db_jwt=db");
    let s = decide_with(&c, &r, None);
    assert_state(&s, Status::Handshake, "satellite-needs-syncing");
    assert_eq!(
        s.location.as_deref(),
        Some(
            "https://primary.example/sign-in?__clerk_redirect_url=http%3A%2F%2Fapp.example.com%2Fp"
        )
    );
}

#[test]
fn satellite_sign_in_on_the_request_origin_is_an_error() {
    let c = satellite(PK_LIVE, false);
    let r = request(
        &c,
        "GET",
        "/p",
        &[("origin", "https://primary.example")],
        "",
    );
    assert_eq!(
        decide(&r, &c, Evidence::default()).unwrap_err(),
        SessionError::SignInUrlSameOrigin
    );
}

#[test]
fn loop_counter_three_turns_any_handshake_into_signed_out() {
    let c = live();
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        "__client_uat=1; __clerk_redirect_count=3",
    );
    let s = decide_with(&c, &r, None);
    assert_state(&s, Status::SignedOut, "client-uat-but-no-session-token");
    assert!(s.set_cookies.is_empty());
}

#[test]
fn header_path_ignores_uat_dev_browser_and_handshakes() {
    let c = test();
    let h = [
        ("authorization", "Bearer x.y.z"),
        ("sec-fetch-dest", "document"),
    ];
    let r = request(&c, "GET", "/d?__clerk_handshake=t", &h, "");
    assert!(resolve::handshake_source(&r).is_none());
    assert_eq!(token_to_verify(&r, &c).unwrap(), Some("x.y.z"));
    assert_state(&decide_with(&c, &r, Some(Ok(auth()))), Status::SignedIn, "");
    let s = decide_with(&c, &r, Some(Err(expired())));
    assert_state(
        &s,
        Status::Handshake,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
    );
    assert!(s.location.as_deref().unwrap().contains("&__session=x.y.z"));
    assert!(s.message.ends_with("token-carrier=header)"));
}

#[test]
fn missing_verification_is_an_unexpected_error_not_a_sign_in() {
    let c = live();
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!("__session={}; __client_uat=1", session(NOW)),
    );
    assert_state(
        &decide_with(&c, &r, None),
        Status::SignedOut,
        "unexpected-error",
    );
}

#[test]
fn suffixed_cookies_are_preferred_per_clerks_rules() {
    let c = live();
    let sfx = c.cookie_suffix().as_str().to_owned();
    let foreign = jwt(
        json!({"alg": "RS256"}),
        json!({"sub": "u", "iss": "https://clerk.other.com", "iat": NOW}),
    );
    let ours = session(NOW - 10);
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!("__session={foreign}; __session_{sfx}={ours}; __client_uat_{sfx}=5"),
    );
    assert!(r.uses_suffixed_cookies);
    assert_eq!(r.session_token_in_cookie.as_deref(), Some(ours.as_str()));
    assert_eq!(r.client_uat, 5);
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!("__session={ours}; __client_uat=7"),
    );
    assert!(!r.uses_suffixed_cookies);
    assert_eq!(r.client_uat, 7);
    let r = request(
        &c,
        "GET",
        "/d",
        DOC,
        &format!("__session={ours}; __client_uat=7; __client_uat_{sfx}=0"),
    );
    assert!(!r.uses_suffixed_cookies, "rule 5");
}

// ---- resolution (§3)

fn directives(token: &str) -> Vec<String> {
    vec![
        format!("__session={token}; Path=/"),
        "__client_uat=1; Path=/".to_owned(),
    ]
}

#[test]
fn session_token_is_the_last_session_directive() {
    let d = vec![
        "__session=a; Path=/".to_owned(),
        "x=1".to_owned(),
        "__session_abc=b=c; Path=/".to_owned(),
    ];
    assert_eq!(
        resolve::session_from_directives(&d),
        resolve::DirectiveSession::Token("b")
    );
    let d = vec!["__session=; Max-Age=0".to_owned()];
    assert_eq!(
        resolve::session_from_directives(&d),
        resolve::DirectiveSession::Missing
    );
    let d = vec!["__session".to_owned()];
    assert_eq!(
        resolve::session_from_directives(&d),
        resolve::DirectiveSession::Unreadable
    );
    assert_eq!(
        resolve::session_from_directives(&[]),
        resolve::DirectiveSession::Missing
    );
}

#[test]
fn prod_resolution_continues_signed_in_without_location() {
    let c = live();
    let r = request(&c, "GET", "/d", DOC, "__clerk_handshake=t");
    let v = resolve::DirectiveVerification {
        first: Some(Ok(auth())),
        retry: None,
    };
    let Resolution::Resolved(s) = resolve::resolve(&r, &c, directives("tok"), v) else {
        panic!("resolved")
    };
    assert_state(&s, Status::SignedIn, "");
    assert_eq!(s.set_cookies, directives("tok"));
    assert_eq!(
        s.headers,
        [
            ("access-control-allow-origin", "null".to_owned()),
            ("access-control-allow-credentials", "true".to_owned())
        ]
    );
}

#[test]
fn dev_resolution_redirects_without_the_handshake_params() {
    let c = test();
    let r = request(
        &c,
        "GET",
        "/page?__clerk_handshake=t&__clerk_help=1&__clerk_db_jwt=d&__clerk_handshake_nonce=n&q=a%20b",
        DOC,
        "",
    );
    let v = resolve::DirectiveVerification {
        first: Some(Ok(auth())),
        retry: None,
    };
    let Resolution::Resolved(s) = resolve::resolve(&r, &c, directives("tok"), v) else {
        panic!("resolved")
    };
    assert_eq!(s.status, Status::SignedIn);
    assert_eq!(
        s.location.as_deref(),
        Some("http://app.example.com/page?q=a+b")
    );
    assert!(
        s.headers
            .contains(&("cache-control", "no-store".to_owned()))
    );
}

#[test]
fn resolution_without_session_is_signed_out_session_token_missing() {
    let c = test();
    let r = request(&c, "GET", "/page?__clerk_handshake_nonce=n", DOC, "");
    let Resolution::Resolved(s) = resolve::resolve(&r, &c, Vec::new(), Default::default()) else {
        panic!("resolved")
    };
    assert_eq!(
        (s.status, s.reason()),
        (Status::SignedOut, "session-token-missing")
    );
    assert_eq!(s.location.as_deref(), Some("http://app.example.com/page"));
}

#[test]
fn failed_session_in_the_payload_falls_through() {
    let c = live();
    let r = request(&c, "GET", "/d", DOC, "__clerk_handshake=t");
    let v = resolve::DirectiveVerification {
        first: Some(Err(VerifyError::InvalidAuthorizedParty)),
        retry: None,
    };
    assert!(matches!(
        resolve::resolve(&r, &c, directives("tok"), v),
        Resolution::FallThrough(_)
    ));
    // Development retries time errors with a one-day skew.
    let dev = test();
    assert!(resolve::wants_dev_retry(&dev, &expired()));
    assert!(!resolve::wants_dev_retry(&c, &expired()));
    let v = resolve::DirectiveVerification {
        first: Some(Err(expired())),
        retry: Some(Ok(auth())),
    };
    let Resolution::Resolved(s) = resolve::resolve(&r, &dev, directives("tok"), v) else {
        panic!("resolved")
    };
    assert_eq!(s.status, Status::SignedIn);
}

#[test]
fn handshake_token_checks_category_and_signature() {
    let issuer = DevIssuer::new().unwrap();
    let other = DevIssuer::new().unwrap();
    let key = VerifyingKey::from_pem(&issuer.public_key_pem()).unwrap();
    let payload = json!({"handshake": ["__session=a; Path=/"]}).to_string();
    let header = |cat: Option<&str>| {
        let mut h = json!({"alg": "RS256", "typ": "JWT", "kid": "ins_1"});
        if let Some(c) = cat {
            h["cat"] = json!(c);
        }
        h.to_string()
    };
    let keys = HandshakeKeys::Pem(&key);
    for cat in [None, Some("cl_B7d4PD111AAA"), Some("cl_I7d4PD111III")] {
        let t = issuer.mint_raw(&header(cat), &payload);
        assert_eq!(
            resolve::verify_handshake_token(&t, keys).unwrap().unwrap(),
            ["__session=a; Path=/"]
        );
    }
    for cat in [
        "cl_B7d4PD222AAA",
        "cl_B7d4PD333AAA",
        "cl_some_future_unknown_cat",
    ] {
        let t = issuer.mint_raw(&header(Some(cat)), &payload);
        assert_eq!(
            resolve::verify_handshake_token(&t, keys)
                .unwrap_err()
                .error
                .reason(),
            "token-invalid"
        );
    }
    let forged = other.mint_raw(&header(None), &payload);
    assert_eq!(
        resolve::verify_handshake_token(&forged, keys)
            .unwrap_err()
            .error
            .reason(),
        "token-invalid-signature"
    );
    let huge = "a".repeat(100_000);
    assert_eq!(
        resolve::verify_handshake_token(&huge, keys)
            .unwrap_err()
            .error
            .reason(),
        "token-too-large"
    );
    let bad = issuer.mint_raw(&header(None), &json!({"handshake": [1]}).to_string());
    assert!(
        resolve::verify_handshake_token(&bad, keys)
            .unwrap()
            .is_err()
    );
    let none = issuer.mint_raw(&header(None), "{}");
    assert!(
        resolve::verify_handshake_token(&none, keys)
            .unwrap()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn refused_handshake_fails_dev_and_falls_through_on_prod() {
    let err = || HandshakeTokenError {
        error: VerifyError::InvalidSignature,
    };
    assert!(resolve::on_refused_token(&live(), err()).is_ok());
    assert!(matches!(
        resolve::on_refused_token(&test(), err()),
        Err(SessionError::HandshakeRejected(_))
    ));
}

#[test]
fn hostile_inputs_never_panic() {
    let c = test();
    let long = "x".repeat(70_000);
    for cookie in [
        long.as_str(),
        "=;=;;;==",
        "__session=%; __client_uat=%ff%fe",
        "__clerk_redirect_count=1e400; __client_uat=-99999999999999999999999",
        "__session=a.b.c; __client_uat=1; __clerk_db_jwt=\"q\"",
    ] {
        for uri in [
            "/",
            "/?__clerk_redirect_url=%00",
            "/?__clerk_db_jwt=&__clerk_synced=false",
        ] {
            let r = request(&c, "GET", uri, DOC, cookie);
            let _ = decide(
                &r,
                &c,
                Evidence {
                    session: Some(Err(VerifyError::InvalidSignature)),
                    refresh: None,
                },
            );
            let _ = resolve::resolve(&r, &c, vec![long.clone()], Default::default());
        }
    }
    // Header values that are not UTF-8 are read as absent.
    let mut parts = http::Request::builder()
        .uri("/")
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let latin1 = http::HeaderValue::from_bytes(b"__session=\xff; __client_uat=1").unwrap();
    parts.headers.insert(http::header::COOKIE, latin1.clone());
    parts.headers.insert(http::header::HOST, latin1);
    let r = SessionRequest::from_parts(&parts, &c, NOW);
    assert_eq!((r.session_token_in_cookie, r.client_uat), (None, 0));
}
