//! The authentication layer: verifies the request's session token once and
//! stores the outcome as [`AuthState`] in request extensions, where the guard
//! and extractors read it.

use std::sync::Arc;

use crate::auth::Auth;
use crate::response::RejectionKind;

/// The outcome of authenticating one request, stored in its extensions.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthState {
    /// A verified session (possibly `pending`: routes decide whether that counts).
    SignedIn(Arc<Auth>),
    /// No usable session, for a reason that is not a verification failure.
    SignedOut(SignedOutReason),
}

/// Why a request without a verification failure is still signed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedOutReason {
    /// Neither a Bearer header nor a `__session` cookie.
    NoToken,
    /// The token is longer than [`MAX_TOKEN_BYTES`](crate::source::MAX_TOKEN_BYTES); not parsed.
    TokenTooLarge,
    /// A `__session` cookie with `__client_uat` missing or `0`: the browser signed out.
    ClientUatMissing,
    /// The cookie token was issued before the client's last sign-in/out (`__client_uat`).
    IssuedBeforeClientUat,
}

impl SignedOutReason {
    /// The reason string (Clerk's where Clerk has one).
    pub fn as_str(&self) -> &'static str {
        match self {
            SignedOutReason::NoToken => "session-token-missing",
            SignedOutReason::TokenTooLarge => "token-too-large",
            SignedOutReason::ClientUatMissing => "session-token-but-no-client-uat",
            SignedOutReason::IssuedBeforeClientUat => "session-token-iat-before-client-uat",
        }
    }
}

impl AuthState {
    /// The verified session, pending or not.
    pub fn auth(&self) -> Option<&Arc<Auth>> {
        match self {
            AuthState::SignedIn(auth) => Some(auth),
            _ => None,
        }
    }

    /// Why the request is not signed in; `None` when it is.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            AuthState::SignedIn(_) => None,
            AuthState::SignedOut(reason) => Some(reason.as_str()),
        }
    }

    /// The 401 this state becomes on a protected route.
    pub(crate) fn rejection_kind(&self) -> RejectionKind {
        match self {
            AuthState::SignedIn(_) => RejectionKind::Unauthenticated {
                reason: crate::guard::SESSION_PENDING,
                token_present: true,
            },
            AuthState::SignedOut(reason) => RejectionKind::Unauthenticated {
                reason: reason.as_str(),
                token_present: *reason != SignedOutReason::NoToken,
            },
        }
    }
}
