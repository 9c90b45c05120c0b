//! [`MachineVerifier`]: Clerk's `verifyMachineAuthToken`, routed by the
//! token's form (A.4).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::auth::MachineAuth;
use super::cache::OpaqueCache;
use super::error::MachineError;
use super::jwt;
use crate::backend::BackendClient;
use crate::time::MonotonicClock;
use crate::token::machine::{is_jwt_format, machine_token_type};
use crate::token::{self, TokenType};
use crate::verify::Verifier;

/// How long a Backend API answer about an opaque token is reused. Short,
/// because a revocation in Clerk's dashboard takes effect here only when the
/// answer expires; long enough that a burst of one key costs one call.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(10);
/// Distinct opaque tokens remembered at once.
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;

/// Verifies machine tokens (see the [module docs](super)). Cheap to clone.
///
/// ```no_run
/// # async fn demo(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// use clerk_runtime::backend::BackendClient;
/// use clerk_runtime::machine::MachineVerifier;
/// use clerk_runtime::Verifier;
///
/// let keys = Verifier::builder().backend_api("https://api.clerk.com", "sk_live_...").build()?;
/// let machines = MachineVerifier::builder(keys)
///     .backend(BackendClient::builder("sk_live_...").build()?)
///     .build();
/// let caller = machines.verify(token).await?;
/// println!("{} {:?}", caller.token_type(), caller.scopes());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MachineVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    keys: Verifier,
    backend: Option<BackendClient>,
    machine_backend: Option<BackendClient>,
    machine_id: Option<String>,
    cache: OpaqueCache,
}

impl fmt::Debug for MachineVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineVerifier")
            .field("backend", &self.inner.backend.is_some())
            .field("machine_secret_key", &self.inner.machine_backend.is_some())
            .field("machine_id", &self.inner.machine_id)
            .finish_non_exhaustive()
    }
}

impl MachineVerifier {
    /// A verifier using `keys`' key source, clock and skew for the JWT forms.
    pub fn builder(keys: Verifier) -> MachineVerifierBuilder {
        MachineVerifierBuilder {
            keys,
            backend: None,
            machine_backend: None,
            machine_id: None,
            ttl: DEFAULT_CACHE_TTL,
            capacity: DEFAULT_CACHE_CAPACITY,
            clock: None,
        }
    }

    /// Verifies a machine token of any type; `token-type-mismatch` for a
    /// token that is not a machine token.
    pub async fn verify(&self, token: &str) -> Result<MachineAuth, MachineError> {
        let token_type = machine_token_type(token).ok_or(MachineError::TypeMismatch)?;
        self.verify_as(token, token_type).await
    }

    /// Verifies `token`, already classified as `token_type`.
    pub(crate) async fn verify_as(
        &self,
        token: &str,
        token_type: TokenType,
    ) -> Result<MachineAuth, MachineError> {
        let inner = &*self.inner;
        token::check_size(token).map_err(MachineError::Verification)?;
        if is_jwt_format(token) {
            return jwt::verify(&inner.keys, token, token_type, inner.machine_id.as_deref()).await;
        }
        let (client, not_found) = match token_type {
            TokenType::ApiKey => (inner.backend.as_ref(), "API key not found"),
            TokenType::M2mToken => (
                inner.machine_backend.as_ref().or(inner.backend.as_ref()),
                "Machine token not found",
            ),
            TokenType::OAuthToken => (inner.backend.as_ref(), "OAuth token not found"),
            TokenType::SessionToken => return Err(MachineError::TypeMismatch),
        };
        let Some(client) = client else {
            return Err(MachineError::NotConfigured);
        };
        let fetch = async {
            let resource = match token_type {
                TokenType::ApiKey => client.verify_api_key(token).await,
                TokenType::M2mToken => client.verify_m2m_token(token).await,
                _ => client.verify_oauth_token(token).await,
            };
            match resource {
                Ok(resource) if resource.revoked => {
                    Err(MachineError::TokenInvalid("The token was revoked."))
                }
                Ok(resource) => Ok(MachineAuth::from_resource(token_type, resource)),
                Err(error) => {
                    // The error, never the token.
                    tracing::warn!(token_type = token_type.as_str(), error = %error, "clerk: machine token verification failed");
                    Err(MachineError::from_backend(&error, not_found))
                }
            }
        };
        let auth = inner.cache.get_or_fetch(token, fetch).await?;
        let now_ms = inner.keys.now().saturating_mul(1000);
        if auth.expired_at(now_ms) {
            return Err(MachineError::TokenInvalid("The token has expired."));
        }
        Ok(auth)
    }
}

/// Configures a [`MachineVerifier`].
#[must_use]
pub struct MachineVerifierBuilder {
    keys: Verifier,
    backend: Option<BackendClient>,
    machine_backend: Option<BackendClient>,
    machine_id: Option<String>,
    ttl: Duration,
    capacity: usize,
    clock: Option<MonotonicClock>,
}

impl fmt::Debug for MachineVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineVerifierBuilder")
            .field("machine_id", &self.machine_id)
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl MachineVerifierBuilder {
    /// The Backend API client (instance secret key) that verifies opaque API
    /// keys and OAuth tokens, and M2M tokens without a machine secret key.
    pub fn backend(mut self, client: BackendClient) -> Self {
        self.backend = Some(client);
        self
    }

    /// A client built with the machine secret key (`CLERK_MACHINE_SECRET_KEY`):
    /// opaque M2M tokens are then verified as this machine, so only tokens
    /// granted access to it pass.
    pub fn machine_backend(mut self, client: BackendClient) -> Self {
        self.machine_backend = Some(client);
        self
    }

    /// This machine's id (`mch_…`): an M2M JWT that names the machines it
    /// may call (`scopes`, else `aud`) must name this one.
    pub fn machine_id(mut self, id: impl Into<String>) -> Self {
        self.machine_id = Some(id.into());
        self
    }

    /// How long a Backend API answer is reused (default [`DEFAULT_CACHE_TTL`];
    /// zero: every request asks).
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many distinct opaque tokens are remembered (default
    /// [`DEFAULT_CACHE_CAPACITY`]).
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// The clock of the cache's lifetimes (tests).
    pub fn cache_clock(mut self, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The verifier.
    pub fn build(self) -> MachineVerifier {
        let clock = self.clock.unwrap_or_else(|| Arc::new(Instant::now));
        MachineVerifier {
            inner: Arc::new(Inner {
                keys: self.keys,
                backend: self.backend,
                machine_backend: self.machine_backend,
                machine_id: self.machine_id,
                cache: OpaqueCache::new(self.ttl, self.capacity, clock),
            }),
        }
    }
}
