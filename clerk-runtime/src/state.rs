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
    /// The browser-session decision (`session::authenticate`, when the layer
    /// has a [`SessionConfig`](crate::session::SessionConfig)) said signed
    /// out, with this reason of Clerk's (e.g. `session-token-and-uat-missing`,
    /// `dev-browser-missing`, or a handshake reason when no handshake was
    /// possible: an API request, or the redirect-loop limit).
    Session(&'static str),
}

impl SignedOutReason {
    /// The reason string (Clerk's).
    pub fn as_str(&self) -> &'static str {
        match self {
            SignedOutReason::NoToken => reason::SESSION_TOKEN_MISSING,
            SignedOutReason::ClientUatMissing => reason::SESSION_TOKEN_BUT_NO_CLIENT_UAT,
            SignedOutReason::IssuedBeforeClientUat => reason::SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT,
            SignedOutReason::Session(reason) => reason,
        }
    }

    /// Whether the request presented a session at all (an RFC 6750
    /// `invalid_token` rather than a bare challenge).
    pub fn token_present(&self) -> bool {
        match self {
            SignedOutReason::NoToken => false,
            SignedOutReason::Session(r) => !matches!(
                *r,
                reason::SESSION_TOKEN_AND_UAT_MISSING
                    | reason::SESSION_TOKEN_MISSING
                    | reason::CLIENT_UAT_BUT_NO_SESSION_TOKEN
            ),
            _ => true,
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
