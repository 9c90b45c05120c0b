//! Per-key sliding-window rate limiting: 10 requests per 10 s per signed-in
//! user, answered with `429 Too Many Requests` and `RateLimit-*` headers.
//!
//! - [`RateLimit`]: the limit as data, written `"10/10s"`.
//! - [`RateLimitStore`]: where counts live. [`MemoryStore`] (one process, the
//!   default) and [`RedisStore`](redis::RedisStore) (shared by every app
//!   instance) decide with the same sliding-window-counter arithmetic.
//! - [`Limiter`]: a store plus a clock plus a [`FailMode`]; what a layer or a
//!   per-route guard calls.
//! - [`RateLimitLayer`]: a tower layer that keys requests ([`RequestKey`]: the
//!   signed-in user of [`ClerkLayer`](crate::ClerkLayer)'s session, else a
//!   [`RateLimitKey`] extension, else the client IP), checks, and answers
//!   429/503 or adds the headers to the response. Put it inside `ClerkLayer`
//!   (`.layer(rate_limit).layer(clerk)`) so the session is known.
//! - Declared limits: `#[protect(rate_limit = "10/10s")]` and
//!   `#[public(rate_limit = "10/10s")]` put the limit in the route's
//!   [`Policy`](crate::Policy); the handler's guard counts the request right
//!   after the policy check passed, in the [`RouteLimiter`] installed with
//!   [`ClerkLayer::rate_limiter`](crate::ClerkLayer::rate_limiter) (else one
//!   in-memory store per process), one budget per route and caller.
//!
//! ```
//! use std::sync::Arc;
//! use axum::{Router, routing::get};
//! use clerk_runtime::ratelimit::{MemoryStore, RateLimit, RateLimitLayer, RequestKey};
//!
//! let store = Arc::new(MemoryStore::new());
//! let app: Router = Router::new()
//!     .route("/api/search", get(|| async { "results" }))
//!     .layer(RateLimitLayer::new(store, RateLimit::parse("10/10s").unwrap(), RequestKey::default()));
//! ```

// The grammar `#[protect(rate_limit = ..)]` is parsed with, in the macros too.
use clerk_rules::rate_limit as grammar;
mod key;
mod layer;
mod limiter;
mod memory;
#[cfg(feature = "redis")]
pub mod redis;
mod response;
mod route;
mod spec;
mod window;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use crate::time::{Clock, ManualClock, SystemClock};
pub use key::{KeyFn, RateLimitKey, RequestKey};
pub use layer::{RateLimitLayer, RateLimitService};
pub use limiter::{FailMode, Limiter};
pub use memory::{MemoryStore, MemoryStoreBuilder};
pub use response::{RateLimitRejection, insert_headers};
pub use route::RouteLimiter;
pub use spec::{MAX_REQUESTS, MAX_WINDOW, RateLimit, RateLimitParseError};

/// The future returned by [`RateLimitStore::check`].
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<Decision, StoreError>> + Send + 'a>>;

/// Where rate-limit counts live.
///
/// One call per request: count it against `key` under `limit` if it fits, and
/// say how much is left. Implementations must be atomic per key (two
/// concurrent checks never both take the last unit) and must not panic.
/// Object safe, so apps hold an `Arc<dyn RateLimitStore>` and pick the store
/// from configuration.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Counts one request for `key` at `now` (time since the UNIX epoch)
    /// if `limit` allows it.
    ///
    /// A store may use its own clock instead of `now` when that keeps several
    /// app instances consistent (the Redis store uses the server's `TIME` by
    /// default); the in-memory store always uses `now`.
    fn check<'a>(&'a self, key: &'a str, limit: RateLimit, now: Duration) -> CheckFuture<'a>;
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request was admitted (and counted).
    pub allowed: bool,
    /// The limit that was applied.
    pub limit: RateLimit,
    /// Requests that would still be admitted right now.
    pub remaining: u32,
    /// Time until the whole quota is available again (every counted request has
    /// left the sliding window); zero for a key with no counted requests.
    pub reset_after: Duration,
    /// When refused: time until the next request would be admitted, if no
    /// other request comes in meanwhile. `None` when allowed.
    pub retry_after: Option<Duration>,
}

/// A store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store did not answer within its timeout.
    #[error("rate-limit store did not answer within {0:?}; check that it is running and reachable")]
    Timeout(Duration),
    /// The store could not be reached or refused the command.
    #[error("rate-limit store unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store answered something this crate does not understand.
    #[error("rate-limit store returned an unexpected reply: {0}")]
    Protocol(String),
    /// The store was configured wrongly (bad URL, empty prefix...).
    #[error("invalid rate-limit store configuration: {0}")]
    Config(String),
}
