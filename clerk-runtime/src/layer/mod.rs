//! The authentication layer: verifies the request's session token once and
//! stores the outcome as [`AuthState`] in request extensions, where the guard
//! and extractors read it, next to the layer's options (`context::LayerContext`).
//! The last link of the request's path: it depends on everything, and
//! nothing depends on it.
//!
//! # Browser sessions
//!
//! With a [`SessionConfig`] ([`ClerkLayer::from_env`] / [`ClerkLayer::from_config`]
//! when a publishable key is set, or [`ClerkLayer::browser_sessions`]) every
//! request, `#[public]` pages included, goes through Clerk's decision
//! ([`crate::session::authenticate`]), as Clerk's
//! framework integrations apply it (`clerk-handshake.md` §6): a result with
//! a `Location` (a handshake, a satellite sync, a development handshake
//! resolution) is a 307 with an empty body and all of the state's headers;
//! otherwise the handler runs and the state's headers are appended to its
//! response. A request that is plainly signed in (a verified Bearer token,
//! or a verified cookie with its `__client_uat` and nothing that could make
//! Clerk decide otherwise) skips the decision and costs what it did before.
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

use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::auth::Auth;
use crate::backend::BackendClient;
use crate::config::ClerkConfig;
use crate::context::{
    BrowserSessions, LayerContext, ResponseConfig, ResponseMode, SessionControl, Shared,
};
#[cfg(feature = "dev")]
use crate::dev::DevIssuer;
use crate::error::{ConfigError, Error, VerifyError};
use crate::extract::USER_ID_HEADER;
use crate::machine::MachineVerifier;
use crate::policy::presets::{SessionPreset, SessionSettings};
use crate::ratelimit::{RouteLimiter, insert_headers};
use crate::session::{
    self, HandshakePayloadSource, Outcome, SessionConfig, SessionEdge, SessionRefresher,
    SessionState,
};
use crate::state::{AuthState, SignedOutReason};
use crate::token::source::{
    CookieNames, CookieSuffix, TokenSource, token_source, token_source_and_names,
};
use crate::verify::Verifier;

/// Skew of the development handshake retry (Clerk's `86_400_000` ms).
const DEV_RETRY_SKEW: std::time::Duration =
    std::time::Duration::from_secs(session::names::value::DEV_HANDSHAKE_RETRY_SKEW_SECS);

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
                browser: None,
                machines: None,
            }),
        }
    }

    /// A layer configured from the `CLERK_*` environment variables. When
    /// `CLERK_PUBLISHABLE_KEY` is set it applies Clerk's browser-session
    /// decision with the multi-domain variables of
    /// [`SessionConfig::from_env`] (`CLERK_DOMAIN`, `CLERK_IS_SATELLITE`,
    /// `CLERK_PROXY_URL`, `CLERK_SIGN_IN_URL`, `CLERK_SIGN_UP_URL`).
    ///
    /// Routes that accept machine tokens (`#[protect(accepts = ..)]`) verify
    /// them with [`ClerkConfig::machine_verifier_builder`]'s verifier.
    pub fn from_env() -> Result<Self, Error> {
        let config = ClerkConfig::from_env()?;
        let verifier = config.verifier()?;
        let machines = config.machine_verifier_builder(verifier.clone())?.build();
        let layer = Self::new(verifier).machine_tokens(machines);
        Ok(match config.publishable_key() {
            Some(_) => layer.clerk_sessions(&config, SessionConfig::from_env()?)?,
            None => layer,
        })
    }

    /// A layer for `config`. With a publishable key it applies Clerk's
    /// browser-session decision for that key (no satellite or proxy: use
    /// [`ClerkLayer::clerk_sessions`] for those).
    pub fn from_config(config: &ClerkConfig) -> Result<Self, ConfigError> {
        let verifier = config.verifier()?;
        let machines = config.machine_verifier_builder(verifier.clone())?.build();
        let layer = Self::new(verifier).machine_tokens(machines);
        Ok(match config.publishable_key() {
            Some(key) => layer.clerk_sessions(config, SessionConfig::builder(key).build()?)?,
            None => layer,
        })
    }

    /// Apply Clerk's browser-session decision with `session`, taking from
    /// `config` what it needs besides: the one-day-skew verifier of
    /// development handshakes, and with a secret key the Backend API for
    /// nonces and refresh.
    pub fn clerk_sessions(
        self,
        config: &ClerkConfig,
        session: SessionConfig,
    ) -> Result<Self, ConfigError> {
        let retry = if session.is_development() {
            Some(
                config
                    .verifier_builder()
                    .clock_skew(DEV_RETRY_SKEW)
                    .build()?,
            )
        } else {
            None
        };
        let backend = match config.secret_key() {
            Some(key) => Some(
                BackendClient::builder(key)
                    .base_url(config.api_url())
                    .build()
                    .map_err(|e| ConfigError::invalid("CLERK_SECRET_KEY", e.to_string()))?,
            ),
            None => None,
        };
        Ok(self.browser_sessions(session, retry, backend))
    }

    /// Apply Clerk's browser-session decision (see the module docs) with
    /// `session`. `retry_verifier`: development only, this layer's verifier
    /// with a one-day clock skew (Clerk retries a handshake's session token
    /// with it). `backend`: nonce exchange and refresh; without it a nonce
    /// resolves to nothing and a refresh fails with `missing-api-client`.
    pub fn browser_sessions(
        mut self,
        session: SessionConfig,
        retry_verifier: Option<Verifier>,
        backend: Option<BackendClient>,
    ) -> Self {
        let shared = self.shared_mut();
        shared.suffix = Some(*session.cookie_suffix());
        shared.browser = Some(Arc::new(BrowserSessions {
            config: session,
            retry_verifier,
            backend,
        }));
        self
    }

    /// A layer accepting the tokens of a local [`DevIssuer`] (networkless:
    /// its PEM public key and issuer), machine JWTs included; for its opaque
    /// machine tokens add [`ClerkLayer::machine_tokens`] with a verifier
    /// using [`DevServer::backend_client`](crate::dev::DevServer::backend_client).
    #[cfg(feature = "dev")]
    pub fn dev(issuer: &DevIssuer) -> Result<Self, ConfigError> {
        let verifier = issuer.verifier()?;
        let machines = MachineVerifier::builder(verifier.clone()).build();
        Ok(Self::new(verifier).machine_tokens(machines))
    }

    /// Verify machine tokens (API keys, M2M and OAuth tokens) with
    /// `machines` on the routes that accept them (`#[protect(accepts = ..)]`).
    /// Without it such routes answer 500 `machine-verification-unconfigured`
    /// to machine callers. [`ClerkLayer::from_env`] and
    /// [`ClerkLayer::from_config`] set it up.
    pub fn machine_tokens(mut self, machines: MachineVerifier) -> Self {
        self.shared_mut().machines = Some(machines);
        self
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
    ResBody: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // Only the guard may say who the user is.
        request.headers_mut().remove(USER_ID_HEADER);
        let now = self
            .shared
            .authenticate_now(request.headers(), request.uri());
        if let Now::Ready(state) = now {
            // Settled without waiting (no token, a cached token, a PEM key or
            // a key already fetched): the handler's future is returned as it
            // is, with neither a box nor a clone of the inner service.
            let context = enter(&mut request, state, Arc::clone(&self.shared));
            return ResponseFuture::ready(self.inner.call(request), context);
        }
        // The clone is the not-yet-ready one; the ready service handles this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        // `Later`: the fast path's verification has to wait for a key; it is
        // tried again here. `Decide`: it could not settle the request.
        let retry_fast = matches!(now, Now::Later);
        ResponseFuture::boxed(Box::pin(async move {
            let (state, session_state) = match &shared.browser {
                None => (shared.authenticate(request.headers()).await, None),
                Some(browser) => {
                    let fast = if retry_fast {
                        shared
                            .fast_signed_in(request.headers(), request.uri(), &browser.config)
                            .await
                    } else {
                        None
                    };
                    match fast {
                        Some(state) => (state, None),
                        None => {
                            let (parts, body) = request.into_parts();
                            let decided = shared.decide(browser, &parts).await;
                            request = Request::from_parts(parts, body);
                            match decided {
                                Decided::Respond(response) => return Ok(response),
                                Decided::Continue(state, session) => (state, Some(session)),
                            }
                        }
                    }
                }
            };
            let context = enter(&mut request, state, shared);
            let mut response = inner.call(request).await?;
            leave(&mut response, &context);
            if let Some(session) = session_state {
                append_state_headers(&session, response.headers_mut());
            }
            Ok(response)
        }))
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`ClerkService`]: the inner service's own
    /// future when the request was authenticated without waiting, else a
    /// boxed one that verifies (a key fetch) or runs Clerk's browser-session
    /// decision first.
    pub struct ResponseFuture<F, T> {
        #[pin]
        kind: Kind<F, T>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProj]
    enum Kind<F, T> {
        Ready {
            #[pin]
            inner: F,
            context: LayerContext,
        },
        Boxed {
            future: BoxFuture<T>,
        },
    }
}

impl<F, T> ResponseFuture<F, T> {
    fn ready(inner: F, context: LayerContext) -> Self {
        ResponseFuture {
            kind: Kind::Ready { inner, context },
        }
    }

    fn boxed(future: BoxFuture<T>) -> Self {
        ResponseFuture {
            kind: Kind::Boxed { future },
        }
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F, Result<Response<ResBody>, E>>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Ready { inner, context } => {
                let mut response = std::task::ready!(inner.poll(cx))?;
                leave(&mut response, context);
                Poll::Ready(Ok(response))
            }
            KindProj::Boxed { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, T> std::fmt::Debug for ResponseFuture<F, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseFuture")
    }
}

/// Hands the handler the request's state and the layer's context (the
/// two extensions the guard and extractors read); returns the context.
fn enter<B>(request: &mut Request<B>, state: AuthState, shared: Arc<Shared>) -> LayerContext {
    let context = LayerContext::new(shared);
    let extensions = request.extensions_mut();
    extensions.insert(state);
    extensions.insert(context.clone());
    context
}

/// On the way out: the `RateLimit-*` headers of the decision the guard left.
fn leave<R>(response: &mut Response<R>, context: &LayerContext) {
    if let Some(decision) = context.decision() {
        insert_headers(decision, response.headers_mut());
    }
}

/// What [`Shared::authenticate_now`] could settle without waiting.
enum Now {
    /// The request's state: the handler can run.
    Ready(AuthState),
    /// A verification must wait for a key.
    Later,
    /// Browser sessions: Clerk's full decision must run.
    Decide,
}

/// What the browser-session decision leaves the layer to do.
enum Decided<R> {
    /// Answer without running the handler (a 307, or a 500 Clerk would throw).
    Respond(R),
    /// Run the handler with this state, then append the session's headers.
    Continue(AuthState, SessionState),
}

impl Shared {
    /// The request's state when it can be settled without waiting: see [`Now`].
    fn authenticate_now(&self, headers: &HeaderMap, uri: &http::Uri) -> Now {
        let Some(browser) = &self.browser else {
            return match self.presented(headers) {
                Presented::Settled(state) => Now::Ready(state),
                Presented::Token {
                    token,
                    client_uat,
                    from,
                } => match self.verifier.verify_now(token) {
                    Some(verified) => Now::Ready(self.judged(verified, client_uat, from)),
                    None => Now::Later,
                },
            };
        };
        let Some((token, client_uat)) = self.fast_token(headers, uri, &browser.config) else {
            return Now::Decide;
        };
        match self.verifier.verify_now(token) {
            Some(Ok(auth)) => self
                .fast_judged(auth, client_uat)
                .map_or(Now::Decide, Now::Ready),
            Some(Err(_)) => Now::Decide,
            None => Now::Later,
        }
    }

    /// The signed-in state of a request whose Clerk decision is certainly
    /// "signed in, no headers", found as cheaply as without browser
    /// sessions; `None` when the full decision must run.
    async fn fast_signed_in(
        &self,
        headers: &HeaderMap,
        uri: &http::Uri,
        config: &SessionConfig,
    ) -> Option<AuthState> {
        let (token, client_uat) = self.fast_token(headers, uri, config)?;
        let auth = self.verifier.verify(token).await.ok()?;
        self.fast_judged(auth, client_uat)
    }

    /// The token of a request the fast path may settle, and its
    /// `__client_uat` when it came from a cookie.
    fn fast_token<'h>(
        &self,
        headers: &'h HeaderMap,
        uri: &http::Uri,
        config: &SessionConfig,
    ) -> Option<(&'h str, Option<i64>)> {
        let (source, names) = token_source_and_names(headers, self.suffix.as_ref());
        let (token, client_uat) = match source {
            TokenSource::Header(token) => (token, None),
            TokenSource::Cookie {
                token,
                client_uat: Some(uat @ 1..),
            } => (token, Some(uat)),
            _ => return None,
        };
        if client_uat.is_some() && !cookie_path_is_plain(names, headers, uri, config) {
            return None;
        }
        Some((token, client_uat))
    }

    /// The fast path's state for a verified `auth`; `None` when a cookie's
    /// token predates its `__client_uat`, which Clerk's decision handles.
    fn fast_judged(&self, auth: Auth, client_uat: Option<i64>) -> Option<AuthState> {
        if client_uat.is_some_and(|uat| auth.issued_at().is_none_or(|iat| iat < uat)) {
            return None;
        }
        Some(
            match self.settings.and_then(|s| s.token_lifetime_error(&auth)) {
                Some(error) => failed(error, "session"),
                None => AuthState::SignedIn(auth),
            },
        )
    }

    /// Clerk's decision for a request the fast path could not settle.
    async fn decide<R: Default>(
        &self,
        browser: &BrowserSessions,
        parts: &http::request::Parts,
    ) -> Decided<Response<R>> {
        let edge = SessionEdge {
            verifier: &self.verifier,
            retry_verifier: browser.retry_verifier.as_ref(),
            handshake_keys: None,
            payloads: browser
                .backend
                .as_ref()
                .map(|b| b as &dyn HandshakePayloadSource),
            refresher: browser.backend.as_ref().map(|b| b as &dyn SessionRefresher),
        };
        let now = self.verifier.now();
        let outcome = match session::authenticate_outcome(parts, &browser.config, edge, now).await {
            Ok(outcome) => outcome,
            Err(error) => {
                // Clerk's SDK throws here; its integrations answer 500.
                tracing::error!(reason = error.reason(), error = %error, "clerk: browser-session decision failed");
                let mut response = Response::new(R::default());
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                return Decided::Respond(response);
            }
        };
        if outcome.state.is_redirect() {
            tracing::debug!(
                reason = outcome.state.reason(),
                status = outcome.state.status.as_str(),
                "clerk: browser-session redirect"
            );
            let mut response = Response::new(R::default());
            *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
            append_state_headers(&outcome.state, response.headers_mut());
            return Decided::Respond(response);
        }
        let state = self.auth_state_of(&outcome);
        Decided::Continue(state, outcome.state)
    }

    /// The [`AuthState`] of a decision that lets the handler run.
    fn auth_state_of(&self, outcome: &Outcome) -> AuthState {
        if let Some(auth) = &outcome.state.auth {
            return match self.settings.and_then(|s| s.token_lifetime_error(auth)) {
                Some(error) => failed(error, "session"),
                None => AuthState::SignedIn(auth.clone()),
            };
        }
        match &outcome.verify_error {
            // The verifier's own error: unavailable keys stay a 503, and API
            // bodies keep their reasons (`token-expired`, ...).
            Some(error) => failed(error.clone(), "session"),
            None => signed_out(SignedOutReason::Session(session::static_reason(
                outcome.state.reason(),
            ))),
        }
    }

    async fn authenticate(&self, headers: &HeaderMap) -> AuthState {
        match self.presented(headers) {
            Presented::Settled(state) => state,
            Presented::Token {
                token,
                client_uat,
                from,
            } => self.judged(self.verifier.verify(token).await, client_uat, from),
        }
    }

    /// The request's token, or its state when there is none to verify.
    fn presented<'h>(&self, headers: &'h HeaderMap) -> Presented<'h> {
        let (token, client_uat, from) = match token_source(headers, self.suffix.as_ref()) {
            TokenSource::None => {
                return Presented::Settled(AuthState::SignedOut(SignedOutReason::NoToken));
            }
            TokenSource::Header(token) => (token, None, "header"),
            TokenSource::Cookie { token, client_uat } => match client_uat {
                // A browser that signed out keeps a stale `__session` around; no need to verify it.
                None | Some(..=0) => {
                    return Presented::Settled(signed_out(SignedOutReason::ClientUatMissing));
                }
                Some(uat) => (token, Some(uat), "cookie"),
            },
        };
        Presented::Token {
            token,
            client_uat,
            from,
        }
    }

    /// The state of a presented token once verified.
    fn judged(
        &self,
        verified: Result<Auth, VerifyError>,
        client_uat: Option<i64>,
        from: &'static str,
    ) -> AuthState {
        match verified {
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

/// A request's session token as the layer found it (no browser sessions).
enum Presented<'h> {
    /// Nothing to verify: the state is known.
    Settled(AuthState),
    /// Verify `token`; `client_uat` when it came from a cookie.
    Token {
        token: &'h str,
        client_uat: Option<i64>,
        from: &'static str,
    },
}

/// Whether a cookie request carries nothing that could make Clerk's decision
/// differ from "verified cookie + uat = signed in": no handshake to resolve,
/// no Clerk query parameter, no cross-origin document navigation, one kind
/// of session cookies (suffixed or not, §1.4), and on development instances
/// the dev-browser cookie of that kind. `names` come from the token scan.
fn cookie_path_is_plain(
    names: CookieNames,
    headers: &HeaderMap,
    uri: &http::Uri,
    config: &SessionConfig,
) -> bool {
    if config.is_satellite() || names.handshake {
        return false;
    }
    if uri
        .query()
        .is_some_and(|q| q.contains("__clerk") || q.contains("__dev_session"))
    {
        return false;
    }
    if headers.contains_key(http::header::REFERER)
        && headers
            .get(session::names::header::SEC_FETCH_DEST)
            .is_some_and(|v| v.as_bytes() == b"document")
    {
        return false;
    }
    let suffixed = match (names.unsuffixed, names.suffixed) {
        (2, 0) => false,
        (0, 2) => true,
        _ => return false,
    };
    !config.is_development()
        || if suffixed {
            names.dev_browser_suffixed
        } else {
            names.dev_browser
        }
}

/// Appends every header of `state` (each `Set-Cookie` separately), never
/// replacing one the handler set.
fn append_state_headers(state: &SessionState, headers: &mut HeaderMap) {
    for (name, value) in state.response_headers() {
        match HeaderValue::from_str(value) {
            Ok(value) => {
                headers.append(HeaderName::from_static(name), value);
            }
            Err(_) => tracing::warn!(
                header = name,
                "clerk: session header value is not valid; skipped"
            ),
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
