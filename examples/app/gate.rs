//! Dev mode's session check: a token of a revoked, ended or unknown dev
//! session is treated as invalid, and activity is recorded.
//!
//! Runs after the `ClerkLayer` (which verified the signature) and before the
//! route guards, by replacing the request's `AuthState`. Real Clerk mode has
//! no per-request session lookup: a revoked session's token lives out its
//! 60 s, as with Clerk's own SDKs.

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
            // clerk-runtime has no "session revoked" outcome to report; an
            // invalid token (401 `token-invalid`) is the closest existing one.
            request
                .extensions_mut()
                .insert(AuthState::Failed(VerifyError::InvalidClaims(
                    "session is revoked, ended or unknown".into(),
                )));
        }
    }
    next.run(request).await
}
