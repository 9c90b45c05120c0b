//! JSON API routes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clerk_runtime::webhook::ClerkWebhook;
use clerk_runtime::{Auth, Claims, MachineAuth, claims, protect, public};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::db::{DbError, Scope};
use crate::{AppState, Mode, unix_now};

/// Custom session claims, set in Clerk's dashboard as
/// `{"email": "{{user.primary_email_address}}", "metadata": "{{user.public_metadata}}"}`.
/// `Clone` too, so they are decoded once per verified token, not per request.
#[derive(clerk_runtime::Claims, Clone, Debug)]
pub struct SessionExtras {
    /// Primary email.
    pub email: Option<String>,
    /// Public metadata role (app-level, not the organization role).
    #[claim(path = "metadata.role")]
    pub role: Option<String>,
}

/// Body of `POST /api/data`.
#[derive(Debug, Deserialize)]
pub struct NewItem {
    /// Item text, 1..=200 characters.
    pub name: String,
}

/// Longest item name accepted.
const MAX_NAME: usize = 200;

fn db_error(err: DbError) -> Response {
    tracing::error!(error = %err, "database call failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"error": "internal"})),
    )
        .into_response()
}

/// A personal account (no active organization) owns its items: the
/// organization permissions below only apply inside an organization.
pub fn personal_account(auth: &Auth) -> bool {
    auth.org_id().is_none()
}

/// A customer's script exporting its organization's items with an API key
/// (`Authorization: Bearer ak_...`) that carries the `invoices:read` scope.
/// Sessions are refused here: this route is for machines only.
#[utoipa::path(get, path = "/api/invoices/export", tag = "items", responses((status = 200, description = "The key's organization's items"), (status = 401), (status = 403)))]
#[protect(accepts = "api_key", scope = "invoices:read")]
pub async fn export_invoices(key: MachineAuth, State(state): State<AppState>) -> Response {
    // An organization's key reads the organization's items, a user's key the user's.
    let scope = match (key.org_id(), key.user_id()) {
        (Some(org_id), _) => Scope::Org {
            org_id: org_id.to_owned(),
            user_id: key.subject().to_owned(),
        },
        (None, Some(user_id)) => Scope::Owner {
            user_id: user_id.to_owned(),
        },
        (None, None) => {
            return (StatusCode::FORBIDDEN, Json(json!({"error": "forbidden"}))).into_response();
        }
    };
    match state.db.list_items(scope).await {
        Ok(items) => Json(json!({ "key": key.name(), "items": items })).into_response(),
        Err(err) => db_error(err),
    }
}

/// Items in scope: the organization's with `org:data:read`, or your own.
#[utoipa::path(get, path = "/api/data", tag = "items", responses((status = 200, description = "Items in scope"), (status = 401), (status = 403)))]
#[protect(any(permission = "org:data:read", condition = personal_account))]
pub async fn list_items(auth: Auth, State(state): State<AppState>) -> Response {
    match state.db.list_items(Scope::of(&auth)).await {
        Ok(items) => Json(json!({ "items": items })).into_response(),
        Err(err) => db_error(err),
    }
}

/// Creates an item: `org:data:write` inside an organization.
#[utoipa::path(post, path = "/api/data", tag = "items", responses((status = 201, description = "The new item"), (status = 422, description = "Name not 1 to 200 characters"), (status = 401), (status = 403)))]
#[protect(any(permission = "org:data:write", condition = personal_account))]
pub async fn create_item(
    auth: Auth,
    State(state): State<AppState>,
    Json(body): Json<NewItem>,
) -> Response {
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "invalid_name", "message": "name must be 1 to 200 characters"})),
        )
            .into_response();
    }
    match state
        .db
        .create_item(Scope::of(&auth), name, unix_now())
        .await
    {
        Ok(item) => (StatusCode::CREATED, Json(item)).into_response(),
        Err(err) => db_error(err),
    }
}

/// Deletes an item in scope: `org:data:delete` inside an organization.
#[utoipa::path(delete, path = "/api/data/{id}", tag = "items", params(("id" = i64, Path, description = "Item id")), responses((status = 200, description = "The deleted item"), (status = 404), (status = 401), (status = 403)))]
#[protect(any(permission = "org:data:delete", condition = personal_account))]
pub async fn delete_item(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Response {
    match state.db.delete_item(Scope::of(&auth), id).await {
        Ok(Some(item)) => Json(json!({ "deleted": item })).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response(),
        Err(err) => db_error(err),
    }
}

/// The session's user id, session id, and the custom claims' email and role.
#[utoipa::path(get, path = "/api/protected", tag = "session", responses((status = 200, description = "User, session, email and role"), (status = 401)))]
#[protect]
#[claims(SessionExtras)]
pub async fn protected(auth: Auth, Claims(extras): Claims<SessionExtras>) -> Response {
    Json(SessionSummary {
        user_id: auth.user_id(),
        session_id: auth.session_id(),
        email: extras.email.as_deref(),
        role: extras.role.as_deref(),
        org_id: auth.org_id(),
        org_role: auth.org_role(),
    })
    .into_response()
}

/// What `GET /api/protected` answers. Typed and borrowed rather than a
/// `json!` map: the body is written straight from the session, without
/// building a map of owned strings first (the cheaper way for a hot route).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionSummary<'a> {
    user_id: &'a str,
    session_id: Option<&'a str>,
    email: Option<&'a str>,
    role: Option<&'a str>,
    org_id: Option<&'a str>,
    org_role: Option<&'a str>,
}

/// Fetches a JWT-template token for the session (as apps do for
/// Supabase), verifies it with the template verifier and returns its claims.
#[utoipa::path(get, path = "/api/supabase-data", tag = "session", responses((status = 200, description = "Claims of a verified JWT-template token"), (status = 401), (status = 502)))]
#[protect]
pub async fn supabase_data(auth: Auth, State(state): State<AppState>) -> Response {
    let token = match &state.mode {
        Mode::Dev(dev) => Ok(dev.mint_template(auth.user_id(), auth.claims().get_str("email"))),
        Mode::Clerk(clerk) => match (&clerk.backend, auth.session_id()) {
            (Some(backend), Some(sid)) => backend
                .create_template_token(sid, &clerk.template, None)
                .await
                .map_err(|err| {
                    tracing::warn!(error = %err, "template token not minted");
                    "template-token-failed"
                }),
            _ => Err("template-token-needs-secret-key"),
        },
    };
    let token = match token {
        Ok(token) => token,
        Err(reason) => {
            return (
                StatusCode::BAD_GATEWAY,
                Json(json!({"error": "upstream", "reason": reason})),
            )
                .into_response();
        }
    };
    match state.template_verifier.verify(&token).await {
        Ok(template) => Json(json!({
            "template": template_name(&state),
            "userId": auth.user_id(),
            "claims": template.claims().as_map(),
        }))
        .into_response(),
        Err(err) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({"error": "upstream", "reason": err.reason()})),
        )
            .into_response(),
    }
}

fn template_name(state: &AppState) -> &str {
    match &state.mode {
        Mode::Dev(_) => crate::dev::TEMPLATE_NAME,
        Mode::Clerk(clerk) => &clerk.template,
    }
}

/// Rate-limited per signed-in user, declared on the handler: the sixth call
/// within a minute gets 429 with `Retry-After` and `RateLimit-*` headers.
#[utoipa::path(get, path = "/api/limited", tag = "session", responses((status = 200), (status = 401), (status = 429, description = "Rate limited: 5 a minute per user")))]
#[protect(rate_limit = "5/1m")]
pub async fn limited(auth: Auth) -> Json<Value> {
    Json(json!({"ok": true, "userId": auth.user_id()}))
}

/// Anything under `/api/public/`: no session needed; says whether there is one.
#[utoipa::path(get, path = "/api/public/{rest}", tag = "public", params(("rest" = String, Path, description = "The rest of the path")), responses((status = 200, description = "Whether the caller is signed in")))]
#[public]
pub async fn public(auth: Option<Auth>, Path(rest): Path<String>) -> Response {
    Json(PublicStatus {
        path: &rest,
        signed_in: auth.is_some(),
    })
    .into_response()
}

/// What `GET /api/public/{rest}` answers (typed, as [`SessionSummary`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublicStatus<'a> {
    path: &'a str,
    signed_in: bool,
}

/// Webhook receiver: public (Clerk signs webhooks with Svix, not a
/// session). `ClerkWebhook` verifies the signature before this runs (401
/// forged or stale, 400 malformed, 409 replayed); session and user deletions
/// revoke at once, on every instance when Redis is configured.
#[utoipa::path(post, path = "/api/webhooks/{rest}", tag = "webhooks", params(("rest" = String, Path, description = "Hook name")), responses((status = 200), (status = 400), (status = 401, description = "Bad Svix signature"), (status = 409, description = "Replayed")))]
#[public]
pub async fn webhook(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    webhook: ClerkWebhook,
) -> Json<Value> {
    let event = &webhook.event;
    let revoked = event.revoke_in(&state.verifier);
    tracing::info!(hook = %rest, event = %event.event_type, revoked = ?revoked.as_ref().map(ToString::to_string), "webhook received");
    Json(json!({
        "received": true,
        "hook": rest,
        "event": event.event_type,
        "revoked": revoked.map(|r| r.to_string()),
    }))
}

/// The JSON API's OpenAPI description; [`openapi_json`] adds the route
/// table's security before serving it.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "clerk-runtime example API",
        description = "Security requirements come from the route table."
    ),
    paths(
        list_items,
        create_item,
        delete_item,
        protected,
        supabase_data,
        limited,
        public,
        webhook,
        openapi_json,
        export_invoices
    )
)]
pub struct ApiDoc;

/// The API document with every described route's security (see
/// `clerk_runtime::openapi`), and the routes it does not describe (the HTML pages).
pub fn openapi_document() -> (utoipa::openapi::OpenApi, Vec<&'static clerk_runtime::Route>) {
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    let undescribed = clerk_runtime::openapi::apply(&mut doc, crate::route_table());
    (doc, undescribed)
}

/// This API's OpenAPI 3.1 document, security included.
#[utoipa::path(get, path = "/api/openapi.json", tag = "public", responses((status = 200, description = "This document")))]
#[public]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document().0)
}
