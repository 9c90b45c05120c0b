//! Why a machine token was refused.

use crate::backend::BackendError;
use crate::error::VerifyError;
use crate::reason;

/// Why a machine token was refused; [`MachineError::reason`] is Clerk's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// The token is not of a type the route accepts (`token-type-mismatch`).
    #[error("the token is not of a type this route accepts")]
    TypeMismatch,
    /// A machine-only route got no `Authorization` token (`No token in
    /// header`). Machine tokens are never read from cookies.
    #[error("no token in the Authorization header")]
    NoTokenInHeader,
    /// Clerk does not know the token, it is revoked or expired, or a JWT
    /// form is malformed or of the wrong category (`token-invalid`).
    #[error("{0}")]
    TokenInvalid(&'static str),
    /// A JWT form failed a check (`token-verification-failed`), or its keys
    /// could not be loaded (a 503, like a session's).
    #[error("machine JWT verification failed: {0}")]
    Verification(VerifyError),
    /// The Backend API refused our secret key (`secret-key-invalid`).
    #[error("the Backend API refused the secret key")]
    SecretKeyInvalid,
    /// The Backend API failed or could not be reached (`unexpected-error`).
    #[error("the Backend API could not verify the token")]
    Unexpected,
    /// The layer has no Backend API client for an opaque token type.
    #[error(
        "opaque machine tokens need the Backend API: set CLERK_SECRET_KEY (or \
         CLERK_MACHINE_SECRET_KEY for M2M tokens)"
    )]
    NotConfigured,
}

impl MachineError {
    /// Clerk's code for the failure.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TypeMismatch => reason::TOKEN_TYPE_MISMATCH,
            Self::NoTokenInHeader => reason::NO_TOKEN_IN_HEADER,
            Self::TokenInvalid(_) => reason::TOKEN_INVALID,
            Self::Verification(error) if error.is_unavailable() => error.reason(),
            Self::Verification(_) => reason::TOKEN_VERIFICATION_FAILED,
            Self::SecretKeyInvalid => reason::SECRET_KEY_INVALID,
            Self::Unexpected => reason::UNEXPECTED_ERROR,
            Self::NotConfigured => reason::MACHINE_VERIFICATION_UNCONFIGURED,
        }
    }

    /// Whether the token could not be judged (Clerk down, keys or secret
    /// key unusable): a 503, not a 401, and never cached.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Verification(error) => error.is_unavailable(),
            Self::SecretKeyInvalid | Self::Unexpected => true,
            _ => false,
        }
    }

    /// Clerk's `handleClerkAPIError` mapping: 401 secret key, 404 not
    /// found, anything else unexpected.
    pub(crate) fn from_backend(error: &BackendError, not_found: &'static str) -> Self {
        match error {
            BackendError::NotFound { .. } => Self::TokenInvalid(not_found),
            BackendError::Unauthorized { .. } => Self::SecretKeyInvalid,
            _ => Self::Unexpected,
        }
    }
}
