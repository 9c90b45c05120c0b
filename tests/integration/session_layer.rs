//! The layer applies Clerk's browser-session decision on every request
//! (issue 13, phase 2): the example app in Clerk mode against a fake Clerk
//! instance on 127.0.0.1 (Frontend API handshake via `CLERK_PROXY_URL`,
//! Backend API via `CLERK_API_URL`), driven over HTTP without following
//! redirects, one hop at a time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use clerk_examples::{App, Settings};
use clerk_runtime::token::source::CookieSuffix;
use clerk_runtime::{DevIssuer, DevSession};
use clerk_tests::fake_clerk::{FAKE_SECRET_KEY, FAKE_USER, FakeInstance, HandshakeMode};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// The Frontend API host the fake instance's publishable key encodes.
pub(crate) const FAKE_FAPI_HOST: &str = "clerk.fake-instance.test";

pub(crate) fn publishable_key() -> String {
    key_with_prefix("pk_live_")
}

fn key_with_prefix(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::STANDARD.encode(format!("{FAKE_FAPI_HOST}$"))
    )
}

/// The example app in Clerk mode, pointed at a fake instance.
pub(crate) struct ClerkApp {
    pub(crate) url: String,
    pub(crate) fake: FakeInstance,
    pub(crate) issuer: Arc<DevIssuer>,
    client: reqwest::Client,
    _server: tokio::task::JoinHandle<()>,
}

impl ClerkApp {
    pub(crate) async fn start(mode: HandshakeMode) -> ClerkApp {
        Self::start_with(publishable_key(), mode).await
    }

    async fn start_with(publishable_key: String, mode: HandshakeMode) -> ClerkApp {
        let issuer = Arc::new(
            DevIssuer::new()
                .unwrap()
                .with_issuer(format!("https://{FAKE_FAPI_HOST}")),
        );
        let fake = FakeInstance::start(issuer.clone(), mode).await;
        let vars: HashMap<&str, String> = HashMap::from([
            ("CLERK_PUBLISHABLE_KEY", publishable_key),
            ("CLERK_SECRET_KEY", FAKE_SECRET_KEY.to_owned()),
            ("CLERK_JWT_KEY", issuer.public_key_pem()),
            ("CLERK_API_URL", fake.url.clone()),
            ("CLERK_PROXY_URL", fake.url.clone()),
            ("DATABASE_URL", ":memory:".to_owned()),
        ]);
        let settings = Settings::from_lookup(|name| vars.get(name).cloned()).unwrap();
        assert!(
            settings.session.is_some(),
            "publishable key enables browser sessions"
        );
        let app = App::build(settings).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = app.router;
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        ClerkApp {
            url,
            fake,
            issuer,
            client,
            _server: server,
        }
    }

    pub(crate) fn expired_session(&self) -> String {
        self.issuer.mint(
            &DevSession::new(FAKE_USER)
                .session_id("sess_fake")
                .issued_at(self.issuer.now() - 600)
                .lifetime(Duration::from_secs(60)),
        )
    }

    fn uat(&self) -> i64 {
        self.issuer.now() - 900
    }

    /// A document navigation as a browser sends it.
    fn page(&self, url: &str, cookies: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .client
            .get(url)
            .header("sec-fetch-dest", "document")
            .header("accept", "text/html,application/xhtml+xml");
        if !cookies.is_empty() {
            r = r.header(COOKIE, cookies);
        }
        r
    }
}

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn header<'r>(r: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

fn location(r: &reqwest::Response) -> String {
    header(r, LOCATION.as_str()).unwrap_or_default().to_owned()
}

/// Cookies named in `directives`, as a browser would send them back.
fn cookie_pairs(directives: &[String]) -> String {
    directives
        .iter()
        .filter_map(|d| d.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn expired_cookie_on_a_page_is_a_307_to_the_frontend_api_with_clerks_headers() {
    let app = ClerkApp::start(HandshakeMode::Token).await;
    let cookies = format!(
        "__session={}; __client_uat={}",
        app.expired_session(),
        app.uat()
    );
    let r = app
        .page(&format!("{}/dashboard?tab=1", app.url), &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    let loc = url::Url::parse(&location(&r)).unwrap();
    assert_eq!(
        format!("{}{}", loc.origin().ascii_serialization(), loc.path()),
        format!("{}/v1/client/handshake", app.fake.url)
    );
    let q: HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["redirect_url"], format!("{}/dashboard?tab=1", app.url));
    assert_eq!(
        q["__clerk_hs_reason"],
        "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    );
    assert_eq!(q["format"], "nonce");
    assert_eq!(header(&r, "cache-control"), Some("no-store"));
    assert_eq!(header(&r, "x-clerk-auth-status"), Some("handshake"));
    assert_eq!(
        set_cookies(&r),
        ["__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2"]
    );
    assert!(
        r.bytes().await.unwrap().is_empty(),
        "a handshake has an empty body"
    );
}

#[tokio::test]
async fn handshake_round_trip_with_a_token_lands_signed_in_with_fresh_cookies() {
    let app = ClerkApp::start(HandshakeMode::Token).await;
    let cookies = format!(
        "__session={}; __client_uat={}",
        app.expired_session(),
        app.uat()
    );
    let first = app
        .page(&format!("{}/dashboard", app.url), &cookies)
        .send()
        .await
        .unwrap();
    let to_fapi = location(&first);
    let back = app.client.get(&to_fapi).send().await.unwrap();
    assert_eq!(back.status(), StatusCode::TEMPORARY_REDIRECT);
    let back_url = location(&back);
    assert!(back_url.contains("__clerk_handshake="), "{back_url}");
    // Production: the resolution does not redirect; the page renders with the new cookies.
    let done = app.page(&back_url, &cookies).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let fresh = set_cookies(&done);
    assert_eq!(fresh.len(), 2, "{fresh:?}");
    assert!(fresh[0].starts_with("__session="));
    assert!(fresh[1].starts_with("__client_uat="));
    assert_eq!(header(&done, "access-control-allow-origin"), Some("null"));
    let body = done.text().await.unwrap();
    assert!(body.contains(FAKE_USER), "the dashboard shows the user");
    // The next page load carries the fresh cookies and takes the fast path.
    let next = app
        .page(&format!("{}/dashboard", app.url), &cookie_pairs(&fresh))
        .send()
        .await
        .unwrap();
    assert_eq!(next.status(), StatusCode::OK);
    assert!(set_cookies(&next).is_empty());
    assert_eq!(header(&next, "x-clerk-auth-status"), None);
}

#[tokio::test]
async fn handshake_nonce_is_exchanged_through_the_backend_api() {
    let app = ClerkApp::start(HandshakeMode::Nonce).await;
    let cookies = format!("__client_uat={}", app.uat());
    let first = app
        .page(&format!("{}/dashboard", app.url), &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(location(&first).contains("__clerk_hs_reason=client-uat-but-no-session-token"));
    let back = app.client.get(location(&first)).send().await.unwrap();
    let back_url = location(&back);
    assert!(
        back_url.contains("__clerk_handshake_nonce=nonce_1"),
        "{back_url}"
    );
    let done = app.page(&back_url, &cookies).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains(FAKE_USER));
    let payload = app
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path() == "/v1/clients/handshake_payload")
        .expect("the app fetched the nonce's payload");
    assert_eq!(payload.query["nonce"], "nonce_1");
    assert_eq!(
        payload.header("authorization"),
        Some(format!("Bearer {FAKE_SECRET_KEY}").as_str())
    );
    assert_eq!(payload.header("clerk-api-version"), Some("2026-05-12"));
}

#[tokio::test]
async fn api_request_with_an_expired_cookie_gets_401_and_never_a_handshake() {
    let app = ClerkApp::start(HandshakeMode::Token).await;
    let r = app
        .client
        .get(format!("{}/api/protected", app.url))
        .header("accept", "application/json")
        .header("sec-fetch-dest", "empty")
        .header(
            COOKIE,
            format!(
                "__session={}; __client_uat={}",
                app.expired_session(),
                app.uat()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(LOCATION).is_none());
    assert_eq!(header(&r, "x-clerk-auth-status"), Some("signed-out"));
    assert_eq!(
        header(&r, "x-clerk-auth-reason"),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
    assert_eq!(app.fake.count("GET", "/v1/client/handshake"), 0);
}

#[tokio::test]
async fn expired_cookie_with_a_refresh_cookie_is_refreshed_through_the_backend_api() {
    let app = ClerkApp::start(HandshakeMode::Token).await;
    let sfx = CookieSuffix::from_publishable_key(&publishable_key());
    let expired = app.expired_session();
    let cookies = format!(
        "__session={expired}; __client_uat={}; __refresh_{}=rt_1",
        app.uat(),
        sfx.as_str()
    );
    let r = app
        .page(&format!("{}/dashboard", app.url), &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "refreshed without a redirect");
    let fresh = set_cookies(&r);
    assert_eq!(fresh.len(), 1, "{fresh:?}");
    assert!(fresh[0].starts_with("__session="));
    assert!(r.text().await.unwrap().contains(FAKE_USER));
    let call = app
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path() == "/v1/sessions/sess_fake/refresh")
        .expect("the app called refresh");
    let body: serde_json::Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(body["format"], "cookie");
    assert_eq!(body["expired_token"], expired.as_str());
    assert_eq!(body["refresh_token"], "rt_1");
    assert_eq!(body["request_origin"], app.url.as_str());
    assert!(body["request_headers"]["sec-fetch-dest"][0] == "document");
    assert!(
        !call.query.contains_key("suffixed_cookies"),
        "falsy values are dropped"
    );
}

#[tokio::test]
async fn failed_refresh_falls_back_to_the_handshake_with_the_api_error_code() {
    let app = ClerkApp::start(HandshakeMode::Token).await;
    app.fake.set_refresh_ok(false);
    let sfx = CookieSuffix::from_publishable_key(&publishable_key());
    let cookies = format!(
        "__session={}; __client_uat={}; __refresh_{}=rt_bad",
        app.expired_session(),
        app.uat(),
        sfx.as_str()
    );
    let r = app
        .page(&format!("{}/dashboard", app.url), &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&r, "x-clerk-auth-reason"),
        Some("session-token-expired-refresh-refresh_token_invalid")
    );
    assert!(location(&r).starts_with(&format!("{}/v1/client/handshake?", app.fake.url)));
}

#[tokio::test]
async fn public_pages_go_through_the_decision_too() {
    let app = ClerkApp::start(HandshakeMode::Token).await;
    let r = app
        .page(
            &format!("{}/pricing", app.url),
            &format!("__client_uat={}", app.uat()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&r, "x-clerk-auth-reason"),
        Some("client-uat-but-no-session-token")
    );
    // Signed out for good: the public page renders, with Clerk's debug headers appended.
    let r = app
        .page(&format!("{}/pricing", app.url), "")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "x-clerk-auth-status"), Some("signed-out"));
    assert_eq!(
        header(&r, "x-clerk-auth-reason"),
        Some("session-token-and-uat-missing")
    );
    assert!(
        header(&r, "content-type").unwrap().starts_with("text/html"),
        "handler's own headers stay"
    );
}

#[tokio::test]
async fn the_loop_counter_stops_handshakes_and_a_protected_page_goes_to_sign_in() {
    let app = ClerkApp::start(HandshakeMode::Fail).await;
    let cookies = format!(
        "__session={}; __client_uat={}; __clerk_redirect_count=3",
        app.expired_session(),
        app.uat()
    );
    let r = app
        .page(&format!("{}/dashboard", app.url), &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    let loc = location(&r);
    assert!(loc.starts_with("/sign-in?redirect_url="), "{loc}");
    assert_eq!(header(&r, "x-clerk-auth-status"), Some("signed-out"));
    assert!(
        set_cookies(&r)
            .iter()
            .all(|c| !c.starts_with("__clerk_redirect_count"))
    );
}

#[tokio::test]
async fn valid_bearer_and_valid_cookie_requests_get_no_clerk_headers() {
    let app = ClerkApp::start(HandshakeMode::Token).await;
    let token = app.fake.fresh_session();
    let r = app
        .client
        .get(format!("{}/api/protected", app.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "x-clerk-auth-status"), None);
    let r = app
        .page(
            &format!("{}/dashboard", app.url),
            &format!("__session={token}; __client_uat={}", app.uat()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(set_cookies(&r).is_empty());
    assert_eq!(
        app.fake.requests().len(),
        0,
        "no Clerk call on the plain path"
    );
}

#[tokio::test]
async fn development_handshake_resolves_with_a_307_to_the_clean_url_then_the_fast_path() {
    let app = ClerkApp::start_with(key_with_prefix("pk_test_"), HandshakeMode::Token).await;
    // clerk-js keeps the dev-browser token in a cookie.
    let db = "__clerk_db_jwt=dvb_test";
    let cookies = format!(
        "{db}; __session={}; __client_uat={}",
        app.expired_session(),
        app.uat()
    );
    let first = app
        .page(&format!("{}/dashboard?x=1", app.url), &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(
        location(&first).contains("__clerk_db_jwt=dvb_test"),
        "dev handshakes carry the dev browser"
    );
    let back = app.client.get(location(&first)).send().await.unwrap();
    let resolved = app.page(&location(&back), &cookies).send().await.unwrap();
    // Development: the resolution redirects to the same URL without the handshake parameter.
    assert_eq!(resolved.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(location(&resolved), format!("{}/dashboard?x=1", app.url));
    assert_eq!(header(&resolved, "cache-control"), Some("no-store"));
    let fresh = set_cookies(&resolved);
    assert_eq!(fresh.len(), 2, "{fresh:?}");
    let next = app
        .page(
            &location(&resolved),
            &format!("{db}; {}", cookie_pairs(&fresh)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(next.status(), StatusCode::OK);
    assert_eq!(header(&next, "x-clerk-auth-status"), None);
    assert!(next.text().await.unwrap().contains(FAKE_USER));
}

#[tokio::test]
async fn development_page_without_the_dev_browser_token_handshakes_first() {
    let app = ClerkApp::start_with(key_with_prefix("pk_test_"), HandshakeMode::Token).await;
    let token = app.fake.fresh_session();
    let r = app
        .page(
            &format!("{}/dashboard", app.url),
            &format!("__session={token}; __client_uat={}", app.uat()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&r, "x-clerk-auth-reason"),
        Some("dev-browser-missing")
    );
}
