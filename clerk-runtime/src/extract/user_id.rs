//! [`UserId`]: the signed-in user's id, set by the guard.

use std::fmt;
use std::ops::Deref;

use axum::extract::FromRequestParts;
use http::header::HeaderName;
use http::request::Parts;

use crate::auth::Auth;
use crate::response::AuthRejection;

use super::session::handler_session;

/// The request header carrying the signed-in user id to downstream services.
/// The layer removes any client-sent value, so only the guard can set it.
pub const USER_ID_HEADER: HeaderName = HeaderName::from_static("x-user-id");

/// The signed-in user's id, put in request extensions by the guard of a
/// protected route (an extractor too: 401 when absent).
///
/// Holds the session's handle, so it costs no allocation.
#[derive(Clone)]
pub struct UserId(pub(crate) Auth);

impl UserId {
    /// The user id (`user_...`).
    pub fn as_str(&self) -> &str {
        self.0.user_id()
    }
}

impl Deref for UserId {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UserId").field(&self.as_str()).finish()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for UserId {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(id) = parts.extensions.get::<UserId>() {
            return Ok(id.clone());
        }
        handler_session(parts).map(|auth| UserId(auth.clone()))
    }
}
