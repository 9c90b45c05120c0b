//! The verification pipeline, in the order of semantics §3:
//! parse → category → `typ` → `alg` → key + signature → `sub` → `aud` →
//! `azp` → times → `iss`. Signature before any claim check, so a forged
//! token learns nothing about our claim rules.
//!
//! Verified tokens are cached by their full text until their `exp` (never
//! longer); the cached path is one hash lookup and two integer comparisons.
//! A token is cached on its second verification, not its first: see
//! [`TokenCache::admit`].

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::auth::{Auth, AuthData};
use crate::claims::RawClaims;
use crate::error::{ConfigError, VerifyError};
use crate::jwks::{self, CachePolicy, InstantClock, JwksSource, RemoteKeys, VerifyingKey};
use crate::revocation::{Revocation, RevocationListener};
use crate::token::{self, Category};

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

/// Hasher of the cache maps. Keys are whole ~1 KiB tokens: SipHash spends
/// ~0.3 µs on one, foldhash ~20 ns (`verify/cache_hit` bench). Its per-map
/// random seed is enough here: only verified tokens are ever inserted, so an
/// attacker cannot fill the map with colliding keys.
type CacheHasher = foldhash::fast::RandomState;

/// Unix-seconds clock of the verifier.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

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
            .field("accept_templates", &self.inner.accept_templates)
            .field("clock_skew", &self.inner.skew)
            .finish_non_exhaustive()
    }
}

enum Keys {
    /// PEM key: networkless, `kid` ignored.
    Static(Arc<VerifyingKey>),
    Remote(RemoteKeys),
}

struct Inner {
    keys: Keys,
    issuer: Option<String>,
    authorized_parties: Vec<String>,
    audience: Vec<String>,
    accept_templates: bool,
    skew: i64,
    clock: Clock,
    cache: TokenCache,
    key_generation: Arc<AtomicU64>,
    /// Told of every revocation made here (the Redis broadcast); not of those
    /// applied from elsewhere, so nothing echoes.
    revocation_listener: RwLock<Option<RevocationListener>>,
    /// Set by a fail-closed revocation hub while it is out of sync.
    revocations_unavailable: AtomicBool,
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
        let now = (self.inner.clock)();
        self.verify_at(token, now).await
    }

    /// Verify `token` as of `now` (unix seconds).
    pub async fn verify_at(&self, token: &str, now: i64) -> Result<Auth, VerifyError> {
        // Before the cache lookup: an oversized token must not even be hashed.
        if token.len() > token::MAX_TOKEN_BYTES {
            return Err(VerifyError::TooLarge {
                len: token.len(),
                max: token::MAX_TOKEN_BYTES,
            });
        }
        if self.inner.revocations_unavailable.load(Ordering::Relaxed) {
            return Err(VerifyError::RevocationsUnavailable);
        }
        let generation = self.inner.key_generation.load(Ordering::Acquire);
        if let Some(auth) = self.inner.cache.get(token, now, generation) {
            return Ok(auth);
        }
        let verified = self.verify_uncached(token, now).await?;
        if self.inner.cache.is_refused(&verified.auth, now) {
            return Err(VerifyError::SessionRevoked);
        }
        let auth = verified.auth;
        if !self.inner.cache.admit(token) {
            return Ok(auth);
        }
        self.inner.cache.insert(
            token,
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
        let now = (self.inner.clock)();
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
        let now = (self.inner.clock)();
        let memory = i64::try_from(REVOKED_SESSION_MEMORY.as_secs()).unwrap_or(i64::MAX);
        let until = revoked_at.saturating_add(memory);
        match revocation {
            Revocation::Session(sid) => self.inner.cache.invalidate_session(sid, until, now),
            Revocation::User(user) => self.inner.cache.invalidate_user(user, until, now),
        }
    }

    /// Install (or with `None` remove) the listener told of local revocations.
    pub(crate) fn set_revocation_listener(&self, listener: Option<RevocationListener>) {
        *self
            .inner
            .revocation_listener
            .write()
            .unwrap_or_else(|e| e.into_inner()) = listener;
    }

    /// While `true`, every token is refused with `revocations-unavailable`.
    pub(crate) fn set_revocations_unavailable(&self, unavailable: bool) {
        self.inner
            .revocations_unavailable
            .store(unavailable, Ordering::Relaxed);
    }

    /// The verifier's clock (unix seconds).
    pub(crate) fn now(&self) -> i64 {
        (self.inner.clock)()
    }

    /// Number of JWKS fetch attempts so far (0 for a PEM verifier).
    pub fn jwks_fetches(&self) -> u64 {
        match &self.inner.keys {
            Keys::Static(_) => 0,
            Keys::Remote(remote) => remote.fetch_count(),
        }
    }

    async fn verify_uncached(&self, token: &str, now: i64) -> Result<Verified, VerifyError> {
        let inner = &*self.inner;
        // 1. Shape.
        let decoded = token::decode(token)?;
        // Deserialized once; a type error is reported only after the
        // signature check (no unsigned-input oracle).
        let raw: Result<RawClaims, _> = serde_json::from_str(&decoded.payload);
        let sub = raw
            .as_ref()
            .ok()
            .and_then(|r| r.sub.as_ref())
            .and_then(Value::as_str);
        // 2. Category.
        let is_template = match token::category(&decoded.header, sub) {
            Category::Session => raw.as_ref().is_ok_and(|r| r.sid.is_none()),
            Category::Template => true,
            Category::Machine => return Err(VerifyError::TypeMismatch("machine token")),
            Category::OAuth => return Err(VerifyError::TypeMismatch("OAuth access token")),
        };
        if is_template && !inner.accept_templates {
            return Err(VerifyError::TypeMismatch(
                "JWT-template token (no sid) where a session token is expected",
            ));
        }
        // 3-4. typ and alg, before any key is touched.
        token::check_header(&decoded.header)?;
        // 5. Key and signature.
        let key = match &inner.keys {
            Keys::Static(key) => key.clone(),
            Keys::Remote(remote) => remote.key(decoded.header.kid.as_deref()).await?,
        };
        key.verify(decoded.signing_input.as_bytes(), &decoded.signature)?;
        // 6. Claims, now that they are signed.
        let raw =
            raw.map_err(|_| VerifyError::InvalidClaims("claims have the wrong types".into()))?;
        if !matches!(raw.sub, Some(Value::String(_))) {
            return Err(VerifyError::InvalidClaims("sub must be a string".into()));
        }
        // 7. Audience (template tokens).
        if !inner.audience.is_empty() && !audience_matches(raw.aud.as_ref(), &inner.audience) {
            return Err(VerifyError::InvalidAudience);
        }
        // 8. Authorized party.
        if !inner.authorized_parties.is_empty() {
            let ok = raw
                .azp
                .as_deref()
                .is_some_and(|azp| inner.authorized_parties.iter().any(|p| p == azp));
            if !ok {
                return Err(VerifyError::InvalidAuthorizedParty);
            }
        }
        // 9. Times.
        let exp = numeric(raw.exp.as_ref(), "exp")?
            .ok_or_else(|| VerifyError::InvalidClaims("exp is required".into()))?;
        if exp <= now.saturating_sub(inner.skew) {
            return Err(VerifyError::Expired { exp, now });
        }
        let nbf = numeric(raw.nbf.as_ref(), "nbf")?;
        if let Some(nbf) = nbf.filter(|nbf| *nbf > now.saturating_add(inner.skew)) {
            return Err(VerifyError::NotActiveYet { nbf, now });
        }
        let iat = numeric(raw.iat.as_ref(), "iat")?;
        if let Some(iat) = iat.filter(|iat| *iat > now.saturating_add(inner.skew)) {
            return Err(VerifyError::IatInFuture { iat, now });
        }
        // 10. Issuer.
        if inner
            .issuer
            .as_deref()
            .is_some_and(|expected| raw.iss.as_deref() != Some(expected))
        {
            return Err(VerifyError::InvalidIssuer);
        }
        let valid_from = nbf
            .into_iter()
            .chain(iat)
            .max()
            .map_or(i64::MIN, |t| t.saturating_sub(inner.skew));
        // 11. `sts = pending` is kept in `Auth`; the route policy decides.
        let data =
            AuthData::from_claims(raw).map_err(|e| VerifyError::InvalidClaims(e.to_string()))?;
        Ok(Verified {
            auth: Auth::new(data, decoded.payload),
            valid_from,
        })
    }
}

struct Verified {
    auth: Auth,
    /// `nbf`/`iat` less the skew: before it the cache must not vouch.
    valid_from: i64,
}

/// A JSON number as whole seconds; absent → `None`; any other type → error.
fn numeric(value: Option<&Value>, name: &str) -> Result<Option<i64>, VerifyError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            // Fractional seconds are legal JSON numbers; the cast saturates.
            .or_else(|| n.as_f64().map(|f| f.floor() as i64))
            .map(Some)
            .ok_or_else(|| VerifyError::InvalidClaims(format!("{name} must be a number"))),
        Some(_) => Err(VerifyError::InvalidClaims(format!(
            "{name} must be a number"
        ))),
    }
}

fn audience_matches(aud: Option<&Value>, expected: &[String]) -> bool {
    match aud {
        Some(Value::String(a)) => expected.iter().any(|e| e == a),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .any(|a| expected.iter().any(|e| e == a)),
        _ => false,
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
    accept_templates: bool,
    skew: Duration,
    http_client: Option<reqwest::Client>,
    http_timeout: Duration,
    cache_policy: CachePolicy,
    clock: Option<Clock>,
    instant_clock: Option<InstantClock>,
    token_cache_capacity: usize,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            key: None,
            issuer: None,
            authorized_parties: Vec::new(),
            audience: Vec::new(),
            accept_templates: false,
            skew: DEFAULT_CLOCK_SKEW,
            http_client: None,
            http_timeout: jwks::DEFAULT_HTTP_TIMEOUT,
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

    /// Also accept JWT-template tokens (no `sid`). Off by default: a template
    /// token is not a session token.
    pub fn accept_templates(mut self, accept: bool) -> Self {
        self.accept_templates = accept;
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
        self.clock = Some(Arc::new(clock));
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
                    None => jwks::default_client(self.http_timeout)?,
                };
                let clock = self.instant_clock.unwrap_or_else(|| Arc::new(Instant::now));
                Keys::Remote(RemoteKeys::new(
                    source,
                    client,
                    self.http_timeout,
                    self.cache_policy,
                    clock,
                    key_generation.clone(),
                ))
            }
        };
        let skew = i64::try_from(self.skew.as_secs()).unwrap_or(i64::MAX);
        Ok(Verifier {
            inner: Arc::new(Inner {
                keys,
                issuer: self.issuer,
                authorized_parties: self.authorized_parties,
                audience: self.audience,
                accept_templates: self.accept_templates,
                skew,
                clock: self.clock.unwrap_or_else(|| Arc::new(system_now)),
                cache: TokenCache::new(self.token_cache_capacity),
                key_generation,
                revocation_listener: RwLock::new(None),
                revocations_unavailable: AtomicBool::new(false),
            }),
        })
    }
}

/// Current unix time in seconds.
pub fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

struct CacheEntry {
    auth: Auth,
    valid_from: i64,
    exp: i64,
    generation: u64,
}

/// Verified tokens by full token text. Bounded; dropped whole when the key
/// set changes (rotation) so a removed key stops working at once.
struct TokenCache {
    capacity: usize,
    map: RwLock<CacheMap>,
    /// The doorkeeper of [`TokenCache::admit`]: fingerprints of tokens
    /// verified once, direct-mapped, a slot per expected entry.
    seen: Box<[AtomicU64]>,
    fingerprints: CacheHasher,
}

#[derive(Default)]
struct CacheMap {
    generation: u64,
    entries: HashMap<Arc<str>, CacheEntry, CacheHasher>,
    /// Tokens in insertion order; the map holds no token without a place
    /// here. Eviction pops the oldest, which (all session tokens sharing one
    /// lifetime) is also the closest to its `exp`: O(1) per insert, where a
    /// scan for expired entries touched every entry of a cache that outgrows
    /// the CPU caches, and cost a cold request microseconds (issue 7).
    order: VecDeque<Arc<str>>,
    /// Revoked session ids and until when they are refused. Kept across
    /// key rotations: a revoked session stays revoked whatever key signed it.
    revoked: HashMap<Box<str>, i64, CacheHasher>,
    /// Revoked (deleted) users, likewise.
    revoked_users: HashMap<Box<str>, i64, CacheHasher>,
}

impl TokenCache {
    fn new(capacity: usize) -> Self {
        let slots = if capacity == 0 {
            0
        } else {
            capacity.next_power_of_two()
        };
        Self {
            capacity,
            map: RwLock::new(CacheMap::default()),
            seen: (0..slots).map(|_| AtomicU64::new(0)).collect(),
            fingerprints: CacheHasher::default(),
        }
    }

    /// Whether a token just verified should be cached: only when it was
    /// verified before (its fingerprint is still in its slot). Caching a
    /// token that never comes back costs the request microseconds (an entry
    /// of a few KiB out of a cache bigger than the CPU's, and the eviction of
    /// another) and buys nothing; with ever-new tokens that was 10% of a
    /// cold request's time (issue 7). A fingerprint collision only admits a
    /// verified token early, so the fingerprint needs no secrecy; the slots
    /// are atomics, so this takes no lock.
    fn admit(&self, token: &str) -> bool {
        if self.seen.is_empty() {
            return false;
        }
        // `| 1`: 0 marks an empty slot.
        let fingerprint = self.fingerprints.hash_one(token) | 1;
        // `seen.len()` is a power of two.
        let slot = &self.seen[(fingerprint >> 1) as usize & (self.seen.len() - 1)];
        slot.swap(fingerprint, Ordering::Relaxed) == fingerprint
    }

    fn get(&self, token: &str, now: i64, generation: u64) -> Option<Auth> {
        // A poisoned lock can only come from a panic inside a HashMap
        // operation; the map is still structurally valid.
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let entry = map.entries.get(token)?;
        (entry.generation == generation && now < entry.exp && now >= entry.valid_from)
            .then(|| entry.auth.clone())
    }

    fn insert(&self, token: &str, entry: CacheEntry, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let key: Arc<str> = Arc::from(token);
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        // Checked again under the write lock: a revocation that raced this
        // verification must not leave its token cached.
        if map.refuses(&entry.auth, now) {
            return;
        }
        let mut evicted = Vec::new();
        if map.generation != entry.generation {
            evicted.extend(map.entries.drain());
            map.order.clear();
            map.generation = entry.generation;
        }
        // Full: the oldest goes. Not full: an expired oldest goes anyway, so
        // a quiet cache shrinks back instead of holding dead tokens.
        while map.order.len() >= self.capacity
            || map
                .order
                .front()
                .is_some_and(|oldest| map.entries.get(oldest).is_none_or(|e| e.exp <= now))
        {
            let Some(oldest) = map.order.pop_front() else {
                break;
            };
            evicted.extend(map.entries.remove_entry(&oldest));
        }
        map.order.push_back(Arc::clone(&key));
        evicted.extend(map.entries.insert(key.clone(), entry).map(|e| (key, e)));
        drop(map);
        // Freed after the lock: other requests need not wait for the allocator.
        drop(evicted);
    }

    #[cfg(test)]
    fn is_revoked(&self, sid: &str, now: i64) -> bool {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        !map.revoked.is_empty() && map.revoked.get(sid).is_some_and(|until| now < *until)
    }

    /// Whether `auth`'s session or user is revoked at `now`.
    fn is_refused(&self, auth: &Auth, now: i64) -> bool {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.refuses(auth, now)
    }

    fn invalidate_session(&self, sid: &str, until: i64, now: i64) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        // Their places in `order` stay until popped; removing an absent
        // key then is a no-op.
        map.entries.retain(|_, e| e.auth.session_id() != Some(sid));
        remember_revoked(&mut map.revoked, sid, until, now);
    }

    fn invalidate_user(&self, user_id: &str, until: i64, now: i64) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.entries.retain(|_, e| e.auth.user_id() != user_id);
        remember_revoked(&mut map.revoked_users, user_id, until, now);
    }
}

impl CacheMap {
    fn refuses(&self, auth: &Auth, now: i64) -> bool {
        let live = |revoked: &HashMap<Box<str>, i64, CacheHasher>, id: &str| {
            !revoked.is_empty() && revoked.get(id).is_some_and(|until| now < *until)
        };
        auth.session_id()
            .is_some_and(|sid| live(&self.revoked, sid))
            || live(&self.revoked_users, auth.user_id())
    }
}

/// Remembers `id` as revoked until `until` (the later deadline if it already
/// is), within [`REVOKED_SESSIONS_CAPACITY`]: when full, the expired go, then
/// the one closest to its deadline.
fn remember_revoked(
    revoked: &mut HashMap<Box<str>, i64, CacheHasher>,
    id: &str,
    until: i64,
    now: i64,
) {
    if let Some(deadline) = revoked.get_mut(id) {
        *deadline = (*deadline).max(until);
        return;
    }
    if revoked.len() >= REVOKED_SESSIONS_CAPACITY {
        revoked.retain(|_, deadline| *deadline > now);
        if revoked.len() >= REVOKED_SESSIONS_CAPACITY {
            let soonest = revoked
                .iter()
                .min_by_key(|(_, deadline)| **deadline)
                .map(|(id, _)| id.clone());
            if let Some(soonest) = soonest {
                revoked.remove(&soonest);
            }
        }
    }
    revoked.insert(Box::from(id), until);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(exp: i64, sid: &str, generation: u64) -> CacheEntry {
        let data = AuthData::from_claims(RawClaims {
            sub: Some(Value::from("user_1")),
            sid: Some(sid.into()),
            exp: Some(Value::from(exp)),
            ..RawClaims::default()
        })
        .unwrap();
        CacheEntry {
            auth: Auth::new(data, "{}".into()),
            valid_from: 0,
            exp,
            generation,
        }
    }

    #[test]
    fn cached_entry_expires_at_token_exp() {
        let cache = TokenCache::new(4);
        cache.insert("t", entry(100, "s", 0), 10);
        assert!(cache.get("t", 99, 0).is_some());
        assert!(cache.get("t", 100, 0).is_none());
    }

    #[test]
    fn cache_misses_after_key_generation_changes() {
        let cache = TokenCache::new(4);
        cache.insert("t", entry(100, "s", 0), 10);
        assert!(cache.get("t", 50, 1).is_none());
    }

    #[test]
    fn cache_stays_bounded() {
        let cache = TokenCache::new(2);
        for i in 0..5 {
            cache.insert(&format!("t{i}"), entry(100, "s", 0), 10);
        }
        assert!(cache.map.read().unwrap().entries.len() <= 2);
    }

    #[test]
    fn invalidate_session_drops_its_tokens_only() {
        let cache = TokenCache::new(4);
        cache.insert("a", entry(100, "s1", 0), 10);
        cache.insert("b", entry(100, "s2", 0), 10);
        cache.invalidate_session("s1", 1_000, 10);
        assert!(cache.get("a", 50, 0).is_none());
        assert!(cache.get("b", 50, 0).is_some());
    }

    #[test]
    fn revoked_session_is_not_cached_again() {
        let cache = TokenCache::new(4);
        cache.invalidate_session("s1", 1_000, 10);
        cache.insert("a", entry(100, "s1", 0), 10);
        assert!(cache.get("a", 50, 0).is_none());
        assert!(cache.is_revoked("s1", 999));
        assert!(!cache.is_revoked("s1", 1_000));
    }

    #[test]
    fn revoked_sessions_stay_bounded() {
        let cache = TokenCache::new(4);
        for i in 0..=REVOKED_SESSIONS_CAPACITY {
            cache.invalidate_session(&format!("s{i}"), 1_000 + i as i64, 10);
        }
        let map = cache.map.read().unwrap();
        assert_eq!(map.revoked.len(), REVOKED_SESSIONS_CAPACITY);
        // The one closest to its deadline made room for the newest.
        assert!(!map.revoked.contains_key("s0"));
        assert!(
            map.revoked
                .contains_key(&*format!("s{REVOKED_SESSIONS_CAPACITY}"))
        );
    }

    #[test]
    fn full_cache_of_live_tokens_evicts_the_oldest() {
        let cache = TokenCache::new(32);
        for i in 0..33 {
            cache.insert(&format!("t{i}"), entry(100, "s", 0), 10);
        }
        assert_eq!(cache.map.read().unwrap().entries.len(), 32);
        assert!(cache.get("t0", 50, 0).is_none());
        assert!(cache.get("t1", 50, 0).is_some());
        assert!(cache.get("t32", 50, 0).is_some());
    }

    #[test]
    fn expired_oldest_makes_room_before_the_cache_is_full() {
        let cache = TokenCache::new(32);
        cache.insert("old", entry(20, "s", 0), 10);
        cache.insert("new", entry(100, "s", 0), 30);
        let map = cache.map.read().unwrap();
        assert_eq!(map.entries.len(), 1);
        assert_eq!(map.order.len(), 1);
    }

    #[test]
    fn the_same_token_inserted_twice_stays_bounded() {
        let cache = TokenCache::new(2);
        for _ in 0..5 {
            cache.insert("t", entry(100, "s", 0), 10);
        }
        cache.insert("u", entry(100, "s", 0), 10);
        let map = cache.map.read().unwrap();
        assert!(map.order.len() <= 2 && map.entries.len() <= 2);
        assert!(map.entries.contains_key("u"));
    }

    #[test]
    fn a_token_is_admitted_on_its_second_verification() {
        let cache = TokenCache::new(4);
        assert!(!cache.admit("t"));
        assert!(cache.admit("t"));
        assert!(cache.admit("t"));
        assert!(!cache.admit("u"));
    }

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

    #[test]
    fn zero_capacity_admits_nothing() {
        let cache = TokenCache::new(0);
        assert!(!cache.admit("t"));
        assert!(!cache.admit("t"));
    }

    #[test]
    fn zero_capacity_caches_nothing() {
        let cache = TokenCache::new(0);
        cache.insert("t", entry(100, "s", 0), 10);
        assert!(cache.get("t", 50, 0).is_none());
    }

    #[test]
    fn audience_overlap() {
        let expected = vec!["a".to_owned(), "b".to_owned()];
        assert!(audience_matches(Some(&Value::from("b")), &expected));
        assert!(audience_matches(
            Some(&serde_json::json!(["x", "a"])),
            &expected
        ));
        assert!(!audience_matches(Some(&Value::from("x")), &expected));
        assert!(!audience_matches(None, &expected));
    }
}
