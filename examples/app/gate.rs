//! Dev mode's session check: records activity (the session list's "last
//! active") and refuses tokens of sessions the dev store does not hold as
//! active (ended, revoked, expired or unknown).
//!
//! Revocations made in this process are already refused by the verifier
//! (`Verifier::revoke_session`); this also covers a dev session that expired.
//! Runs after the `ClerkLayer` (which verified the token) and before the route
//! guards, by replacing the request's `AuthState`. Real Clerk mode has no
//! per-request session lookup: a session revoked elsewhere keeps its token
//! for the token's 60 s, as with Clerk's own SDKs.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use clerk_runtime::{AuthState, VerifyError};

use crate::AppState;

pub(crate) async fn dev_sessions(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(dev) = state.dev() {
        let live = match request.extensions().get::<AuthState>() {
            Some(AuthState::SignedIn(auth)) => Some(
                auth.session_id()
                    .is_some_and(|sid| dev.sessions.touch(sid, dev.issuer.now())),
            ),
            _ => None,
        };
        if live == Some(false) {
            request
                .extensions_mut()
                .insert(AuthState::Failed(VerifyError::SessionRevoked));
        }
    }
    next.run(request).await
}
