//! The authentication layer: verifies the request's session token once and
//! stores the outcome as [`AuthState`] in request extensions, where the guard
//! and extractors read it, next to the layer's options (`context::LayerContext`).
//! The last link of the request's path: it depends on everything, and
//! nothing depends on it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), clerk_runtime::Error> {
//! use clerk_runtime::layer::ClerkLayer;
//! use clerk_runtime::ResponseMode;
//!
//! let layer = ClerkLayer::from_env()?
//!     .response_mode(ResponseMode::Auto)
//!     .sign_in_url("https://accounts.example.com/sign-in");
//! let app = axum::Router::<()>::new().layer(layer);
//! # Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderMap, Request};
use tower_layer::Layer;
use tower_service::Service;

use crate::backend::BackendClient;
use crate::config::ClerkConfig;
use crate::context::{LayerContext, ResponseConfig, ResponseMode, SessionControl, Shared};
#[cfg(feature = "dev")]
use crate::dev::DevIssuer;
use crate::error::{ConfigError, Error, VerifyError};
use crate::extract::USER_ID_HEADER;
use crate::policy::presets::{SessionPreset, SessionSettings};
use crate::ratelimit::{RouteLimiter, insert_headers};
use crate::state::{AuthState, SignedOutReason};
use crate::token::source::{CookieSuffix, TokenSource, token_source};
use crate::verify::Verifier;

/// Tower layer that authenticates every request once (see the module docs).
///
/// Cheap to clone: the verifier and options sit behind one `Arc`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ClerkLayer {
    shared: Arc<Shared>,
}

impl ClerkLayer {
    /// A layer verifying with `verifier`, JSON errors for API requests and
    /// page behaviour for page requests ([`ResponseMode::Auto`]).
    pub fn new(verifier: Verifier) -> Self {
        ClerkLayer {
            shared: Arc::new(Shared {
                verifier,
                suffix: None,
                responses: Arc::new(ResponseConfig::default()),
                settings: None,
                sessions: None,
                rate_limiter: None,
            }),
        }
    }

    /// A layer configured from the `CLERK_*` environment variables, with the
    /// cookie suffix of `CLERK_PUBLISHABLE_KEY` when it is set.
    pub fn from_env() -> Result<Self, Error> {
        Ok(Self::from_config(&ClerkConfig::from_env()?)?)
    }

    /// A layer for `config`, with the cookie suffix of its publishable key.
    pub fn from_config(config: &ClerkConfig) -> Result<Self, ConfigError> {
        let layer = Self::new(config.verifier()?);
        Ok(match config.publishable_key() {
            Some(key) => layer.publishable_key(key),
            None => layer,
        })
    }

    /// A layer accepting the tokens of a local [`DevIssuer`] (networkless:
    /// its PEM public key and issuer).
    #[cfg(feature = "dev")]
    pub fn dev(issuer: &DevIssuer) -> Result<Self, ConfigError> {
        Ok(Self::new(issuer.verifier()?))
    }

    /// Reads suffixed cookies (`__session_<sfx>`, `__client_uat_<sfx>`)
    /// derived from this publishable key, preferring them over unsuffixed ones.
    pub fn publishable_key(mut self, publishable_key: &str) -> Self {
        self.shared_mut().suffix = Some(CookieSuffix::from_publishable_key(publishable_key));
        self
    }

    /// How rejections render: JSON errors, page redirects, or by request kind.
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.responses_mut().mode = mode;
        self
    }

    /// Where signed-out page requests are redirected (307, with `redirect_url`).
    /// Without it, page requests get the API response.
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.responses_mut().sign_in_url = Some(url.into().into_boxed_str());
        self
    }

    /// Where signed-in page requests that fail a policy are redirected (307).
    /// Without it they get a 403 page.
    pub fn unauthorized_url(mut self, url: impl Into<String>) -> Self {
        self.responses_mut().unauthorized_url = Some(url.into().into_boxed_str());
        self
    }

    /// Answer 404 instead of 401/403, hiding that a protected route exists
    /// (Clerk's behaviour for non-page requests).
    pub fn not_found_instead(mut self, enabled: bool) -> Self {
        self.responses_mut().not_found_instead = enabled;
        self
    }

    /// Apply a session preset (see [`presets`](crate::policy::presets) for what
    /// each one enforces): shorthand for `session_settings(preset.settings())`.
    pub fn preset(self, preset: SessionPreset) -> Self {
        self.session_settings(preset.settings())
    }

    /// Apply session settings: token lifetime limit here, default freshness
    /// and pending-session refusal in every `#[protect]` guard.
    pub fn session_settings(mut self, settings: SessionSettings) -> Self {
        self.shared_mut().settings = Some(settings);
        self
    }

    /// The Backend API client the [`Sessions`](crate::Sessions) extractor
    /// uses to sign sessions out. Revocations through it are also applied to
    /// this layer's verifier at once (`Verifier::revoke_session`), so a
    /// signed-out session's token is refused on the next request.
    pub fn backend_client(mut self, client: BackendClient) -> Self {
        let verifier = self.shared.verifier.clone();
        self.shared_mut().sessions = Some(SessionControl::new(client, verifier));
        self
    }

    /// Counts the limits that handlers declare (`#[protect(rate_limit = "10/10s")]`,
    /// `#[public(rate_limit = ..)]`) with `limiter`: its store (memory, or
    /// Redis shared by every instance), clock and fail mode, and its key
    /// function (e.g. a trusted proxy header for public routes' client IPs).
    ///
    /// Without this call, limited routes count in one in-memory store per
    /// process ([`RouteLimiter::process_default`]).
    pub fn rate_limiter(mut self, limiter: impl Into<RouteLimiter>) -> Self {
        self.shared_mut().rate_limiter = Some(Arc::new(limiter.into()));
        self
    }

    /// The verifier this layer uses.
    pub fn verifier(&self) -> &Verifier {
        &self.shared.verifier
    }

    fn shared_mut(&mut self) -> &mut Shared {
        // Builder calls run before the layer is cloned, so this does not copy.
        Arc::make_mut(&mut self.shared)
    }

    fn responses_mut(&mut self) -> &mut ResponseConfig {
        Arc::make_mut(&mut self.shared_mut().responses)
    }
}

impl<S> Layer<S> for ClerkLayer {
    type Service = ClerkService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClerkService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service [`ClerkLayer`] wraps around routes.
#[derive(Debug, Clone)]
pub struct ClerkService<S> {
    inner: S,
    shared: Arc<Shared>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, B, ResBody> Service<Request<B>> for ClerkService<S>
where
    S: Service<Request<B>, Response = http::Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The clone is the not-yet-ready one; the ready service handles this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            // Only the guard may say who the user is.
            request.headers_mut().remove(USER_ID_HEADER);
            let state = shared.authenticate(request.headers()).await;
            let context = LayerContext::new(shared);
            let extensions = request.extensions_mut();
            extensions.insert(state);
            extensions.insert(context.clone());
            let mut response = inner.call(request).await?;
            if let Some(decision) = context.decision() {
                insert_headers(decision, response.headers_mut());
            }
            Ok(response)
        })
    }
}

impl Shared {
    async fn authenticate(&self, headers: &HeaderMap) -> AuthState {
        let (token, client_uat, from) = match token_source(headers, self.suffix.as_ref()) {
            TokenSource::None => return AuthState::SignedOut(SignedOutReason::NoToken),
            TokenSource::Header(token) => (token, None, "header"),
            TokenSource::Cookie { token, client_uat } => match client_uat {
                // A browser that signed out keeps a stale `__session` around; no need to verify it.
                None | Some(..=0) => {
                    return signed_out(SignedOutReason::ClientUatMissing);
                }
                Some(uat) => (token, Some(uat), "cookie"),
            },
        };
        match self.verifier.verify(token).await {
            Ok(auth) => match client_uat {
                // Missing `iat` counts as stale: fail closed rather than trust an undated cookie.
                Some(uat) if auth.issued_at().is_none_or(|iat| iat < uat) => {
                    signed_out(SignedOutReason::IssuedBeforeClientUat)
                }
                _ => match self
                    .settings
                    .and_then(|settings| settings.token_lifetime_error(&auth))
                {
                    Some(error) => failed(error, from),
                    None => AuthState::SignedIn(auth),
                },
            },
            Err(error) => failed(error, from),
        }
    }
}

fn signed_out(reason: SignedOutReason) -> AuthState {
    tracing::debug!(
        reason = reason.as_str(),
        "clerk: session cookie treated as signed out"
    );
    AuthState::SignedOut(reason)
}

fn failed(error: VerifyError, from: &'static str) -> AuthState {
    // The reason only: error messages can echo token contents.
    tracing::info!(
        reason = error.reason(),
        source = from,
        "clerk: session token rejected"
    );
    AuthState::Failed(error)
}
