//! Extractors for handlers: [`Auth`], `Option<Auth>`, [`MaybeAuth`] and
//! [`Claims<T>`]; on routes that accept machine tokens, [`MachineAuth`],
//! `Option<MachineAuth>` and [`Caller`].
//!
//! All read the [`AuthState`] the [`ClerkLayer`](crate::layer::ClerkLayer)
//! stored; none verifies anything again. A `pending` session counts as
//! signed out unless the route's `#[protect(pending)]` accepted it.
//!
//! [`Auth`] is a handle over the decoded session, so extracting it by value
//! costs one reference-count increment, never a copy of the claims.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

mod machine;
pub(crate) mod session;
pub mod sessions;
mod user_id;

pub use crate::machine::MachineAuth;
pub use machine::Caller;
pub use sessions::{SessionInfo, Sessions, SessionsError, SessionsRejection};
pub use user_id::{USER_ID_HEADER, UserId};

use crate::auth::Auth;
use crate::auth::FromClaims;
use crate::response::{AuthRejection, RejectionKind};
use crate::state::AuthState;
use session::{claims_from_session, handler_session, usable_by_handler};

use crate::context::LayerContext;

/// The signed-in session; 401 (or the page redirect) when there is none.
impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        handler_session(parts).cloned()
    }
}

/// `Option<Auth>`: `None` when signed out, never a 401. Fails only when no
/// `ClerkLayer` runs in front of the route (500), or when no verification
/// key could be loaded for the request's token (503: whether the caller is
/// signed in is unknown, and `None` would say they are not).
impl<S: Send + Sync> OptionalFromRequestParts<S> for Auth {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match parts.extensions.get::<AuthState>() {
            None => Err(AuthRejection::missing_layer()),
            Some(AuthState::SignedIn(auth)) if usable_by_handler(auth, parts) => {
                Ok(Some(Auth::clone(auth)))
            }
            // Unknown is not signed out: the page would tell a signed-in
            // person they are not. `MaybeAuth` can still render anyway.
            Some(state @ AuthState::Failed(error)) if error.is_unavailable() => {
                Err(AuthRejection::new(RejectionKind::of_state(state), parts))
            }
            Some(_) => Ok(None),
        }
    }
}

/// The request's authentication outcome, signed in or not; never rejects
/// except without a `ClerkLayer` (500). Shares the session's handle.
#[derive(Debug, Clone)]
pub struct MaybeAuth {
    state: AuthState,
    pending_allowed: bool,
}

impl MaybeAuth {
    fn read(parts: &Parts) -> Result<Self, AuthRejection> {
        let Some(state) = parts.extensions.get::<AuthState>() else {
            return Err(AuthRejection::missing_layer());
        };
        let pending_allowed = state
            .auth()
            .is_some_and(|auth| usable_by_handler(auth, parts));
        Ok(MaybeAuth {
            state: state.clone(),
            pending_allowed,
        })
    }

    /// The session, when signed in (pending sessions only where the route accepts them).
    pub fn auth(&self) -> Option<&Auth> {
        self.state.auth().filter(|_| self.pending_allowed)
    }

    /// The session, owned, like [`MaybeAuth::auth`].
    pub fn into_auth(self) -> Option<Auth> {
        let allowed = self.pending_allowed;
        match self.state {
            AuthState::SignedIn(auth) if allowed => Some(auth),
            _ => None,
        }
    }

    /// The raw outcome, including why verification failed.
    pub fn state(&self) -> &AuthState {
        &self.state
    }

    /// Why there is no usable session; `None` when [`MaybeAuth::auth`] is `Some`.
    pub fn reason(&self) -> Option<&'static str> {
        match (&self.state, self.auth()) {
            (_, Some(_)) => None,
            (AuthState::SignedIn(auth), None) => Some(
                crate::policy::admit_session(auth, false)
                    .err()
                    .unwrap_or(crate::reason::SESSION_INACTIVE),
            ),
            (state, None) => state.reason(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        MaybeAuth::read(parts)
    }
}

/// Custom claims read into `T`; 401 `missing_claim` / `invalid_claim`
/// naming the claim when they do not fit.
///
/// With `#[claims(T)]` on the handler the value was read before any other
/// extractor ran and is taken from there (a `#[derive(Claims, Clone)]` type
/// is read again from the value kept with the token); otherwise it is read
/// here.
#[derive(Debug, Clone)]
pub struct Claims<T>(pub T);

impl<T, S> FromRequestParts<S> for Claims<T>
where
    T: FromClaims,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // A kept type's guard hands nothing over (see `ClaimsGuard`).
        if !T::kept_with_token()
            && let Some(value) =
                LayerContext::of(&parts.extensions).and_then(LayerContext::take_claims)
        {
            return Ok(Claims(value));
        }
        claims_from_session::<T>(parts).map(Claims)
    }
}
