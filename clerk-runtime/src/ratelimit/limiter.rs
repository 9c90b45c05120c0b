//! A store, a clock and a failure policy: the one call a layer or a per-route
//! guard makes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{Clock, Decision, RateLimit, RateLimitRejection, RateLimitStore, SystemClock};

/// Least time between two "store unavailable" warnings from one limiter: an
/// outage fails every request, and one line per request would bury the logs.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// What to do with a request when the store cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailMode {
    /// Admit the request, without rate-limit headers, and log a warning. The
    /// default: an outage of the limiter should not become an outage of the app.
    #[default]
    Open,
    /// Refuse the request with `503 Service Unavailable`, for routes where an
    /// unlimited burst is worse than downtime (login, password reset, paid APIs).
    Closed,
}

/// Checks requests against a [`RateLimitStore`] and turns the outcome into an
/// answer. Cheap to clone.
#[derive(Clone)]
pub struct Limiter {
    store: Arc<dyn RateLimitStore>,
    clock: Arc<dyn Clock>,
    fail_mode: FailMode,
    last_warning_ms: Arc<AtomicU64>,
}

impl Limiter {
    /// A limiter over `store`, on the system clock, failing open.
    pub fn new(store: Arc<dyn RateLimitStore>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            fail_mode: FailMode::default(),
            last_warning_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Uses `clock` for "now" (tests pass a [`ManualClock`](super::ManualClock)).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets what happens when the store fails.
    pub fn fail_mode(mut self, fail_mode: FailMode) -> Self {
        self.fail_mode = fail_mode;
        self
    }

    /// Counts one request for `key` under `limit`.
    ///
    /// `Ok(Some(decision))`: admitted, with the numbers for the response
    /// headers. `Ok(None)`: the store failed and the mode is [`FailMode::Open`].
    /// `Err(rejection)`: answer with it (429, or 503 in [`FailMode::Closed`]).
    pub async fn check(
        &self,
        key: &str,
        limit: RateLimit,
    ) -> Result<Option<Decision>, RateLimitRejection> {
        let now = self.clock.now();
        match self.store.check(key, limit, now).await {
            Ok(decision) if decision.allowed => Ok(Some(decision)),
            Ok(decision) => Err(RateLimitRejection::Limited(decision)),
            Err(error) => {
                self.warn_throttled(now, &error);
                match self.fail_mode {
                    FailMode::Open => Ok(None),
                    FailMode::Closed => Err(RateLimitRejection::Unavailable),
                }
            }
        }
    }

    fn warn_throttled(&self, now: Duration, error: &super::StoreError) {
        let now_ms = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
        let last = self.last_warning_ms.load(Ordering::Relaxed);
        let due = last == 0 || now_ms.saturating_sub(last) >= WARN_EVERY.as_millis() as u64;
        if due
            && self
                .last_warning_ms
                .compare_exchange(last, now_ms.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let mode = match self.fail_mode {
                FailMode::Open => "admitting requests unlimited (fail open)",
                FailMode::Closed => "refusing requests with 503 (fail closed)",
            };
            tracing::warn!(%error, "rate-limit store failed; {mode}");
        }
    }
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("fail_mode", &self.fail_mode)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::{CheckFuture, ManualClock, MemoryStore, StoreError};

    struct DownStore;

    impl RateLimitStore for DownStore {
        fn check<'a>(&'a self, _: &'a str, _: RateLimit, _: Duration) -> CheckFuture<'a> {
            Box::pin(async { Err(StoreError::Timeout(Duration::from_millis(50))) })
        }
    }

    fn limit() -> RateLimit {
        RateLimit::parse("1/10s").unwrap()
    }

    #[tokio::test]
    async fn uses_the_injected_clock() {
        let clock = Arc::new(ManualClock::new(Duration::from_secs(1_000_000)));
        let limiter = Limiter::new(Arc::new(MemoryStore::new())).clock(clock.clone());
        assert!(limiter.check("u", limit()).await.is_ok());
        assert!(limiter.check("u", limit()).await.is_err());
        clock.advance(Duration::from_secs(20));
        assert!(limiter.check("u", limit()).await.is_ok());
    }

    #[tokio::test]
    async fn over_the_limit_is_a_limited_rejection() {
        let limiter = Limiter::new(Arc::new(MemoryStore::new()));
        limiter.check("u", limit()).await.unwrap();
        let rejection = limiter.check("u", limit()).await.unwrap_err();
        assert!(matches!(rejection, RateLimitRejection::Limited(d) if !d.allowed));
    }

    #[tokio::test]
    async fn failing_store_admits_in_open_mode() {
        let limiter = Limiter::new(Arc::new(DownStore)).fail_mode(FailMode::Open);
        assert_eq!(limiter.check("u", limit()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn failing_store_refuses_in_closed_mode() {
        let limiter = Limiter::new(Arc::new(DownStore)).fail_mode(FailMode::Closed);
        assert!(matches!(
            limiter.check("u", limit()).await,
            Err(RateLimitRejection::Unavailable)
        ));
    }
}
