//! `ClerkWebhook` on an in-process axum router: what reaches the handler and
//! what is refused, with which status and reason.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Extension, Json, Router};
use clerk_runtime::prelude::*;
use clerk_runtime::webhook::{
    ClerkWebhook, EventData, WebhookEvent, WebhookSecret, WebhookVerifier,
};
use clerk_runtime::{DevIssuer, DevSession, Verifier};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW: i64 = 1_767_225_600;

fn verifier() -> WebhookVerifier {
    WebhookVerifier::builder()
        .secret(SECRET)
        .max_body_bytes(4096)
        .clock(|| NOW)
        .build()
        .unwrap()
}

/// Answers with the event's type and the typed payload's id.
async fn handler(webhook: ClerkWebhook) -> Json<Value> {
    let id = match &webhook.event.data {
        EventData::SessionRevoked(s) => Some(s.id.clone()),
        EventData::UserCreated(u) => Some(u.id.clone()),
        _ => None,
    };
    Json(json!({"type": webhook.event.event_type, "id": id, "msg": webhook.delivery.id}))
}

fn app(verifier: WebhookVerifier) -> Router {
    Router::new()
        .route("/webhooks/clerk", post(handler))
        .layer(Extension(verifier))
}

fn body() -> String {
    json!({
        "type": "user.created", "object": "event", "timestamp": 1_767_225_600_000_i64,
        "instance_id": "ins_1", "data": {"id": "user_1", "object": "user"},
    })
    .to_string()
}

struct Delivery {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    prefix: &'static str,
}

impl Delivery {
    fn signed(id: &str, timestamp: i64, body: String, secret: &str) -> Self {
        let signature = WebhookSecret::new(secret)
            .unwrap()
            .sign(id, timestamp, body.as_bytes());
        Self {
            id: id.to_owned(),
            timestamp: timestamp.to_string(),
            signature,
            body,
            prefix: "svix",
        }
    }

    fn new(id: &str) -> Self {
        Self::signed(id, NOW, body(), SECRET)
    }

    fn request(&self) -> Request<Body> {
        let p = self.prefix;
        let mut builder =
            Request::post("/webhooks/clerk").header("content-type", "application/json");
        for (name, value) in [
            ("id", &self.id),
            ("timestamp", &self.timestamp),
            ("signature", &self.signature),
        ] {
            if !value.is_empty() {
                builder = builder.header(format!("{p}-{name}"), value.as_str());
            }
        }
        builder.body(Body::from(self.body.clone())).unwrap()
    }
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response: Response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn assert_refused(delivery: Delivery, status: StatusCode, reason: &str) {
    let (got, body) = send(&app(verifier()), delivery.request()).await;
    assert_eq!(
        (got, body["reason"].as_str()),
        (status, Some(reason)),
        "{body}"
    );
    assert_eq!(body["error"], "invalid_webhook");
}

#[tokio::test]
async fn signed_delivery_reaches_the_handler_typed() {
    let (status, body) = send(&app(verifier()), Delivery::new("msg_1").request()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"type": "user.created", "id": "user_1", "msg": "msg_1"})
    );
}

#[tokio::test]
async fn standard_webhooks_headers_are_accepted() {
    let mut delivery = Delivery::new("msg_std");
    delivery.prefix = "webhook";
    let (status, _) = send(&app(verifier()), delivery.request()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn tampered_body_is_401_invalid_signature() {
    let mut delivery = Delivery::new("msg_1");
    delivery.body = delivery.body.replace("user_1", "user_2");
    assert_refused(delivery, StatusCode::UNAUTHORIZED, "invalid-signature").await;
}

#[tokio::test]
async fn wrong_secret_is_401_invalid_signature() {
    let delivery = Delivery::signed("msg_1", NOW, body(), OTHER_SECRET);
    assert_refused(delivery, StatusCode::UNAUTHORIZED, "invalid-signature").await;
}

#[tokio::test]
async fn rotated_secrets_one_header_with_both_signatures_is_accepted() {
    let old = Delivery::signed("msg_rot", NOW, body(), OTHER_SECRET);
    let mut delivery = Delivery::new("msg_rot");
    delivery.signature = format!("{} {}", old.signature, delivery.signature);
    let (status, _) = send(&app(verifier()), delivery.request()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_app_with_old_and_new_secret_accepts_either() {
    let both = WebhookVerifier::builder()
        .secret(SECRET)
        .secret(OTHER_SECRET)
        .clock(|| NOW)
        .build()
        .unwrap();
    let app = app(both);
    for (id, secret) in [("msg_a", SECRET), ("msg_b", OTHER_SECRET)] {
        let delivery = Delivery::signed(id, NOW, body(), secret);
        assert_eq!(send(&app, delivery.request()).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn timestamp_older_than_five_minutes_is_401_timestamp_too_old() {
    let delivery = Delivery::signed("msg_1", NOW - 301, body(), SECRET);
    assert_refused(delivery, StatusCode::UNAUTHORIZED, "timestamp-too-old").await;
}

#[tokio::test]
async fn timestamp_more_than_five_minutes_ahead_is_401_timestamp_too_new() {
    let delivery = Delivery::signed("msg_1", NOW + 301, body(), SECRET);
    assert_refused(delivery, StatusCode::UNAUTHORIZED, "timestamp-too-new").await;
}

#[tokio::test]
async fn timestamps_exactly_five_minutes_off_are_accepted() {
    let app = app(verifier());
    for (id, ts) in [("msg_old", NOW - 300), ("msg_new", NOW + 300)] {
        let delivery = Delivery::signed(id, ts, body(), SECRET);
        assert_eq!(send(&app, delivery.request()).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn duplicate_message_id_is_409_and_the_handler_runs_once() {
    let app = app(verifier());
    assert_eq!(
        send(&app, Delivery::new("msg_dup").request()).await.0,
        StatusCode::OK
    );
    let (status, body) = send(&app, Delivery::new("msg_dup").request()).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate-message"))
    );
    // Another id is still welcome.
    assert_eq!(
        send(&app, Delivery::new("msg_other").request()).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_forged_delivery_does_not_consume_the_message_id() {
    let app = app(verifier());
    let mut forged = Delivery::new("msg_x");
    forged.signature = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=".into();
    assert_eq!(
        send(&app, forged.request()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, Delivery::new("msg_x").request()).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn each_missing_header_is_400_missing_header() {
    for field in ["id", "timestamp", "signature"] {
        let mut delivery = Delivery::new("msg_1");
        match field {
            "id" => delivery.id.clear(),
            "timestamp" => delivery.timestamp.clear(),
            _ => delivery.signature.clear(),
        }
        assert_refused(delivery, StatusCode::BAD_REQUEST, "missing-header").await;
    }
}

#[tokio::test]
async fn non_numeric_timestamp_is_400_invalid_timestamp() {
    let mut delivery = Delivery::new("msg_1");
    delivery.timestamp = "hello".into();
    assert_refused(delivery, StatusCode::BAD_REQUEST, "invalid-timestamp").await;
}

#[tokio::test]
async fn signature_without_v1_entries_is_401() {
    let mut delivery = Delivery::new("msg_1");
    delivery.signature = delivery.signature.replacen("v1,", "v2,", 1);
    assert_refused(delivery, StatusCode::UNAUTHORIZED, "invalid-signature").await;
}

#[tokio::test]
async fn signed_body_that_is_not_an_event_is_400_invalid_payload() {
    let delivery = Delivery::signed("msg_1", NOW, "[1, 2]".into(), SECRET);
    assert_refused(delivery, StatusCode::BAD_REQUEST, "invalid-payload").await;
}

#[tokio::test]
async fn body_over_the_limit_is_413_before_verification() {
    let big = json!({"type": "user.created", "data": {"id": "user_1", "pad": "x".repeat(5000)}})
        .to_string();
    let delivery = Delivery::signed("msg_big", NOW, big, SECRET);
    assert_refused(delivery, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_413() {
    let big = "x".repeat(5000);
    let delivery = Delivery::signed("msg_big", NOW, big.clone(), SECRET);
    let mut request = delivery.request();
    // No Content-Length: a streamed body is cut off at the limit.
    let chunks: Vec<Result<String, std::io::Error>> = big
        .as_bytes()
        .chunks(1000)
        .map(|c| Ok(String::from_utf8(c.to_vec()).unwrap()))
        .collect();
    *request.body_mut() = Body::from_stream(futures_util::stream::iter(chunks));
    let (status, body) = send(&app(verifier()), request).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload-too-large"))
    );
}

#[tokio::test]
async fn rejection_body_never_contains_the_signature() {
    let delivery = Delivery::signed("msg_1", NOW, body(), OTHER_SECRET);
    let signature = delivery.signature.clone();
    let mut tampered = Delivery::new("msg_1");
    tampered.signature = signature.clone();
    let (_, body) = send(&app(verifier()), tampered.request()).await;
    assert!(!body.to_string().contains(&signature[3..]), "{body}");
}

#[tokio::test]
async fn custom_payload_types_work_too() {
    async fn raw(webhook: ClerkWebhook<Value>) -> String {
        webhook.event["type"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    let app = Router::new()
        .route("/webhooks/clerk", post(raw))
        .layer(Extension(verifier()));
    let response = app
        .oneshot(Delivery::new("msg_raw").request())
        .await
        .unwrap();
    let bytes = to_bytes(response.into_body(), 1024).await.unwrap();
    assert_eq!(&bytes[..], b"user.created");
}

// A verified `session.revoked` refuses that session on the very next request.

#[public]
async fn hook(Extension(verifier): Extension<Verifier>, webhook: ClerkWebhook) -> StatusCode {
    webhook.event.revoke_in(&verifier);
    StatusCode::NO_CONTENT
}

#[protect]
async fn me(auth: Auth) -> String {
    auth.user_id().to_owned()
}

fn protected_app(issuer: &DevIssuer) -> Router {
    let layer = ClerkLayer::dev(issuer).unwrap();
    let verifier = layer.verifier().clone();
    let clock_now = issuer.now();
    let webhooks = WebhookVerifier::builder()
        .secret(SECRET)
        .clock(move || clock_now)
        .build()
        .unwrap();
    routes![
        POST "/api/webhooks/clerk" => hook,
        GET "/api/me" => me,
    ]
    .layer(layer)
    .into_router()
    .layer(Extension(webhooks))
    .layer(Extension(verifier))
}

async fn get_me(app: &Router, token: &str) -> (StatusCode, Value) {
    let request = Request::get("/api/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

fn session_event(event_type: &str, data: Value) -> String {
    json!({"type": event_type, "object": "event", "data": data}).to_string()
}

#[tokio::test]
async fn session_revoked_webhook_refuses_the_session_on_the_next_request() {
    let issuer = DevIssuer::new().unwrap();
    let app = protected_app(&issuer);
    let token = issuer.mint(&DevSession::new("user_1").session_id("sess_1"));
    let other = issuer.mint(&DevSession::new("user_1").session_id("sess_2"));
    for _ in 0..2 {
        assert_eq!(get_me(&app, &token).await.0, StatusCode::OK);
    }
    let body = session_event(
        "session.revoked",
        json!({"id": "sess_1", "user_id": "user_1", "status": "revoked", "object": "session"}),
    );
    let mut request = Delivery::signed("msg_rev", issuer.now(), body, SECRET).request();
    *request.uri_mut() = "/api/webhooks/clerk".parse().unwrap();
    assert_eq!(send(&app, request).await.0, StatusCode::NO_CONTENT);
    let (status, body) = get_me(&app, &token).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("session-revoked"))
    );
    assert_eq!(get_me(&app, &other).await.0, StatusCode::OK);
}

#[tokio::test]
async fn user_deleted_webhook_refuses_every_session_of_the_user() {
    let issuer = DevIssuer::new().unwrap();
    let app = protected_app(&issuer);
    let first = issuer.mint(&DevSession::new("user_gone").session_id("sess_a"));
    let second = issuer.mint(&DevSession::new("user_gone").session_id("sess_b"));
    let bystander = issuer.mint(&DevSession::new("user_stays"));
    let body = session_event(
        "user.deleted",
        json!({"id": "user_gone", "object": "user", "deleted": true}),
    );
    let mut request = Delivery::signed("msg_del", issuer.now(), body, SECRET).request();
    *request.uri_mut() = "/api/webhooks/clerk".parse().unwrap();
    assert_eq!(send(&app, request).await.0, StatusCode::NO_CONTENT);
    for token in [&first, &second] {
        assert_eq!(get_me(&app, token).await.1["reason"], "session-revoked");
    }
    assert_eq!(get_me(&app, &bystander).await.0, StatusCode::OK);
}

#[tokio::test]
async fn forged_session_revoked_webhook_revokes_nothing() {
    let issuer = DevIssuer::new().unwrap();
    let app = protected_app(&issuer);
    let token = issuer.mint(&DevSession::new("user_1").session_id("sess_1"));
    let body = session_event(
        "session.revoked",
        json!({"id": "sess_1", "user_id": "user_1"}),
    );
    let mut request = Delivery::signed("msg_forged", issuer.now(), body, OTHER_SECRET).request();
    *request.uri_mut() = "/api/webhooks/clerk".parse().unwrap();
    assert_eq!(send(&app, request).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get_me(&app, &token).await.0, StatusCode::OK);
}

#[test]
fn unknown_event_types_deserialize_as_other() {
    let event: WebhookEvent = serde_json::from_str(
        r#"{"type":"paymentAttempt.created","object":"event","data":{"id":"pa_1"}}"#,
    )
    .unwrap();
    assert!(matches!(event.data, EventData::Other(_)));
}
