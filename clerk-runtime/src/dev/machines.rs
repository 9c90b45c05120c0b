//! Machine tokens from the dev issuer: M2M and OAuth JWTs signed with its
//! key, and opaque API keys, M2M and OAuth tokens that its server's
//! Backend-API-shaped verify endpoints answer for, so routes that accept
//! machine tokens run without Clerk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::DevIssuer;
use crate::backend::{API_KEYS_VERIFY_PATH, M2M_TOKENS_VERIFY_PATH, OAUTH_TOKENS_VERIFY_PATH};
use crate::token::machine::{API_KEY_PREFIX, M2M_TOKEN_PREFIX, OAUTH_TOKEN_PREFIX};
use crate::token::{self, TokenType};

/// A machine token to mint or issue: its type, subject, scopes and extras.
#[derive(Debug, Clone)]
#[must_use]
pub struct DevMachineToken {
    token_type: TokenType,
    subject: String,
    scopes: Vec<String>,
    name: Option<String>,
    client_id: Option<String>,
    claims: Option<Map<String, Value>>,
    lifetime: Option<Duration>,
}

impl DevMachineToken {
    /// An API key acting for `subject` (`user_…` or `org_…`), named `name`.
    pub fn api_key(subject: impl Into<String>, name: impl Into<String>) -> Self {
        Self::new(TokenType::ApiKey, subject.into()).with_name(name.into())
    }

    /// An M2M token of the machine `machine_id` (`mch_…`).
    pub fn m2m(machine_id: impl Into<String>) -> Self {
        Self::new(TokenType::M2mToken, machine_id.into())
    }

    /// An OAuth access token of `user_id` for the OAuth app `client_id`.
    pub fn oauth(user_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        let mut token = Self::new(TokenType::OAuthToken, user_id.into());
        token.client_id = Some(client_id.into());
        token
    }

    fn new(token_type: TokenType, subject: String) -> Self {
        Self {
            token_type,
            subject,
            scopes: Vec::new(),
            name: None,
            client_id: None,
            claims: None,
            lifetime: None,
        }
    }

    fn with_name(mut self, name: String) -> Self {
        self.name = Some(name);
        self
    }

    /// The granted scopes (for M2M tokens: the machine ids it may call).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Custom claims (API keys, M2M tokens); a JSON object.
    pub fn claims(mut self, claims: Value) -> Self {
        self.claims = match claims {
            Value::Object(map) => Some(map),
            _ => None,
        };
        self
    }

    /// How long it lives; opaque tokens default to never expiring, JWTs to
    /// one hour.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }
}

/// An opaque token the dev server answers for.
#[derive(Debug, Clone)]
struct Issued {
    id: String,
    token: DevMachineToken,
    created_ms: i64,
    revoked: bool,
}

/// The opaque tokens a [`DevIssuer`] issued, shared with its server.
#[derive(Debug, Clone, Default)]
pub(super) struct Registry(Arc<Mutex<HashMap<String, Issued>>>);

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Issued>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Lifetime of machine JWTs when none is given.
const DEFAULT_JWT_LIFETIME: Duration = Duration::from_secs(3600);

impl DevIssuer {
    /// Mint the JWT form of an M2M or OAuth token, signed with the issuer's
    /// key as Clerk does (M2M: `typ` `JWT`, `cat` `cl_B7d4PD333AAA`,
    /// space-separated `scopes`; OAuth: `typ` `at+jwt`, `scope`,
    /// `client_id`). `None` for API keys, which have no JWT form.
    pub fn mint_machine_jwt(&self, token: &DevMachineToken) -> Option<String> {
        let iat = self.now();
        let life = token.lifetime.unwrap_or(DEFAULT_JWT_LIFETIME).as_secs();
        let exp = iat.saturating_add(i64::try_from(life).unwrap_or(i64::MAX));
        let mut payload = token.claims.clone().unwrap_or_default();
        payload.insert("iss".into(), Value::from(self.issuer()));
        payload.insert("sub".into(), Value::from(token.subject.as_str()));
        payload.insert("iat".into(), Value::from(iat));
        payload.insert("nbf".into(), Value::from(iat - 5));
        payload.insert("exp".into(), Value::from(exp));
        let scopes = token.scopes.join(" ");
        let header = match token.token_type {
            TokenType::M2mToken => {
                payload.insert("jti".into(), Value::from(self.opaque_id(M2M_TOKEN_PREFIX)));
                payload.insert("scopes".into(), Value::from(scopes));
                payload.insert("aud".into(), json!(token.scopes));
                json!({"alg": "RS256", "kid": self.kid(), "typ": "JWT", "cat": token::cat::M2M})
            }
            TokenType::OAuthToken => {
                payload.insert(
                    "jti".into(),
                    Value::from(self.opaque_id(OAUTH_TOKEN_PREFIX)),
                );
                payload.insert("scope".into(), Value::from(scopes));
                payload.insert(
                    "client_id".into(),
                    Value::from(token.client_id.clone().unwrap_or_default()),
                );
                json!({"alg": "RS256", "kid": self.kid(), "typ": "at+jwt"})
            }
            _ => return None,
        };
        Some(self.mint_raw(&header.to_string(), &Value::Object(payload).to_string()))
    }

    /// Issue an opaque token (`ak_…`, `mt_…`, `oat_…`) that the dev
    /// server's verify endpoints (`POST /api_keys/verify`, ...) know.
    pub fn issue_machine_token(&self, token: &DevMachineToken) -> String {
        let prefix = match token.token_type {
            TokenType::ApiKey => API_KEY_PREFIX,
            TokenType::M2mToken => M2M_TOKEN_PREFIX,
            _ => OAUTH_TOKEN_PREFIX,
        };
        let secret = self.opaque_id(prefix);
        let issued = Issued {
            id: self.opaque_id(prefix),
            token: token.clone(),
            created_ms: self.now().saturating_mul(1000),
            revoked: false,
        };
        self.machines.lock().insert(secret.clone(), issued);
        secret
    }

    /// Revoke an opaque token: the verify endpoints answer `revoked: true`.
    /// `false` when the issuer never issued it.
    pub fn revoke_machine_token(&self, secret: &str) -> bool {
        match self.machines.lock().get_mut(secret) {
            Some(issued) => {
                issued.revoked = true;
                true
            }
            None => false,
        }
    }

    fn opaque_id(&self, prefix: &str) -> String {
        let mut random = [0u8; 18];
        // Unique enough without randomness if the system RNG ever fails.
        if aws_lc_rs::rand::fill(&mut random).is_err() {
            random[..8].copy_from_slice(&self.next_id().to_le_bytes());
        }
        format!("{prefix}dev{}", URL_SAFE_NO_PAD.encode(random))
    }

    /// The routes of the verify endpoints, for the dev server.
    pub(super) fn machine_routes(&self) -> axum::Router {
        let state = Verify {
            registry: self.machines.clone(),
            issuer: self.clone(),
        };
        axum::Router::new()
            .route(API_KEYS_VERIFY_PATH, endpoint("secret", TokenType::ApiKey))
            .route(
                M2M_TOKENS_VERIFY_PATH,
                endpoint("token", TokenType::M2mToken),
            )
            .route(
                OAUTH_TOKENS_VERIFY_PATH,
                endpoint("access_token", TokenType::OAuthToken),
            )
            .with_state(state)
    }
}

#[derive(Clone)]
struct Verify {
    registry: Registry,
    issuer: DevIssuer,
}

/// One verify endpoint: the body field carrying the token, and its type.
fn endpoint(field: &'static str, expected: TokenType) -> axum::routing::MethodRouter<Verify> {
    axum::routing::post(
        move |State(state): State<Verify>, headers: HeaderMap, Json(body): Json<Value>| async move {
            state.answer(&headers, &body, field, expected)
        },
    )
}

impl Verify {
    /// Clerk's answers: 401 without a bearer key, 404 for an unknown token
    /// (or one of another type), else the resource in snake_case.
    fn answer(
        &self,
        headers: &HeaderMap,
        body: &Value,
        field: &str,
        expected: TokenType,
    ) -> Response {
        let authorized = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7);
        if !authorized {
            return error(StatusCode::UNAUTHORIZED, "authentication_invalid");
        }
        let Some(secret) = body.get(field).and_then(Value::as_str) else {
            return error(StatusCode::BAD_REQUEST, "form_param_missing");
        };
        let registry = self.registry.lock();
        let Some(issued) = registry
            .get(secret)
            .filter(|i| i.token.token_type == expected)
        else {
            return error(StatusCode::NOT_FOUND, "resource_not_found");
        };
        let token = &issued.token;
        let now_ms = self.issuer.now().saturating_mul(1000);
        let expiration = token.lifetime.map(|life| {
            let life_ms = i64::try_from(life.as_millis()).unwrap_or(i64::MAX);
            issued.created_ms.saturating_add(life_ms)
        });
        let object = match expected {
            TokenType::ApiKey => "api_key",
            TokenType::M2mToken => "machine_to_machine_token",
            _ => "clerk_idp_oauth_access_token",
        };
        let resource = json!({
            "object": object,
            "id": issued.id,
            "subject": token.subject,
            "scopes": token.scopes,
            "claims": token.claims,
            "name": token.name,
            "client_id": token.client_id,
            "revoked": issued.revoked,
            "revocation_reason": issued.revoked.then_some("revoked in the dev issuer"),
            "expired": expiration.is_some_and(|exp| exp <= now_ms),
            "expiration": expiration,
            "created_at": issued.created_ms,
            "updated_at": issued.created_ms,
        });
        (StatusCode::OK, Json(resource)).into_response()
    }
}

fn error(status: StatusCode, code: &str) -> Response {
    let body = json!({"errors": [{"code": code, "message": code.replace('_', " ")}]});
    (status, Json(body)).into_response()
}
