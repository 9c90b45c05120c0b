//! Policies written with `#[protect]` behave as the attribute reads, end to
//! end through the layer: the generated guard runs first, nested `any`,
//! `fresh`, `pending` and `condition` arguments are enforced.

use clerk_runtime::DevSession;
use clerk_runtime::prelude::*;
use reqwest::StatusCode;

use crate::layer::{client, layer, serve, token, user};

#[protect(role = "org:admin")]
async fn create(axum::Json(body): axum::Json<serde_json::Value>) -> String {
    body.to_string()
}

#[protect(
    any(role = "org:admin", permission = "org:data:delete"),
    fresh = "strict"
)]
async fn delete_item(axum::extract::Path(id): axum::extract::Path<i64>) -> String {
    format!("deleted {id}")
}

#[protect(pending)]
async fn onboarding() -> &'static str {
    "onboarding"
}

#[protect]
async fn dashboard() -> &'static str {
    "dashboard"
}

fn is_alice(auth: &Auth) -> bool {
    auth.user_id() == "user_alice"
}

#[protect(condition = is_alice)]
async fn alice_only() -> &'static str {
    "alice"
}

async fn base() -> String {
    let app = routes![
        POST "/items" => create,
        DELETE "/items/{id}" => delete_item,
        GET "/onboarding" => onboarding,
        GET "/dashboard" => dashboard,
        GET "/alice" => alice_only,
    ]
    .layer(layer());
    serve(app.into_router()).await
}

fn member(permissions: &[&str]) -> DevSession {
    DevSession::new("user_member")
        .org("org_1", "acme", "org:member")
        .permissions(permissions.iter().copied())
}

async fn post_bad_json(base: &str, bearer: Option<String>) -> StatusCode {
    let mut request = client()
        .post(format!("{base}/items"))
        .header("content-type", "application/json")
        .body("{not json");
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn generated_guard_rejects_before_the_body_is_parsed() {
    let base = base().await;
    assert_eq!(post_bad_json(&base, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        post_bad_json(&base, Some(user("user_bob"))).await,
        StatusCode::FORBIDDEN
    );
    let admin = token(DevSession::new("user_admin").org("org_1", "acme", "org:admin"));
    // Only an allowed caller reaches the JSON extractor and its rejection.
    assert_eq!(
        post_bad_json(&base, Some(admin)).await,
        StatusCode::BAD_REQUEST
    );
}

async fn delete(base: &str, session: DevSession) -> StatusCode {
    client()
        .delete(format!("{base}/items/7"))
        .bearer_auth(token(session))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn any_branch_with_fresh_second_factor_is_allowed() {
    let base = base().await;
    let fresh = member(&["org:data:delete"]).fva(0, 5);
    assert_eq!(delete(&base, fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn stale_second_factor_fails_fresh_strict() {
    let base = base().await;
    let stale = member(&["org:data:delete"]).fva(0, 30);
    assert_eq!(delete(&base, stale).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn no_branch_of_any_matching_is_forbidden() {
    let base = base().await;
    let reader = member(&["org:data:read"]).fva(0, 5);
    assert_eq!(delete(&base, reader).await, StatusCode::FORBIDDEN);
}

async fn get(base: &str, path: &str, session: DevSession) -> StatusCode {
    client()
        .get(format!("{base}{path}"))
        .bearer_auth(token(session))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn pending_session_reaches_only_routes_marked_pending() {
    let base = base().await;
    let pending = || DevSession::new("user_new").status("pending");
    assert_eq!(get(&base, "/onboarding", pending()).await, StatusCode::OK);
    assert_eq!(
        get(&base, "/dashboard", pending()).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn condition_function_decides_access() {
    let base = base().await;
    assert_eq!(
        get(&base, "/alice", DevSession::new("user_alice")).await,
        StatusCode::OK
    );
    assert_eq!(
        get(&base, "/alice", DevSession::new("user_bob")).await,
        StatusCode::FORBIDDEN
    );
}

#[test]
fn renamed_dependency_builds_the_same_route_table() {
    // tests/fixtures/renamed depends on clerk-runtime as `clerk` and passes
    // `crate = "clerk"` to every macro; it compiling at all is half the test.
    let routes = clerk_fixture_renamed::routes();
    let table: Vec<(&str, &str, String)> = routes
        .table()
        .iter()
        .map(|route| (route.method, route.path, route.policy.to_string()))
        .collect();
    assert_eq!(table.len(), 3);
    assert_eq!((table[0].0, table[0].1), ("GET", "/"));
    assert!(table[1].2.contains("org:data:read"), "{table:?}");
    assert!(table[2].2.contains("org:admin"), "{table:?}");
}
