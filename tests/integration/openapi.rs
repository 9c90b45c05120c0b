//! The example's OpenAPI document: security from the route table
//! (`clerk_runtime::openapi`), snapshot-tested and checked route by route.

use clerk_examples::api::openapi_document;
use clerk_examples::route_table;
use clerk_runtime::openapi::{openapi_path, requirements};
use serde_json::{Value, json};

use crate::example::TestApp;

const SNAPSHOT: &str = "integration/snapshots/example_openapi.json";

fn document() -> Value {
    serde_json::to_value(openapi_document().0).unwrap()
}

fn operation(doc: &Value, method: &str, axum_path: &str) -> Value {
    doc["paths"][openapi_path(axum_path)][method.to_ascii_lowercase()].clone()
}

/// `UPDATE_SNAPSHOTS=1 cargo test -p clerk-tests --test integration openapi` rewrites it.
#[test]
fn example_document_matches_the_checked_in_snapshot() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    let doc = document();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        doc, snapshot,
        "regenerate with UPDATE_SNAPSHOTS=1 if the change is intended"
    );
}

#[test]
fn every_api_route_carries_its_policy_and_only_pages_are_reported() {
    let (_, undescribed) = openapi_document();
    let doc = document();
    for route in route_table() {
        let op = operation(&doc, route.method, route.path);
        if route.path.starts_with("/api/") {
            assert!(
                op.is_object(),
                "{} {} missing from the document",
                route.method,
                route.path
            );
            assert_eq!(
                op["security"],
                serde_json::to_value(requirements(&route.policy)).unwrap(),
                "{route}"
            );
            assert_eq!(
                op["x-clerk-policy"],
                serde_json::to_value(route.policy).unwrap(),
                "{route}"
            );
            assert!(
                !undescribed.contains(&route),
                "{route} reported although described"
            );
        } else {
            assert!(op.is_null(), "{route} invented in the document");
            assert!(undescribed.contains(&route), "{route} not reported");
        }
    }
    assert_eq!(
        undescribed.len(),
        route_table()
            .iter()
            .filter(|r| !r.path.starts_with("/api/"))
            .count()
    );
}

#[test]
fn list_items_requires_a_session_with_its_permission_as_scope() {
    let op = operation(&document(), "GET", "/api/data");
    assert_eq!(
        op["security"],
        json!([{"clerk_bearer": ["org:data:read"]}, {"clerk_session_cookie": ["org:data:read"]}])
    );
    assert_eq!(
        op["x-clerk-policy"]["rule"],
        json!({"any": [{"permission": "org:data:read"}, {"condition": "personal_account"}]})
    );
}

#[test]
fn protected_requires_any_session_without_scopes() {
    let op = operation(&document(), "GET", "/api/protected");
    assert_eq!(
        op["security"],
        json!([{"clerk_bearer": []}, {"clerk_session_cookie": []}])
    );
}

#[test]
fn public_catch_all_has_no_security() {
    let doc = document();
    let op = &doc["paths"]["/api/public/{rest}"]["get"];
    assert_eq!(op["security"], json!([]));
    assert_eq!(op["x-clerk-policy"], json!({"kind": "public"}));
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["clerk_bearer"]["bearerFormat"], "JWT");
    assert_eq!(schemes["clerk_session_cookie"]["name"], "__session");
}

#[tokio::test]
async fn example_serves_the_document_publicly() {
    let app = TestApp::start().await;
    let response = reqwest::get(format!("{}/api/openapi.json", app.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let served: Value = response.json().await.unwrap();
    assert_eq!(served, document());
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
}
