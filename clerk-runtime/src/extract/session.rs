//! The session a handler may use, read from the layer's [`AuthState`]: the
//! one place that says when a verified session counts (active, or pending
//! where the route's guard accepted pending sessions).

use http::request::Parts;

use crate::auth::{Auth, ClaimError, FromClaims};
use crate::policy::admit_session;
use crate::response::{AuthRejection, RejectionKind};
use crate::state::AuthState;

/// Marks a request whose route accepted a `pending` session, so the `Auth`
/// extractor lets it through too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingAllowed;

/// The request's session, or the rejection for its absence. Borrowed: the
/// checks that only read it skip an `Arc` count up and down per request.
pub(crate) fn signed_in_session(parts: &Parts) -> Result<&Auth, AuthRejection> {
    match parts.extensions.get::<AuthState>() {
        None => Err(AuthRejection::missing_layer()),
        Some(AuthState::SignedIn(auth)) => Ok(auth),
        Some(state) => Err(AuthRejection::new(RejectionKind::of_state(state), parts)),
    }
}

/// The session a handler may use: signed in, and not `pending` unless the
/// route's guard accepted pending sessions.
pub(crate) fn handler_session(parts: &Parts) -> Result<&Auth, AuthRejection> {
    let auth = signed_in_session(parts)?;
    if let Err(reason) = admit_session(auth, pending_allowed(auth, parts)) {
        let kind = RejectionKind::Unauthenticated {
            reason,
            token_present: true,
        };
        return Err(AuthRejection::new(kind, parts));
    }
    Ok(auth)
}

/// Whether a handler may see `auth`: active, or pending where the route's
/// guard accepted pending sessions.
pub(crate) fn usable_by_handler(auth: &Auth, parts: &Parts) -> bool {
    admit_session(auth, pending_allowed(auth, parts)).is_ok()
}

/// Whether `auth` is pending on a route that accepted pending sessions. The
/// marker is looked up only for a pending session: an active one, nearly
/// every request, needs no second extension lookup.
fn pending_allowed(auth: &Auth, parts: &Parts) -> bool {
    auth.is_pending() && parts.extensions.get::<PendingAllowed>().is_some()
}

/// `T` read from the signed-in session's claims.
pub(crate) fn claims_from_session<T: FromClaims>(parts: &Parts) -> Result<T, AuthRejection> {
    let auth = handler_session(parts)?;
    T::from_session(auth).map_err(|error| claim_rejection(&error, parts))
}

/// Whether the signed-in session's claims read as `T`, by the outcome kept
/// with the token ([`FromClaims::kept_with_token`] types).
pub(crate) fn check_kept_claims<T: FromClaims>(parts: &Parts) -> Result<(), AuthRejection> {
    let auth = handler_session(parts)?;
    auth.check_claims_as::<T>()
        .map_err(|error| claim_rejection(&error, parts))
}

fn claim_rejection(error: &ClaimError, parts: &Parts) -> AuthRejection {
    let claim = match error {
        ClaimError::Missing { claim } | ClaimError::Invalid { claim, .. } => claim.clone(),
    };
    tracing::info!(reason = error.reason(), claim = %claim, "clerk: custom claim rejected");
    AuthRejection::new(
        RejectionKind::Claim {
            reason: error.reason(),
            claim,
        },
        parts,
    )
}
