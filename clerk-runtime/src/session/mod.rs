//! The browser-session decision of Clerk's `authenticateRequest`: handshake,
//! development browser, satellites (`clerk-handshake.md`).
//!
//! A page request carries an expired `__session` next to a `__client_uat`
//! that says "signed in" once the 60 s token has lapsed. Clerk's SDKs then
//! answer with a **handshake**: a 307 to the Frontend API, which sends the
//! browser back with fresh cookies. This module decides, per request, what
//! Clerk's SDK would: signed in, signed out (with Clerk's reason) or a
//! handshake (with the exact `Location` and headers).
//!
//! # Shape: a pure core, I/O at the edges
//!
//! Three facts need I/O: the session token's verification (keys may come
//! from a JWKS), the handshake token's key, and the nonce exchange with the
//! Backend API. Everything else is a pure function of the request head, the
//! [`SessionConfig`] and `now`:
//!
//! 1. [`SessionRequest::from_parts`] reads the inputs (public URL, cookies,
//!    suffix rules, handshake values).
//! 2. [`resolve::handshake_source`]: a handshake to resolve? The caller
//!    gets the directives ([`resolve::verify_handshake_token`] with the
//!    instance key, or a nonce fetch), verifies the session token they set,
//!    and [`resolve::resolve`] answers or falls through.
//! 3. [`token_to_verify`] names the token whose verification the decision
//!    needs (none when an earlier rule decides); the caller verifies it
//!    (the verifier caches, so this is cheap) and passes the result in
//!    [`Evidence`] to [`decide`], which returns a [`SessionState`].
//!
//! [`authenticate`] is that sequence with a [`Verifier`], for callers that
//! do not need the steps; the layer (phase 2) calls it on every request.
//!
//! Reasons, cookie names, query parameters and header names live in
//! [`names`], once.

mod config;
mod decision;
mod handshake;
mod js;
pub mod names;
pub mod refresh;
mod request;
pub mod resolve;
pub mod script;
mod state;

use std::future::Future;
use std::pin::Pin;

pub use config::{InstanceType, SessionConfig, SessionConfigBuilder};
pub use decision::{Evidence, Refresh, decide, token_to_verify};
pub use handshake::{
    is_eligible, next_redirect_count_cookie, primary_sync_url, redirect_url, satellite_sync_url,
    without_params,
};
pub use refresh::{RefreshError, SessionRefresher};
pub use request::{SessionRequest, public_url};
pub use resolve::{HandshakeKeys, HandshakeSource, HandshakeTokenError, Resolution};
pub use state::{SessionState, Status, static_reason};

use http::request::Parts;

use crate::error::VerifyError;
use crate::verify::Verifier;

/// A request Clerk's SDK would refuse with an exception (a 500 in its
/// integrations): configuration that only the request reveals, or a
/// development handshake that cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A satellite's `CLERK_SIGN_IN_URL` is on the request's own origin.
    #[error("CLERK_SIGN_IN_URL must be on a different origin than the satellite application")]
    SignInUrlSameOrigin,
    /// Development: the handshake token is forged, for another instance or
    /// malformed ("if you have switched Clerk keys locally, clear your cookies").
    #[error(
        "handshake token verification failed ({}); if you switched Clerk keys locally, clear your cookies and try again",
        .0.error.reason()
    )]
    HandshakeRejected(HandshakeTokenError),
    /// The Frontend API (proxy URL or domain) does not form a URL.
    #[error("the Frontend API URL could not be built; check CLERK_PROXY_URL and CLERK_DOMAIN")]
    FrontendApiUrl,
    /// Development primary: `__clerk_redirect_url` is not an absolute URL.
    #[error("__clerk_redirect_url is not an absolute URL")]
    InvalidSyncRedirect,
}

impl SessionError {
    /// A stable reason string for logs and responses.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::SignInUrlSameOrigin => "sign-in-url-same-origin",
            Self::HandshakeRejected(_) => "handshake-token-rejected",
            Self::FrontendApiUrl => "frontend-api-url-invalid",
            Self::InvalidSyncRedirect => "sync-redirect-url-invalid",
        }
    }
}

/// Why the Backend API did not give the directives of a nonce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("handshake payload unavailable: {0}")]
pub struct NonceError(pub String);

/// A boxed future of a nonce exchange.
pub type PayloadFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<String>, NonceError>> + Send + 'a>>;

/// Exchanges a handshake nonce for its Set-Cookie directives:
/// `GET {api}/v1/clients/handshake_payload?nonce=…` with the secret key.
pub trait HandshakePayloadSource: Send + Sync {
    /// The directives of `nonce`.
    fn handshake_payload<'a>(&'a self, nonce: &'a str) -> PayloadFuture<'a>;
}

/// The Backend API as a [`HandshakePayloadSource`].
#[derive(Clone)]
pub struct BackendHandshakePayload {
    client: reqwest::Client,
    api_url: String,
    secret_key: String,
}

impl std::fmt::Debug for BackendHandshakePayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendHandshakePayload")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

impl BackendHandshakePayload {
    /// Use `client` against `api_url` (e.g. `https://api.clerk.com`) with `secret_key`.
    pub fn new(
        client: reqwest::Client,
        api_url: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        BackendHandshakePayload {
            client,
            api_url: api_url.into().trim_end_matches('/').to_owned(),
            secret_key: secret_key.into(),
        }
    }
}

/// Largest handshake payload accepted (directives are a few cookies).
const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

impl HandshakePayloadSource for BackendHandshakePayload {
    fn handshake_payload<'a>(&'a self, nonce: &'a str) -> PayloadFuture<'a> {
        Box::pin(async move {
            let url = format!("{}{}", self.api_url, names::value::HANDSHAKE_PAYLOAD_PATH);
            let err = |e: &dyn std::fmt::Display| NonceError(e.to_string());
            let resp = self
                .client
                .get(url)
                .query(&[("nonce", nonce)])
                .bearer_auth(&self.secret_key)
                .header("Clerk-API-Version", names::value::API_VERSION)
                .header(http::header::CONTENT_TYPE, "application/json")
                .send()
                .await
                .map_err(|e| err(&e.without_url()))?;
            if !resp.status().is_success() {
                return Err(NonceError(format!(
                    "Backend API answered {}",
                    resp.status()
                )));
            }
            let body = resp.bytes().await.map_err(|e| err(&e.without_url()))?;
            if body.len() > MAX_PAYLOAD_BYTES {
                return Err(NonceError("payload too large".into()));
            }
            #[derive(serde::Deserialize)]
            struct Payload {
                directives: Vec<String>,
            }
            serde_json::from_slice::<Payload>(&body)
                .map(|p| p.directives)
                .map_err(|_| NonceError("payload is not {\"directives\": [..]}".into()))
        })
    }
}

impl HandshakePayloadSource for crate::backend::BackendClient {
    fn handshake_payload<'a>(&'a self, nonce: &'a str) -> PayloadFuture<'a> {
        Box::pin(async move {
            crate::backend::BackendClient::handshake_payload(self, nonce)
                .await
                .map_err(|e| NonceError(e.to_string()))
        })
    }
}

/// The I/O the decision needs, supplied by the caller.
#[derive(Clone, Copy)]
pub struct SessionEdge<'a> {
    /// Verifies session tokens (the configured instance verifier).
    pub verifier: &'a Verifier,
    /// Development only: the same verifier with a one-day clock skew, for
    /// Clerk's retry of a handshake's session token. `None`: no retry.
    pub retry_verifier: Option<&'a Verifier>,
    /// Keys of handshake tokens. `None`: the verifier's own instance keys
    /// ([`Verifier::instance_key`]; FAPI signs handshake tokens with the
    /// key that signs session tokens, §5.2).
    pub handshake_keys: Option<HandshakeKeys<'a>>,
    /// Nonce exchange. `None`: a nonce resolves to no directives, as a
    /// failed fetch does in Clerk's SDK.
    pub payloads: Option<&'a dyn HandshakePayloadSource>,
    /// Refresh with the refresh cookie (§5.3). `None`: no Backend API, an
    /// eligible refresh fails with Clerk's `missing-api-client`.
    pub refresher: Option<&'a dyn SessionRefresher>,
}

/// A [`SessionState`] with the verification error behind a signed-out
/// state, when there was one (the layer keeps it, e.g. to answer 503 when
/// keys are unavailable rather than "signed out").
#[derive(Debug)]
pub struct Outcome {
    /// The decision.
    pub state: SessionState,
    /// Why the session token failed verification, when the state is not
    /// signed in because of it.
    pub verify_error: Option<VerifyError>,
}

/// The whole decision for one request head, as of `now` (unix seconds).
pub async fn authenticate(
    parts: &Parts,
    config: &SessionConfig,
    edge: SessionEdge<'_>,
    now: i64,
) -> Result<SessionState, SessionError> {
    authenticate_outcome(parts, config, edge, now)
        .await
        .map(|o| o.state)
}

/// [`authenticate`], keeping the session token's verification error.
pub async fn authenticate_outcome(
    parts: &Parts,
    config: &SessionConfig,
    edge: SessionEdge<'_>,
    now: i64,
) -> Result<Outcome, SessionError> {
    let req = SessionRequest::from_parts(parts, config, now);
    if let Some(state) = resolve_handshake(&req, config, edge, now).await? {
        return Ok(Outcome {
            state,
            verify_error: None,
        });
    }
    let session = match token_to_verify(&req, config)? {
        Some(token) => Some(edge.verifier.verify_at(token, now).await),
        None => None,
    };
    let refresh = match (&session, edge.refresher) {
        (Some(Err(VerifyError::Expired { .. })), Some(refresher)) if refresh::is_eligible(&req) => {
            Some(refresh::attempt(parts, &req, refresher, edge.verifier, now).await)
        }
        _ => None,
    };
    let verify_error = match &session {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    };
    let state = decide(&req, config, Evidence { session, refresh })?;
    let verify_error = verify_error.filter(|_| state.auth.is_none());
    Ok(Outcome {
        state,
        verify_error,
    })
}

/// C1: `Some` when the handshake resolved, `None` to fall through.
async fn resolve_handshake(
    req: &SessionRequest,
    config: &SessionConfig,
    edge: SessionEdge<'_>,
    now: i64,
) -> Result<Option<SessionState>, SessionError> {
    let Some(source) = resolve::handshake_source(req) else {
        return Ok(None);
    };
    let directives = match source {
        HandshakeSource::Nonce(nonce) => match edge.payloads {
            Some(p) => p.handshake_payload(nonce).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "Clerk: HandshakeService: error getting handshake payload");
                Vec::new()
            }),
            None => Vec::new(),
        },
        HandshakeSource::Token(token) => {
            let verified = match edge.handshake_keys {
                Some(keys) => resolve::verify_handshake_token(token, keys),
                None => match edge
                    .verifier
                    .instance_key(resolve::kid_of(token).as_deref())
                    .await
                {
                    Ok(key) => resolve::verify_handshake_token(token, HandshakeKeys::Pem(&key)),
                    Err(error) => Err(HandshakeTokenError { error }),
                },
            };
            match verified {
                Ok(Ok(d)) => d,
                Ok(Err(bad)) => {
                    tracing::warn!(error = %bad, "Clerk: unable to resolve handshake");
                    return Ok(None);
                }
                Err(e) => {
                    resolve::on_refused_token(config, e)?;
                    return Ok(None);
                }
            }
        }
    };
    let mut verification = resolve::DirectiveVerification::default();
    if let resolve::DirectiveSession::Token(t) = resolve::session_from_directives(&directives) {
        let first = edge.verifier.verify_at(t, now).await;
        let retry = match &first {
            Err(e) if resolve::wants_dev_retry(config, e) => edge.retry_verifier,
            _ => None,
        };
        if let Some(retry) = retry {
            tracing::warn!(
                "Clerk: Clock skew detected; retrying the handshake session token with a one-day skew"
            );
            verification.retry = Some(retry.verify_at(t, now).await);
        }
        verification.first = Some(first);
    }
    match resolve::resolve(req, config, directives, verification) {
        Resolution::Resolved(state) => Ok(Some(state)),
        Resolution::FallThrough(why) => {
            tracing::warn!(why, "Clerk: unable to resolve handshake");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests;
