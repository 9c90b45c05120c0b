//! The HTTP core: configuration, headers, retries and error mapping.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Method, StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::{BackendError, ErrorBody};

/// Clerk's production Backend API; paths live under `/v1`.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";

/// The `Clerk-API-Version` header we send: the version pinned by the
/// `@clerk/backend` release our differential tests run against (3.25), so the
/// response shapes we decode are the ones that SDK expects. Override with
/// [`BackendClientBuilder::api_version`] when Clerk ships a newer one.
pub const DEFAULT_API_VERSION: &str = "2026-05-12";

/// Connecting to Clerk takes well under a second; 5 s leaves room for a slow
/// DNS or TLS handshake without hanging a request handler.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Whole-attempt budget (send, wait, read body). Backend calls usually sit on
/// a request path, so a stuck call must fail rather than hold the handler.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Largest response body read from the Backend API. The biggest legitimate
/// answer is a 500-session list (~1 KiB each) or a user with Clerk's maximum
/// metadata (3 x 8 KiB); 4 MiB leaves ample room while bounding the memory a
/// misbehaving server or proxy can make each call use.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Called with the session id after each successful revocation.
type SessionRevokedHook = Arc<dyn Fn(&str) + Send + Sync>;

/// How failed calls are retried.
///
/// Retried: 429 and 5xx responses (a 429 was not processed; a 5xx on a read is
/// harmless to repeat, and the only writes we make are revocation, which Clerk
/// treats as idempotent, and token minting, where a duplicate token costs
/// nothing), and connection failures before the request left (nothing was
/// sent). A connection lost mid-request is retried only for idempotent calls
/// (reads and revocation). Timeouts are not retried: the timeout is the
/// caller's budget for the call.
///
/// Waits double from `base_delay` on each attempt, capped at `max_delay` (no
/// jitter: a handful of attempts per call does not synchronise clients). A
/// `Retry-After` in seconds replaces the computed wait (the rarely used
/// HTTP-date form is ignored); if it asks for longer
/// than `max_delay`, the call gives up at once with
/// [`BackendError::RateLimited`] carrying `retry_after`, rather than hammering
/// an API that asked us to back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (at least 1).
    pub max_attempts: u32,
    /// Wait before the second attempt.
    pub base_delay: Duration,
    /// Cap on any single wait.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// Never retry.
    pub const NONE: Self = Self {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

impl Default for RetryPolicy {
    /// Three attempts, 250 ms then 500 ms, no single wait over 5 s: enough to
    /// ride out a blip without stalling a request handler for long.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// A client for Clerk's Backend API. Cheap to clone; clones share one
/// connection pool.
#[derive(Clone)]
pub struct BackendClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Base URL without a trailing slash and without `/v1`.
    base_url: String,
    /// `Bearer <key>`, marked sensitive so HTTP debug output hides it.
    authorization: HeaderValue,
    /// Kept only to scrub it from text the server echoes back.
    secret_key: String,
    api_version: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
    on_session_revoked: Option<SessionRevokedHook>,
}

impl fmt::Debug for BackendClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendClient")
            .field("base_url", &self.inner.base_url)
            .field("secret_key", &"[redacted]")
            .field("api_version", &self.inner.api_version)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field(
                "on_session_revoked",
                &self.inner.on_session_revoked.is_some(),
            )
            .finish()
    }
}

/// Configures a [`BackendClient`].
pub struct BackendClientBuilder {
    secret_key: String,
    base_url: String,
    api_version: String,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    on_session_revoked: Option<SessionRevokedHook>,
}

impl fmt::Debug for BackendClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendClientBuilder")
            .field("base_url", &self.base_url)
            .field("secret_key", &"[redacted]")
            .field("api_version", &self.api_version)
            .field("own_http_client", &self.http.is_some())
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl BackendClient {
    /// Starts configuring a client authenticated with `secret_key` (`sk_...`).
    pub fn builder(secret_key: impl Into<String>) -> BackendClientBuilder {
        BackendClientBuilder {
            secret_key: secret_key.into(),
            base_url: DEFAULT_API_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            on_session_revoked: None,
        }
    }

    /// The base URL calls go to (without `/v1`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    pub(crate) fn notify_revoked(&self, session_id: &str) {
        if let Some(hook) = &self.inner.on_session_revoked {
            hook(session_id);
        }
    }

    /// Sends one call (with retries) and decodes the JSON success body.
    ///
    /// `path` is relative to `/v1` and must already be built from
    /// [`super::path::segment`]s.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<T, BackendError> {
        let inner = &*self.inner;
        // Machine-token endpoints are "bapi-proxy" ones: no `/v1`, the
        // version travels in `Clerk-API-Version` only (A.4).
        let version = if call.versioned { "/v1" } else { "" };
        let url = format!("{}{version}{}", inner.base_url, call.path);
        let mut attempt = 1;
        loop {
            let outcome = self.attempt(&url, &call).await;
            let err = match outcome {
                Ok(body) => return Ok(body),
                Err(err) => err,
            };
            if attempt >= inner.retry.max_attempts.max(1) {
                return Err(err.error);
            }
            let wait = match err.retry {
                Retry::No => return Err(err.error),
                Retry::IfIdempotent if !call.idempotent => return Err(err.error),
                Retry::IfIdempotent | Retry::Yes => inner.retry.backoff(attempt),
                Retry::After(after) if after > inner.retry.max_delay => return Err(err.error),
                Retry::After(after) => after,
            };
            tracing::warn!(
                method = %call.method,
                path = %call.path,
                attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                error = %err.error,
                "retrying Clerk Backend API call"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt<T: DeserializeOwned>(&self, url: &str, call: &Call<'_>) -> Result<T, Failed> {
        let inner = &*self.inner;
        let mut request = inner
            .http
            .request(call.method.clone(), url)
            .header(header::AUTHORIZATION, inner.authorization.clone())
            .header("Clerk-API-Version", inner.api_version.clone())
            .header(header::ACCEPT, "application/json")
            .timeout(inner.timeout);
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = read_capped(&mut response, status).await?;
        tracing::debug!(method = %call.method, path = %call.path, status = status.as_u16(), "Clerk Backend API call");

        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| Failed {
                error: BackendError::Decode {
                    status,
                    message: self.scrub(&e.to_string()),
                    snippet: self.snippet(&bytes),
                },
                retry: Retry::No,
            });
        }
        let mut errors = serde_json::from_slice::<ErrorBody>(&bytes)
            .unwrap_or_default()
            .errors;
        for e in &mut errors {
            e.message = self.scrub(&e.message);
            e.long_message = e.long_message.as_deref().map(|m| self.scrub(m));
        }
        let retry = match (status, retry_after) {
            (s, Some(after)) if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error() => {
                Retry::After(after)
            }
            (s, None) if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error() => Retry::Yes,
            _ => Retry::No,
        };
        Err(Failed {
            error: BackendError::from_status(status, errors, retry_after),
            retry,
        })
    }

    /// Removes the secret key from text the server sent back, in case a proxy
    /// or error page echoes request headers.
    fn scrub(&self, text: &str) -> String {
        let key = &self.inner.secret_key;
        if key.is_empty() {
            text.to_owned()
        } else {
            text.replace(key.as_str(), "[redacted]")
        }
    }

    fn snippet(&self, body: &[u8]) -> String {
        /// Enough to recognise an HTML error page or a truncated body.
        const SNIPPET_CHARS: usize = 120;
        // Scrub before cutting, so a key split by the cut cannot leak a prefix.
        self.scrub(&String::from_utf8_lossy(body))
            .chars()
            .take(SNIPPET_CHARS)
            .collect()
    }
}

/// Reads the body, refusing it once it exceeds [`MAX_RESPONSE_BYTES`]: a
/// declared `Content-Length` above the limit is refused before reading, a
/// streamed body as soon as the limit is crossed (never buffered whole).
async fn read_capped(
    response: &mut reqwest::Response,
    status: StatusCode,
) -> Result<Vec<u8>, Failed> {
    let too_large = || Failed {
        error: BackendError::TooLarge {
            status,
            limit: MAX_RESPONSE_BYTES,
        },
        retry: Retry::No,
    };
    if response
        .content_length()
        .is_some_and(|len| len > MAX_RESPONSE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// One Backend API call.
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    /// Path under `/v1` (or the root when not `versioned`), starting with `/`.
    pub(crate) path: String,
    pub(crate) query: Vec<(&'a str, String)>,
    pub(crate) body: Option<serde_json::Value>,
    /// Safe to repeat after a connection was lost mid-request.
    pub(crate) idempotent: bool,
    /// Under `/v1` (all but the machine-token endpoints).
    pub(crate) versioned: bool,
}

impl Call<'_> {
    pub(crate) fn get(path: String) -> Self {
        Self {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            idempotent: true,
            versioned: true,
        }
    }

    pub(crate) fn post(path: String, idempotent: bool) -> Self {
        Self {
            method: Method::POST,
            path,
            query: Vec::new(),
            body: None,
            idempotent,
            versioned: true,
        }
    }
}

enum Retry {
    No,
    Yes,
    IfIdempotent,
    After(Duration),
}

struct Failed {
    error: BackendError,
    retry: Retry,
}

fn transport(e: reqwest::Error) -> Failed {
    if e.is_timeout() {
        Failed {
            error: BackendError::Timeout,
            retry: Retry::No,
        }
    } else if e.is_connect() {
        // The connection was never established, so the request never left.
        Failed {
            error: BackendError::Transport(e),
            retry: Retry::Yes,
        }
    } else {
        Failed {
            error: BackendError::Transport(e),
            retry: Retry::IfIdempotent,
        }
    }
}

impl BackendClientBuilder {
    /// Reads `CLERK_SECRET_KEY` (required) and `CLERK_API_URL` (optional)
    /// from the process environment.
    pub fn from_env() -> Result<Self, BackendError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env) with an explicit variable lookup, for
    /// tests and non-process configuration sources.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, BackendError> {
        let key = lookup("CLERK_SECRET_KEY")
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| BackendError::InvalidArgument("CLERK_SECRET_KEY is not set".into()))?;
        let mut builder = BackendClient::builder(key);
        if let Some(url) = lookup("CLERK_API_URL").filter(|u| !u.trim().is_empty()) {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }

    /// Base URL (default [`DEFAULT_API_URL`]). A trailing `/` or `/v1` is
    /// accepted and dropped.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Value of the `Clerk-API-Version` header (default [`DEFAULT_API_VERSION`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Uses your own `reqwest::Client` (custom CA, proxy...). Its own connect
    /// timeout and redirect policy apply (the built-in client follows no
    /// redirects); [`timeout`](Self::timeout) still bounds each attempt.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Connect timeout of the built-in HTTP client (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Budget for one attempt, from sending to the last body byte (default
    /// [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Called with the session id after every successful revocation, e.g. to
    /// drop the session from the verifier's verified-token cache:
    /// `builder.on_session_revoked(move |sid| verifier.revoke_session(sid))`.
    /// Runs inline on the revoking task, so keep it quick.
    pub fn on_session_revoked(mut self, hook: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_session_revoked = Some(Arc::new(hook));
        self
    }

    /// Builds the client.
    ///
    /// Fails with [`BackendError::InvalidArgument`] on an empty secret key, a
    /// key or version that cannot be an HTTP header, or a base URL that is not
    /// http(s).
    pub fn build(self) -> Result<BackendClient, BackendError> {
        let key = self.secret_key.trim().to_owned();
        if key.is_empty() {
            return Err(BackendError::InvalidArgument("secret key is empty".into()));
        }
        let mut authorization = HeaderValue::try_from(format!("Bearer {key}")).map_err(|_| {
            BackendError::InvalidArgument(
                "secret key contains characters not allowed in an HTTP header".into(),
            )
        })?;
        authorization.set_sensitive(true);
        let api_version = HeaderValue::try_from(self.api_version.trim()).map_err(|_| {
            BackendError::InvalidArgument("Clerk-API-Version is not a valid header value".into())
        })?;
        let base_url = normalize_base_url(&self.base_url)?;
        let http = match self.http {
            Some(http) => http,
            // Clerk's API never redirects; following one would only risk
            // sending the secret key to whoever the Location names.
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout)
                .user_agent(concat!("clerk-runtime/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(BackendError::Transport)?,
        };
        Ok(BackendClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                authorization,
                secret_key: key,
                api_version,
                timeout: self.timeout,
                retry: self.retry,
                on_session_revoked: self.on_session_revoked,
            }),
        })
    }
}

fn normalize_base_url(raw: &str) -> Result<String, BackendError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
    let parsed = reqwest::Url::parse(trimmed).map_err(|e| {
        BackendError::InvalidArgument(format!("base URL {trimmed:?} is not a URL: {e}"))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(BackendError::InvalidArgument(format!(
            "base URL {trimmed:?} must be an http(s) URL with a host"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(BackendError::InvalidArgument(format!(
            "base URL {trimmed:?} must not have a query or fragment"
        )));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(300));
        assert_eq!(p.backoff(40), Duration::from_millis(300));
    }

    #[test]
    fn base_url_drops_trailing_slash_and_v1() {
        assert_eq!(
            normalize_base_url("https://api.clerk.com/").unwrap(),
            "https://api.clerk.com"
        );
        assert_eq!(
            normalize_base_url("https://api.clerk.com/v1/").unwrap(),
            "https://api.clerk.com"
        );
    }

    #[test]
    fn base_url_must_be_http() {
        for bad in ["api.clerk.com", "ftp://api.clerk.com", "https://x?y=1"] {
            assert!(
                matches!(
                    normalize_base_url(bad),
                    Err(BackendError::InvalidArgument(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn empty_secret_key_is_rejected() {
        let err = BackendClient::builder("  ").build().unwrap_err();
        assert!(matches!(err, BackendError::InvalidArgument(_)));
    }

    #[test]
    fn from_lookup_reads_key_and_api_url() {
        let b = BackendClientBuilder::from_lookup(|n| match n {
            "CLERK_SECRET_KEY" => Some("sk_test_x".into()),
            "CLERK_API_URL" => Some("http://127.0.0.1:9/".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(b.build().unwrap().base_url(), "http://127.0.0.1:9");
        assert!(BackendClientBuilder::from_lookup(|_| None).is_err());
    }

    #[test]
    fn debug_redacts_the_secret_key() {
        let builder = BackendClient::builder("sk_test_supersecret");
        assert!(!format!("{builder:?}").contains("supersecret"));
        let client = builder.build().unwrap();
        assert!(!format!("{client:?}").contains("supersecret"));
    }
}
