//! The example app end to end: served on 127.0.0.1:0 in-process in dev mode,
//! called over HTTP with dev-issuer tokens and cookies.

use std::net::SocketAddr;

use clerk_examples::dev::Grant;
use clerk_examples::{App, AppState, Settings, route_table};
use clerk_runtime::{DevIssuer, DevSession};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

/// A running example app and a client that follows no redirects.
pub(crate) struct TestApp {
    pub(crate) url: String,
    pub(crate) state: AppState,
    client: reqwest::Client,
    _server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub(crate) async fn start() -> TestApp {
        let app = App::build(Settings::dev(":memory:")).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = app.router;
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            url,
            state: app.state,
            client,
            _server: server,
        }
    }

    /// Starts a dev session for `grant`; its session id and token.
    fn sign_in(&self, grant: Grant) -> (String, String) {
        let (record, token) = self.state.dev().unwrap().sign_in(grant);
        (record.id, token)
    }

    fn token(&self, grant: Grant) -> String {
        self.sign_in(grant).1
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.url))
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.url))
    }

    fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(format!("{}{path}", self.url))
    }
}

fn grant(user: &str, org: Option<(&str, &str)>, permissions: &[&str]) -> Grant {
    Grant {
        user_id: user.into(),
        org: org.map(|(id, role)| (id.into(), role.into())),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        features: Vec::new(),
    }
}

const ALL: &[&str] = &["org:data:read", "org:data:write", "org:data:delete"];

fn acme_admin() -> Grant {
    grant("user_alice", Some(("org_acme", "org:admin")), ALL)
}

fn acme_reader() -> Grant {
    grant(
        "user_bob",
        Some(("org_acme", "org:member")),
        &["org:data:read"],
    )
}

fn globex_admin() -> Grant {
    grant("user_alice", Some(("org_globex", "org:admin")), ALL)
}

fn personal(user: &str) -> Grant {
    grant(user, None, &[])
}

trait Bearer {
    fn bearer(self, token: &str) -> Self;
    fn page(self) -> Self;
}

impl Bearer for reqwest::RequestBuilder {
    fn bearer(self, token: &str) -> Self {
        self.header(AUTHORIZATION, format!("Bearer {token}"))
    }
    fn page(self) -> Self {
        self.header(ACCEPT, "text/html,application/xhtml+xml")
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let first = v.split(';').next()?;
            let (k, value) = first.split_once('=')?;
            (k == name).then(|| value.to_owned())
        })
}

fn location(response: &reqwest::Response) -> &str {
    response.headers()[LOCATION].to_str().unwrap()
}

// ---- route table ----

#[test]
fn route_table_lists_every_route_with_method_path_and_policy() {
    let rows: Vec<(String, String, String)> = route_table()
        .iter()
        .inspect(|route| println!("{route}"))
        .map(|r| (r.method.into(), r.path.into(), r.policy.to_string()))
        .collect();
    let expected = [
        ("GET", "/", "public"),
        ("GET", "/pricing", "public"),
        ("GET", "/unauthorized", "public"),
        ("GET", "/sign-in", "public"),
        ("POST", "/sign-in", "public"),
        ("GET", "/sign-up", "public"),
        ("POST", "/sign-out", "public"),
        ("GET", "/dashboard", "signed in"),
        ("GET", "/admin", "role org:admin"),
        ("GET", "/admin/{*rest}", "role org:admin"),
        ("GET", "/sessions", "signed in"),
        ("POST", "/sessions/revoke-all", "signed in"),
        ("POST", "/sessions/{id}/switch", "signed in"),
        ("POST", "/sessions/{id}/revoke", "signed in"),
        ("POST", "/organization", "signed in"),
        (
            "GET",
            "/api/data",
            "any(permission org:data:read, condition personal_account)",
        ),
        (
            "POST",
            "/api/data",
            "any(permission org:data:write, condition personal_account)",
        ),
        (
            "DELETE",
            "/api/data/{id}",
            "any(permission org:data:delete, condition personal_account)",
        ),
        ("GET", "/api/protected", "signed in"),
        ("GET", "/api/supabase-data", "signed in"),
        ("GET", "/api/limited", "signed in, rate 5/1m"),
        ("GET", "/api/public/{*rest}", "public"),
        ("POST", "/api/webhooks/{*rest}", "public"),
        ("GET", "/api/openapi.json", "public"),
        ("GET", "/api/invoices/export", "api_key scope invoices:read"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(m, p, policy)| ((*m).into(), (*p).into(), (*policy).into()))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn route_table_serializes_policies_as_data() {
    let table = serde_json::to_value(route_table()).unwrap();
    let admin = table
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/admin")
        .unwrap();
    assert_eq!(admin["method"], "GET");
    assert_eq!(admin["handler"], "pages::admin");
    assert!(admin["policy"].to_string().contains("org:admin"), "{admin}");
}

// ---- public routes ----

#[tokio::test]
async fn public_pages_need_no_session() {
    let app = TestApp::start().await;
    for path in ["/", "/pricing", "/sign-in", "/sign-up", "/unauthorized"] {
        let response = app.get(path).page().send().await.unwrap();
        let expected = if path == "/unauthorized" {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::OK
        };
        assert_eq!(response.status(), expected, "{path}");
    }
}

#[tokio::test]
async fn public_api_answers_signed_out_and_signed_in_callers() {
    let app = TestApp::start().await;
    let anonymous = app.get("/api/public/status/ping").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::OK);
    assert_eq!(
        json_of(anonymous).await,
        json!({"path": "status/ping", "signedIn": false})
    );
    let token = app.token(personal("user_carol"));
    let signed_in = app
        .get("/api/public/x")
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(signed_in).await["signedIn"], true);
}

/// A webhook delivery signed with the dev mode's secret, as Svix sends it.
fn signed_delivery(app: &TestApp, id: &str, body: &Value) -> reqwest::RequestBuilder {
    delivery_signed_with(app, clerk_examples::DEV_WEBHOOK_SECRET, id, body)
}

fn delivery_signed_with(
    app: &TestApp,
    secret: &str,
    id: &str,
    body: &Value,
) -> reqwest::RequestBuilder {
    use clerk_runtime::webhook::WebhookSecret;
    let body = body.to_string();
    let now = clerk_runtime::time::system_now();
    let secret = WebhookSecret::new(secret).unwrap();
    app.post("/api/webhooks/clerk")
        .header("svix-id", id)
        .header("svix-timestamp", now.to_string())
        .header("svix-signature", secret.sign(id, now, body.as_bytes()))
        .header("content-type", "application/json")
        .body(body)
}

#[tokio::test]
async fn webhook_without_a_signature_is_refused() {
    let app = TestApp::start().await;
    let response = app
        .post("/api/webhooks/clerk")
        .header("svix-id", "msg_1")
        .json(&json!({"type": "user.created", "data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn forged_webhook_is_401() {
    let app = TestApp::start().await;
    let body = json!({"type": "user.deleted", "object": "event", "data": {"id": "user_alice", "deleted": true}});
    // Signed, but not with the app's secret.
    let forger = "whsec_Zm9yZ2VyJ3Mgb3duIHNlY3JldCBrZXkgYnl0ZXM=";
    let response = delivery_signed_with(&app, forger, "msg_forged", &body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "{}",
        response.text().await.unwrap()
    );
}

#[tokio::test]
async fn signed_session_revoked_webhook_refuses_the_session_at_once() {
    let app = TestApp::start().await;
    let (sid, token) = app.sign_in(personal("user_wh"));
    let me = app
        .get("/api/protected")
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let body = json!({
        "type": "session.revoked", "object": "event", "timestamp": 1_700_000_000_000_i64,
        "data": {"id": sid, "object": "session", "user_id": "user_wh", "status": "revoked"},
    });
    let response = signed_delivery(&app, "msg_revoke", &body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(response).await["revoked"], format!("session:{sid}"));
    let me = app
        .get("/api/protected")
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(me).await["reason"], "session-revoked");
}

// ---- signed out: API 401 vs page redirect ----

#[tokio::test]
async fn protected_api_without_a_token_is_401_json() {
    let app = TestApp::start().await;
    for (method, path) in [
        ("GET", "/api/data"),
        ("POST", "/api/data"),
        ("DELETE", "/api/data/1"),
        ("GET", "/api/protected"),
        ("GET", "/api/supabase-data"),
        ("GET", "/api/limited"),
    ] {
        let url = format!("{}{path}", app.url);
        let response = app
            .client
            .request(method.parse().unwrap(), url)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        assert_eq!(
            json_of(response).await,
            json!({"error": "unauthenticated", "reason": "session-token-missing"})
        );
    }
}

#[tokio::test]
async fn protected_page_without_a_session_redirects_to_sign_in_with_redirect_url() {
    let app = TestApp::start().await;
    for path in ["/dashboard", "/admin", "/admin/users", "/sessions"] {
        let response = app.get(path).page().send().await.unwrap();
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT, "{path}");
        let expected = format!(
            "/sign-in?redirect_url={}",
            format!("{}{path}", app.url)
                .replace(':', "%3A")
                .replace('/', "%2F")
        );
        assert_eq!(location(&response), expected);
    }
}

#[tokio::test]
async fn invalid_token_on_an_api_is_401_with_the_reason() {
    let app = TestApp::start().await;
    let response = app
        .get("/api/protected")
        .bearer("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await["reason"], "token-invalid");
}

// ---- admin ----

#[tokio::test]
async fn admin_pages_allow_org_admins() {
    let app = TestApp::start().await;
    let token = app.token(acme_admin());
    for path in ["/admin", "/admin/users/42"] {
        let response = app.get(path).page().bearer(&token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.text().await.unwrap().contains("id=\"admin\""));
    }
}

#[tokio::test]
async fn admin_forbids_members_with_403_on_api_requests() {
    let app = TestApp::start().await;
    let token = app.token(acme_reader());
    let response = app.get("/admin").bearer(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(response).await["error"], "forbidden");
}

#[tokio::test]
async fn admin_page_redirects_members_to_the_unauthorized_page() {
    let app = TestApp::start().await;
    let token = app.token(acme_reader());
    let response = app
        .get("/admin/settings")
        .page()
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(location(&response), "/unauthorized");
}

#[tokio::test]
async fn admin_forbids_a_session_without_an_organization() {
    let app = TestApp::start().await;
    let token = app.token(personal("user_alice"));
    let response = app.get("/admin").bearer(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

// ---- dashboard ----

#[tokio::test]
async fn dashboard_shows_user_org_role_and_the_admin_link_for_admins() {
    let app = TestApp::start().await;
    let token = app.token(acme_admin());
    let html = app
        .get("/dashboard")
        .page()
        .bearer(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<dd id=\"user-id\">user_alice</dd>"),
        "{html}"
    );
    assert!(html.contains("acme (org_acme)"), "{html}");
    assert!(html.contains("<dd id=\"role\">org:admin</dd>"), "{html}");
    assert!(html.contains("id=\"admin-link\""), "{html}");
}

#[tokio::test]
async fn dashboard_hides_the_admin_link_from_members() {
    let app = TestApp::start().await;
    let token = app.token(acme_reader());
    let response = app
        .get("/dashboard")
        .page()
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<dd id=\"role\">org:member</dd>"), "{html}");
    assert!(!html.contains("admin-link"), "{html}");
}

// ---- data ----

async fn create(app: &TestApp, token: &str, name: &str) -> reqwest::Response {
    app.post("/api/data")
        .bearer(token)
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap()
}

async fn names(app: &TestApp, token: &str) -> Vec<String> {
    let response = app.get("/api/data").bearer(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn items_are_shared_within_an_organization() {
    let app = TestApp::start().await;
    let admin = app.token(acme_admin());
    let reader = app.token(acme_reader());
    let created = create(&app, &admin, "roadmap").await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let item = json_of(created).await;
    assert_eq!(item["org_id"], "org_acme");
    assert_eq!(item["owner_id"], "user_alice");
    assert_eq!(names(&app, &reader).await, ["roadmap"]);
}

#[tokio::test]
async fn items_of_one_organization_are_invisible_in_another() {
    let app = TestApp::start().await;
    let acme = app.token(acme_admin());
    let globex = app.token(globex_admin());
    create(&app, &acme, "acme secret").await;
    create(&app, &globex, "globex plan").await;
    assert_eq!(names(&app, &acme).await, ["acme secret"]);
    assert_eq!(names(&app, &globex).await, ["globex plan"]);
}

#[tokio::test]
async fn personal_items_are_scoped_by_owner() {
    let app = TestApp::start().await;
    let alice_personal = app.token(personal("user_alice"));
    let carol = app.token(personal("user_carol"));
    let alice_in_acme = app.token(acme_admin());
    let created = create(&app, &alice_personal, "diary").await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(json_of(created).await["org_id"], Value::Null);
    create(&app, &carol, "carol's list").await;
    assert_eq!(names(&app, &alice_personal).await, ["diary"]);
    assert_eq!(names(&app, &carol).await, ["carol's list"]);
    assert!(names(&app, &alice_in_acme).await.is_empty());
}

#[tokio::test]
async fn writing_data_needs_org_data_write() {
    let app = TestApp::start().await;
    let reader = app.token(acme_reader());
    let response = create(&app, &reader, "nope").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_of(response).await,
        json!({"error": "forbidden", "reason": "policy-denied"})
    );
}

#[tokio::test]
async fn reading_data_needs_org_data_read_inside_an_organization() {
    let app = TestApp::start().await;
    let no_perms = app.token(grant("user_bob", Some(("org_acme", "org:member")), &[]));
    let response = app.get("/api/data").bearer(&no_perms).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deleting_needs_org_data_delete_and_stays_in_scope() {
    let app = TestApp::start().await;
    let admin = app.token(acme_admin());
    let reader = app.token(acme_reader());
    let globex = app.token(globex_admin());
    let id = json_of(create(&app, &admin, "old").await).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/data/{id}");
    let forbidden = app.delete(&path).bearer(&reader).send().await.unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let other_org = app.delete(&path).bearer(&globex).send().await.unwrap();
    assert_eq!(other_org.status(), StatusCode::NOT_FOUND);
    let deleted = app.delete(&path).bearer(&admin).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(json_of(deleted).await["deleted"]["name"], "old");
    assert!(names(&app, &admin).await.is_empty());
    let again = app.delete(&path).bearer(&admin).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn item_names_are_validated() {
    let app = TestApp::start().await;
    let admin = app.token(acme_admin());
    let response = create(&app, &admin, "   ").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

// ---- custom claims, template tokens ----

#[tokio::test]
async fn protected_api_returns_ids_and_custom_claims() {
    let app = TestApp::start().await;
    let (sid, token) = app.sign_in(acme_admin());
    let response = app
        .get("/api/protected")
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_of(response).await,
        json!({
            "userId": "user_alice",
            "sessionId": sid,
            "email": "alice@example.com",
            "role": "admin",
            "orgId": "org_acme",
            "orgRole": "org:admin",
        })
    );
}

#[tokio::test]
async fn supabase_route_returns_the_verified_template_claims() {
    let app = TestApp::start().await;
    let token = app.token(personal("user_carol"));
    let response = app
        .get("/api/supabase-data")
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    assert_eq!(body["template"], "supabase");
    let claims = &body["claims"];
    assert_eq!(claims["sub"], "user_carol");
    assert_eq!(claims["aud"], "authenticated");
    assert_eq!(claims["email"], "carol@example.com");
    assert_eq!(claims.get("sid"), None);
    assert!(claims["jti"].as_str().unwrap().starts_with("supabase_"));
}

#[tokio::test]
async fn template_token_is_not_accepted_as_a_session() {
    let app = TestApp::start().await;
    let template = app
        .state
        .dev()
        .unwrap()
        .mint_template("user_carol", Some("carol@example.com"));
    let response = app
        .get("/api/protected")
        .bearer(&template)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await["reason"], "token-type-mismatch");
}

// ---- rate limit ----

#[tokio::test]
async fn limited_route_answers_429_past_the_limit_per_user() {
    let app = TestApp::start().await;
    let alice = app.token(acme_admin());
    let bob = app.token(acme_reader());
    let limit = route_table()
        .iter()
        .find(|r| r.path == "/api/limited")
        .and_then(|r| r.policy.rate_limit())
        .expect("the route declares its limit");
    for n in 0..limit.requests() {
        let response = app.get("/api/limited").bearer(&alice).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "request {n}");
        assert!(response.headers().contains_key("ratelimit-remaining"));
    }
    let limited = app.get("/api/limited").bearer(&alice).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    let other_user = app.get("/api/limited").bearer(&bob).send().await.unwrap();
    assert_eq!(other_user.status(), StatusCode::OK);
}

// ---- dev sign-in, sign-out, sessions ----

async fn sign_in_form(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.post("/sign-in")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(
            form.iter()
                .map(|(k, v)| format!("{k}={}", v.replace(':', "%3A").replace('/', "%2F")))
                .collect::<Vec<_>>()
                .join("&"),
        )
        .send()
        .await
        .unwrap()
}

fn cookie_header(session: &str, uat: &str) -> String {
    format!("__session={session}; __client_uat={uat}")
}

#[tokio::test]
async fn dev_sign_in_sets_session_cookies_and_redirects_back() {
    let app = TestApp::start().await;
    let back = format!("{}/admin", app.url);
    let response = sign_in_form(
        &app,
        &[
            ("user", "user_alice"),
            ("org", "org_acme"),
            ("role", "org:admin"),
            ("permission", "org:data:read"),
            ("feature", "o:data"),
            ("redirect_url", &back),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin");
    let session = set_cookie(&response, "__session").unwrap();
    let uat = set_cookie(&response, "__client_uat").unwrap();
    let admin = app
        .get("/admin")
        .page()
        .header(COOKIE, cookie_header(&session, &uat))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), StatusCode::OK);
}

#[tokio::test]
async fn dev_sign_in_refuses_foreign_redirects() {
    let app = TestApp::start().await;
    let response = sign_in_form(
        &app,
        &[
            ("user", "user_carol"),
            ("redirect_url", "https://evil.example/"),
        ],
    )
    .await;
    assert_eq!(location(&response), "/dashboard");
}

#[tokio::test]
async fn dev_sign_in_rejects_an_unknown_user() {
    let app = TestApp::start().await;
    let response = sign_in_form(&app, &[("user", "user_mallory")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn sign_out_clears_cookies_and_ends_the_session() {
    let app = TestApp::start().await;
    let token = app.token(acme_admin());
    let response = app
        .post("/sign-out")
        .header(COOKIE, cookie_header(&token, "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(set_cookie(&response, "__session").as_deref(), Some(""));
    assert_eq!(set_cookie(&response, "__client_uat").as_deref(), Some("0"));
    let reused = app
        .get("/api/protected")
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoked_session_token_is_rejected_and_others_keep_working() {
    let app = TestApp::start().await;
    let (_, laptop) = app.sign_in(acme_admin());
    let (phone_sid, phone) = app.sign_in(acme_admin());
    assert_eq!(
        app.get("/api/protected")
            .bearer(&phone)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let revoke = app
        .post(&format!("/sessions/{phone_sid}/revoke"))
        .bearer(&laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::SEE_OTHER);
    let rejected = app
        .get("/api/protected")
        .bearer(&phone)
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(rejected).await["reason"], "session-revoked");
    let still = app
        .get("/api/protected")
        .bearer(&laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), StatusCode::OK);
}

#[tokio::test]
async fn token_of_a_session_the_dev_store_never_issued_is_refused() {
    let app = TestApp::start().await;
    let dev = app.state.dev().unwrap();
    let forged = dev
        .issuer
        .mint(&clerk_runtime::DevSession::new("user_alice").session_id("sess_made_up"));
    let response = app
        .get("/api/protected")
        .bearer(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await["reason"], "session-revoked");
}

#[tokio::test]
async fn revoking_the_current_session_signs_the_browser_out() {
    let app = TestApp::start().await;
    let (sid, token) = app.sign_in(acme_admin());
    let response = app
        .post(&format!("/sessions/{sid}/revoke"))
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/");
    assert_eq!(set_cookie(&response, "__session").as_deref(), Some(""));
    let after = app
        .get("/api/protected")
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_users_session_cannot_be_revoked() {
    let app = TestApp::start().await;
    let (bob_sid, bob) = app.sign_in(acme_reader());
    let alice = app.token(acme_admin());
    let response = app
        .post(&format!("/sessions/{bob_sid}/revoke"))
        .bearer(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let bob_call = app.get("/api/protected").bearer(&bob).send().await.unwrap();
    assert_eq!(bob_call.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_out_all_devices_revokes_every_session_of_the_user() {
    let app = TestApp::start().await;
    let first = app.token(acme_admin());
    let second = app.token(personal("user_alice"));
    let bob = app.token(acme_reader());
    let response = app
        .post("/sessions/revoke-all")
        .bearer(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    for token in [&first, &second] {
        let call = app
            .get("/api/protected")
            .bearer(token)
            .send()
            .await
            .unwrap();
        assert_eq!(call.status(), StatusCode::UNAUTHORIZED);
    }
    let bob_call = app.get("/api/protected").bearer(&bob).send().await.unwrap();
    assert_eq!(bob_call.status(), StatusCode::OK);
}

#[tokio::test]
async fn sessions_page_lists_the_users_sessions_with_details() {
    let app = TestApp::start().await;
    let (current, token) = app.sign_in(acme_admin());
    let (other, _) = app.sign_in(globex_admin());
    let (bobs, _) = app.sign_in(acme_reader());
    let html = app
        .get("/sessions")
        .page()
        .bearer(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("<dd id=\"session-id\">{current}</dd>")),
        "{html}"
    );
    assert!(html.contains("Last active"), "{html}");
    assert!(
        html.contains(&format!("/sessions/{other}/switch")),
        "{html}"
    );
    assert!(
        html.contains(&format!("/sessions/{other}/revoke")),
        "{html}"
    );
    assert!(!html.contains(&bobs), "{html}");
}

#[tokio::test]
async fn switching_session_sets_a_cookie_for_the_other_session() {
    let app = TestApp::start().await;
    let (_, token) = app.sign_in(acme_admin());
    let (other, _) = app.sign_in(globex_admin());
    let response = app
        .post(&format!("/sessions/{other}/switch"))
        .bearer(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let switched = set_cookie(&response, "__session").unwrap();
    let me = app
        .get("/api/protected")
        .bearer(&switched)
        .send()
        .await
        .unwrap();
    let me = json_of(me).await;
    assert_eq!(me["sessionId"], other.as_str());
    assert_eq!(me["orgId"], "org_globex");
}

#[tokio::test]
async fn organization_switcher_changes_the_active_organization_and_role() {
    let app = TestApp::start().await;
    let (sid, token) = app.sign_in(acme_reader());
    let response = app
        .post("/organization")
        .bearer(&token)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("org=org_globex&role=org%3Aadmin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let token = set_cookie(&response, "__session").unwrap();
    let me = json_of(
        app.get("/api/protected")
            .bearer(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["sessionId"], sid.as_str());
    assert_eq!(me["orgId"], "org_globex");
    assert_eq!(me["orgRole"], "org:admin");
    let admin = app.get("/admin").bearer(&token).send().await.unwrap();
    assert_eq!(admin.status(), StatusCode::OK);
}

// ---- real Clerk mode: the same app, configured by CLERK_* variables ----

mod clerk_mode {
    use std::collections::HashMap;
    use std::sync::{Arc, OnceLock};

    use clerk_examples::{App, Mode, Settings};
    use clerk_runtime::dev::DEV_ISSUER;
    use clerk_runtime::{DevIssuer, DevSession};
    use clerk_tests::fake_clerk::{FakeClerk, Reply, session_json};
    use reqwest::StatusCode;
    use reqwest::header::{ACCEPT, AUTHORIZATION};
    use serde_json::{Value, json};

    /// Stands in for the Clerk instance's signing key.
    fn instance() -> &'static DevIssuer {
        static ISSUER: OnceLock<DevIssuer> = OnceLock::new();
        ISSUER.get_or_init(|| DevIssuer::new().unwrap())
    }

    fn env(api_url: &str) -> HashMap<&'static str, String> {
        HashMap::from([
            ("CLERK_SECRET_KEY", "sk_test_example".to_owned()),
            ("CLERK_JWT_KEY", instance().public_key_pem()),
            ("CLERK_ISSUER", DEV_ISSUER.to_owned()),
            ("CLERK_API_URL", api_url.to_owned()),
            ("CLERK_TEMPLATE_AUDIENCE", "authenticated".to_owned()),
            ("DATABASE_URL", ":memory:".to_owned()),
        ])
    }

    struct Running {
        url: String,
        client: reqwest::Client,
        _server: tokio::task::JoinHandle<()>,
    }

    async fn start(vars: HashMap<&'static str, String>) -> (Running, App) {
        let settings = Settings::from_lookup(|name| vars.get(name).cloned()).unwrap();
        let app = App::build(settings).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = app.router.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let running = Running {
            url,
            client,
            _server: server,
        };
        (running, app)
    }

    fn session_token(sid: &str) -> String {
        instance().mint(
            &DevSession::new("user_real")
                .session_id(sid)
                .org("org_real", "real", "org:admin")
                .permissions(["org:data:read"])
                .custom_claims(json!({"email": "real@example.com", "metadata": {"role": "owner"}})),
        )
    }

    fn no_backend_calls() -> impl Fn(&clerk_tests::fake_clerk::Recorded, usize) -> Reply {
        |_, _| Reply::clerk_error(500, "unexpected", "no call expected")
    }

    #[tokio::test]
    async fn clerk_variables_switch_the_app_to_real_token_verification() {
        let fake = FakeClerk::start(no_backend_calls()).await;
        let (app, built) = start(env(&fake.url)).await;
        assert!(matches!(built.state.mode, Mode::Clerk(_)));
        let token = session_token("sess_real_1");
        let response = app
            .client
            .get(format!("{}/api/protected", app.url))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["userId"], "user_real");
        assert_eq!(body["email"], "real@example.com");
        assert_eq!(body["role"], "owner");
    }

    #[tokio::test]
    async fn dev_sign_in_is_not_served_in_clerk_mode() {
        let fake = FakeClerk::start(no_backend_calls()).await;
        let (app, _built) = start(env(&fake.url)).await;
        let response = app
            .client
            .post(format!("{}/sign-in", app.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("user=user_alice")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.headers().get("set-cookie").is_none());
    }

    #[tokio::test]
    async fn a_token_from_another_key_is_rejected_in_clerk_mode() {
        let fake = FakeClerk::start(no_backend_calls()).await;
        let (app, _built) = start(env(&fake.url)).await;
        let stranger = DevIssuer::new().unwrap().mint(&DevSession::new("user_x"));
        let response = app
            .client
            .get(format!("{}/api/protected", app.url))
            .header(AUTHORIZATION, format!("Bearer {stranger}"))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn supabase_route_mints_the_template_through_the_backend_api() {
        let template = instance().mint_template(
            "supabase",
            json!({"sub": "user_real", "aud": "authenticated", "role": "authenticated"}),
            std::time::Duration::from_secs(60),
        );
        let jwt = Arc::new(template);
        let reply = jwt.clone();
        let fake = FakeClerk::start(move |request, _| {
            if request.method == "POST"
                && request.path() == "/v1/sessions/sess_real_2/tokens/supabase"
            {
                Reply::json(200, json!({"object": "token", "jwt": reply.as_str()}))
            } else {
                Reply::clerk_error(404, "resource_not_found", "not found")
            }
        })
        .await;
        let (app, _built) = start(env(&fake.url)).await;
        let response = app
            .client
            .get(format!("{}/api/supabase-data", app.url))
            .header(
                AUTHORIZATION,
                format!("Bearer {}", session_token("sess_real_2")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["claims"]["sub"], "user_real");
        assert_eq!(body["claims"]["aud"], "authenticated");
        assert_eq!(
            fake.count("POST", "/v1/sessions/sess_real_2/tokens/supabase"),
            1
        );
    }

    #[tokio::test]
    async fn revoking_through_the_backend_api_refuses_the_sessions_token() {
        let fake = FakeClerk::start(
            |request, _| match (request.method.as_str(), request.path()) {
                ("GET", "/v1/sessions/sess_phone") => {
                    Reply::json(200, session_json("sess_phone", "user_real", "active"))
                }
                ("POST", "/v1/sessions/sess_phone/revoke") => {
                    Reply::json(200, session_json("sess_phone", "user_real", "revoked"))
                }
                _ => Reply::clerk_error(404, "resource_not_found", "not found"),
            },
        )
        .await;
        let (app, _built) = start(env(&fake.url)).await;
        let laptop = session_token("sess_laptop");
        let phone = session_token("sess_phone");
        let revoke = app
            .client
            .post(format!("{}/sessions/sess_phone/revoke", app.url))
            .header(AUTHORIZATION, format!("Bearer {laptop}"))
            .send()
            .await
            .unwrap();
        assert_eq!(revoke.status(), StatusCode::SEE_OTHER);
        assert_eq!(fake.count("POST", "/v1/sessions/sess_phone/revoke"), 1);
        let rejected = app
            .client
            .get(format!("{}/api/protected", app.url))
            .header(AUTHORIZATION, format!("Bearer {phone}"))
            .send()
            .await
            .unwrap();
        assert_eq!(rejected.status(), StatusCode::UNAUTHORIZED);
        let body: Value = rejected.json().await.unwrap();
        assert_eq!(body["reason"], "session-revoked");
    }

    #[tokio::test]
    async fn sessions_page_lists_the_users_sessions_from_the_backend_api() {
        let fake = FakeClerk::start(|request, _| {
            if request.path() == "/v1/sessions" {
                assert_eq!(
                    request.query.get("user_id").map(String::as_str),
                    Some("user_real")
                );
                Reply::json(
                    200,
                    json!([
                        session_json("sess_here", "user_real", "active"),
                        session_json("sess_other", "user_real", "active"),
                    ]),
                )
            } else {
                Reply::clerk_error(404, "resource_not_found", "not found")
            }
        })
        .await;
        let (app, _built) = start(env(&fake.url)).await;
        let html = app
            .client
            .get(format!("{}/sessions", app.url))
            .header(
                AUTHORIZATION,
                format!("Bearer {}", session_token("sess_here")),
            )
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("/sessions/sess_other/revoke"), "{html}");
        assert!(!html.contains("/sessions/sess_other/switch"), "{html}");
        assert!(html.contains("2023-11-14 22:13:20 UTC"), "{html}");
    }
}

// ---- two instances behind one Redis ----

/// The example in Clerk mode (networkless: the dev issuer's PEM as
/// `CLERK_JWT_KEY`), with `REDIS_URL` and a webhook secret.
async fn clerk_instance(issuer: &DevIssuer, redis_url: &str) -> (String, clerk_examples::App) {
    let pem = issuer.public_key_pem();
    let iss = issuer.issuer().to_owned();
    let redis_url = redis_url.to_owned();
    let settings = Settings::from_lookup(move |name| match name {
        "CLERK_JWT_KEY" => Some(pem.clone()),
        "CLERK_ISSUER" => Some(iss.clone()),
        "CLERK_WEBHOOK_SIGNING_SECRET" => Some(clerk_examples::DEV_WEBHOOK_SECRET.into()),
        "REDIS_URL" => Some(redis_url.clone()),
        "DATABASE_URL" => Some(":memory:".into()),
        _ => None,
    })
    .unwrap();
    let mut app = App::build(settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = std::mem::replace(&mut app.router, axum::Router::new());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (url, app)
}

#[tokio::test]
async fn a_webhook_on_one_instance_revokes_on_the_other_through_redis() {
    let Some(redis) = clerk_tests::redis_server::RedisServer::start() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "redis-server is missing and CI is set: the two-instance test must run"
        );
        eprintln!("skipped: redis-server is not installed");
        return;
    };
    let issuer = DevIssuer::new().unwrap();
    let (a_url, a) = clerk_instance(&issuer, &redis.url()).await;
    let (b_url, b) = clerk_instance(&issuer, &redis.url()).await;
    let token = issuer.mint(&DevSession::new("user_two").session_id("sess_two"));
    let client = reqwest::Client::new();
    let protected = |base: &str| {
        client
            .get(format!("{base}/api/protected"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(protected(&b_url).await.unwrap().status(), StatusCode::OK);

    let body = json!({
        "type": "session.revoked", "object": "event",
        "data": {"id": "sess_two", "object": "session", "user_id": "user_two", "status": "revoked"},
    })
    .to_string();
    let now = clerk_runtime::time::system_now();
    let secret =
        clerk_runtime::webhook::WebhookSecret::new(clerk_examples::DEV_WEBHOOK_SECRET).unwrap();
    let delivered = client
        .post(format!("{a_url}/api/webhooks/clerk"))
        .header("svix-id", "msg_two")
        .header("svix-timestamp", now.to_string())
        .header(
            "svix-signature",
            secret.sign("msg_two", now, body.as_bytes()),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status(), StatusCode::OK);

    // B hears it over Redis pub/sub: poll (a few ms here) with a generous bound.
    let started = std::time::Instant::now();
    loop {
        let status = protected(&b_url).await.unwrap().status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "B still admits the revoked session"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    eprintln!(
        "revocation reached instance B {:?} after the webhook on A",
        started.elapsed()
    );
    drop((a, b));
}

#[tokio::test]
async fn an_api_key_exports_its_organizations_items_and_only_with_the_scope() {
    let app = TestApp::start().await;
    let admin = app.token(acme_admin());
    assert_eq!(
        create(&app, &admin, "invoice 7").await.status(),
        StatusCode::CREATED
    );
    let dev = app.state.dev().unwrap();
    let key = dev.issuer.issue_machine_token(
        &clerk_runtime::DevMachineToken::api_key("org_acme", "billing").scopes(["invoices:read"]),
    );
    let response = app
        .get("/api/invoices/export")
        .bearer(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    assert_eq!(body["key"], "billing");
    assert_eq!(body["items"][0]["name"], "invoice 7");
    // The demo key printed at startup works the same way.
    let demo = clerk_examples::demo_tokens(dev).api_key;
    assert_eq!(
        app.get("/api/invoices/export")
            .bearer(&demo)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let narrow = dev.issuer.issue_machine_token(
        &clerk_runtime::DevMachineToken::api_key("org_acme", "other").scopes(["reports:read"]),
    );
    let response = app
        .get("/api/invoices/export")
        .bearer(&narrow)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A session, even an admin's, is not accepted on a machine-only route.
    let response = app
        .get("/api/invoices/export")
        .bearer(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await["reason"], "token-type-mismatch");
}
