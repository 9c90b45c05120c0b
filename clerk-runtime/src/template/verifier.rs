//! Verifying JWT-template tokens for one service: the session-token
//! [`Verifier`] with templates accepted and an audience required, plus a
//! lifetime limit and typed claims.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use super::claims::DefaultTemplateClaims;
use super::definition::JwtTemplate;
use crate::auth::Auth;
use crate::auth::{ClaimError, FromClaims};
use crate::error::{ConfigError, VerifyError};
use crate::reason;
use crate::verify::{Verifier, VerifierBuilder};

/// Verifies tokens minted from a JWT template for one service and reads
/// their claims into `T`.
///
/// Runs the session-token pipeline (RS256, key, `aud`, `azp`, times, `iss`)
/// with template tokens accepted, then:
/// - refuses **session tokens** (tokens with a `sid`) with
///   `token-type-mismatch`: a session token is meant for your own backend, is
///   not scoped to this service by an audience, and is refreshed every 60 s;
///   a service asking for a template token should never accept one. (The
///   reverse holds too: a session verifier refuses template tokens.)
/// - refuses tokens living longer than the maximum lifetime
///   (`exp - iat > max`, or no `iat`) with `token-lifetime-too-long`;
/// - reads `T` from the claims (`missing_claim` / `invalid_claim`).
///
/// ```no_run
/// # async fn demo(pem: &str, token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// use clerk_runtime::template::{JwtTemplate, SupabaseClaims, TemplateVerifier};
/// use clerk_runtime::Verifier;
///
/// let supabase: TemplateVerifier<SupabaseClaims> =
///     TemplateVerifier::for_template(Verifier::builder().pem(pem), &JwtTemplate::supabase())
///         .issuer("https://clerk.example.com")
///         .build()?;
/// let token = supabase.verify(token).await?;
/// println!("{} as {}", token.claims.sub, token.claims.role);
/// # Ok(()) }
/// ```
pub struct TemplateVerifier<T = DefaultTemplateClaims> {
    verifier: Verifier,
    max_lifetime: Option<Duration>,
    claims: PhantomData<fn() -> T>,
}

impl<T> Clone for TemplateVerifier<T> {
    fn clone(&self) -> Self {
        Self {
            verifier: self.verifier.clone(),
            max_lifetime: self.max_lifetime,
            claims: PhantomData,
        }
    }
}

impl<T> fmt::Debug for TemplateVerifier<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateVerifier")
            .field("verifier", &self.verifier)
            .field("max_lifetime", &self.max_lifetime)
            .field("claims", &std::any::type_name::<T>())
            .finish()
    }
}

/// A verified template token: the session view and the typed claims.
#[derive(Debug, Clone)]
pub struct TemplateToken<T> {
    /// The verified token (`user_id()`, `expires_at()`, `claims()` for anything else).
    pub auth: Auth,
    /// The template's claims.
    pub claims: T,
}

/// Why a template token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The token failed verification (signature, audience, issuer, expiry,
    /// lifetime...).
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A session token (it has a `sid`) where a template token is expected.
    #[error("a session token was presented where a JWT-template token is expected")]
    SessionToken,
    /// The claims do not fit `T`.
    #[error(transparent)]
    Claim(#[from] ClaimError),
}

impl TemplateError {
    /// Stable reason string: the verifier's (`token-invalid-audience`,
    /// `token-lifetime-too-long`, ...), `token-type-mismatch` for a session
    /// token, `missing_claim` / `invalid_claim` for claims.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Verify(e) => e.reason(),
            Self::SessionToken => reason::TOKEN_TYPE_MISMATCH,
            Self::Claim(e) => e.reason(),
        }
    }
}

/// How the audience of a [`TemplateVerifier`] was configured.
#[derive(Debug, Clone)]
enum Audience {
    Unset,
    Any,
    OneOf(Vec<String>),
}

/// Configures a [`TemplateVerifier`]. The audience must be chosen
/// explicitly: [`audience`](Self::audience) or [`any_audience`](Self::any_audience).
#[must_use]
pub struct TemplateVerifierBuilder<T> {
    keys: VerifierBuilder,
    audience: Audience,
    issuer: Option<String>,
    max_lifetime: Option<Duration>,
    claims: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for TemplateVerifierBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateVerifierBuilder")
            .field("keys", &self.keys)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

impl<T: FromClaims> TemplateVerifier<T> {
    /// Start from a verifier configuration that names the keys (PEM, JWKS
    /// URL or Backend API), clock and skew. Its audience and template
    /// settings are replaced by this builder's.
    pub fn builder(keys: VerifierBuilder) -> TemplateVerifierBuilder<T> {
        TemplateVerifierBuilder {
            keys,
            audience: Audience::Unset,
            issuer: None,
            max_lifetime: None,
            claims: PhantomData,
        }
    }

    /// [`builder`](Self::builder) with the template's static audience (or
    /// any audience when it sets none) and its lifetime as the maximum.
    pub fn for_template(
        keys: VerifierBuilder,
        template: &JwtTemplate,
    ) -> TemplateVerifierBuilder<T> {
        let audience = template.audience();
        let builder = Self::builder(keys).max_lifetime(template.lifetime);
        if audience.is_empty() {
            builder.any_audience()
        } else {
            builder.audience(audience)
        }
    }

    /// Verify `token` against the verifier's clock.
    pub async fn verify(&self, token: &str) -> Result<TemplateToken<T>, TemplateError> {
        let auth = self.verifier.verify(token).await?;
        self.check(auth)
    }

    /// Verify `token` as of `now` (unix seconds).
    pub async fn verify_at(
        &self,
        token: &str,
        now: i64,
    ) -> Result<TemplateToken<T>, TemplateError> {
        let auth = self.verifier.verify_at(token, now).await?;
        self.check(auth)
    }

    /// The underlying session-token verifier (templates accepted).
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    fn check(&self, auth: Auth) -> Result<TemplateToken<T>, TemplateError> {
        if auth.session_id().is_some() {
            return Err(TemplateError::SessionToken);
        }
        if let Some(max) = self.max_lifetime {
            crate::verify::check_lifetime(&auth, max)?;
        }
        let claims = T::from_claims(auth.claims())?;
        Ok(TemplateToken { auth, claims })
    }
}

impl<T: FromClaims> TemplateVerifierBuilder<T> {
    /// Require `aud` to overlap these values (the service's audience).
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = Audience::OneOf(audience.into_iter().map(Into::into).collect());
        self
    }

    /// Accept any audience, or none (templates without `aud`, like
    /// `default`). Any template token of the instance then passes: prefer an
    /// audience when the template can set one.
    pub fn any_audience(mut self) -> Self {
        self.audience = Audience::Any;
        self
    }

    /// Require `iss` to equal this (the Frontend API URL). Overrides an
    /// issuer set on the verifier configuration.
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.issuer = Some(iss.into());
        self
    }

    /// Refuse tokens issued for longer than `max` (`exp - iat`), and tokens
    /// without `iat`. Set it to the template's lifetime so a token minted
    /// with a longer `expires_in_seconds` is refused.
    pub fn max_lifetime(mut self, max: Duration) -> Self {
        self.max_lifetime = Some(max);
        self
    }

    /// Build the verifier. Fails when no audience choice was made, on an
    /// empty audience list, or when the key configuration is unusable.
    pub fn build(self) -> Result<TemplateVerifier<T>, ConfigError> {
        let mut keys = self.keys.kind(crate::token::TokenKind::Template);
        keys = match self.audience {
            Audience::Unset => {
                return Err(ConfigError::invalid(
                    "template audience",
                    "choose .audience([...]) (the service's `aud`) or .any_audience()",
                ));
            }
            Audience::OneOf(list) if list.is_empty() => {
                return Err(ConfigError::invalid(
                    "template audience",
                    "the audience list is empty; use .any_audience() to accept any",
                ));
            }
            Audience::OneOf(list) => keys.audience(list),
            Audience::Any => keys.audience(Vec::<String>::new()),
        };
        if let Some(iss) = self.issuer {
            keys = keys.issuer(iss);
        }
        Ok(TemplateVerifier {
            verifier: keys.build()?,
            max_lifetime: self.max_lifetime,
            claims: PhantomData,
        })
    }
}
