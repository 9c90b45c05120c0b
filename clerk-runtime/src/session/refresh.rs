//! Refresh with the refresh cookie (§5.3): when the session token is
//! expired, the request is a GET and `__refresh_<suffix>` is set, Clerk's SDK
//! asks the Backend API for fresh cookies (`POST /v1/sessions/{sid}/refresh`)
//! before it falls back to a handshake. The network call sits behind
//! [`SessionRefresher`]; [`attempt`] is the rest of Clerk's `attemptRefresh`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use http::request::Parts;
use serde_json::Value;

use crate::backend::{BackendClient, BackendError, RefreshSession};
use crate::reason;
use crate::verify::Verifier;

use super::decision::Refresh;
use super::request::{Peek, SessionRequest};
use super::resolve::{DirectiveSession, session_from_directives};

/// Clerk's code for a failed fetch (`errors[0].code`), mapped to `fetch-error`.
const UNEXPECTED_ERROR_CODE: &str = "unexpected_error";

/// Why a refresh gave no cookies: Clerk's `RefreshTokenErrorReason`, or the
/// Backend API's own error code (it becomes `session-token-expired-refresh-<reason>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session refresh failed: {reason}")]
pub struct RefreshError {
    /// The reason string.
    pub reason: String,
}

impl RefreshError {
    fn new(reason: impl Into<String>) -> Self {
        RefreshError {
            reason: reason.into(),
        }
    }
}

/// A boxed future of a refresh call.
pub type RefreshFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<String>, RefreshError>> + Send + 'a>>;

/// Exchanges an expired session token and a refresh token for fresh
/// Set-Cookie directives (the Backend API's `refreshSession`).
pub trait SessionRefresher: Send + Sync {
    /// Refresh session `session_id` with `params`.
    fn refresh<'a>(&'a self, session_id: &'a str, params: &'a RefreshSession) -> RefreshFuture<'a>;
}

impl SessionRefresher for BackendClient {
    fn refresh<'a>(&'a self, session_id: &'a str, params: &'a RefreshSession) -> RefreshFuture<'a> {
        Box::pin(async move {
            self.refresh_session(session_id, params)
                .await
                .map_err(|e| RefreshError::new(reason_of(&e)))
        })
    }
}

/// Clerk's mapping of a failed `refreshSession` call (request.ts L255-270):
/// `unexpected_error` (how its client reports a failed fetch) and transport
/// failures are `fetch-error`; another Clerk error code is the reason itself;
/// anything else is `unexpected-bapi-error`.
pub fn reason_of(error: &BackendError) -> String {
    match error.code() {
        Some(UNEXPECTED_ERROR_CODE) => reason::REFRESH_FETCH_ERROR.to_owned(),
        Some(code) if !code.is_empty() => code.to_owned(),
        _ => match error {
            BackendError::Transport(_) | BackendError::Timeout => {
                reason::REFRESH_FETCH_ERROR.to_owned()
            }
            _ => reason::REFRESH_UNEXPECTED_BAPI_ERROR.to_owned(),
        },
    }
}

/// Whether Clerk attempts a refresh for this request after an expired
/// token: a GET carrying `__refresh_<suffix>` (`isRequestEligibleForRefresh`).
pub fn is_eligible(req: &SessionRequest) -> bool {
    req.is_get() && req.refresh_token_in_cookie.is_some()
}

/// Clerk's `attemptRefresh`: decode the expired token's `sid` (unverified),
/// call the Backend API, verify the new `__session` it sets.
pub async fn attempt(
    parts: &Parts,
    req: &SessionRequest,
    refresher: &dyn SessionRefresher,
    verifier: &Verifier,
    now: i64,
) -> Refresh {
    match attempt_inner(parts, req, refresher, verifier, now).await {
        Ok(refresh) => refresh,
        Err(e) => {
            tracing::info!(reason = %e.reason, "clerk: session refresh failed; falling back to the handshake");
            Refresh::Failed(e.reason)
        }
    }
}

async fn attempt_inner(
    parts: &Parts,
    req: &SessionRequest,
    refresher: &dyn SessionRefresher,
    verifier: &Verifier,
    now: i64,
) -> Result<Refresh, RefreshError> {
    let expired = req
        .session_token()
        .ok_or_else(|| RefreshError::new(reason::REFRESH_MISSING_SESSION_TOKEN))?;
    let refresh_token = req
        .refresh_token_in_cookie
        .as_deref()
        .ok_or_else(|| RefreshError::new(reason::REFRESH_NON_ELIGIBLE_NO_REFRESH_COOKIE))?;
    let peek = Peek::of(expired)
        .ok_or_else(|| RefreshError::new(reason::REFRESH_EXPIRED_TOKEN_DECODE_FAILED))?;
    let sid = match peek.payload.get("sid") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(RefreshError::new(reason::REFRESH_EXPIRED_TOKEN_MISSING_SID)),
    };
    let params = RefreshSession {
        expired_token: expired.to_owned(),
        refresh_token: refresh_token.to_owned(),
        request_origin: req.origin_of_url(),
        request_headers: request_headers(parts),
        suffixed_cookies: req.uses_suffixed_cookies,
    };
    let cookies = refresher.refresh(&sid, &params).await?;
    if cookies.is_empty() {
        return Err(RefreshError::new(reason::REFRESH_UNEXPECTED_SDK_ERROR));
    }
    let DirectiveSession::Token(token) = session_from_directives(&cookies) else {
        return Err(RefreshError::new(reason::REFRESH_INVALID_SESSION_TOKEN));
    };
    match verifier.verify_at(token, now).await {
        Ok(auth) => Ok(Refresh::Refreshed {
            auth,
            set_cookies: cookies,
        }),
        Err(e) => {
            tracing::info!(
                reason = e.reason(),
                "clerk: refreshed session token refused"
            );
            Err(RefreshError::new(reason::REFRESH_INVALID_SESSION_TOKEN))
        }
    }
}

/// `Object.fromEntries([...headers].map(([k, v]) => [k, [v]]))`: lowercase
/// names, repeated headers joined with `", "` as `Headers` iterates them.
fn request_headers(parts: &Parts) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in parts.headers.keys() {
        let joined: Vec<&str> = parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if !joined.is_empty() {
            out.insert(name.as_str().to_owned(), vec![joined.join(", ")]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ClerkApiError;

    fn api_error(code: &str) -> BackendError {
        let e: ClerkApiError = serde_json::from_value(serde_json::json!({
            "code": code, "message": "m"
        }))
        .unwrap();
        BackendError::Api {
            status: http::StatusCode::UNPROCESSABLE_ENTITY,
            errors: vec![e],
        }
    }

    #[test]
    fn clerks_unexpected_error_code_is_fetch_error() {
        assert_eq!(reason_of(&api_error("unexpected_error")), "fetch-error");
    }

    #[test]
    fn another_api_error_code_is_the_reason_itself() {
        assert_eq!(
            reason_of(&api_error("refresh_token_invalid")),
            "refresh_token_invalid"
        );
    }

    #[test]
    fn timeouts_are_fetch_errors_and_other_failures_unexpected_bapi_errors() {
        assert_eq!(reason_of(&BackendError::Timeout), "fetch-error");
        let server = BackendError::Server {
            status: http::StatusCode::BAD_GATEWAY,
            errors: Vec::new(),
        };
        assert_eq!(reason_of(&server), "unexpected-bapi-error");
    }
}
