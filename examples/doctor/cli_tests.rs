//! The doctor end to end, in-process: `run` with its arguments, a variable
//! map and stdin, against the dev issuer and a fake Clerk on 127.0.0.1.
//! One test per verifier failure kind, asserting the reason and the words
//! of the explanation; `jwks` against the same fake, a 401 and a closed port.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk_runtime::dev::{DEV_ISSUER, DevIssuer, DevSession};
use clerk_runtime::token::cat;
use serde_json::json;

/// The secret key the fake Backend API accepts.
const GOOD_SECRET: &str = "sk_test_doctorGOODsecretKEY0123456789";
const BAD_SECRET: &str = "sk_test_doctorROLLEDsecretKEY987654321";

/// A fake Clerk: `/v1/jwks` (secret key checked), `/.well-known/jwks.json`,
/// and broken variants under `/down`, `/garbage` and `/empty`.
struct FakeClerk {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeClerk {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeClerk {
    async fn start(issuer: &DevIssuer) -> Self {
        let jwks = issuer.jwks_json();
        let public = {
            let jwks = jwks.clone();
            move || async move { ([("content-type", "application/json")], jwks) }
        };
        let backend = move |headers: HeaderMap| async move {
            let authorized = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v == format!("Bearer {GOOD_SECRET}"));
            if authorized {
                ([("content-type", "application/json")], jwks).into_response()
            } else {
                // Clerk's answer to a wrong secret key.
                (
                    StatusCode::UNAUTHORIZED,
                    r#"{"errors":[{"code":"clerk_key_invalid","message":"The provided Clerk Secret Key is invalid."}]}"#,
                )
                    .into_response()
            }
        };
        let app = Router::new()
            .route("/v1/jwks", get(backend))
            .route("/.well-known/jwks.json", get(public))
            .route(
                "/down/.well-known/jwks.json",
                get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
            )
            .route(
                "/garbage/.well-known/jwks.json",
                get(|| async { "<html>a login page</html>" }),
            )
            .route(
                "/empty/.well-known/jwks.json",
                get(|| async { r#"{"keys":[]}"# }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeClerk { url, task }
    }

    fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.url)
    }
}

/// A 127.0.0.1 port nothing listens on (bound, then released).
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

struct Run {
    code: u8,
    out: String,
    err: String,
}

async fn doctor(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let vars: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = crate::run(
        &args,
        &|name| vars.get(name).cloned(),
        &mut stdin.as_bytes(),
        &mut out,
        &mut err,
        false,
    )
    .await;
    Run {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

/// `doctor token <token> --jwks-url <fake> --issuer <dev issuer>` with `env`.
async fn check_token(fake: &FakeClerk, token: &str, env: &[(&str, &str)]) -> Run {
    let url = fake.jwks_url();
    doctor(
        &["token", token, "--jwks-url", &url, "--issuer", DEV_ISSUER],
        env,
        "",
    )
    .await
}

/// The line of step `name` and its continuation lines.
fn step(out: &str, name: &str) -> String {
    let mut lines = out.lines().skip_while(|l| {
        !(l.len() > 5 && l[5..].starts_with(name) && l[5 + name.len()..].starts_with(' '))
    });
    let mut block = match lines.next() {
        Some(first) => first.to_owned(),
        None => panic!("no `{name}` line in\n{out}"),
    };
    for line in lines.take_while(|l| l.starts_with("      ")) {
        block.push('\n');
        block.push_str(line);
    }
    block
}

/// Asserts the doctor refused the token at `step_name` with `reason`, with
/// an explanation containing `words`, and that later steps did not run.
fn assert_fails(run: &Run, step_name: &str, reason: &str, words: &[&str]) {
    assert_eq!(run.code, 1, "exit code\n{}{}", run.out, run.err);
    let block = step(&run.out, step_name);
    assert!(
        block.starts_with("FAIL"),
        "{step_name} did not fail:\n{}",
        run.out
    );
    assert!(
        block.contains(&format!("{reason}: ")),
        "no {reason}:\n{block}"
    );
    assert!(
        block.contains("means: ") && block.contains("fix:   "),
        "{block}"
    );
    let flat = block.split_whitespace().collect::<Vec<_>>().join(" ");
    for word in words {
        assert!(flat.contains(word), "no {word:?} in\n{block}");
    }
    assert!(
        !run.out.contains("\nyes "),
        "routes listed for a refused token:\n{}",
        run.out
    );
}

fn raw_header(issuer: &DevIssuer, extra: serde_json::Value) -> String {
    let mut header =
        json!({ "alg": "RS256", "kid": issuer.kid(), "typ": "JWT", "cat": cat::SESSION });
    if let (Some(h), Some(e)) = (header.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            h.insert(k.clone(), v.clone());
        }
    }
    header.to_string()
}

fn session_payload(issuer: &DevIssuer, extra: serde_json::Value) -> String {
    let now = issuer.now();
    let mut payload = json!({
        "sub": "user_1", "sid": "sess_1", "iss": DEV_ISSUER,
        "iat": now, "nbf": now - 5, "exp": now + 60, "v": 2,
    });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            if v.is_null() {
                p.remove(k);
            } else {
                p.insert(k.clone(), v.clone());
            }
        }
    }
    payload.to_string()
}

async fn setup() -> (DevIssuer, FakeClerk) {
    let issuer = DevIssuer::new().unwrap();
    let fake = FakeClerk::start(&issuer).await;
    (issuer, fake)
}

// --- token: a good one ---

#[tokio::test]
async fn a_valid_token_passes_every_step_and_lists_claims_and_routes() {
    let (issuer, fake) = setup().await;
    let session = DevSession::new("user_alice")
        .azp("https://app.example.com")
        .org("org_acme", "acme", "org:member")
        .features(["o:data", "u:beta"])
        .permissions(["org:data:read", "org:data:write"])
        .plans(["o:pro"])
        .custom_claims(json!({ "email": "alice@example.com" }));
    let token = issuer.mint(&session);
    let run = check_token(
        &fake,
        &token,
        &[("CLERK_AUTHORIZED_PARTIES", "https://app.example.com")],
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.out, run.err);
    for name in [
        "parse",
        "category",
        "typ",
        "alg",
        "key+signature",
        "sub",
        "azp",
        "times",
        "iss",
    ] {
        assert!(
            step(&run.out, name).starts_with("ok  "),
            "{name}:\n{}",
            run.out
        );
    }
    assert!(step(&run.out, "aud").starts_with("skip"), "{}", run.out);
    let out = &run.out;
    assert!(out.contains("user_alice"), "{out}");
    assert!(out.contains("org_acme (acme)"), "{out}");
    assert!(out.contains("org:member"), "{out}");
    assert!(
        out.contains("org:data:read, org:data:write (decoded from o.per + o.fpm)"),
        "{out}"
    );
    assert!(out.contains("o:data, u:beta"), "{out}");
    assert!(out.contains("o:pro"), "{out}");
    assert!(out.contains(r#"{"email":"alice@example.com"}"#), "{out}");
    // The route table as #[protect] decides it: reading data yes, deleting no.
    let route = |method: &str, path: &str| {
        out.lines()
            .find(|l| l.contains(&format!("{method:<6} {path} ")))
            .unwrap_or_else(|| panic!("no {method} {path} in\n{out}"))
            .to_owned()
    };
    assert!(route("GET", "/api/data").starts_with("yes "), "{out}");
    // any(permission org:data:delete, condition personal_account): neither holds.
    let delete = route("DELETE", "/api/data/{id}");
    assert!(
        delete.starts_with("no  ") && delete.contains("403 policy-denied"),
        "{delete}"
    );
    let admin = route("GET", "/admin");
    assert!(
        admin.starts_with("no  ") && admin.contains("role-required"),
        "{admin}"
    );
}

#[tokio::test]
async fn the_backend_api_with_the_secret_key_verifies_as_the_app_does() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint(&DevSession::new("user_1"));
    let run = doctor(
        &["token", &token, "--issuer", DEV_ISSUER],
        &[
            ("CLERK_SECRET_KEY", GOOD_SECRET),
            ("CLERK_API_URL", &fake.url),
        ],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.out, run.err);
    assert!(
        run.out.contains(&format!("{}/v1/jwks", fake.url)),
        "{}",
        run.out
    );
    assert!(!run.out.contains(GOOD_SECRET), "{}", run.out);
}

#[tokio::test]
async fn a_token_is_read_from_stdin_a_cookie_string_or_a_bearer_value() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint(&DevSession::new("user_1"));
    let url = fake.jwks_url();
    let args = ["token", "-", "--jwks-url", &url, "--issuer", DEV_ISSUER];
    let from_stdin = doctor(&args, &[], &format!("{token}\n")).await;
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.out);
    let cookies = format!("Cookie: theme=dark; __session={token}; __client_uat=1700000000");
    let from_cookie = doctor(&args, &[], &cookies).await;
    assert_eq!(from_cookie.code, 0, "{}", from_cookie.out);
    assert!(
        from_cookie.out.contains("the __session cookie")
            && from_cookie.out.contains("__client_uat=1700000000"),
        "{}",
        from_cookie.out
    );
    let from_header = check_token(&fake, &format!("Bearer {token}"), &[]).await;
    assert_eq!(from_header.code, 0, "{}", from_header.out);
    assert!(
        from_header.out.contains("Authorization: Bearer"),
        "{}",
        from_header.out
    );
}

#[tokio::test]
async fn a_cookie_string_without_a_session_is_a_usage_error() {
    let (_, fake) = setup().await;
    let run = check_token(&fake, "theme=dark; __session=", &[]).await;
    assert_eq!(run.code, 2, "{}{}", run.out, run.err);
    assert!(run.err.contains("no __session cookie"), "{}", run.err);
}

// --- token: one test per failure kind ---

#[tokio::test]
async fn too_large_is_refused_before_parsing() {
    let (_, fake) = setup().await;
    let token = "a".repeat(17 * 1024);
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "parse",
        "token-too-large",
        &["before it is parsed", "~1 KiB"],
    );
    assert!(
        step(&run.out, "category").contains("not run"),
        "{}",
        run.out
    );
}

#[tokio::test]
async fn a_malformed_token_says_it_is_not_a_jwt() {
    let (_, fake) = setup().await;
    let run = check_token(&fake, "not-a-jwt", &[]).await;
    assert_fails(
        &run,
        "parse",
        "token-invalid",
        &["not a compact JWT", "three base64url parts"],
    );
}

#[tokio::test]
async fn a_template_token_used_as_a_session_is_a_type_mismatch() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint_template(
        "supabase",
        json!({ "aud": "authenticated" }),
        Duration::from_secs(60),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "category",
        "token-type-mismatch",
        &["JWT-template token", "without a template"],
    );
}

#[tokio::test]
async fn a_machine_token_is_a_type_mismatch() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint_raw(
        &raw_header(&issuer, json!({ "cat": cat::M2M })),
        &session_payload(&issuer, json!({})),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "category",
        "token-type-mismatch",
        &["machine (M2M) token"],
    );
}

#[tokio::test]
async fn a_token_without_sid_is_a_type_mismatch() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint_raw(
        &raw_header(&issuer, json!({ "cat": null })),
        &session_payload(&issuer, json!({ "sid": null })),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "category",
        "token-type-mismatch",
        &["without a session id"],
    );
}

#[tokio::test]
async fn a_typ_other_than_jwt_fails_the_typ_step() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint_raw(
        &raw_header(&issuer, json!({ "typ": "JOSE" })),
        &session_payload(&issuer, json!({})),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "typ",
        "token-invalid",
        &["`typ` is set and is not `JWT`"],
    );
    assert!(
        step(&run.out, "category").starts_with("ok  "),
        "{}",
        run.out
    );
}

#[tokio::test]
async fn alg_none_is_an_unsigned_token() {
    let (issuer, fake) = setup().await;
    let header = URL_SAFE_NO_PAD.encode(raw_header(&issuer, json!({ "alg": "none" })));
    let payload = URL_SAFE_NO_PAD.encode(session_payload(&issuer, json!({})));
    let run = check_token(&fake, &format!("{header}.{payload}."), &[]).await;
    assert_fails(
        &run,
        "alg",
        "token-invalid-algorithm",
        &["unsigned token", "never accepted"],
    );
}

#[tokio::test]
async fn hs256_is_refused_for_its_algorithm() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint_raw(
        &raw_header(&issuer, json!({ "alg": "HS256" })),
        &session_payload(&issuer, json!({})),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "alg",
        "token-invalid-algorithm",
        &["only RS256", "custom signing key"],
    );
}

#[tokio::test]
async fn a_signature_by_another_key_with_the_same_kid_is_invalid() {
    let (issuer, fake) = setup().await;
    let impostor = DevIssuer::new().unwrap().with_kid(issuer.kid());
    let run = check_token(&fake, &impostor.mint(&DevSession::new("user_1")), &[]).await;
    assert_fails(
        &run,
        "key+signature",
        "token-invalid-signature",
        &["altered", "same kid"],
    );
}

#[tokio::test]
async fn a_kid_not_in_the_jwks_means_another_instance() {
    let (_, fake) = setup().await;
    let other = DevIssuer::new().unwrap();
    let run = check_token(&fake, &other.mint(&DevSession::new("user_1")), &[]).await;
    assert_fails(
        &run,
        "key+signature",
        "jwk-kid-mismatch",
        &[other.kid(), "another Clerk instance", "doctor jwks"],
    );
}

#[tokio::test]
async fn an_unreachable_jwks_fails_the_key_step() {
    let (issuer, _fake) = setup().await;
    let url = format!(
        "http://127.0.0.1:{}/.well-known/jwks.json",
        closed_port().await
    );
    let token = issuer.mint(&DevSession::new("user_1"));
    let run = doctor(
        &["token", &token, "--jwks-url", &url, "--issuer", DEV_ISSUER],
        &[],
        "",
    )
    .await;
    assert_fails(
        &run,
        "key+signature",
        "jwk-remote-failed-to-load",
        &["could not connect", "connection refused"],
    );
}

#[tokio::test]
async fn a_jwks_url_that_serves_no_key_set_is_invalid() {
    let (issuer, fake) = setup().await;
    let url = format!("{}/garbage/.well-known/jwks.json", fake.url);
    let token = issuer.mint(&DevSession::new("user_1"));
    let run = doctor(
        &["token", &token, "--jwks-url", &url, "--issuer", DEV_ISSUER],
        &[],
        "",
    )
    .await;
    assert_fails(&run, "key+signature", "jwk-remote-invalid", &["not a JWKS"]);
}

#[tokio::test]
async fn a_rejected_secret_key_fails_the_key_step() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint(&DevSession::new("user_1"));
    let run = doctor(
        &["token", &token, "--issuer", DEV_ISSUER],
        &[
            ("CLERK_SECRET_KEY", BAD_SECRET),
            ("CLERK_API_URL", &fake.url),
        ],
        "",
    )
    .await;
    assert_fails(
        &run,
        "key+signature",
        "secret-key-invalid",
        &["401", "copy CLERK_SECRET_KEY again"],
    );
    assert!(!run.out.contains(BAD_SECRET), "{}", run.out);
}

#[tokio::test]
async fn a_sub_that_is_not_a_string_fails_verification() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint_raw(
        &raw_header(&issuer, json!({})),
        &session_payload(&issuer, json!({ "sub": 42 })),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "sub",
        "token-verification-failed",
        &["no `sub` string"],
    );
}

#[tokio::test]
async fn claims_of_the_wrong_type_fail_after_the_signature() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint_raw(
        &raw_header(&issuer, json!({})),
        &session_payload(&issuer, json!({ "sid": 7 })),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(&run, "claim types", "token-invalid", &["wrong types"]);
    assert!(
        step(&run.out, "key+signature").starts_with("ok  "),
        "{}",
        run.out
    );
}

#[tokio::test]
async fn an_azp_outside_the_authorized_parties_names_the_variable() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint(&DevSession::new("user_1").azp("https://evil.example"));
    let run = check_token(
        &fake,
        &token,
        &[("CLERK_AUTHORIZED_PARTIES", "https://app.example.com")],
    )
    .await;
    assert_fails(
        &run,
        "azp",
        "token-invalid-authorized-parties",
        &[
            r#""https://evil.example""#,
            "https://app.example.com",
            "add that exact origin",
        ],
    );
}

#[tokio::test]
async fn an_expired_token_says_session_tokens_live_60_s() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint(&DevSession::new("user_1").issued_at(issuer.now() - 600));
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "times",
        "token-expired",
        &["s ago", "session tokens live 60 s", "getToken()", "clock"],
    );
}

#[tokio::test]
async fn a_token_not_active_yet_points_at_the_clock() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint(&DevSession::new("user_1").issued_at(issuer.now() + 600));
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "times",
        "token-not-active-yet",
        &["not valid before", "clock is off"],
    );
}

#[tokio::test]
async fn an_iat_in_the_future_points_at_the_clock() {
    let (issuer, fake) = setup().await;
    let now = issuer.now();
    let token = issuer.mint_raw(
        &raw_header(&issuer, json!({})),
        &session_payload(
            &issuer,
            json!({ "iat": now + 600, "nbf": null, "exp": now + 900 }),
        ),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "times",
        "token-iat-in-the-future",
        &["issued in", "clock is off"],
    );
}

#[tokio::test]
async fn a_missing_exp_fails_the_time_step() {
    let (issuer, fake) = setup().await;
    let token = issuer.mint_raw(
        &raw_header(&issuer, json!({})),
        &session_payload(&issuer, json!({ "exp": null })),
    );
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(
        &run,
        "times",
        "token-invalid",
        &["not what a session token carries"],
    );
}

#[tokio::test]
async fn another_issuer_names_both_issuers() {
    let (issuer, fake) = setup().await;
    let other = issuer
        .clone()
        .with_issuer("https://other-app-1.clerk.accounts.dev");
    let run = check_token(&fake, &other.mint(&DevSession::new("user_1")), &[]).await;
    assert_fails(
        &run,
        "iss",
        "token-invalid-issuer",
        &[
            "https://other-app-1.clerk.accounts.dev",
            DEV_ISSUER,
            "another Clerk instance",
        ],
    );
}

#[tokio::test]
async fn the_issuer_comes_from_the_publishable_key() {
    let (issuer, fake) = setup().await;
    let host = "clerk.example.test";
    let pk = format!("pk_test_{}", STANDARD.encode(format!("{host}$")));
    let issuer = issuer.with_issuer(format!("https://{host}"));
    let url = fake.jwks_url();
    let token = issuer.mint(&DevSession::new("user_1"));
    let env = [("CLERK_PUBLISHABLE_KEY", pk.as_str())];
    let run = doctor(&["token", &token, "--jwks-url", &url], &env, "").await;
    assert_eq!(run.code, 0, "{}", run.out);
    let wrong = issuer
        .with_issuer(DEV_ISSUER)
        .mint(&DevSession::new("user_1"));
    let run = doctor(&["token", &wrong, "--jwks-url", &url], &env, "").await;
    assert_fails(
        &run,
        "iss",
        "token-invalid-issuer",
        &["https://clerk.example.test"],
    );
}

#[tokio::test]
async fn claims_over_a_decoding_limit_fail_the_decode_step() {
    let (issuer, fake) = setup().await;
    let feature = format!("o:{}", "x".repeat(5000));
    let token = issuer.mint(&DevSession::new("user_1").features([feature]));
    let run = check_token(&fake, &token, &[]).await;
    assert_fails(&run, "decode", "token-invalid", &["4 KiB"]);
    assert!(step(&run.out, "iss").starts_with("ok  "), "{}", run.out);
}

#[tokio::test]
async fn no_key_source_is_a_failed_check_naming_the_variables() {
    let run = doctor(&["token", "a.b.c"], &[], "").await;
    assert_eq!(run.code, 1, "{}{}", run.out, run.err);
    assert!(run.out.contains("jwk-failed-to-resolve"), "{}", run.out);
    assert!(run.out.contains("CLERK_SECRET_KEY"), "{}", run.out);
}

// --- jwks ---

#[tokio::test]
async fn jwks_from_the_backend_api_lists_kid_algorithm_bits_and_age() {
    let (issuer, fake) = setup().await;
    let run = doctor(
        &["jwks"],
        &[
            ("CLERK_SECRET_KEY", GOOD_SECRET),
            ("CLERK_API_URL", &fake.url),
        ],
        "",
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.out, run.err);
    let key = step(&run.out, &format!("key {}", issuer.kid()));
    assert!(
        key.starts_with("ok  ") && key.contains("RS256, 2048-bit modulus"),
        "{}",
        run.out
    );
    assert!(run.out.contains("fetched 0 s ago, fresh"), "{}", run.out);
    assert!(
        run.out
            .contains(&format!("Backend API {}/v1/jwks", fake.url)),
        "{}",
        run.out
    );
    assert!(!run.out.contains(GOOD_SECRET), "{}", run.out);
    assert!(run.out.contains("sk_test_… ("), "{}", run.out);
}

#[tokio::test]
async fn jwks_from_an_explicit_url() {
    let (issuer, fake) = setup().await;
    let run = doctor(&["jwks", "--url", &fake.jwks_url()], &[], "").await;
    assert_eq!(run.code, 0, "{}{}", run.out, run.err);
    assert!(run.out.contains(issuer.kid()), "{}", run.out);
}

#[tokio::test]
async fn jwks_with_a_rejected_secret_key_exits_1_explaining_the_401() {
    let (_, fake) = setup().await;
    let run = doctor(
        &["jwks"],
        &[
            ("CLERK_SECRET_KEY", BAD_SECRET),
            ("CLERK_API_URL", &fake.url),
        ],
        "",
    )
    .await;
    assert_fails(
        &run,
        "fetch",
        "secret-key-invalid",
        &["answered 401", "copy CLERK_SECRET_KEY again"],
    );
    assert!(!run.out.contains(BAD_SECRET), "{}", run.out);
}

#[tokio::test]
async fn jwks_on_a_closed_port_exits_1_explaining_connection_refused() {
    let url = format!("http://127.0.0.1:{}", closed_port().await);
    let run = doctor(
        &["jwks"],
        &[("CLERK_SECRET_KEY", GOOD_SECRET), ("CLERK_API_URL", &url)],
        "",
    )
    .await;
    assert_fails(
        &run,
        "fetch",
        "jwk-remote-failed-to-load",
        &[
            "could not connect",
            "connection refused",
            "CLERK_API_URL",
            "Clerk is down",
        ],
    );
}

#[tokio::test]
async fn jwks_answering_503_says_clerk_failed() {
    let (_, fake) = setup().await;
    let url = format!("{}/down/.well-known/jwks.json", fake.url);
    let run = doctor(&["jwks", "--url", &url], &[], "").await;
    assert_fails(
        &run,
        "fetch",
        "jwk-remote-failed-to-load",
        &["503", "status.clerk.com"],
    );
}

#[tokio::test]
async fn jwks_that_is_not_a_key_set_is_invalid() {
    let (_, fake) = setup().await;
    let url = format!("{}/garbage/.well-known/jwks.json", fake.url);
    let run = doctor(&["jwks", "--url", &url], &[], "").await;
    assert_fails(&run, "fetch", "jwk-remote-invalid", &["not a JWKS"]);
}

#[tokio::test]
async fn jwks_without_a_usable_key_says_so() {
    let (_, fake) = setup().await;
    let url = format!("{}/empty/.well-known/jwks.json", fake.url);
    let run = doctor(&["jwks", "--url", &url], &[], "").await;
    assert_fails(
        &run,
        "fetch",
        "jwk-remote-failed-to-load",
        &["no RSA RS256 signing key"],
    );
}

#[tokio::test]
async fn jwks_frontend_uses_the_publishable_keys_host() {
    // The host is a closed local port: the URL is derived, nothing leaves the machine.
    let host = format!("127.0.0.1:{}", closed_port().await);
    let pk = format!("pk_test_{}", STANDARD.encode(format!("{host}$")));
    let run = doctor(
        &["jwks", "--frontend"],
        &[
            ("CLERK_PUBLISHABLE_KEY", &pk),
            ("CLERK_SECRET_KEY", GOOD_SECRET),
        ],
        "",
    )
    .await;
    assert!(
        run.out.contains(&format!(
            "Frontend API https://{host}/.well-known/jwks.json"
        )),
        "{}",
        run.out
    );
    assert_fails(&run, "fetch", "jwk-remote-failed-to-load", &[]);
}

#[tokio::test]
async fn jwks_without_a_source_exits_1() {
    let run = doctor(&["jwks"], &[], "").await;
    assert_eq!(run.code, 1, "{}", run.out);
    assert!(run.out.contains("no key source"), "{}", run.out);
}

// --- the command line ---

#[tokio::test]
async fn unknown_commands_and_options_exit_2_on_stderr() {
    for args in [
        &["nope"][..],
        &[][..],
        &["jwks", "--bogus"][..],
        &["token"][..],
        &["token", "a", "b"][..],
        &["env", "extra"][..],
    ] {
        let run = doctor(args, &[], "").await;
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.out, run.err);
        assert!(
            run.out.is_empty() && run.err.contains("usage: doctor"),
            "{args:?}: {}",
            run.err
        );
    }
}

#[tokio::test]
async fn output_has_colour_only_when_asked() {
    let (_, fake) = setup().await;
    let plain = check_token(&fake, "not-a-jwt", &[]).await;
    assert!(!plain.out.contains('\x1b'), "{}", plain.out);
    let mut out = Vec::new();
    let args: Vec<String> = ["token", "not-a-jwt", "--jwks-url", &fake.jwks_url()]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    crate::run(
        &args,
        &|_| None,
        &mut "".as_bytes(),
        &mut out,
        &mut Vec::new(),
        true,
    )
    .await;
    assert!(String::from_utf8(out).unwrap().contains("\x1b[31mFAIL"));
}
