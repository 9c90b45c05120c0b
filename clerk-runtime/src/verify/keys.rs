//! Verification keys: JWKS parsing into pre-parsed RSA keys, remote fetch,
//! and a cache with single-flight refresh.
//!
//! Security and availability defaults (docs/clerk-semantics.md §4, where we do better than
//! Clerk's SDK):
//! - keys are parsed once per fetch into aws-lc-rs [`ParsedPublicKey`]s, so a
//!   verification is one RSA operation, not a DER parse plus one;
//! - the hot path is a read of an `Arc` snapshot behind a `std::sync::RwLock`
//!   held for a pointer copy; no async lock is taken unless a fetch is due;
//! - at most one fetch is in flight; callers with an unknown kid wait for it
//!   and re-check the new snapshot instead of fetching again, callers whose
//!   kid is cached (but stale) keep using it without waiting;
//! - a token with an unknown `kid` triggers at most one refetch per
//!   [`CachePolicy::unknown_kid_cooldown`], so a storm of bogus kids costs
//!   one request to Clerk, not one per token;
//! - when a refresh fails, the keys we already have keep working (stale
//!   beyond the TTL) until the source is back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;

use crate::error::{ConfigError, VerifyError};

/// How long a fetched key set is fresh (Clerk's SDK uses 5 minutes too).
pub const DEFAULT_TTL: Duration = Duration::from_secs(5 * 60);
/// Minimum time between two fetches caused by unknown kids: bounds the
/// traffic a flood of forged kids can cause to one request per 10 s.
pub const DEFAULT_UNKNOWN_KID_COOLDOWN: Duration = Duration::from_secs(10);

/// Longest time cached keys keep verifying after the last successful fetch
/// while Clerk cannot be reached. Beyond it a key Clerk may have rotated out
/// would verify for as long as egress is blocked; a day rides out an outage
/// (dioxus-clerk uses the same cap). Then tokens get 503, not a stale yes.
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(24 * 60 * 60);
/// Connect and total timeout of a JWKS request: a hung Clerk must not hang
/// every request for long; 5 s is generous for a ~1 KiB document.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest JWKS body we read. Real sets are a few KiB; 1 MiB bounds memory
/// if the endpoint (or something impersonating it) misbehaves.
pub const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Most keys we keep from one JWKS. Clerk publishes one or two; more than
/// this is not a key set we should pre-parse.
pub const MAX_JWKS_KEYS: usize = 32;

/// One pre-parsed RS256 verification key.
pub struct VerifyingKey {
    kid: Option<Box<str>>,
    key: ParsedPublicKey,
    modulus_bits: u32,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// The key id, if the JWK had one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Check an RS256 (PKCS#1 v1.5, SHA-256) signature of `message`.
    ///
    /// A key outside 2048..=8192 bits cannot verify anything
    /// (`token-verification-failed`); a mismatch is `token-invalid-signature`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&self.modulus_bits) {
            return Err(VerifyError::VerificationFailed);
        }
        self.key
            .verify_sig(message, signature)
            .map_err(|_| VerifyError::InvalidSignature)
    }

    /// Size of the RSA modulus in bits.
    pub fn modulus_bits(&self) -> u32 {
        self.modulus_bits
    }

    /// Import an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`), e.g. `CLERK_JWT_KEY`.
    pub fn from_pem(pem: &str) -> Result<Self, ConfigError> {
        let der = pem_to_der(pem)?;
        let not_rsa = |_| ConfigError::invalid("CLERK_JWT_KEY", "not an RSA public key");
        let public = aws_lc_rs::rsa::PublicKey::from_der(&der).map_err(not_rsa)?;
        let modulus_bits = bit_len(public.modulus().big_endian_without_leading_zero());
        let key =
            ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der).map_err(not_rsa)?;
        Ok(Self {
            kid: None,
            key,
            modulus_bits,
        })
    }

    fn from_components(kid: Option<String>, n: &[u8], e: &[u8]) -> Option<Self> {
        let n = strip_leading_zeros(n);
        let components = RsaPublicKeyComponents {
            n,
            e: strip_leading_zeros(e),
        };
        let key = components
            .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
            .ok()?;
        Some(Self {
            kid: kid.map(String::into_boxed_str),
            key,
            modulus_bits: bit_len(n),
        })
    }
}

/// RS256 key sizes we verify with (aws-lc's `RSA_PKCS1_2048_8192_SHA256` range).
const MIN_RSA_BITS: u32 = 2048;
const MAX_RSA_BITS: u32 = 8192;

fn bit_len(be: &[u8]) -> u32 {
    let be = strip_leading_zeros(be);
    match be.first() {
        // Lengths are bounded by MAX_JWKS_BYTES, far below u32::MAX bits.
        Some(first) => (be.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
        None => 0,
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn pem_to_der(pem: &str) -> Result<Vec<u8>, ConfigError> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----"))
        .collect();
    if body.is_empty() || !pem.contains("-----BEGIN PUBLIC KEY-----") {
        return Err(ConfigError::invalid(
            "CLERK_JWT_KEY",
            "expected a PEM public key starting with -----BEGIN PUBLIC KEY-----",
        ));
    }
    STANDARD
        .decode(body.as_bytes())
        .map_err(|_| ConfigError::invalid("CLERK_JWT_KEY", "PEM body is not base64"))
}

/// A set of verification keys, looked up by `kid`.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<Arc<VerifyingKey>>,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl KeySet {
    /// Parse a JWKS document. Non-RSA keys, keys for another algorithm or
    /// use, and keys that do not import are skipped.
    pub fn from_jwks_json(bytes: &[u8]) -> Result<Self, VerifyError> {
        let jwks: Jwks = serde_json::from_slice(bytes)
            .map_err(|_| VerifyError::JwksInvalid("not a JWKS JSON document".into()))?;
        if jwks.keys.len() > MAX_JWKS_KEYS {
            return Err(VerifyError::JwksInvalid(format!(
                "{} keys, more than the {MAX_JWKS_KEYS} key limit",
                jwks.keys.len()
            )));
        }
        let keys = jwks
            .keys
            .into_iter()
            .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
            .filter(|jwk| jwk.kty == "RSA")
            .filter(|jwk| jwk.alg.as_deref().is_none_or(|a| a == "RS256"))
            .filter(|jwk| jwk.use_.as_deref().is_none_or(|u| u == "sig"))
            .filter_map(|jwk| {
                let n = URL_SAFE_NO_PAD.decode(jwk.n?.trim_end_matches('=')).ok()?;
                let e = URL_SAFE_NO_PAD.decode(jwk.e?.trim_end_matches('=')).ok()?;
                let key = VerifyingKey::from_components(jwk.kid, &n, &e);
                if key.is_none() {
                    tracing::warn!("skipping a JWKS key that does not import as RSA");
                }
                key
            })
            .map(Arc::new)
            .collect();
        Ok(Self { keys })
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: Option<&str>) -> Option<&Arc<VerifyingKey>> {
        let kid = kid?;
        self.keys.iter().find(|k| k.kid() == Some(kid))
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key was usable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The usable keys, in the order of the JWKS document.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Arc<VerifyingKey>> + '_ {
        self.keys.iter()
    }

    fn kids(&self) -> Vec<Option<&str>> {
        self.keys.iter().map(|k| k.kid()).collect()
    }
}

/// Where remote keys come from.
#[derive(Clone)]
pub enum JwksSource {
    /// Backend API `GET {api_url}/v1/jwks` with `Authorization: Bearer sk_...`.
    BackendApi {
        /// Base URL, e.g. `https://api.clerk.com`.
        api_url: String,
        /// The instance secret key.
        secret_key: String,
    },
    /// A public JWKS URL, e.g. `https://<frontend api>/.well-known/jwks.json`.
    Url(String),
}

impl std::fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BackendApi { api_url, .. } => f
                .debug_struct("BackendApi")
                .field("api_url", api_url)
                .field("secret_key", &"[redacted]")
                .finish(),
            Self::Url(url) => f.debug_tuple("Url").field(url).finish(),
        }
    }
}

impl JwksSource {
    /// The public JWKS of a Frontend API host (e.g. `clerk.example.com`, as
    /// given by [`crate::config::ClerkConfig::frontend_api`]).
    pub fn frontend_api(host: &str) -> Self {
        Self::Url(format!("https://{host}/.well-known/jwks.json"))
    }

    /// Fails when the URL is not an absolute http(s) URL.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let (setting, url) = match self {
            Self::BackendApi { .. } => ("CLERK_API_URL", self.url()),
            Self::Url(url) => ("jwks_url", url.clone()),
        };
        match reqwest::Url::parse(&url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(()),
            _ => Err(ConfigError::invalid(
                setting,
                "expected an absolute http(s) URL",
            )),
        }
    }

    /// The URL keys are fetched from (`{api_url}/v1/jwks` for the Backend
    /// API). Never contains the secret key: that goes in a header.
    pub fn url(&self) -> String {
        match self {
            Self::BackendApi { api_url, .. } => {
                format!("{}/v1/jwks", api_url.trim_end_matches('/'))
            }
            Self::Url(url) => url.clone(),
        }
    }
}

/// Cache timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// How long a fetched set is fresh.
    pub ttl: Duration,
    /// Minimum time between fetches when a kid is unknown or a fetch failed.
    pub unknown_kid_cooldown: Duration,
    /// How long after the last successful fetch cached keys may still be
    /// served while refreshes fail ([`DEFAULT_MAX_STALE`]).
    pub max_stale: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            ttl: DEFAULT_TTL,
            unknown_kid_cooldown: DEFAULT_UNKNOWN_KID_COOLDOWN,
            max_stale: DEFAULT_MAX_STALE,
        }
    }
}

/// What to do for one key lookup (see [`decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheDecision {
    /// Use the cached key (fresh, or stale while a recent refresh failed).
    Hit,
    /// Fetch the key set (first use, TTL expired, or unknown kid after cooldown).
    Refresh,
    /// Unknown kid and a fetch happened within the cooldown: reject without fetching.
    RejectUnknownKid,
    /// Never fetched successfully and the last attempt is within the cooldown.
    Unavailable,
}

/// The cache decision as a pure function of the cache state and the clock.
///
/// `fetched_at` is the last successful fetch, `last_attempt` the last fetch
/// attempt (successful or not).
pub fn decide(
    kid_known: bool,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    now: Instant,
    policy: &CachePolicy,
) -> CacheDecision {
    let cooling = last_attempt
        .is_some_and(|t| now.saturating_duration_since(t) < policy.unknown_kid_cooldown);
    // Keys older than `max_stale` are as good as none.
    let fetched_at = fetched_at.filter(|t| now.saturating_duration_since(*t) < policy.max_stale);
    let Some(fetched_at) = fetched_at else {
        return if cooling {
            CacheDecision::Unavailable
        } else {
            CacheDecision::Refresh
        };
    };
    let fresh = now.saturating_duration_since(fetched_at) < policy.ttl;
    match (kid_known, fresh, cooling) {
        (true, true, _) | (true, false, true) => CacheDecision::Hit,
        (true, false, false) | (false, _, false) => CacheDecision::Refresh,
        (false, _, true) => CacheDecision::RejectUnknownKid,
    }
}

/// An immutable view of the cache; replaced whole after every fetch.
#[derive(Debug, Default)]
struct Snapshot {
    keys: Arc<KeySet>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    last_error: Option<VerifyError>,
    /// Bumped on every fetch attempt so waiters can tell one happened.
    attempt: u64,
}

/// Clock of the key store, injectable for tests.
use crate::time::MonotonicClock;

/// Remote key source with cache and single-flight refresh.
pub(crate) struct RemoteKeys {
    source: JwksSource,
    client: reqwest::Client,
    timeout: Duration,
    policy: CachePolicy,
    clock: MonotonicClock,
    snapshot: RwLock<Arc<Snapshot>>,
    refresh: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
    /// Bumped when a fetch returns a different set of kids: the verified
    /// token cache is dropped on change.
    generation: Arc<AtomicU64>,
}

impl RemoteKeys {
    pub(crate) fn new(
        source: JwksSource,
        client: reqwest::Client,
        timeout: Duration,
        policy: CachePolicy,
        clock: MonotonicClock,
        generation: Arc<AtomicU64>,
    ) -> Self {
        Self {
            source,
            client,
            timeout,
            policy,
            clock,
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            refresh: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
            generation,
        }
    }

    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The cache as it stands, for [`Verifier::key_status`](super::Verifier::key_status).
    pub(crate) fn view(&self) -> CacheView {
        let snap = self.current();
        CacheView {
            keys: snap.keys.clone(),
            fetched_at: snap.fetched_at,
            last_attempt: snap.last_attempt,
            last_error: snap.last_error.clone(),
            now: (self.clock)(),
            policy: self.policy,
            url: self.source.url(),
            fetches: self.fetch_count(),
        }
    }

    /// Fetch the key set now, whatever the TTL and cooldown say (single
    /// flight still holds); the fetch's error, if it failed. For
    /// [`Verifier::refresh_keys`](super::Verifier::refresh_keys).
    pub(crate) async fn refresh_now(&self) -> Result<(), VerifyError> {
        let _guard = self.refresh.lock().await;
        let after = self.fetch_and_store(&self.current()).await;
        match &after.last_error {
            Some(err) => Err(err.clone()),
            None => Ok(()),
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        // A poisoned lock only means a panic while swapping an Arc; the Arc
        // inside is still a complete snapshot.
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The key for `kid`, fetching when the cache says so.
    pub(crate) async fn key(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, VerifyError> {
        if let Some(settled) = self.key_now(kid) {
            return settled;
        }
        let snap = self.current();
        let _guard = match self.refresh.try_lock() {
            Ok(guard) => guard,
            // A refresh is in flight and we already hold a (stale) key: use
            // it rather than queue behind a possibly slow fetch.
            Err(_) if snap.keys.get(kid).is_some() && !self.too_stale(&snap) => {
                return found(&snap, kid);
            }
            Err(_) => self.refresh.lock().await,
        };
        let latest = self.current();
        if latest.attempt != snap.attempt {
            // Someone fetched while we waited: use their result.
            return lookup_after_fetch(&latest, kid);
        }
        let after = self.fetch_and_store(&latest).await;
        lookup_after_fetch(&after, kid)
    }

    /// The key for `kid` when the cached key set settles it (a hit, an
    /// unknown `kid` refused, keys unavailable); `None` when a refresh must
    /// run first.
    pub(crate) fn key_now(
        &self,
        kid: Option<&str>,
    ) -> Option<Result<Arc<VerifyingKey>, VerifyError>> {
        let snap = self.current();
        match self.decide(&snap, kid) {
            CacheDecision::Hit => Some(found(&snap, kid)),
            CacheDecision::RejectUnknownKid => Some(Err(kid_mismatch(kid))),
            CacheDecision::Unavailable => Some(Err(unavailable(&snap))),
            CacheDecision::Refresh => None,
        }
    }

    /// Whether the snapshot's keys are past [`CachePolicy::max_stale`].
    fn too_stale(&self, snap: &Snapshot) -> bool {
        snap.fetched_at
            .is_none_or(|t| (self.clock)().saturating_duration_since(t) >= self.policy.max_stale)
    }

    fn decide(&self, snap: &Snapshot, kid: Option<&str>) -> CacheDecision {
        decide(
            snap.keys.get(kid).is_some(),
            snap.fetched_at,
            snap.last_attempt,
            (self.clock)(),
            &self.policy,
        )
    }

    async fn fetch_and_store(&self, previous: &Snapshot) -> Arc<Snapshot> {
        let now = (self.clock)();
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = self.fetch().await;
        let next = match result {
            Ok(keys) => {
                if keys.kids() != previous.keys.kids() {
                    self.generation.fetch_add(1, Ordering::AcqRel);
                }
                Snapshot {
                    keys: Arc::new(keys),
                    fetched_at: Some(now),
                    last_attempt: Some(now),
                    last_error: None,
                    attempt: previous.attempt + 1,
                }
            }
            Err(err) => {
                let keys = if self.too_stale(previous) {
                    tracing::error!(reason = err.reason(), error = %err, "JWKS refresh failed and the cached keys are past their stale limit; refusing tokens until Clerk answers");
                    Arc::default()
                } else {
                    tracing::warn!(reason = err.reason(), error = %err, "JWKS refresh failed; keeping cached keys");
                    previous.keys.clone()
                };
                Snapshot {
                    keys,
                    fetched_at: previous.fetched_at,
                    last_attempt: Some(now),
                    last_error: Some(err),
                    attempt: previous.attempt + 1,
                }
            }
        };
        let next = Arc::new(next);
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = next.clone();
        next
    }

    async fn fetch(&self) -> Result<KeySet, VerifyError> {
        let mut request = self.client.get(self.source.url()).timeout(self.timeout);
        if let JwksSource::BackendApi { secret_key, .. } = &self.source {
            request = request.bearer_auth(secret_key);
        }
        let mut response = request.send().await.map_err(http_error)?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(VerifyError::SecretKeyInvalid);
        }
        if !status.is_success() {
            return Err(VerifyError::JwksUnavailable(format!(
                "HTTP status {status}"
            )));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err(VerifyError::JwksInvalid(format!(
                "body larger than {MAX_JWKS_BYTES} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(http_error)? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(VerifyError::JwksInvalid(format!(
                    "body larger than {MAX_JWKS_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let keys = KeySet::from_jwks_json(&body)?;
        if keys.is_empty() {
            return Err(VerifyError::JwksUnavailable(
                "the key set has no usable RS256 key".into(),
            ));
        }
        Ok(keys)
    }
}

/// A copy of the key cache's state (see [`RemoteKeys::view`]).
pub(crate) struct CacheView {
    pub(crate) keys: Arc<KeySet>,
    pub(crate) fetched_at: Option<Instant>,
    pub(crate) last_attempt: Option<Instant>,
    pub(crate) last_error: Option<VerifyError>,
    /// The cache clock when the view was taken.
    pub(crate) now: Instant,
    pub(crate) policy: CachePolicy,
    pub(crate) url: String,
    pub(crate) fetches: u64,
}

/// After a fetch: the key, else the fetch's error, else a kid mismatch.
fn lookup_after_fetch(
    snap: &Snapshot,
    kid: Option<&str>,
) -> Result<Arc<VerifyingKey>, VerifyError> {
    match snap.keys.get(kid) {
        Some(key) => Ok(key.clone()),
        None => Err(snap.last_error.clone().unwrap_or_else(|| kid_mismatch(kid))),
    }
}

fn found(snap: &Snapshot, kid: Option<&str>) -> Result<Arc<VerifyingKey>, VerifyError> {
    snap.keys.get(kid).cloned().ok_or_else(|| kid_mismatch(kid))
}

fn kid_mismatch(kid: Option<&str>) -> VerifyError {
    VerifyError::KidMismatch {
        kid: kid.map(|k| k.chars().take(64).collect()),
    }
}

fn unavailable(snap: &Snapshot) -> VerifyError {
    snap.last_error
        .clone()
        .unwrap_or_else(|| VerifyError::JwksUnavailable("no key set loaded yet".into()))
}

fn http_error(err: reqwest::Error) -> VerifyError {
    if err.is_timeout() {
        VerifyError::JwksUnavailable("request timed out".into())
    } else if err.is_connect() {
        VerifyError::JwksUnavailable("could not connect".into())
    } else {
        VerifyError::JwksUnavailable("request failed".into())
    }
}

/// Build the default HTTP client for JWKS fetches.
pub(crate) fn default_client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
        .map_err(|e| ConfigError::HttpClient(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: CachePolicy = CachePolicy {
        ttl: Duration::from_secs(300),
        unknown_kid_cooldown: Duration::from_secs(10),
        max_stale: Duration::from_secs(3600),
    };

    #[test]
    fn known_kid_past_the_stale_limit_refreshes_or_is_unavailable() {
        let t = Instant::now();
        // Last attempt long ago: refetch.
        assert_eq!(
            decide(true, Some(t), Some(t), at(t, 3600), &POLICY),
            CacheDecision::Refresh
        );
        // A failed attempt within the cooldown: no stale key is served.
        assert_eq!(
            decide(true, Some(t), Some(at(t, 3595)), at(t, 3600), &POLICY),
            CacheDecision::Unavailable
        );
        // Just within the limit, cooling after a failure: the stale key serves.
        assert_eq!(
            decide(true, Some(t), Some(at(t, 3595)), at(t, 3599), &POLICY),
            CacheDecision::Hit
        );
    }

    fn at(base: Instant, secs: u64) -> Instant {
        base + Duration::from_secs(secs)
    }

    #[test]
    fn first_lookup_fetches() {
        let t = Instant::now();
        assert_eq!(
            decide(false, None, None, t, &POLICY),
            CacheDecision::Refresh
        );
    }

    #[test]
    fn known_kid_within_ttl_is_a_hit() {
        let t = Instant::now();
        assert_eq!(
            decide(true, Some(t), Some(t), at(t, 299), &POLICY),
            CacheDecision::Hit
        );
    }

    #[test]
    fn known_kid_after_ttl_refreshes() {
        let t = Instant::now();
        assert_eq!(
            decide(true, Some(t), Some(t), at(t, 300), &POLICY),
            CacheDecision::Refresh
        );
    }

    #[test]
    fn stale_key_is_served_while_a_recent_refresh_failed() {
        let t = Instant::now();
        assert_eq!(
            decide(true, Some(t), Some(at(t, 400)), at(t, 405), &POLICY),
            CacheDecision::Hit
        );
        assert_eq!(
            decide(true, Some(t), Some(at(t, 400)), at(t, 410), &POLICY),
            CacheDecision::Refresh
        );
    }

    #[test]
    fn unknown_kid_within_cooldown_is_rejected_without_fetch() {
        let t = Instant::now();
        assert_eq!(
            decide(false, Some(t), Some(t), at(t, 9), &POLICY),
            CacheDecision::RejectUnknownKid
        );
    }

    #[test]
    fn unknown_kid_after_cooldown_refetches() {
        let t = Instant::now();
        assert_eq!(
            decide(false, Some(t), Some(t), at(t, 10), &POLICY),
            CacheDecision::Refresh
        );
    }

    #[test]
    fn failed_first_fetch_is_not_retried_within_cooldown() {
        let t = Instant::now();
        assert_eq!(
            decide(false, None, Some(t), at(t, 1), &POLICY),
            CacheDecision::Unavailable
        );
        assert_eq!(
            decide(false, None, Some(t), at(t, 10), &POLICY),
            CacheDecision::Refresh
        );
    }

    #[test]
    fn jwks_parsing_skips_non_rsa_and_garbage_keys() {
        let json = br#"{"keys":[{"kty":"EC","kid":"ec"},{"kty":"RSA","kid":"bad","n":"AA","e":"AQAB"},{"kty":"oct"}]}"#;
        let set = KeySet::from_jwks_json(json).unwrap();
        assert!(set.is_empty());
    }

    #[test]
    fn jwks_with_too_many_keys_is_invalid() {
        let keys = vec![serde_json::json!({"kty":"EC"}); MAX_JWKS_KEYS + 1];
        let json = serde_json::to_vec(&serde_json::json!({ "keys": keys })).unwrap();
        assert_eq!(
            KeySet::from_jwks_json(&json).unwrap_err().reason(),
            "jwk-remote-invalid"
        );
    }

    #[test]
    fn frontend_api_source_points_at_the_well_known_jwks() {
        let JwksSource::Url(url) = JwksSource::frontend_api("clerk.example.com") else {
            panic!("expected a URL source");
        };
        assert_eq!(url, "https://clerk.example.com/.well-known/jwks.json");
    }

    #[test]
    fn pem_without_header_is_rejected_naming_the_variable() {
        let err = VerifyingKey::from_pem("abc").unwrap_err();
        assert!(err.to_string().contains("CLERK_JWT_KEY"));
    }
}
