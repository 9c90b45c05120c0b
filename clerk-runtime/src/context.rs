//! Per-request options the guard and the extractors read: what
//! [`ClerkLayer`](crate::ClerkLayer) was configured with (response
//! rendering, session settings, the Backend API client, the rate limiter),
//! and a slot where the guard leaves its rate-limit decision. The layer puts
//! one [`LayerContext`] in every request's extensions; nothing here depends
//! on the layer.

use std::any::Any;
use std::sync::{Arc, Mutex, OnceLock};

use http::{Extensions, HeaderMap};

use crate::backend::BackendClient;
use crate::machine::MachineVerifier;
use crate::policy::presets::SessionSettings;
use crate::ratelimit::{Decision, RouteLimiter};
use crate::session::SessionConfig;
use crate::token::source::CookieSuffix;
use crate::verify::Verifier;

/// How rejections are rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResponseMode {
    /// Always JSON errors (401/403, or 404).
    Api,
    /// Always page behaviour: redirects to the sign-in / unauthorized URL.
    Pages,
    /// Page behaviour for page requests (`Sec-Fetch-Dest: document|iframe`
    /// or `Accept` containing `text/html`), JSON otherwise.
    #[default]
    Auto,
}

/// Rendering options, set on [`ClerkLayer`](crate::layer::ClerkLayer) and
/// carried to the extractors in request extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseConfig {
    pub(crate) mode: ResponseMode,
    pub(crate) sign_in_url: Option<Box<str>>,
    pub(crate) unauthorized_url: Option<Box<str>>,
    pub(crate) not_found_instead: bool,
}

impl ResponseConfig {
    /// Whether a rejection renders as a page for a request with `headers`;
    /// `is_page` decides in [`ResponseMode::Auto`].
    pub(crate) fn renders_as_page(
        &self,
        headers: &HeaderMap,
        is_page: fn(&HeaderMap) -> bool,
    ) -> bool {
        match self.mode {
            ResponseMode::Api => false,
            ResponseMode::Pages => true,
            ResponseMode::Auto => is_page(headers),
        }
    }
}

/// The layer's configuration, shared by every request it serves.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) verifier: Verifier,
    pub(crate) suffix: Option<CookieSuffix>,
    pub(crate) responses: Arc<ResponseConfig>,
    pub(crate) settings: Option<SessionSettings>,
    pub(crate) sessions: Option<SessionControl>,
    pub(crate) rate_limiter: Option<Arc<RouteLimiter>>,
    /// Clerk's browser-session decision on every request, when configured.
    pub(crate) browser: Option<Arc<BrowserSessions>>,
    /// Verifies machine tokens on the routes that accept them.
    pub(crate) machines: Option<MachineVerifier>,
}

/// What the layer needs for Clerk's browser sessions (`session::authenticate`).
#[derive(Debug)]
pub(crate) struct BrowserSessions {
    pub(crate) config: SessionConfig,
    /// Development instances: the verifier with Clerk's one-day skew, for
    /// the retry of a handshake's session token.
    pub(crate) retry_verifier: Option<Verifier>,
    /// Nonce exchange and refresh (§3.1, §5.3); `None` without a secret key.
    pub(crate) backend: Option<BackendClient>,
}

/// The layer's Backend API client and verifier, as stored in request extensions.
#[derive(Debug, Clone)]
pub(crate) struct SessionControl {
    pub(crate) client: BackendClient,
    pub(crate) verifier: Verifier,
}

impl SessionControl {
    pub(crate) fn new(client: BackendClient, verifier: Verifier) -> Self {
        Self { client, verifier }
    }
}

/// What `ClerkLayer` hands guards and extractors besides the public
/// [`AuthState`]: its options, and a slot for the rate-limit decision. One
/// extension for all of it, so a request pays one allocation here rather
/// than one per option.
#[derive(Clone)]
pub(crate) struct LayerContext(Arc<ContextData>);

struct ContextData {
    shared: Arc<Shared>,
    /// Where the guard leaves an admitted request's rate-limit decision; the
    /// layer writes the `RateLimit-*` headers from it on the way out, since
    /// an extractor can refuse a request but never touch the response.
    decision: OnceLock<Decision>,
    /// The value `#[claims(T)]`'s guard read, until the `Claims<T>`
    /// extractor takes it: here rather than in a request extension of its
    /// own, which cost an allocation, an insert and, with an app's own
    /// extensions, a regrowth of the map (issue 19's profile).
    claims: Mutex<Option<Box<dyn Any + Send>>>,
}

impl LayerContext {
    /// The context of one request served with `shared`.
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        LayerContext(Arc::new(ContextData {
            shared,
            decision: OnceLock::new(),
            claims: Mutex::new(None),
        }))
    }

    /// The rate-limit decision the guard recorded, if any.
    pub(crate) fn decision(&self) -> Option<&Decision> {
        self.0.decision.get()
    }

    /// The context of a request that went through `ClerkLayer`.
    pub(crate) fn of(extensions: &Extensions) -> Option<&LayerContext> {
        extensions.get::<LayerContext>()
    }

    pub(crate) fn responses(&self) -> &Arc<ResponseConfig> {
        &self.0.shared.responses
    }

    pub(crate) fn settings(&self) -> Option<SessionSettings> {
        self.0.shared.settings
    }

    pub(crate) fn sessions(&self) -> Option<&SessionControl> {
        self.0.shared.sessions.as_ref()
    }

    pub(crate) fn machines(&self) -> Option<&MachineVerifier> {
        self.0.shared.machines.as_ref()
    }

    pub(crate) fn rate_limiter(&self) -> Option<&RouteLimiter> {
        self.0.shared.rate_limiter.as_deref()
    }

    /// Keeps the claims value the `#[claims(T)]` guard read for the handler.
    pub(crate) fn put_claims<T: Send + 'static>(&self, value: T) {
        *self.claims_slot() = Some(Box::new(value));
    }

    /// Takes the value [`LayerContext::put_claims`] kept, if it is a `T`.
    pub(crate) fn take_claims<T: 'static>(&self) -> Option<T> {
        let mut slot = self.claims_slot();
        match slot.take()?.downcast::<T>() {
            Ok(value) => Some(*value),
            Err(other) => {
                *slot = Some(other);
                None
            }
        }
    }

    fn claims_slot(&self) -> std::sync::MutexGuard<'_, Option<Box<dyn Any + Send>>> {
        // Poisoned only by a panic between take and put; the slot is still an Option.
        self.0.claims.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the decision for the response headers; set once, as a
    /// handler has one guard.
    pub(crate) fn record_decision(&self, decision: Decision) {
        let _ = self.0.decision.set(decision);
    }
}
