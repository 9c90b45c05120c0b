//! ClerkLayer + Guard + extractors over real HTTP: where tokens come from,
//! how each policy kind answers APIs and pages, and what handlers see.
//!
//! Handlers are written as `#[protect]` expands them: a `Guard<P>` first.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::Extension;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use clerk_runtime::__private::{Guard, PolicySource};
use clerk_runtime::layer::ClerkLayer;
use clerk_runtime::policy::{Condition, Protection, Reverification};
use clerk_runtime::token::source::CookieSuffix;
use clerk_runtime::{Auth, DevIssuer, DevSession, MaybeAuth, Policy, ResponseMode, Rule, UserId};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The fixed "now" of the dev issuer and of the verifier it builds.
pub(crate) const NOW: i64 = 1_800_000_000;
const PUBLISHABLE_KEY: &str = "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k";
const SIGN_IN: &str = "https://accounts.example.com/sign-in";
const UNAUTHORIZED: &str = "https://app.example.com/unauthorized";

/// One RSA key for the whole test binary: generating keys is the slow part.
pub(crate) fn issuer() -> &'static DevIssuer {
    static ISSUER: OnceLock<DevIssuer> = OnceLock::new();
    ISSUER.get_or_init(|| DevIssuer::new().expect("dev issuer").with_clock(|| NOW))
}

pub(crate) fn token(session: DevSession) -> String {
    issuer().mint(&session)
}

pub(crate) fn user(id: &str) -> String {
    token(DevSession::new(id))
}

pub(crate) fn layer() -> ClerkLayer {
    ClerkLayer::dev(issuer()).expect("dev layer")
}

/// Serves `app` on a free local port; returns its base URL.
pub(crate) async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A client that shows redirects instead of following them.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

macro_rules! policy {
    ($name:ident = $policy:expr) => {
        pub(crate) enum $name {}
        impl PolicySource for $name {
            const POLICY: Policy = $policy;
        }
    };
}

const fn protect(rule: Rule) -> Policy {
    Policy::Protected(Protection {
        rule,
        allow_pending: false,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    })
}

fn is_user_alice(auth: &Auth) -> bool {
    auth.user_id() == "user_alice"
}

policy!(Open = Policy::PUBLIC);
policy!(SignedIn = protect(Rule::SignedIn));
policy!(
    PendingOk = Policy::Protected(Protection {
        rule: Rule::SignedIn,
        allow_pending: true,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    })
);
policy!(InOrg = protect(Rule::Org));
policy!(Admin = protect(Rule::Role("org:admin")));
policy!(CanRead = protect(Rule::Permission("org:data:read")));
policy!(Beta = protect(Rule::Feature("u:beta")));
policy!(Pro = protect(Rule::Plan("o:pro")));
policy!(Fresh = protect(Rule::Fresh(Reverification::STRICT)));
policy!(
    Alice = protect(Rule::Condition(Condition {
        name: "is_user_alice",
        check: is_user_alice
    }))
);
policy!(
    AdminOrReader = protect(Rule::Any(&[
        Rule::Role("org:admin"),
        Rule::Permission("org:data:read")
    ]))
);
policy!(
    AdminAndBeta = protect(Rule::All(&[
        Rule::Role("org:admin"),
        Rule::Feature("u:beta")
    ]))
);

async fn whoami(_: Guard<SignedIn>, auth: Auth) -> String {
    auth.user_id().to_owned()
}

async fn ok<P: PolicySource>(_: Guard<P>) -> &'static str {
    "ok"
}

async fn optional(_: Guard<Open>, auth: Option<Auth>) -> String {
    auth.map_or_else(|| "anonymous".to_owned(), |a| a.user_id().to_owned())
}

async fn maybe(_: Guard<Open>, auth: MaybeAuth) -> String {
    match auth.auth() {
        Some(auth) => auth.user_id().to_owned(),
        None => auth.reason().unwrap_or("?").to_owned(),
    }
}

async fn create(_: Guard<SignedIn>, axum::Json(body): axum::Json<Value>) -> axum::Json<Value> {
    axum::Json(body)
}

async fn seen_user(
    _: Guard<SignedIn>,
    headers: HeaderMap,
    Extension(user): Extension<UserId>,
) -> String {
    let header = headers
        .get("x-user-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    format!("{header}|{user}")
}

async fn public_headers(_: Guard<Open>, headers: HeaderMap) -> String {
    headers
        .get("x-user-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

async fn pending_whoami(_: Guard<PendingOk>, auth: Auth) -> String {
    format!("{} {}", auth.user_id(), auth.status().as_str())
}

fn app() -> Router {
    Router::new()
        .route("/me", get(whoami))
        .route("/optional", get(optional))
        .route("/maybe", get(maybe))
        .route("/items", post(create))
        .route("/seen", get(seen_user))
        .route("/public-headers", get(public_headers))
        .route("/pending", get(pending_whoami))
        .route("/org", get(ok::<InOrg>))
        .route("/admin", get(ok::<Admin>))
        .route("/read", get(ok::<CanRead>))
        .route("/beta", get(ok::<Beta>))
        .route("/pro", get(ok::<Pro>))
        .route("/fresh", get(ok::<Fresh>))
        .route("/alice", get(ok::<Alice>))
        .route("/admin-or-reader", get(ok::<AdminOrReader>))
        .route("/admin-and-beta", get(ok::<AdminAndBeta>))
}

async fn api(layer: ClerkLayer) -> String {
    serve(app().layer(layer)).await
}

async fn get_with(base: &str, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client().get(format!("{base}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn bearer(base: &str, path: &str, token: &str) -> reqwest::Response {
    get_with(base, path, &[("authorization", &format!("Bearer {token}"))]).await
}

async fn status_for(path: &str, session: DevSession) -> StatusCode {
    let base = api(layer()).await;
    bearer(&base, path, &token(session)).await.status()
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

fn www_authenticate(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("www-authenticate")
        .map_or("", |v| v.to_str().unwrap())
}

fn location(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("location")
        .map_or("", |v| v.to_str().unwrap())
}

// --- where the token comes from -------------------------------------------

#[tokio::test]
async fn bearer_token_signs_in() {
    let base = api(layer()).await;
    let response = bearer(&base, "/me", &user("user_alice")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "user_alice");
}

#[tokio::test]
async fn header_beats_cookie() {
    let base = api(layer()).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        user("user_cookie"),
        NOW - 10
    );
    let auth = format!("Bearer {}", user("user_header"));
    let response = get_with(
        &base,
        "/me",
        &[("authorization", &auth), ("cookie", &cookie)],
    )
    .await;
    assert_eq!(response.text().await.unwrap(), "user_header");
}

#[tokio::test]
async fn invalid_header_token_is_not_rescued_by_a_valid_cookie() {
    let base = api(layer()).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        user("user_cookie"),
        NOW - 10
    );
    let response = get_with(
        &base,
        "/me",
        &[("authorization", "Bearer not.a.jwt"), ("cookie", &cookie)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn session_cookie_with_client_uat_before_iat_signs_in() {
    let base = api(layer()).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        user("user_cookie"),
        NOW - 10
    );
    let response = get_with(&base, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "user_cookie");
}

#[tokio::test]
async fn suffixed_cookies_are_preferred_when_a_publishable_key_is_set() {
    let base = api(layer().publishable_key(PUBLISHABLE_KEY)).await;
    let sfx = CookieSuffix::from_publishable_key(PUBLISHABLE_KEY);
    let sfx = sfx.as_str();
    let cookie = format!(
        "__session={}; __client_uat=0; __session_{sfx}={}; __client_uat_{sfx}={}",
        user("user_plain"),
        user("user_suffixed"),
        NOW - 10
    );
    let response = get_with(&base, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.text().await.unwrap(), "user_suffixed");
}

#[tokio::test]
async fn client_uat_zero_means_signed_out() {
    let base = api(layer()).await;
    let cookie = format!("__session={}; __client_uat=0", user("user_cookie"));
    let response = get_with(&base, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(response).await["reason"],
        "session-token-but-no-client-uat"
    );
}

#[tokio::test]
async fn missing_client_uat_means_signed_out() {
    let base = api(layer()).await;
    let cookie = format!("__session={}", user("user_cookie"));
    let response = get_with(&base, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(response).await["reason"],
        "session-token-but-no-client-uat"
    );
}

#[tokio::test]
async fn cookie_token_issued_before_client_uat_is_signed_out() {
    let base = api(layer()).await;
    let stale = token(DevSession::new("user_cookie").issued_at(NOW - 30));
    let cookie = format!("__session={stale}; __client_uat={}", NOW - 10);
    let response = get_with(&base, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(response).await["reason"],
        "session-token-iat-before-client-uat"
    );
}

#[tokio::test]
async fn oversized_token_is_rejected_as_too_large() {
    let base = api(layer()).await;
    let huge = "a".repeat(17 * 1024);
    let response = bearer(&base, "/me", &huge).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await["reason"], "token-too-large");
}

// --- API responses -----------------------------------------------------------

#[tokio::test]
async fn no_token_on_api_is_401_with_bare_bearer_challenge() {
    let base = api(layer()).await;
    let response = get_with(&base, "/me", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(www_authenticate(&response), "Bearer");
    assert_eq!(
        json_of(response).await,
        json!({"error": "unauthenticated", "reason": "session-token-missing"})
    );
}

#[tokio::test]
async fn expired_token_on_api_is_401_invalid_token_token_expired() {
    let base = api(layer()).await;
    let expired = token(DevSession::new("user_alice").issued_at(NOW - 600));
    let response = bearer(&base, "/me", &expired).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        www_authenticate(&response),
        r#"Bearer error="invalid_token""#
    );
    assert_eq!(
        json_of(response).await,
        json!({"error": "unauthenticated", "reason": "token-expired"})
    );
}

/// A session's claims (with `sid`) under a header carrying Clerk's `cat`.
fn categorised(cat: &str) -> String {
    let header = json!({"alg": "RS256", "kid": issuer().kid(), "typ": "JWT", "cat": cat});
    let claims = json!({
        "sub": "user_alice", "sid": "sess_cat", "iss": issuer().issuer(),
        "iat": NOW, "nbf": NOW - 5, "exp": NOW + 60, "v": 2,
    });
    issuer().mint_raw(&header.to_string(), &claims.to_string())
}

#[tokio::test]
async fn template_and_m2m_categories_with_a_sid_are_401_type_mismatch() {
    let base = api(layer()).await;
    for cat in ["cl_B7d4PD222AAA", "cl_B7d4PD333AAA", "cl_unknown"] {
        let response = bearer(&base, "/me", &categorised(cat)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{cat}");
        assert_eq!(
            json_of(response).await,
            json!({"error": "unauthenticated", "reason": "token-type-mismatch"}),
            "{cat}"
        );
    }
}

#[tokio::test]
async fn session_and_ignore_categories_sign_in() {
    let base = api(layer()).await;
    for cat in ["cl_B7d4PD111AAA", "cl_I7d4PD111III"] {
        let response = bearer(&base, "/me", &categorised(cat)).await;
        assert_eq!(response.status(), StatusCode::OK, "{cat}");
    }
}

#[tokio::test]
async fn failing_policy_on_api_is_403_insufficient_scope() {
    let base = api(layer()).await;
    let member = token(DevSession::new("user_bob").org("org_1", "acme", "org:member"));
    let response = bearer(&base, "/admin", &member).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        www_authenticate(&response),
        r#"Bearer error="insufficient_scope""#
    );
    assert_eq!(
        json_of(response).await,
        json!({"error": "forbidden", "reason": "role-required"})
    );
}

#[tokio::test]
async fn not_found_mode_hides_signed_out_as_404() {
    let base = api(layer().not_found_instead(true)).await;
    let response = get_with(&base, "/me", &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(www_authenticate(&response), "");
}

#[tokio::test]
async fn not_found_mode_hides_forbidden_as_404() {
    let base = api(layer().not_found_instead(true)).await;
    let response = bearer(&base, "/admin", &user("user_bob")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn missing_layer_is_500_naming_the_layer() {
    let base = serve(app()).await;
    let response = bearer(&base, "/me", &user("user_alice")).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(json_of(response).await["reason"], "clerk-layer-missing");
}

#[tokio::test]
async fn guard_runs_before_the_json_body_extractor() {
    let base = api(layer()).await;
    let response = client()
        .post(format!("{base}/items"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signed_in_request_reaches_the_json_body_extractor() {
    let base = api(layer()).await;
    let response = client()
        .post(format!("{base}/items"))
        .bearer_auth(user("user_alice"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

// --- each policy kind ---------------------------------------------------------

#[tokio::test]
async fn org_policy_allows_a_session_with_an_active_org() {
    let s = DevSession::new("user_a").org("org_1", "acme", "org:member");
    assert_eq!(status_for("/org", s).await, StatusCode::OK);
}

#[tokio::test]
async fn org_policy_forbids_a_session_without_org() {
    assert_eq!(
        status_for("/org", DevSession::new("user_a")).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn role_policy_allows_the_role() {
    let s = DevSession::new("user_a").org("org_1", "acme", "org:admin");
    assert_eq!(status_for("/admin", s).await, StatusCode::OK);
}

#[tokio::test]
async fn permission_policy_allows_the_permission() {
    let s = DevSession::new("user_a")
        .org("org_1", "acme", "org:member")
        .permissions(["org:data:read"]);
    assert_eq!(status_for("/read", s).await, StatusCode::OK);
}

#[tokio::test]
async fn permission_policy_forbids_other_permissions() {
    let s = DevSession::new("user_a")
        .org("org_1", "acme", "org:member")
        .permissions(["org:data:write"]);
    assert_eq!(status_for("/read", s).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn feature_policy_allows_the_feature() {
    let s = DevSession::new("user_a").features(["u:beta"]);
    assert_eq!(status_for("/beta", s).await, StatusCode::OK);
}

#[tokio::test]
async fn feature_policy_forbids_without_the_feature() {
    let s = DevSession::new("user_a").features(["u:other"]);
    assert_eq!(status_for("/beta", s).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn plan_policy_allows_the_plan() {
    let s = DevSession::new("user_a")
        .org("org_1", "acme", "org:member")
        .plans(["o:pro"]);
    assert_eq!(status_for("/pro", s).await, StatusCode::OK);
}

#[tokio::test]
async fn plan_policy_forbids_another_plan() {
    let s = DevSession::new("user_a").plans(["u:free"]);
    assert_eq!(status_for("/pro", s).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn fresh_policy_allows_a_recent_second_factor() {
    let s = DevSession::new("user_a").fva(5, 5);
    assert_eq!(status_for("/fresh", s).await, StatusCode::OK);
}

#[tokio::test]
async fn fresh_policy_forbids_a_stale_second_factor_with_reverification_error() {
    let base = api(layer()).await;
    let response = bearer(
        &base,
        "/fresh",
        &token(DevSession::new("user_a").fva(5, 90)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(response).await["reason"], "reverification-error");
}

#[tokio::test]
async fn condition_policy_runs_the_predicate() {
    assert_eq!(
        status_for("/alice", DevSession::new("user_alice")).await,
        StatusCode::OK
    );
    assert_eq!(
        status_for("/alice", DevSession::new("user_bob")).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn any_policy_allows_when_one_rule_passes() {
    let s = DevSession::new("user_a")
        .org("org_1", "acme", "org:member")
        .permissions(["org:data:read"]);
    assert_eq!(status_for("/admin-or-reader", s).await, StatusCode::OK);
}

#[tokio::test]
async fn all_policy_forbids_naming_the_failing_rule() {
    let base = api(layer()).await;
    let admin = token(DevSession::new("user_a").org("org_1", "acme", "org:admin"));
    let response = bearer(&base, "/admin-and-beta", &admin).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(response).await["reason"], "feature-required");
}

#[tokio::test]
async fn every_protected_kind_is_401_when_signed_out() {
    let base = api(layer()).await;
    for path in [
        "/org",
        "/admin",
        "/read",
        "/beta",
        "/pro",
        "/fresh",
        "/alice",
        "/admin-or-reader",
    ] {
        let response = get_with(&base, path, &[]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
}

// --- pages --------------------------------------------------------------------

fn pages() -> ClerkLayer {
    layer()
        .response_mode(ResponseMode::Pages)
        .sign_in_url(SIGN_IN)
}

#[tokio::test]
async fn signed_out_page_redirects_to_sign_in_with_redirect_url() {
    let base = api(pages()).await;
    let response = get_with(&base, "/me?tab=1", &[]).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    let expected_back = base.replace(':', "%3A").replace('/', "%2F");
    assert_eq!(
        location(&response),
        format!("{SIGN_IN}?redirect_url={expected_back}%2Fme%3Ftab%3D1")
    );
}

#[tokio::test]
async fn template_category_session_cookie_on_a_page_is_signed_out() {
    let base = api(pages()).await;
    let cookie = format!(
        "__session={}; __client_uat={}",
        categorised("cl_B7d4PD222AAA"),
        NOW - 10
    );
    let response = get_with(&base, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(
        location(&response).starts_with(SIGN_IN),
        "{}",
        location(&response)
    );
}

#[tokio::test]
async fn protected_sign_in_page_answers_401_instead_of_looping() {
    let base = api(layer()
        .response_mode(ResponseMode::Pages)
        .sign_in_url("/me"))
    .await;
    let response = get_with(&base, "/me", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forbidden_page_redirects_to_the_unauthorized_url() {
    let base = api(pages().unauthorized_url(UNAUTHORIZED)).await;
    let response = bearer(&base, "/admin", &user("user_bob")).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(location(&response), UNAUTHORIZED);
}

#[tokio::test]
async fn forbidden_page_without_unauthorized_url_is_403() {
    let base = api(pages()).await;
    let response = bearer(&base, "/admin", &user("user_bob")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn auto_mode_redirects_document_navigation() {
    let base = api(layer().sign_in_url(SIGN_IN)).await;
    let response = get_with(&base, "/me", &[("sec-fetch-dest", "document")]).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
}

#[tokio::test]
async fn auto_mode_redirects_html_accepting_requests() {
    let base = api(layer().sign_in_url(SIGN_IN)).await;
    let response = get_with(&base, "/me", &[("accept", "text/html,*/*;q=0.8")]).await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
}

#[tokio::test]
async fn auto_mode_answers_json_fetches_with_401() {
    let base = api(layer().sign_in_url(SIGN_IN)).await;
    let response = get_with(
        &base,
        "/me",
        &[("accept", "application/json"), ("sec-fetch-dest", "empty")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_mode_answers_html_requests_with_401() {
    let base = api(layer()
        .response_mode(ResponseMode::Api)
        .sign_in_url(SIGN_IN))
    .await;
    let response = get_with(&base, "/me", &[("accept", "text/html")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

// --- what handlers see ----------------------------------------------------------

#[tokio::test]
async fn user_id_header_and_extension_reach_the_handler() {
    let base = api(layer()).await;
    let response = bearer(&base, "/seen", &user("user_alice")).await;
    assert_eq!(response.text().await.unwrap(), "user_alice|user_alice");
}

#[tokio::test]
async fn user_id_header_reaches_a_page_request_too() {
    let base = api(layer()).await;
    let auth = format!("Bearer {}", user("user_alice"));
    let response = get_with(
        &base,
        "/seen",
        &[("authorization", &auth), ("accept", "text/html")],
    )
    .await;
    assert_eq!(response.text().await.unwrap(), "user_alice|user_alice");
}

#[tokio::test]
async fn client_sent_user_id_header_is_removed() {
    let base = api(layer()).await;
    let response = get_with(&base, "/public-headers", &[("x-user-id", "user_evil")]).await;
    assert_eq!(response.text().await.unwrap(), "-");
}

#[tokio::test]
async fn client_sent_user_id_header_is_replaced_by_the_verified_one() {
    let base = api(layer()).await;
    let auth = format!("Bearer {}", user("user_alice"));
    let response = get_with(
        &base,
        "/seen",
        &[("authorization", &auth), ("x-user-id", "user_evil")],
    )
    .await;
    assert_eq!(response.text().await.unwrap(), "user_alice|user_alice");
}

#[tokio::test]
async fn optional_auth_on_public_route_is_none_when_signed_out() {
    let base = api(layer()).await;
    let response = get_with(&base, "/optional", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn optional_auth_on_public_route_is_none_for_an_invalid_token() {
    let base = api(layer()).await;
    let response = bearer(&base, "/optional", "not.a.jwt").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn optional_auth_on_public_route_is_the_session_when_signed_in() {
    let base = api(layer()).await;
    let response = bearer(&base, "/optional", &user("user_alice")).await;
    assert_eq!(response.text().await.unwrap(), "user_alice");
}

#[tokio::test]
async fn maybe_auth_exposes_the_failure_reason() {
    let base = api(layer()).await;
    let expired = token(DevSession::new("user_alice").issued_at(NOW - 600));
    let response = bearer(&base, "/maybe", &expired).await;
    assert_eq!(response.text().await.unwrap(), "token-expired");
}

#[tokio::test]
async fn pending_session_is_rejected_on_a_protected_route() {
    let base = api(layer()).await;
    let pending = token(DevSession::new("user_alice").status("pending"));
    let response = bearer(&base, "/me", &pending).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await["reason"], "session-pending");
}

#[tokio::test]
async fn pending_session_is_accepted_where_the_route_allows_it() {
    let base = api(layer()).await;
    let pending = token(DevSession::new("user_alice").status("pending"));
    let response = bearer(&base, "/pending", &pending).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "user_alice pending");
}

#[tokio::test]
async fn pending_session_is_none_for_optional_auth_on_a_public_route() {
    let base = api(layer()).await;
    let pending = token(DevSession::new("user_alice").status("pending"));
    let response = bearer(&base, "/optional", &pending).await;
    assert_eq!(response.text().await.unwrap(), "anonymous");
}

// --- keys over HTTP -------------------------------------------------------------

#[tokio::test]
async fn layer_verifies_with_keys_fetched_over_http_and_shares_the_cache() {
    let jwks = issuer()
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let verifier = clerk_runtime::Verifier::builder()
        .jwks_url(jwks.jwks_url())
        .issuer(issuer().issuer())
        .clock(|| NOW)
        .build()
        .unwrap();
    let layer = ClerkLayer::new(verifier);
    let verifier = layer.verifier().clone();
    let base = api(layer).await;
    for id in ["user_a", "user_b", "user_c"] {
        let response = bearer(&base, "/me", &user(id)).await;
        assert_eq!(response.text().await.unwrap(), id);
    }
    assert_eq!(verifier.jwks_fetches(), 1);
}

#[tokio::test]
async fn v1_tokens_answer_every_policy_kind_like_v2_tokens() {
    let base = api(layer()).await;
    let admin = || {
        DevSession::new("user_alice")
            .org("org_1", "acme", "admin")
            .permissions(["org:data:read"])
            .fva(1, 1)
    };
    let outsider = || DevSession::new("user_bob").fva(30, 30);
    // v1 has no `fea`/`pla` claims: feature and plan checks fail, as in Clerk.
    let cases = [
        ("/me", admin(), StatusCode::OK),
        ("/org", admin(), StatusCode::OK),
        ("/org", outsider(), StatusCode::FORBIDDEN),
        ("/admin", admin(), StatusCode::OK),
        ("/admin", outsider(), StatusCode::FORBIDDEN),
        ("/read", admin(), StatusCode::OK),
        ("/read", outsider(), StatusCode::FORBIDDEN),
        ("/beta", admin().features(["u:beta"]), StatusCode::FORBIDDEN),
        ("/pro", admin().plans(["o:pro"]), StatusCode::FORBIDDEN),
        ("/fresh", admin(), StatusCode::OK),
        ("/fresh", outsider(), StatusCode::FORBIDDEN),
        ("/alice", admin(), StatusCode::OK),
        ("/alice", outsider(), StatusCode::FORBIDDEN),
        ("/admin-or-reader", admin(), StatusCode::OK),
        ("/admin-or-reader", outsider(), StatusCode::FORBIDDEN),
    ];
    for (path, session, expected) in cases {
        let v1 = issuer().mint_v1(&session);
        assert_eq!(
            bearer(&base, path, &v1).await.status(),
            expected,
            "v1 {path}"
        );
    }
    assert_eq!(
        get_with(&base, "/admin", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// A layer whose JWKS URL refuses connections: Clerk is unreachable.
async fn unreachable_keys_layer() -> ClerkLayer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let verifier = clerk_runtime::Verifier::builder()
        .jwks_url(format!("http://{addr}/.well-known/jwks.json"))
        .clock(|| NOW)
        .build()
        .unwrap();
    ClerkLayer::new(verifier)
}

#[tokio::test]
async fn unreachable_keys_on_a_protected_route_are_503_with_retry_after() {
    let base = api(unreachable_keys_layer().await).await;
    let response = bearer(&base, "/me", &user("user_alice")).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "10");
    assert_eq!(
        json_of(response).await,
        json!({"error": "unavailable", "reason": "jwk-remote-failed-to-load"})
    );
}

#[tokio::test]
async fn unreachable_keys_on_a_page_are_503_not_a_sign_in_redirect() {
    let layer = unreachable_keys_layer()
        .await
        .response_mode(ResponseMode::Pages)
        .sign_in_url(SIGN_IN);
    let base = api(layer).await;
    let response = bearer(&base, "/me", &user("user_alice")).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn unreachable_keys_make_option_auth_503_and_maybe_auth_say_why() {
    let base = api(unreachable_keys_layer().await).await;
    let token = user("user_alice");
    let response = bearer(&base, "/optional", &token).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let response = bearer(&base, "/maybe", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("jwk-remote-failed-to-load"),
        "MaybeAuth exposes the reason"
    );
}
