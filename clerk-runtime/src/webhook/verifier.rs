//! [`WebhookVerifier`]: the signing secrets, the clock, the body limit and
//! the replay memory of one webhook endpoint.

use std::sync::Arc;

use http::HeaderMap;

use super::extract::WebhookRejection;
use super::replay::{DEFAULT_REPLAY_CAPACITY, ReplayGuard};
use super::signature::{self, SecretError, SignatureHeaders, VerifiedDelivery, WebhookSecret};
use crate::time::system_now;

/// Clerk's variable for the endpoint's signing secret (as `@clerk/backend`'s
/// `verifyWebhook` reads it).
pub const SIGNING_SECRET_ENV: &str = "CLERK_WEBHOOK_SIGNING_SECRET";

/// Default largest body accepted: Clerk's biggest payloads are user objects
/// (public, private and unsafe metadata are capped at 8 KiB each; emails,
/// phones and external accounts add a few KiB), so 256 KiB is ample and
/// bounds what an unsigned request makes us buffer.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Verifies the deliveries of one webhook endpoint. Cheap to clone (shared
/// replay memory).
///
/// ```
/// use clerk_runtime::webhook::WebhookVerifier;
/// // Or `WebhookVerifier::from_env()` for CLERK_WEBHOOK_SIGNING_SECRET.
/// let verifier = WebhookVerifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// # Ok::<(), clerk_runtime::webhook::WebhookConfigError>(())
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    secrets: Vec<WebhookSecret>,
    max_body_bytes: usize,
    replay: ReplayGuard,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secrets", &self.inner.secrets.len())
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    /// A verifier for one signing secret (`whsec_...`).
    pub fn new(secret: &str) -> Result<Self, WebhookConfigError> {
        Self::builder().secret(secret).build()
    }

    /// A verifier for the secret in [`SIGNING_SECRET_ENV`]
    /// (`CLERK_WEBHOOK_SIGNING_SECRET`).
    pub fn from_env() -> Result<Self, WebhookConfigError> {
        let secret =
            std::env::var(SIGNING_SECRET_ENV).map_err(|_| WebhookConfigError::MissingSecret)?;
        Self::new(&secret)
    }

    /// Starts configuring a verifier.
    pub fn builder() -> WebhookVerifierBuilder {
        WebhookVerifierBuilder::default()
    }

    /// Largest body accepted, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// Verifies a delivery's signature and timestamp against the clock and
    /// records its id: a second delivery of the same id within the
    /// tolerance is refused ([`WebhookRejection::Duplicate`]).
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<VerifiedDelivery, WebhookRejection> {
        self.verify_at(headers, body, (self.inner.clock)())
    }

    /// [`WebhookVerifier::verify`] as of `now` (unix seconds).
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<VerifiedDelivery, WebhookRejection> {
        if body.len() > self.inner.max_body_bytes {
            return Err(WebhookRejection::PayloadTooLarge {
                max: self.inner.max_body_bytes,
            });
        }
        let headers = SignatureHeaders::from_headers(headers)?;
        let delivery = signature::verify(&self.inner.secrets, &headers, body, now)?;
        // Only after the signature: unsigned requests never take memory.
        if !self
            .inner
            .replay
            .first_time(&delivery.id, delivery.timestamp, now)
        {
            return Err(WebhookRejection::Duplicate);
        }
        Ok(delivery)
    }

    /// Forgets delivery `id`, so Svix's retry of it is accepted: call it when
    /// the handler could not process a verified delivery and answers 5xx.
    pub fn forget(&self, id: &str) {
        self.inner.replay.forget(id);
    }
}

/// Builder of [`WebhookVerifier`].
pub struct WebhookVerifierBuilder {
    secrets: Vec<Result<WebhookSecret, SecretError>>,
    max_body_bytes: usize,
    replay_capacity: usize,
    clock: Option<Arc<dyn Fn() -> i64 + Send + Sync>>,
}

impl Default for WebhookVerifierBuilder {
    fn default() -> Self {
        Self {
            secrets: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            replay_capacity: DEFAULT_REPLAY_CAPACITY,
            clock: None,
        }
    }
}

impl std::fmt::Debug for WebhookVerifierBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifierBuilder")
            .field("secrets", &self.secrets.len())
            .field("max_body_bytes", &self.max_body_bytes)
            .field("replay_capacity", &self.replay_capacity)
            .finish_non_exhaustive()
    }
}

impl WebhookVerifierBuilder {
    /// Accept signatures made with `secret` (`whsec_...`). Call it twice to
    /// accept the old and the new secret while rotating.
    pub fn secret(mut self, secret: &str) -> Self {
        self.secrets.push(WebhookSecret::new(secret));
        self
    }

    /// Largest body accepted (default [`DEFAULT_MAX_BODY_BYTES`]); larger is
    /// `413`.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// Message ids remembered against replays (default
    /// [`DEFAULT_REPLAY_CAPACITY`]; `0` turns replay protection off, e.g.
    /// when the handler deduplicates by id itself).
    pub fn replay_capacity(mut self, capacity: usize) -> Self {
        self.replay_capacity = capacity;
        self
    }

    /// Unix-seconds clock (default: system time).
    pub fn clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Builds the verifier; fails without a secret or with an unusable one.
    pub fn build(self) -> Result<WebhookVerifier, WebhookConfigError> {
        let secrets = self.secrets.into_iter().collect::<Result<Vec<_>, _>>()?;
        if secrets.is_empty() {
            return Err(WebhookConfigError::MissingSecret);
        }
        Ok(WebhookVerifier {
            inner: Arc::new(Inner {
                secrets,
                max_body_bytes: self.max_body_bytes,
                replay: ReplayGuard::new(self.replay_capacity),
                clock: self.clock.unwrap_or_else(|| Arc::new(system_now)),
            }),
        })
    }
}

/// Why a [`WebhookVerifier`] could not be built. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookConfigError {
    /// No secret configured.
    #[error(
        "missing webhook signing secret: set CLERK_WEBHOOK_SIGNING_SECRET to the endpoint's secret \
         from the Clerk Dashboard (whsec_...)"
    )]
    MissingSecret,
    /// The secret is unusable.
    #[error(transparent)]
    Secret(#[from] SecretError),
}
