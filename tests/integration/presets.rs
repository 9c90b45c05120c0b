//! Session presets applied through `ClerkLayer::preset`: what high-security
//! enforces on protected routes, and that dev/prod leave routes alone.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use clerk_runtime::__private::{Guard, PolicySource};
use clerk_runtime::layer::ClerkLayer;
use clerk_runtime::policy::{Protection, Reverification};
use clerk_runtime::{DevSession, Policy, Rule, SessionPreset};
use reqwest::StatusCode;
use serde_json::Value;

use crate::layer::{client, layer, serve, token};

macro_rules! policy {
    ($name:ident = $rule:expr, pending = $pending:expr) => {
        enum $name {}
        impl PolicySource for $name {
            const POLICY: Policy = Policy::Protected(Protection {
                rule: $rule,
                allow_pending: $pending,
                accepts: clerk_runtime::policy::Accepts::SESSION,
                rate_limit: None,
            });
        }
    };
}

policy!(SignedIn = Rule::SignedIn, pending = false);
policy!(PendingOk = Rule::SignedIn, pending = true);
policy!(LaxFresh = Rule::Fresh(Reverification::LAX), pending = false);

enum Open {}
impl PolicySource for Open {
    const POLICY: Policy = Policy::PUBLIC;
}

async fn ok<P: PolicySource>(_: Guard<P>) -> &'static str {
    "ok"
}

async fn answer(layer: ClerkLayer, path: &str, session: DevSession) -> (StatusCode, Value) {
    let app = Router::new()
        .route("/me", get(ok::<SignedIn>))
        .route("/pending", get(ok::<PendingOk>))
        .route("/lax", get(ok::<LaxFresh>))
        .route("/public", get(ok::<Open>))
        .layer(layer);
    let base = serve(app).await;
    let response = client()
        .get(format!("{base}{path}"))
        .bearer_auth(token(session))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn high_security() -> ClerkLayer {
    layer().preset(SessionPreset::HighSecurity)
}

/// Second factor verified 30 minutes ago: stale for `strict` (10 min).
fn stale() -> DevSession {
    DevSession::new("user_1").fva(30, 30)
}

fn fresh() -> DevSession {
    DevSession::new("user_1").fva(2, 2)
}

#[tokio::test]
async fn high_security_requires_strict_freshness_on_a_route_without_its_own() {
    let (status, body) = answer(high_security(), "/me", stale()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["reason"], "reverification-error");
}

#[tokio::test]
async fn high_security_lets_a_freshly_verified_session_through() {
    assert_eq!(
        answer(high_security(), "/me", fresh()).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn high_security_keeps_a_routes_own_freshness_requirement() {
    // `lax` allows a day; the preset's `strict` default does not override it.
    assert_eq!(
        answer(high_security(), "/lax", stale()).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn high_security_refuses_pending_sessions_even_where_the_route_allows_them() {
    let (status, body) = answer(high_security(), "/pending", fresh().status("pending")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["reason"], "session-pending");
}

#[tokio::test]
async fn high_security_refuses_session_tokens_living_longer_than_60_seconds() {
    let long = fresh().lifetime(Duration::from_secs(3600));
    let (status, body) = answer(high_security(), "/me", long).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["reason"], "token-lifetime-too-long");
}

#[tokio::test]
async fn high_security_leaves_public_routes_alone() {
    assert_eq!(
        answer(high_security(), "/public", stale()).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn prod_preset_enforces_nothing_extra() {
    let prod = || layer().preset(SessionPreset::Prod);
    assert_eq!(answer(prod(), "/me", stale()).await.0, StatusCode::OK);
    let pending = stale().status("pending");
    assert_eq!(answer(prod(), "/pending", pending).await.0, StatusCode::OK);
    let long = stale().lifetime(Duration::from_secs(3600));
    assert_eq!(answer(prod(), "/me", long).await.0, StatusCode::OK);
}

#[tokio::test]
async fn adjusted_settings_take_effect_instead_of_the_presets() {
    let settings = SessionPreset::Dev
        .settings()
        .default_fresh(Some(Reverification::MODERATE));
    let layer = layer().session_settings(settings);
    let (status, body) = answer(layer, "/me", DevSession::new("u").fva(90, 90)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["reason"], "reverification-error");
}
