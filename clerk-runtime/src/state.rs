//! The layer's verdict on a request's session: [`AuthState`], stored in the
//! request's extensions for the guard and the extractors to read.

use crate::auth::Auth;
use crate::error::VerifyError;
use crate::reason;

/// The outcome of authenticating one request, stored in its extensions.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthState {
    /// A verified session (possibly `pending`: routes decide whether that counts).
    SignedIn(Auth),
    /// No usable session, for a reason that is not a verification failure.
    SignedOut(SignedOutReason),
    /// A token was presented and failed verification.
    Failed(VerifyError),
}

/// Why a request without a verification failure is still signed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedOutReason {
    /// Neither a Bearer header nor a `__session` cookie.
    NoToken,
    /// A `__session` cookie with `__client_uat` missing or `0`: the browser signed out.
    ClientUatMissing,
    /// The cookie token was issued before the client's last sign-in/out
    /// (`__client_uat`): a stale token from before a sign-out.
    IssuedBeforeClientUat,
}

impl SignedOutReason {
    /// The reason string (Clerk's).
    pub fn as_str(&self) -> &'static str {
        match self {
            SignedOutReason::NoToken => reason::SESSION_TOKEN_MISSING,
            SignedOutReason::ClientUatMissing => reason::SESSION_TOKEN_BUT_NO_CLIENT_UAT,
            SignedOutReason::IssuedBeforeClientUat => reason::SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT,
        }
    }
}

impl AuthState {
    /// The verified session, pending or not.
    pub fn auth(&self) -> Option<&Auth> {
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
            AuthState::Failed(error) => Some(error.reason()),
        }
    }
}
