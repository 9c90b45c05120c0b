//! Errors of the three boundaries: configuration ([`ConfigError`]), token
//! verification ([`VerifyError`]) and the crate as a whole ([`Error`]).
//!
//! Messages never contain a token or a secret key: they end up in logs.

use crate::reason;

/// Why a token was not accepted.
///
/// [`VerifyError::reason`] gives a stable machine-readable string: Clerk's own
/// reason where Clerk has one (`token-expired`, `jwk-kid-mismatch`, ...), ours
/// otherwise (`token-too-large`, `token-invalid-issuer`, ...). Every variant
/// means "signed out": on a protected API route it becomes a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is longer than [`crate::token::MAX_TOKEN_BYTES`]; nothing was parsed.
    #[error("token is {len} bytes, more than the {max} byte limit")]
    TooLarge {
        /// Length of the rejected token in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not three base64url parts with JSON object header and payload.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The token's category is not the verifier's kind: a machine, OAuth or
    /// JWT-template token where a session token is expected, or the reverse.
    #[error("wrong kind of token: {0}")]
    TypeMismatch(&'static str),
    /// `alg` is not RS256 (decided before any key is looked at).
    #[error("unsupported token algorithm {0:?}: only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    /// The signature does not match the key.
    #[error("token signature does not match the key")]
    InvalidSignature,
    /// The signature could not be checked at all (e.g. unusable key).
    #[error("token signature could not be verified")]
    VerificationFailed,
    /// No key with the token's `kid`, even after refreshing the key set.
    #[error(
        "no key with kid {kid:?} in the JWKS; check that the secret key belongs to this instance"
    )]
    KidMismatch {
        /// The token's `kid` (an instance id, not a secret).
        kid: Option<String>,
    },
    /// The JWKS could not be fetched (network, timeout, non-2xx, empty set).
    #[error("JWKS could not be loaded: {0}")]
    JwksUnavailable(String),
    /// The JWKS endpoint answered with something that is not a usable key set.
    #[error("JWKS response is invalid: {0}")]
    JwksInvalid(String),
    /// The Backend API rejected the secret key (HTTP 401).
    #[error("the Backend API rejected the secret key; check CLERK_SECRET_KEY")]
    SecretKeyInvalid,
    /// `sub` is missing or not a string (Clerk's `token-verification-failed`:
    /// "Subject claim (sub) is required and must be a string").
    #[error("subject claim (sub) is required and must be a string")]
    InvalidSubject,
    /// A claim has the wrong type.
    #[error("invalid claims: {0}")]
    InvalidClaims(String),
    /// `aud` does not overlap the configured audience.
    #[error("token audience does not match the configured audience")]
    InvalidAudience,
    /// `azp` is missing or not one of the configured authorized parties.
    #[error("token authorized party (azp) is missing or not allowed")]
    InvalidAuthorizedParty,
    /// `exp <= now - skew`.
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// `nbf > now + skew`.
    #[error("token not active before {nbf} (now {now})")]
    NotActiveYet {
        /// The token's `nbf`.
        nbf: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// `iat > now + skew`.
    #[error("token issued in the future at {iat} (now {now})")]
    IatInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// `iss` is not the configured issuer.
    #[error("token issuer is not the configured issuer")]
    InvalidIssuer,
    /// The session or its user was revoked (`Verifier::revoke_session`,
    /// `Verifier::revoke_user`), here or on another instance.
    #[error("the session was revoked; sign in again")]
    SessionRevoked,
    /// A fail-closed revocation broadcast
    /// ([`revocation::FailMode::Closed`](crate::revocation::FailMode::Closed))
    /// is out of sync, so a revocation made elsewhere may be missing here.
    #[error("revocations from other instances are unavailable (Redis unreachable); try again")]
    RevocationsUnavailable,
    /// `exp - iat` is longer than the configured maximum lifetime (template
    /// verifiers, session presets), or `iat` is absent so the lifetime is unknown.
    #[error("token lifetime {lifetime:?} s exceeds the allowed maximum of {max} s")]
    LifetimeTooLong {
        /// `exp - iat` in seconds; `None` when the token has no `iat`.
        lifetime: Option<i64>,
        /// The configured maximum in seconds.
        max: i64,
    },
}

impl VerifyError {
    /// Whether no key could be loaded to judge the token (Clerk unreachable,
    /// a broken key set, a refused secret key): the request can be neither
    /// admitted nor refused as signed out, so protected routes answer 503.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::JwksUnavailable(_)
                | Self::JwksInvalid(_)
                | Self::SecretKeyInvalid
                | Self::RevocationsUnavailable
        )
    }

    /// Stable reason string: Clerk's where it has one, ours otherwise.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => reason::TOKEN_TOO_LARGE,
            Self::Malformed(_) | Self::InvalidClaims(_) => reason::TOKEN_INVALID,
            Self::TypeMismatch(_) => reason::TOKEN_TYPE_MISMATCH,
            Self::UnsupportedAlgorithm(_) => reason::TOKEN_INVALID_ALGORITHM,
            Self::InvalidSignature => reason::TOKEN_INVALID_SIGNATURE,
            Self::VerificationFailed | Self::InvalidSubject => reason::TOKEN_VERIFICATION_FAILED,
            Self::KidMismatch { .. } => reason::JWK_KID_MISMATCH,
            Self::JwksUnavailable(_) => reason::JWK_REMOTE_FAILED_TO_LOAD,
            Self::JwksInvalid(_) => reason::JWK_REMOTE_INVALID,
            Self::SecretKeyInvalid => reason::SECRET_KEY_INVALID,
            Self::InvalidAudience => reason::TOKEN_INVALID_AUDIENCE,
            Self::InvalidAuthorizedParty => reason::TOKEN_INVALID_AUTHORIZED_PARTIES,
            Self::Expired { .. } => reason::TOKEN_EXPIRED,
            Self::NotActiveYet { .. } => reason::TOKEN_NOT_ACTIVE_YET,
            Self::IatInFuture { .. } => reason::TOKEN_IAT_IN_THE_FUTURE,
            Self::InvalidIssuer => reason::TOKEN_INVALID_ISSUER,
            Self::SessionRevoked => reason::SESSION_REVOKED,
            Self::LifetimeTooLong { .. } => reason::TOKEN_LIFETIME_TOO_LONG,
            Self::RevocationsUnavailable => reason::REVOCATIONS_UNAVAILABLE,
        }
    }
}

/// A configuration problem found at startup; names the variable or setting at fault.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No way to get verification keys.
    #[error("no verification key: set CLERK_JWT_KEY (PEM public key) or CLERK_SECRET_KEY")]
    MissingKey,
    /// A variable is set but unusable. `var` is the variable (or builder setting) name.
    #[error("{var} is invalid: {message}")]
    Invalid {
        /// Variable or setting name, e.g. `CLERK_PUBLISHABLE_KEY`.
        var: &'static str,
        /// What is wrong and what to write instead (never the value itself).
        message: String,
    },
    /// The HTTP client for JWKS fetches could not be built.
    #[error("HTTP client for JWKS could not be built: {0}")]
    HttpClient(String),
    /// Key generation for the dev issuer failed.
    #[error("RSA key generation failed")]
    KeyGeneration,
}

impl ConfigError {
    /// Stable reason string (Clerk's `jwk-failed-to-resolve` for a missing key).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingKey => reason::JWK_FAILED_TO_RESOLVE,
            Self::Invalid { var, .. } if *var == "CLERK_JWT_KEY" => reason::JWK_LOCAL_MISSING,
            Self::Invalid { .. } => reason::CONFIG_INVALID,
            Self::HttpClient(_) => reason::CONFIG_HTTP_CLIENT,
            Self::KeyGeneration => reason::CONFIG_KEY_GENERATION,
        }
    }

    pub(crate) fn invalid(var: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            var,
            message: message.into(),
        }
    }
}

/// Any error of this crate.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Startup configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Token verification.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl Error {
    /// The reason string of the wrapped error.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Config(e) => e.reason(),
            Self::Verify(e) => e.reason(),
        }
    }
}

// `main() -> Result<(), Box<dyn Error>>` prints an error with `Debug`: make
// it the message that names the variable and the fix, not `Config(MissingKey)`.
impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_clerks_strings() {
        assert_eq!(
            VerifyError::Expired { exp: 1, now: 2 }.reason(),
            "token-expired"
        );
        assert_eq!(
            VerifyError::KidMismatch { kid: None }.reason(),
            "jwk-kid-mismatch"
        );
        assert_eq!(ConfigError::MissingKey.reason(), "jwk-failed-to-resolve");
    }
}
