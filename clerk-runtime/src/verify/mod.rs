//! The [`Verifier`]: keys ([`keys`]), the checks in order (`pipeline.rs`),
//! claims into [`Auth`] ([`decode`]) and the verified-token cache (`cache.rs`);
//! [`diagnose`] reports each check of one token and the key cache, for tools.
//!
//! Verified tokens are cached by their full text until their `exp` (never
//! longer); the cached path is one hash lookup and two integer comparisons.
//! A token is cached on its second verification, not its first: see
//! `cache::TokenCache::admit`.

mod cache;
pub mod decode;
pub mod diagnose;
pub mod keys;
mod pipeline;
pub mod revoke;

use std::sync::Arc;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::auth::Auth;
use crate::error::{ConfigError, VerifyError};
use crate::time::{self, MonotonicClock, SharedClock, UnixSeconds};
use crate::token::{self, TokenKind};
use revoke::{Revocation, RevocationListener};

use cache::{CacheEntry, TokenCache, TokenKey};
use keys::{CachePolicy, JwksSource, RemoteKeys, VerifyingKey};

/// Default clock skew tolerated on `exp`, `nbf` and `iat` (Clerk's default;
/// covers sleeping laptops and WSL clocks).
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5);

/// Most verified tokens kept in memory. Session tokens live 60 s, so this
/// covers 10 000 distinct sessions active within a minute at ~2 KiB each.
pub const VERIFIED_CACHE_CAPACITY: usize = 10_000;

/// How long a session revoked with [`Verifier::revoke_session`] stays
/// refused. Its tokens were all issued before the revocation and Clerk
/// session tokens live 60 s by default; an hour also covers long custom
/// lifetimes.
pub const REVOKED_SESSION_MEMORY: Duration = Duration::from_secs(3600);

/// Most revoked sessions remembered at once (a session id and a deadline
/// each, well under 1 MiB in all). When full, the revocation closest to
/// its deadline is forgotten first.
pub const REVOKED_SESSIONS_CAPACITY: usize = 10_000;

/// Refuses `auth` when its token lives longer than `max` (`exp - iat`), or
/// has no `iat` so its lifetime is unknown: the one lifetime rule, for
/// template verifiers and session presets alike.
pub fn check_lifetime(auth: &Auth, max: Duration) -> Result<(), VerifyError> {
    let max = i64::try_from(max.as_secs()).unwrap_or(i64::MAX);
    let lifetime = auth.lifetime();
    if lifetime.is_none_or(|l| l > max) {
        return Err(VerifyError::LifetimeTooLong { lifetime, max });
    }
    Ok(())
}

/// Verifies Clerk session tokens. Cheap to clone (shared state).
///
/// ```no_run
/// # async fn run(token: &str) -> Result<(), clerk_runtime::Error> {
/// use clerk_runtime::verify::Verifier;
/// let verifier = Verifier::builder()
///     .jwks_url("https://clerk.example.com/.well-known/jwks.json")
///     .issuer("https://clerk.example.com")
///     .authorized_parties(["https://example.com"])
///     .build()?;
/// let auth = verifier.verify(token).await?;
/// println!("{}", auth.user_id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.inner.issuer)
            .field("authorized_parties", &self.inner.authorized_parties)
            .field("audience", &self.inner.audience)
            .field("kind", &self.inner.kind)
            .field("clock_skew", &self.inner.skew)
            .finish_non_exhaustive()
    }
}

enum Keys {
    /// PEM key: networkless, `kid` ignored.
    Static(Arc<VerifyingKey>),
    Remote(Box<RemoteKeys>),
}

struct Inner {
    keys: Keys,
    issuer: Option<String>,
    authorized_parties: Vec<String>,
    audience: Vec<String>,
    kind: TokenKind,
    skew: i64,
    clock: SharedClock,
    cache: TokenCache,
    key_generation: Arc<AtomicU64>,
    /// Told of every revocation made here (the Redis broadcast); not of those
    /// applied from elsewhere, so nothing echoes.
    revocation_listener: RwLock<Option<RevocationListener>>,
    /// Set by a fail-closed revocation hub while it is out of sync.
    revocations_unavailable: AtomicBool,
}

/// What the cache says of a token.
enum Lookup<'t> {
    Cached(Auth),
    /// Not cached: verify, under this key generation, then remember it
    /// under `key`.
    Miss {
        generation: u64,
        key: TokenKey<'t>,
    },
}

impl Verifier {
    /// Start configuring a verifier.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// A networkless verifier for a PEM public key (`CLERK_JWT_KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, ConfigError> {
        Self::builder().pem(pem).build()
    }

    /// A verifier fetching keys from a public JWKS URL
    /// (`https://<frontend api>/.well-known/jwks.json`).
    pub fn from_jwks_url(url: &str) -> Result<Self, ConfigError> {
        Self::builder().jwks_url(url).build()
    }

    /// Verify `token` against the verifier's clock.
    pub async fn verify(&self, token: &str) -> Result<Auth, VerifyError> {
        self.verify_at(token, self.now()).await
    }

    /// Unix seconds by this verifier's clock.
    pub(crate) fn now(&self) -> i64 {
        time::unix_seconds(&*self.inner.clock)
    }

    /// The clock skew allowed on time claims, in seconds.
    pub(crate) fn skew(&self) -> i64 {
        self.inner.skew
    }

    /// Verify `token` as of `now` (unix seconds).
    pub async fn verify_at(&self, token: &str, now: i64) -> Result<Auth, VerifyError> {
        let (generation, key) = match self.lookup(token, now)? {
            Lookup::Cached(auth) => return Ok(auth),
            Lookup::Miss { generation, key } => (generation, key),
        };
        let verified = self.verify_uncached(token, now).await?;
        self.remember(&key, verified, now, generation)
    }

    /// [`Verifier::verify`] without waiting, for the layer's request path:
    /// `None` only when a key must be fetched first (then call `verify`).
    /// Cached tokens, PEM keys and keys already in the JWKS cache never wait.
    pub(crate) fn verify_now(&self, token: &str) -> Option<Result<Auth, VerifyError>> {
        let now = self.now();
        let (generation, key) = match self.lookup(token, now) {
            Ok(Lookup::Cached(auth)) => return Some(Ok(auth)),
            Ok(Lookup::Miss { generation, key }) => (generation, key),
            Err(error) => return Some(Err(error)),
        };
        let verified = match self.verify_uncached_now(token, now)? {
            Ok(verified) => verified,
            Err(error) => return Some(Err(error)),
        };
        Some(self.remember(&key, verified, now, generation))
    }

    /// The checks before any verification, and the cache.
    fn lookup<'t>(&self, token: &'t str, now: i64) -> Result<Lookup<'t>, VerifyError> {
        // Before the cache lookup: an oversized token must not even be hashed.
        token::check_size(token)?;
        if self.inner.revocations_unavailable.load(Ordering::Relaxed) {
            return Err(VerifyError::RevocationsUnavailable);
        }
        let generation = self.inner.key_generation.load(Ordering::Acquire);
        let key = self.inner.cache.key(token);
        Ok(match self.inner.cache.get(&key, now, generation) {
            Some(auth) => Lookup::Cached(auth),
            None => Lookup::Miss { generation, key },
        })
    }

    /// A verified token: refused if revoked meanwhile, else cached on its
    /// second sighting (`cache::TokenCache::admit`).
    fn remember(
        &self,
        key: &TokenKey<'_>,
        verified: pipeline::Verified,
        now: i64,
        generation: u64,
    ) -> Result<Auth, VerifyError> {
        if self.inner.cache.is_refused(&verified.auth, now) {
            return Err(VerifyError::SessionRevoked);
        }
        let auth = verified.auth;
        if !self.inner.cache.admit(key) {
            return Ok(auth);
        }
        self.inner.cache.insert(
            key,
            CacheEntry {
                auth: auth.clone(),
                valid_from: verified.valid_from,
                exp: auth.expires_at(),
                generation,
            },
            now,
        );
        Ok(auth)
    }

    /// Refuse the tokens of session `sid` from now on (`session-revoked`),
    /// cached or not, for [`REVOKED_SESSION_MEMORY`]: call it when the
    /// session is revoked, e.g. from
    /// [`BackendClientBuilder::on_session_revoked`](crate::backend::BackendClientBuilder::on_session_revoked).
    /// Without it a revoked session's token stays valid until its `exp`,
    /// as with Clerk's networkless verification.
    pub fn revoke_session(&self, sid: &str) {
        self.revoke(&Revocation::Session(sid.into()));
    }

    /// Refuse every token of user `user_id` from now on (`session-revoked`),
    /// cached or not, for [`REVOKED_SESSION_MEMORY`]: for a deleted user
    /// (the `user.deleted` webhook), whose sessions Clerk ends without
    /// naming them.
    pub fn revoke_user(&self, user_id: &str) {
        self.revoke(&Revocation::User(user_id.into()));
    }

    /// Apply `revocation` here and hand it to the revocation broadcast, if
    /// one is connected ([`revocation`](crate::revocation)).
    pub fn revoke(&self, revocation: &Revocation) {
        let now = self.now();
        self.apply_revocation(revocation, now);
        let listener = self
            .inner
            .revocation_listener
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(listener) = listener {
            listener(revocation, now);
        }
    }

    /// Apply a revocation made at `revoked_at` (unix seconds), here or on
    /// another instance, without broadcasting it.
    pub(crate) fn apply_revocation(&self, revocation: &Revocation, revoked_at: i64) {
        let now = self.now();
        let memory = i64::try_from(REVOKED_SESSION_MEMORY.as_secs()).unwrap_or(i64::MAX);
        let until = revoked_at.saturating_add(memory);
        match revocation {
            Revocation::Session(sid) => self.inner.cache.invalidate_session(sid, until, now),
            Revocation::User(user) => self.inner.cache.invalidate_user(user, until, now),
        }
    }

    /// Install (or with `None` remove) the listener told of local revocations.
    #[cfg(any(feature = "redis", test))]
    pub(crate) fn set_revocation_listener(&self, listener: Option<RevocationListener>) {
        *self
            .inner
            .revocation_listener
            .write()
            .unwrap_or_else(|e| e.into_inner()) = listener;
    }

    /// While `true`, every token is refused with `revocations-unavailable`.
    #[cfg(any(feature = "redis", test))]
    pub(crate) fn set_revocations_unavailable(&self, unavailable: bool) {
        self.inner
            .revocations_unavailable
            .store(unavailable, Ordering::Relaxed);
    }

    /// The instance key that signs tokens with `kid`: the PEM key (whatever
    /// the `kid`, as Clerk's `jwtKey`), or the JWKS key, fetched and cached
    /// exactly as for [`Verifier::verify`]. For other Clerk-signed JWTs of
    /// the instance, such as handshake tokens (`session::resolve`).
    pub async fn instance_key(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, VerifyError> {
        match &self.inner.keys {
            Keys::Static(key) => Ok(Arc::clone(key)),
            Keys::Remote(remote) => remote.key(kid).await,
        }
    }

    /// Number of JWKS fetch attempts so far (0 for a PEM verifier).
    pub fn jwks_fetches(&self) -> u64 {
        match &self.inner.keys {
            Keys::Static(_) => 0,
            Keys::Remote(remote) => remote.fetch_count(),
        }
    }
}

/// What key source a [`VerifierBuilder`] uses.
#[derive(Clone, Debug)]
enum KeyConfig {
    Pem(String),
    Remote(JwksSource),
}

/// Builder of [`Verifier`].
pub struct VerifierBuilder {
    key: Option<KeyConfig>,
    issuer: Option<String>,
    authorized_parties: Vec<String>,
    audience: Vec<String>,
    kind: TokenKind,
    skew: Duration,
    http_client: Option<reqwest::Client>,
    http_timeout: Duration,
    cache_policy: CachePolicy,
    clock: Option<SharedClock>,
    instant_clock: Option<MonotonicClock>,
    token_cache_capacity: usize,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            key: None,
            issuer: None,
            authorized_parties: Vec::new(),
            audience: Vec::new(),
            kind: TokenKind::Session,
            skew: DEFAULT_CLOCK_SKEW,
            http_client: None,
            http_timeout: keys::DEFAULT_HTTP_TIMEOUT,
            cache_policy: CachePolicy::default(),
            clock: None,
            instant_clock: None,
            token_cache_capacity: VERIFIED_CACHE_CAPACITY,
        }
    }
}

impl std::fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field(
                "key",
                &self.key.as_ref().map(|k| match k {
                    KeyConfig::Pem(_) => "pem".to_owned(),
                    KeyConfig::Remote(src) => format!("{src:?}"),
                }),
            )
            .field("issuer", &self.issuer)
            .field("authorized_parties", &self.authorized_parties)
            .finish_non_exhaustive()
    }
}

impl VerifierBuilder {
    /// Verify with a PEM public key; networkless, the token's `kid` is ignored.
    pub fn pem(mut self, pem: impl Into<String>) -> Self {
        self.key = Some(KeyConfig::Pem(pem.into()));
        self
    }

    /// Fetch keys from a public JWKS URL.
    pub fn jwks_url(self, url: impl Into<String>) -> Self {
        self.jwks_source(JwksSource::Url(url.into()))
    }

    /// Fetch keys from the Backend API `GET {api_url}/v1/jwks` with the secret key.
    pub fn backend_api(self, api_url: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.jwks_source(JwksSource::BackendApi {
            api_url: api_url.into(),
            secret_key: secret_key.into(),
        })
    }

    /// Fetch keys from `source`.
    pub fn jwks_source(mut self, source: JwksSource) -> Self {
        self.key = Some(KeyConfig::Remote(source));
        self
    }

    /// Require `iss` to equal this exactly (e.g. `https://clerk.example.com`).
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.issuer = Some(iss.into());
        self
    }

    /// Require `azp` to be one of these origins. Empty = not enforced.
    pub fn authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_parties = parties.into_iter().map(Into::into).collect();
        self
    }

    /// Require `aud` to overlap these values (template tokens). Empty = not checked.
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = audience.into_iter().map(Into::into).collect();
        self
    }

    /// The class of token to verify: [`TokenKind::Session`] (the default) or
    /// [`TokenKind::Template`]. Each refuses the other's category with
    /// `token-type-mismatch`; see [`TokenKind::admits`].
    pub fn kind(mut self, kind: TokenKind) -> Self {
        self.kind = kind;
        self
    }

    /// Clock skew tolerated on `exp`/`nbf`/`iat` (default 5 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// Use this HTTP client for JWKS fetches (custom CA, proxy, ...). The
    /// request timeout is still applied per request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Connect and total timeout of a JWKS fetch (default 5 s).
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// JWKS cache TTL and unknown-kid cooldown.
    pub fn cache_policy(mut self, policy: CachePolicy) -> Self {
        self.cache_policy = policy;
        self
    }

    /// Unix-seconds clock used by [`Verifier::verify`] (default: system time).
    pub fn clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(UnixSeconds(clock)));
        self
    }

    /// Most verified tokens kept (default [`VERIFIED_CACHE_CAPACITY`]);
    /// `0` turns the cache off, so every call checks the signature.
    ///
    /// A token enters the cache on its second verification: the first only
    /// notes a 64-bit fingerprint of it. A browser's token serves many
    /// requests in its 60 s, so it pays one extra signature check; a token
    /// seen once (a burst of new sessions, a scanner) never costs an entry.
    pub fn token_cache_capacity(mut self, capacity: usize) -> Self {
        self.token_cache_capacity = capacity;
        self
    }

    /// Monotonic clock of the JWKS cache (default: `Instant::now`).
    pub fn cache_clock(mut self, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.instant_clock = Some(Arc::new(clock));
        self
    }

    /// Build the verifier. Fails when no key source is configured or the PEM is unusable.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        let key_generation = Arc::new(AtomicU64::new(0));
        let keys = match self.key.ok_or(ConfigError::MissingKey)? {
            KeyConfig::Pem(pem) => Keys::Static(Arc::new(VerifyingKey::from_pem(&pem)?)),
            KeyConfig::Remote(source) => {
                source.validate()?;
                let client = match self.http_client {
                    Some(client) => client,
                    None => keys::default_client(self.http_timeout)?,
                };
                let clock = self.instant_clock.unwrap_or_else(|| Arc::new(Instant::now));
                Keys::Remote(Box::new(RemoteKeys::new(
                    source,
                    client,
                    self.http_timeout,
                    self.cache_policy,
                    clock,
                    key_generation.clone(),
                )))
            }
        };
        let skew = i64::try_from(self.skew.as_secs()).unwrap_or(i64::MAX);
        Ok(Verifier {
            inner: Arc::new(Inner {
                keys,
                issuer: self.issuer,
                authorized_parties: self.authorized_parties,
                audience: self.audience,
                kind: self.kind,
                skew,
                clock: self.clock.unwrap_or_else(|| Arc::new(time::SystemClock)),
                cache: TokenCache::new(self.token_cache_capacity),
                key_generation,
                revocation_listener: RwLock::new(None),
                revocations_unavailable: AtomicBool::new(false),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn tokens_verified_once_take_no_cache_entry() {
        let issuer = crate::dev::DevIssuer::new().unwrap();
        let verifier = issuer.verifier().unwrap();
        let now = issuer.now();
        let tokens: Vec<String> = (0..20)
            .map(|i| issuer.mint(&crate::dev::DevSession::new(format!("user_{i}"))))
            .collect();
        for token in &tokens {
            verifier.verify_at(token, now).await.unwrap();
        }
        let entries = || verifier.inner.cache.map.read().unwrap().entries.len();
        assert_eq!(entries(), 0);
        // The last one: no later token can have taken its doorkeeper slot.
        verifier.verify_at(&tokens[19], now).await.unwrap();
        assert_eq!(entries(), 1);
    }
}
