//! Session control for handlers: the [`Sessions`] extractor signs the caller
//! out here or everywhere and lists their sessions, in one call each.
//!
//! The [`BackendClient`](crate::backend::BackendClient) lives on the [`ClerkLayer`](crate::ClerkLayer)
//! (`ClerkLayer::backend_client`), next to the verifier it must keep in step:
//! every revocation made through `Sessions` is also applied to that
//! verifier (`Verifier::revoke_session`), so the revoked session's token is
//! refused by the very next request instead of living out its 60 s.
//!
//! ```no_run
//! use axum::Json;
//! use clerk_runtime::extract::{SessionInfo, Sessions, SessionsError};
//!
//! async fn sign_out(sessions: Sessions) -> Result<(), SessionsError> {
//!     sessions.sign_out().await.map(drop)
//! }
//!
//! async fn sign_out_everywhere(sessions: Sessions) -> Result<Json<usize>, SessionsError> {
//!     Ok(Json(sessions.sign_out_everywhere().await?.len()))
//! }
//!
//! async fn list(sessions: Sessions) -> Result<Json<Vec<SessionInfo>>, SessionsError> {
//!     Ok(Json(sessions.list().await?))
//! }
//! ```

use axum::Json;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use serde::Serialize;
use serde_json::json;

use super::session::handler_session;
use crate::auth::Auth;
use crate::backend::{ApiSessionStatus, BackendError, ListSessions, Session};
use crate::context::{LayerContext, SessionControl};
use crate::reason;
use crate::response::{AuthRejection, RejectionKind};

/// Most sessions [`Sessions::list`] returns: more signed-in devices than any
/// person has, and one Backend API page.
pub const LIST_LIMIT: u32 = 100;

/// The caller's sessions: sign out, sign out everywhere, list.
///
/// Extracting it needs a signed-in session with a session id (pending only
/// where the route allows it) and a [`ClerkLayer`](crate::ClerkLayer) with a
/// [`backend_client`](crate::ClerkLayer::backend_client); without the client
/// it answers 500 `backend-client-missing`.
#[derive(Debug, Clone)]
pub struct Sessions {
    auth: Auth,
    session_id: Box<str>,
    control: SessionControl,
}

/// One of the caller's sessions, as [`Sessions::list`] reports it (the
/// the example's session list). Times are Unix milliseconds, as Clerk gives them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionInfo {
    /// Session id (`sess_...`).
    pub id: String,
    /// Status (`active`, `pending`, ...).
    pub status: String,
    /// The browser/device client the session belongs to.
    pub client_id: Option<String>,
    /// Organization last active in the session.
    pub last_active_organization_id: Option<String>,
    /// Last activity.
    pub last_active_at: Option<i64>,
    /// When the session started.
    pub created_at: Option<i64>,
    /// When the session expires.
    pub expire_at: Option<i64>,
    /// Whether this is the session making the request.
    pub current: bool,
}

impl SessionInfo {
    fn new(session: Session, current_id: &str) -> Self {
        Self {
            current: session.id == current_id,
            status: session.status.as_str().to_owned(),
            id: session.id,
            client_id: session.client_id,
            last_active_organization_id: session.last_active_organization_id,
            last_active_at: session.last_active_at,
            created_at: session.created_at,
            expire_at: session.expire_at,
        }
    }
}

impl Sessions {
    /// The caller's verified session.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The caller's session id.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Sign out the current session: revoke it at Clerk, then refuse its
    /// tokens here at once. Returns the session as Clerk reports it.
    pub async fn sign_out(&self) -> Result<Session, SessionsError> {
        self.revoke(&self.session_id).await
    }

    /// Sign out every signed-in (active or pending) session of the caller,
    /// this one included ("sign out all devices"). Returns the revoked sessions.
    pub async fn sign_out_everywhere(&self) -> Result<Vec<Session>, SessionsError> {
        let revoked = self
            .control
            .client
            .revoke_all_sessions(self.auth.user_id())
            .await?;
        for session in &revoked {
            self.control.verifier.revoke_session(&session.id);
        }
        Ok(revoked)
    }

    /// Sign out one of the caller's other sessions (a device in the list).
    /// A session of another user is reported as [`SessionsError::NotFound`],
    /// without revealing that it exists.
    pub async fn sign_out_session(&self, session_id: &str) -> Result<Session, SessionsError> {
        let session = match self.control.client.get_session(session_id).await {
            Ok(session) => session,
            Err(BackendError::NotFound { .. }) => return Err(SessionsError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if session.user_id != self.auth.user_id() {
            return Err(SessionsError::NotFound);
        }
        self.revoke(&session.id).await
    }

    /// The caller's active sessions (up to [`LIST_LIMIT`]), the current one
    /// marked `current`.
    pub async fn list(&self) -> Result<Vec<SessionInfo>, SessionsError> {
        let query = ListSessions::for_user(self.auth.user_id())
            .status(ApiSessionStatus::Active)
            .limit(LIST_LIMIT);
        let sessions = self.control.client.list_sessions(&query).await?;
        Ok(sessions
            .into_iter()
            .map(|s| SessionInfo::new(s, &self.session_id))
            .collect())
    }

    /// A token from JWT template `template` for the current session
    /// (`getToken({ template })`), e.g. to call Supabase or Hasura.
    pub async fn template_token(&self, template: &str) -> Result<String, SessionsError> {
        Ok(self
            .control
            .client
            .create_template_token(&self.session_id, template, None)
            .await?)
    }

    async fn revoke(&self, session_id: &str) -> Result<Session, SessionsError> {
        let session = self.control.client.revoke_session(session_id).await?;
        self.control.verifier.revoke_session(&session.id);
        Ok(session)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Sessions {
    type Rejection = SessionsRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let auth = handler_session(parts)?.clone();
        let Some(session_id) = auth.session_id().map(Box::from) else {
            // Only a verifier configured for template tokens lets one through.
            let kind = RejectionKind::Unauthenticated {
                reason: reason::TOKEN_TYPE_MISMATCH,
                token_present: true,
            };
            return Err(AuthRejection::new(kind, parts).into());
        };
        let Some(control) = LayerContext::of(&parts.extensions)
            .and_then(LayerContext::sessions)
            .cloned()
        else {
            tracing::error!(
                "clerk: the Sessions extractor needs ClerkLayer::backend_client(BackendClient)"
            );
            return Err(SessionsRejection::BackendClientMissing);
        };
        Ok(Sessions {
            auth,
            session_id,
            control,
        })
    }
}

/// Why [`Sessions`] could not be extracted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionsRejection {
    /// No usable session (401/403 or a page redirect, like `Auth`).
    #[error(transparent)]
    Auth(#[from] AuthRejection),
    /// The layer has no Backend API client (500).
    #[error(
        "no Backend API client: add `.backend_client(BackendClient::builder(secret_key).build()?)` \
         to the ClerkLayer"
    )]
    BackendClientMissing,
}

impl SessionsRejection {
    /// The status code of the response this rejection renders as.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Auth(rejection) => rejection.status(),
            Self::BackendClientMissing => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for SessionsRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Auth(rejection) => rejection.into_response(),
            Self::BackendClientMissing => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "internal", "reason": "backend-client-missing"})),
            )
                .into_response(),
        }
    }
}

/// Why a [`Sessions`] operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionsError {
    /// The Backend API call failed (502 when returned from a handler; the
    /// details go to the log, not the client).
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// No such session among the caller's (404).
    #[error("no such session for this user")]
    NotFound,
}

impl SessionsError {
    /// Stable reason string: `session-not-found` or `clerk-backend-error`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Backend(_) => reason::CLERK_BACKEND_ERROR,
            Self::NotFound => reason::SESSION_NOT_FOUND,
        }
    }
}

impl SessionsError {
    /// `404 Not Found` or `502 Bad Gateway`.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Backend(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

impl IntoResponse for SessionsError {
    fn into_response(self) -> Response {
        if let Self::Backend(error) = &self {
            tracing::warn!(error = %error, "clerk: Backend API call for Sessions failed");
        }
        let status = self.status();
        let error = match self {
            Self::NotFound => "not_found",
            Self::Backend(_) => "bad_gateway",
        };
        (
            status,
            Json(json!({"error": error, "reason": self.reason()})),
        )
            .into_response()
    }
}
