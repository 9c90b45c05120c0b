//! Resolving a handshake (§3): the Frontend API sent the browser back with
//! `__clerk_handshake` (a JWT of Set-Cookie directives) or
//! `__clerk_handshake_nonce` (exchanged for the directives through the
//! Backend API). The key lookup and the nonce fetch are I/O and stay in the
//! caller; everything here is pure.

use std::sync::Arc;

use serde_json::Value;

use crate::auth::Auth;
use crate::error::VerifyError;
use crate::token;
use crate::verify::keys::{KeySet, VerifyingKey};

use super::config::InstanceType;
use super::decision::is_non_session_category;
use super::handshake::without_params;
use super::names::{cookie, header, query, reason, value};
use super::request::SessionRequest;
use super::state::SessionState;
use super::{SessionConfig, SessionError};

/// Where the handshake result is (C1; the cookie path only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeSource<'r> {
    /// `__clerk_handshake_nonce`: fetch the directives from the Backend API.
    Nonce(&'r str),
    /// `__clerk_handshake`: a JWT carrying the directives.
    Token(&'r str),
}

/// C1: the nonce wins over the token; requests with an `Authorization`
/// token never resolve a handshake.
pub fn handshake_source(req: &SessionRequest) -> Option<HandshakeSource<'_>> {
    if req.token_in_header.is_some() {
        return None;
    }
    if let Some(n) = &req.handshake_nonce {
        return Some(HandshakeSource::Nonce(n));
    }
    req.handshake_token.as_deref().map(HandshakeSource::Token)
}

/// The key(s) that sign handshake tokens: the instance's session keys.
#[derive(Debug, Clone, Copy)]
pub enum HandshakeKeys<'k> {
    /// A PEM key (`CLERK_JWT_KEY`): the token's `kid` is ignored, as Clerk does.
    Pem(&'k VerifyingKey),
    /// A JWKS: the key with the token's `kid`.
    Set(&'k KeySet),
}

/// The `kid` of a handshake token's header (unverified), to pick its key.
pub fn kid_of(token: &str) -> Option<String> {
    token::decode(token).ok().and_then(|d| d.header.kid)
}

/// Why a handshake token was refused: Clerk's `TokenVerificationError`s of
/// `verifyHandshakeToken`, which make a development request fail and a
/// production request fall through to the usual rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("handshake token refused: {error}")]
pub struct HandshakeTokenError {
    /// What was wrong (`reason()` gives Clerk's reason string).
    pub error: VerifyError,
}

/// The payload's `handshake` value was not a list of strings; Clerk's SDK
/// then fails with a plain error, which falls through on every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("handshake payload is not a list of Set-Cookie strings")]
pub struct BadPayload;

/// `verifyHandshakeToken` (§3.1): decode, `typ`, `alg`, category, signature;
/// no claim checks. Returns the Set-Cookie directives (empty when the
/// payload has no `handshake` array).
pub fn verify_handshake_token(
    token: &str,
    keys: HandshakeKeys<'_>,
) -> Result<Result<Vec<String>, BadPayload>, HandshakeTokenError> {
    let fail = |error| HandshakeTokenError { error };
    let decoded = token::decode(token).map_err(fail)?;
    let key: Arc<VerifyingKey>;
    let key: &VerifyingKey = match keys {
        HandshakeKeys::Pem(k) => k,
        HandshakeKeys::Set(set) => {
            key = set
                .get(decoded.header.kid.as_deref())
                .cloned()
                .ok_or_else(|| {
                    fail(VerifyError::KidMismatch {
                        kid: decoded.header.kid.clone(),
                    })
                })?;
            &key
        }
    };
    token::check_header(&decoded.header).map_err(fail)?;
    if is_non_session_category(decoded.header.cat.as_deref()) {
        return Err(fail(VerifyError::Malformed(
            "invalid handshake token category",
        )));
    }
    key.verify(decoded.signing_input.as_bytes(), &decoded.signature)
        .map_err(fail)?;
    let payload: Value = serde_json::from_str(&decoded.payload)
        .map_err(|_| fail(VerifyError::Malformed("payload is not valid JSON")))?;
    Ok(match payload.get("handshake") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or(BadPayload))
            .collect(),
        _ => Ok(Vec::new()),
    })
}

/// The session token the directives set: the value of the **last**
/// directive whose name starts with `__session` (cookie.ts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectiveSession<'d> {
    /// No `__session*` directive, or an empty value (a sign-out).
    Missing,
    /// A `__session*` directive without `=`: Clerk verifies `undefined` and fails.
    Unreadable,
    /// The new session token.
    Token(&'d str),
}

/// Find the new session token in `directives`.
pub fn session_from_directives(directives: &[String]) -> DirectiveSession<'_> {
    let mut found = DirectiveSession::Missing;
    for d in directives {
        let pair = d.split(';').next().unwrap_or("");
        let mut parts = pair.split('=');
        let name = parts.next().unwrap_or("");
        if name.starts_with(cookie::SESSION) {
            found = match parts.next() {
                None => DirectiveSession::Unreadable,
                Some("") => DirectiveSession::Missing,
                Some(v) => DirectiveSession::Token(v),
            };
        }
    }
    found
}

/// What resolving a handshake gave.
#[derive(Debug)]
pub enum Resolution {
    /// The answer (signed in or signed out, with the directives, and in
    /// development a `Location` without the handshake parameters).
    Resolved(SessionState),
    /// Clerk logs and goes on with C2-C16 of the usual decision.
    FallThrough(&'static str),
}

/// Verifications of the directives' session token: the normal one, and on
/// development the retry with a one-day skew after a time error.
#[derive(Debug, Default)]
pub struct DirectiveVerification {
    /// `verifyToken(sessionToken)`.
    pub first: Option<Result<Auth, VerifyError>>,
    /// The development retry with [`value::DEV_HANDSHAKE_RETRY_SKEW_SECS`].
    pub retry: Option<Result<Auth, VerifyError>>,
}

/// Whether a development resolution should retry the session token with a
/// one-day skew after this error (Clerk's "clock skew detected").
pub fn wants_dev_retry(config: &SessionConfig, err: &VerifyError) -> bool {
    config.instance_type() == InstanceType::Development
        && matches!(
            err,
            VerifyError::Expired { .. }
                | VerifyError::NotActiveYet { .. }
                | VerifyError::IatInFuture { .. }
        )
}

/// `resolveHandshake` after the directives are known (§3.2).
pub fn resolve(
    req: &SessionRequest,
    config: &SessionConfig,
    directives: Vec<String>,
    verification: DirectiveVerification,
) -> Resolution {
    let mut headers = vec![
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "null".to_owned()),
        (header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true".to_owned()),
    ];
    let mut location = None;
    if config.instance_type() == InstanceType::Development {
        let back = without_params(
            &req.url,
            &[
                query::HANDSHAKE,
                query::HANDSHAKE_HELP,
                query::DEV_BROWSER,
                query::HANDSHAKE_NONCE,
            ],
        );
        location = Some(String::from(back));
        headers.push((header::CACHE_CONTROL, value::NO_STORE.to_owned()));
    }
    let finish = |mut state: SessionState| {
        let mut all = headers.clone();
        all.append(&mut state.headers);
        state.headers = all;
        state.location = location.clone();
        state.set_cookies = directives.clone();
        Resolution::Resolved(state)
    };
    match session_from_directives(&directives) {
        DirectiveSession::Missing => {
            return finish(SessionState::signed_out(reason::SESSION_TOKEN_MISSING, ""));
        }
        DirectiveSession::Unreadable => {
            return Resolution::FallThrough("unreadable __session directive");
        }
        DirectiveSession::Token(_) => {}
    }
    match (verification.first, verification.retry) {
        (Some(Ok(auth)), _) | (Some(Err(_)), Some(Ok(auth))) => {
            finish(SessionState::signed_in(auth))
        }
        (Some(Err(_)), Some(Err(_))) => {
            Resolution::FallThrough("handshake session token failed the retry")
        }
        (Some(Err(e)), None) if wants_dev_retry(config, &e) => {
            Resolution::FallThrough("handshake session token needs the development retry")
        }
        (Some(Err(_)), None) => {
            Resolution::FallThrough("handshake session token failed verification")
        }
        (None, _) => Resolution::FallThrough("handshake session token was not verified"),
    }
}

/// What C1 does with a refused handshake token: development requests fail
/// (Clerk throws, e.g. after switching keys), production ones fall through.
pub fn on_refused_token(
    config: &SessionConfig,
    err: HandshakeTokenError,
) -> Result<(), SessionError> {
    if config.instance_type() == InstanceType::Development {
        return Err(SessionError::HandshakeRejected(err));
    }
    tracing::warn!(
        reason = err.error.reason(),
        "Clerk: unable to resolve handshake"
    );
    Ok(())
}
