//! [`MachineAuth`] and [`Caller`] as extractors: what the guard of a route
//! that accepts machine tokens admitted.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use super::session::handler_session;
use crate::auth::Auth;
use crate::machine::MachineAuth;
use crate::reason;
use crate::response::{AuthRejection, RejectionKind};

/// The verified machine caller; 401 `token-type-mismatch` when the request
/// was not admitted as one (a session, or a route that accepts none).
impl<S: Send + Sync> FromRequestParts<S> for MachineAuth {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<MachineAuth>() {
            Some(machine) => Ok(machine.clone()),
            None => Err(AuthRejection::api(
                RejectionKind::Unauthenticated {
                    reason: reason::TOKEN_TYPE_MISMATCH,
                    token_present: true,
                },
                parts,
            )),
        }
    }
}

/// `Option<MachineAuth>`: `None` when the caller is not a machine (on a
/// route accepting sessions too, the caller is then a session).
impl<S: Send + Sync> OptionalFromRequestParts<S> for MachineAuth {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<MachineAuth>().cloned())
    }
}

/// Who called a route that accepts sessions and machine tokens
/// (`#[protect(accepts = ["session_token", "api_key"])]`): one of the two.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A signed-in session.
    Session(Auth),
    /// A verified machine token.
    Machine(MachineAuth),
}

impl Caller {
    /// The session, when the caller is one.
    pub fn session(&self) -> Option<&Auth> {
        match self {
            Self::Session(auth) => Some(auth),
            Self::Machine(_) => None,
        }
    }

    /// The machine, when the caller is one.
    pub fn machine(&self) -> Option<&MachineAuth> {
        match self {
            Self::Machine(machine) => Some(machine),
            Self::Session(_) => None,
        }
    }

    /// The user the caller acts for: the session's user, an API key's or
    /// OAuth token's user; `None` for M2M tokens and organization keys.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::Session(auth) => Some(auth.user_id()),
            Self::Machine(machine) => machine.user_id(),
        }
    }
}

/// The machine the guard admitted, else the session; the session's
/// rejection (401 or the page redirect) when there is neither.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(machine) = parts.extensions.get::<MachineAuth>() {
            return Ok(Self::Machine(machine.clone()));
        }
        handler_session(parts).map(|auth| Self::Session(auth.clone()))
    }
}
