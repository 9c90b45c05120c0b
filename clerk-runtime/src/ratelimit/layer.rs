//! `RateLimitLayer`: key each request, check it, answer 429/503 or add the
//! `RateLimit-*` headers to the handler's response.

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};
use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use super::{Clock, FailMode, KeyFn, Limiter, RateLimit, RateLimitStore, insert_headers};

/// Key used for requests whose key function found nothing. They share one
/// budget: a misconfigured key function then throttles visibly instead of
/// silently disabling the limit.
pub(super) const UNKEYED: &str = "unkeyed";

/// Applies one [`RateLimit`] per key to every request of the wrapped service.
///
/// Put it on a router (`Router::layer`) or on one route
/// (`MethodRouter::layer`); each layer has its own budget, named by its
/// [`scope`](Self::scope) (by default the limit's text, e.g. `10/10s`), so two
/// routes with the same limit share a budget unless given different scopes.
///
/// Admitted responses carry `RateLimit-Limit`, `RateLimit-Remaining`,
/// `RateLimit-Reset` and `RateLimit-Policy`; refused ones are
/// [`RateLimitRejection`](super::RateLimitRejection)s.
pub struct RateLimitLayer<K> {
    limiter: Limiter,
    limit: RateLimit,
    key_fn: Arc<K>,
    scope: Cow<'static, str>,
}

impl<K: KeyFn> RateLimitLayer<K> {
    /// Limits each key returned by `key_fn` (e.g. [`RequestKey`](super::RequestKey))
    /// to `limit`, counted in `store`. Fails open, on the system clock.
    pub fn new(store: Arc<dyn RateLimitStore>, limit: RateLimit, key_fn: K) -> Self {
        Self::with_limiter(Limiter::new(store), limit, key_fn)
    }

    /// Like [`new`](Self::new) with a configured [`Limiter`], to share one
    /// limiter (store, clock, fail mode) between several routes.
    pub fn with_limiter(limiter: Limiter, limit: RateLimit, key_fn: K) -> Self {
        Self {
            limiter,
            limit,
            key_fn: Arc::new(key_fn),
            scope: Cow::Owned(limit.to_string()),
        }
    }

    /// Names this layer's budget; store keys are `<scope>:<request key>`.
    pub fn scope(mut self, scope: impl Into<Cow<'static, str>>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Sets what happens when the store fails (default [`FailMode::Open`]).
    pub fn fail_mode(mut self, fail_mode: FailMode) -> Self {
        self.limiter = self.limiter.fail_mode(fail_mode);
        self
    }

    /// Uses `clock` for "now".
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.limiter = self.limiter.clock(clock);
        self
    }
}

impl<K> Clone for RateLimitLayer<K> {
    fn clone(&self) -> Self {
        Self {
            limiter: self.limiter.clone(),
            limit: self.limit,
            key_fn: self.key_fn.clone(),
            scope: self.scope.clone(),
        }
    }
}

impl<K> std::fmt::Debug for RateLimitLayer<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitLayer")
            .field("limit", &self.limit)
            .field("scope", &self.scope)
            .field("limiter", &self.limiter)
            .finish_non_exhaustive()
    }
}

impl<S, K> Layer<S> for RateLimitLayer<K> {
    type Service = RateLimitService<S, K>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimitService {
            inner,
            shared: Arc::new(self.clone()),
        }
    }
}

/// The service made by [`RateLimitLayer`].
pub struct RateLimitService<S, K> {
    inner: S,
    shared: Arc<RateLimitLayer<K>>,
}

impl<S: Clone, K> Clone for RateLimitService<S, K> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<S, K> std::fmt::Debug for RateLimitService<S, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitService")
            .field("layer", &self.shared)
            .finish_non_exhaustive()
    }
}

impl<S, K, B> Service<Request<B>> for RateLimitService<S, K>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    K: KeyFn,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let key = self.shared.key_fn.key(&parts);
        let request = Request::from_parts(parts, body);
        let scope = &self.shared.scope;
        let store_key = match key {
            Some(key) => {
                let mut k = String::with_capacity(scope.len() + 1 + key.len());
                k.push_str(scope);
                k.push(':');
                k.push_str(&key);
                k
            }
            None => {
                tracing::debug!(scope = %scope, "request has no rate-limit key; counting it as unkeyed");
                format!("{scope}:{UNKEYED}")
            }
        };
        // The clone is not the instance `poll_ready` prepared: swap them.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        Box::pin(async move {
            match shared.limiter.check(&store_key, shared.limit).await {
                Ok(Some(decision)) => {
                    let mut response = inner.call(request).await?;
                    insert_headers(&decision, response.headers_mut());
                    Ok(response)
                }
                Ok(None) => inner.call(request).await,
                Err(rejection) => Ok(rejection.into_response()),
            }
        })
    }
}
