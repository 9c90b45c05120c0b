//! Limits declared on handlers (`#[protect(rate_limit = "10/10s")]`,
//! `#[public(rate_limit = "10/10s")]`): which limiter counts them, under
//! which key, and the per-route budget.
//!
//! The app installs one [`RouteLimiter`] with
//! [`ClerkLayer::rate_limiter`](crate::ClerkLayer::rate_limiter); every
//! limited route behind that layer counts in it. Without one, limited routes
//! count in a process-wide [`MemoryStore`] (see [`RouteLimiter::process_default`]),
//! so a declared limit is never silently ignored; several app instances then
//! each enforce the limit on their own share of traffic, which is why apps
//! running more than one instance install a limiter over a shared store.

use std::fmt;
use std::sync::{Arc, OnceLock};

use axum::extract::MatchedPath;
use http::Method;
use http::request::Parts;

use super::layer::UNKEYED;
use super::{
    Decision, KeyFn, Limiter, MemoryStore, RateLimit, RateLimitRejection, RateLimitStore,
    RequestKey,
};

/// The limiter and key function behind declared per-route limits.
///
/// Budgets are per route and per key: the store key is
/// `<METHOD> <path template>:<request key>`, e.g.
/// `GET /api/search:user:user_2abc`, so two routes with the same limit do not
/// share a budget, and one route's budget is shared by every app instance
/// that counts in the same store. The request key is [`RequestKey`]'s by
/// default: the signed-in user, else the client IP.
#[derive(Clone)]
pub struct RouteLimiter {
    limiter: Limiter,
    key: Arc<dyn KeyFn>,
}

impl RouteLimiter {
    /// Counts declared limits with `limiter` (its store, clock and fail mode),
    /// keyed by [`RequestKey::default`].
    pub fn new(limiter: Limiter) -> Self {
        Self {
            limiter,
            key: Arc::new(RequestKey::default()),
        }
    }

    /// A limiter over `store`, failing open, on the system clock.
    pub fn with_store(store: Arc<dyn RateLimitStore>) -> Self {
        Self::new(Limiter::new(store))
    }

    /// Keys requests with `key`, e.g. a [`RequestKey`] that trusts a proxy's
    /// `x-forwarded-for` header for the client IP of public routes.
    pub fn key(mut self, key: impl KeyFn) -> Self {
        self.key = Arc::new(key);
        self
    }

    /// The limiter counting requests.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// What limited routes use when no limiter is installed: one in-memory
    /// store per process ([`MemoryStore::new`], bounded, idle keys evicted),
    /// failing open (a memory store does not fail), keyed by
    /// [`RequestKey::default`] (socket peer for signed-out callers).
    pub fn process_default() -> &'static RouteLimiter {
        static DEFAULT: OnceLock<RouteLimiter> = OnceLock::new();
        DEFAULT.get_or_init(|| Self::with_store(Arc::new(MemoryStore::new())))
    }

    /// Counts the request against `limit` in the budget of its route.
    /// `fallback_scope` names the budget when the router did not record the
    /// matched path (a handler called outside an axum `Router`).
    pub(crate) async fn check(
        &self,
        parts: &Parts,
        limit: RateLimit,
        fallback_scope: &str,
    ) -> Result<Option<Decision>, RateLimitRejection> {
        let path = parts
            .extensions
            .get::<MatchedPath>()
            .map_or(fallback_scope, MatchedPath::as_str);
        let store_key = store_key(&parts.method, path, self.key.key(parts).as_deref());
        self.limiter.check(&store_key, limit).await
    }
}

impl From<Limiter> for RouteLimiter {
    fn from(limiter: Limiter) -> Self {
        Self::new(limiter)
    }
}

impl fmt::Debug for RouteLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteLimiter")
            .field("limiter", &self.limiter)
            .finish_non_exhaustive()
    }
}

/// `<METHOD> <path template>:<request key>`. HEAD counts as GET: axum serves
/// it with the GET handler, so it is the same route.
fn store_key(method: &Method, path: &str, request_key: Option<&str>) -> String {
    let method = if method == Method::HEAD {
        Method::GET.as_str()
    } else {
        method.as_str()
    };
    let request_key = request_key.unwrap_or_else(|| {
        tracing::debug!(route = %path, "request has no rate-limit key; counting it as unkeyed");
        UNKEYED
    });
    let mut key = String::with_capacity(method.len() + path.len() + request_key.len() + 2);
    key.push_str(method);
    key.push(' ');
    key.push_str(path);
    key.push(':');
    key.push_str(request_key);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_key_names_method_route_template_and_caller() {
        assert_eq!(
            store_key(&Method::DELETE, "/api/x/{id}", Some("user:u1")),
            "DELETE /api/x/{id}:user:u1"
        );
    }

    #[test]
    fn head_shares_the_get_budget() {
        assert_eq!(
            store_key(&Method::HEAD, "/a", Some("ip:1.2.3.4")),
            store_key(&Method::GET, "/a", Some("ip:1.2.3.4"))
        );
    }

    #[test]
    fn requests_without_a_key_share_one_unkeyed_budget_per_route() {
        assert_eq!(store_key(&Method::GET, "/a", None), "GET /a:unkeyed");
    }
}
