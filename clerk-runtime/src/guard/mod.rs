//! What `#[protect]`, `#[public]`, `#[claims]` and `routes!` expand to.
//!
//! Re-exported as `clerk_runtime::__private`: generated code names these,
//! users do not. The guard is a handler's first parameter, so axum runs it
//! before every other extractor, the body included: a request without a
//! session gets 401, never 422 for a body it was not allowed to send.
//!
//! A route's declared rate limit is counted by the guard too, right *after*
//! the policy check: a caller who is signed out (401) or forbidden (403) never
//! reaches the limiter, so it cannot spend a user's budget, and on protected
//! routes the budget is always the signed-in user's (the usual "10 requests
//! per 10 s per signed-in user"). Floods of unauthenticated requests are the
//! job of a [`RateLimitLayer`](crate::ratelimit::RateLimitLayer) in front.

mod machine;

use std::any::type_name;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::auth::{Auth, FromClaims};
use crate::context::LayerContext;
use crate::extract::session::{
    PendingAllowed, check_kept_claims, claims_from_session, signed_in_session,
};
use crate::extract::{USER_ID_HEADER, UserId};
use crate::policy::{Accepts, Policy, Protection, Rule, Verdict};
use crate::ratelimit::{RateLimit, RateLimitRejection, RouteLimiter};
use crate::reason;
use crate::response::{AuthRejection, RejectionKind};

mod state;

pub use state::{
    HandlerState, Join, Marked, Record, RouterState, Stateful, Stateless, Unknown, marked,
    routes_for, stateless,
};

/// A type carrying a route's policy, generated per handler by the macros.
pub trait PolicySource: Send + Sync + 'static {
    /// The handler's policy.
    const POLICY: Policy;
}

/// The first parameter of every `#[protect]` / `#[public]` handler: checks
/// `P::POLICY` against the request's [`AuthState`](crate::AuthState) before anything else runs,
/// then counts the request against the policy's rate limit, if any.
///
/// On success for a signed-in session it inserts [`UserId`] into the request
/// extensions (issue 3: the user id reaches downstream code as an extension)
/// and sets the `x-user-id` header, on API and page requests alike.
pub struct Guard<P>(PhantomData<fn() -> P>);

impl<P> fmt::Debug for Guard<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Guard")
    }
}

impl<P, S> FromRequestParts<S> for Guard<P>
where
    P: PolicySource,
    S: Send + Sync,
{
    type Rejection = GuardRejection;

    // Not an `async fn`: every handler has its own `P`, and an `async fn`'s
    // state machine, every step included, was compiled once per handler
    // (2.5 KB of code each in a debug build, issue 19). Here the generic part
    // is the one call below and `GuardFuture`'s few-line `poll`; the work
    // is shared by all guards.
    fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        GuardFuture {
            step: Step::start(parts, &P::POLICY, type_name::<P>()),
            policy: PhantomData,
        }
    }
}

/// The future of [`Guard`]'s extraction: the shared [`Step`], and the
/// policy type it yields on success.
struct GuardFuture<'a, P> {
    step: Step<'a>,
    policy: PhantomData<fn() -> P>,
}

impl<P> Future for GuardFuture<'_, P> {
    type Output = Result<Guard<P>, GuardRejection>;

    // `get_mut` and a `match`, not `Pin`'s `DerefMut` and `Poll::map` /
    // `Result::map`: each of those is a function compiled per handler.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut().step.poll(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(Guard(PhantomData))),
            Poll::Ready(Err(rejection)) => Poll::Ready(Err(rejection)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Where a guard's check stands. Session-only routes without a rate limit
/// (most routes) decide synchronously and are `Decided` before the first
/// poll. Machine tokens and rate limits await a Backend API call or a store,
/// whose futures are kilobytes: boxed, so that they do not size every
/// guard's future, and so every handler's future that axum boxes and copies
/// per request (4.8 KB and ~0.4 µs a request, bench/README-performance.md).
enum Step<'a> {
    Decided(Option<Result<(), GuardRejection>>),
    Waiting(Pin<Box<dyn Future<Output = Result<(), GuardRejection>> + Send + 'a>>),
}

impl<'a> Step<'a> {
    fn start(parts: &'a mut Parts, policy: &'static Policy, route: &'static str) -> Self {
        if accepts_machines(policy) || policy.rate_limit().is_some() {
            return Self::Waiting(Box::pin(check_waiting(parts, policy, route)));
        }
        Self::Decided(Some(authorize(parts, policy).map_err(GuardRejection::from)))
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), GuardRejection>> {
        match self {
            // Polling a finished future is the caller's bug; a second poll
            // must never read as admitted, so it panics as std's futures do.
            Self::Decided(outcome) => Poll::Ready(outcome.take().expect("polled after completion")),
            Self::Waiting(future) => future.as_mut().poll(cx),
        }
    }
}

fn accepts_machines(policy: &Policy) -> bool {
    matches!(policy, Policy::Protected(protection) if protection.accepts.tokens.accepts_machines())
}

/// The checks that await: a machine token's verification, a rate limit.
async fn check_waiting(
    parts: &mut Parts,
    policy: &'static Policy,
    route: &'static str,
) -> Result<(), GuardRejection> {
    match policy {
        Policy::Protected(protection) if accepts_machines(policy) => {
            machine::authorize(parts, protection).await?;
        }
        policy => authorize(parts, policy)?,
    }
    if let Some(limit) = policy.rate_limit() {
        enforce(parts, limit, route).await?;
    }
    Ok(())
}

/// The items `#[protect]` and `#[public]` put next to a handler: its
/// policy type, the policy, and its state record ([`HandlerState`]).
/// A `macro_rules!` so the compiler writes these tokens itself instead of
/// receiving each one from the proc macro (issue 19: expansion time per
/// handler), and one rule so each handler is one expansion. The state is
/// `Stateless`, `Unknown` or `Stateful<T>`; the policy a constant
/// expression, [`protected`] for the default protection.
#[doc(hidden)]
#[macro_export]
macro_rules! __clerk_handler_policy {
    ($vis:vis $name:ident, $state:ty, $policy:expr) => {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        $vis enum $name {}
        impl $crate::__private::PolicySource for $name {
            const POLICY: $crate::Policy = $policy;
        }
        impl $crate::__private::HandlerState for $name {
            type State = $state;
        }
    };
}

/// The default protection of `#[protect(..)]`: sessions only, no pending
/// sessions, no rate limit.
pub const fn protected(rule: Rule) -> Policy {
    Policy::Protected(Protection {
        rule,
        allow_pending: false,
        rate_limit: None,
        accepts: Accepts::SESSION,
    })
}

pub use crate::__clerk_handler_policy as handler_policy;

/// Why a [`Guard`] refused a request.
#[derive(Debug, thiserror::Error)]
pub enum GuardRejection {
    /// The policy refused the caller (401/403 or a page redirect).
    #[error(transparent)]
    Auth(AuthRejection),
    /// The route's rate limit refused the request (429), or the store failed
    /// in fail-closed mode (503).
    #[error(transparent)]
    RateLimit(RateLimitRejection),
}

impl GuardRejection {
    /// The status code of the response this rejection renders as.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::Auth(rejection) => rejection.status(),
            Self::RateLimit(rejection) => rejection.status(),
        }
    }
}

impl From<AuthRejection> for GuardRejection {
    fn from(rejection: AuthRejection) -> Self {
        Self::Auth(rejection)
    }
}

impl From<RateLimitRejection> for GuardRejection {
    fn from(rejection: RateLimitRejection) -> Self {
        Self::RateLimit(rejection)
    }
}

impl IntoResponse for GuardRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Auth(rejection) => rejection.into_response(),
            Self::RateLimit(rejection) => rejection.into_response(),
        }
    }
}

/// A `rate_limit = "..."` literal as generated code writes it, in a `const`.
///
/// The macros reject malformed literals with the same parser's message
/// before this runs (one grammar, in `clerk-rules`), so the panic (a compile
/// error, in const evaluation) is only a backstop.
pub const fn rate_limit(text: &str) -> RateLimit {
    match RateLimit::parse(text) {
        Ok(limit) => limit,
        Err(error) => panic!("{}", error.message()),
    }
}

/// Evaluates `policy` for the request; not generic so every guard shares one copy.
pub fn authorize(parts: &mut Parts, policy: &Policy) -> Result<(), AuthRejection> {
    let Policy::Protected(protection) = policy else {
        return Ok(());
    };
    let settings = LayerContext::of(&parts.extensions).and_then(LayerContext::settings);
    let protection = settings.map_or(*protection, |s| s.adjust(*protection));
    let auth = signed_in_session(parts)?.clone();
    check_protection(&Policy::Protected(protection), &auth)
        .map_err(|kind| AuthRejection::new(kind, parts))?;
    if settings.is_some_and(|s| !s.fresh_enough(&protection.rule, &auth)) {
        let kind = RejectionKind::Forbidden {
            reason: reason::REVERIFICATION_ERROR,
        };
        return Err(AuthRejection::new(kind, parts));
    }
    if protection.allow_pending {
        parts.extensions.insert(PendingAllowed);
    }
    // On every admitted request, pages too: the layer has removed any
    // client-sent value, so deciding page or API here would only cost a
    // header parse per request (issue 19's profile).
    match auth.user_id_header() {
        Some(value) => {
            parts.headers.insert(USER_ID_HEADER, value);
        }
        None => tracing::warn!("user id is not a valid header value; x-user-id not set"),
    }
    parts.extensions.insert(UserId(auth));
    Ok(())
}

fn check_protection(policy: &Policy, auth: &Auth) -> Result<(), RejectionKind> {
    match policy.evaluate(Some(auth)) {
        Verdict::Allowed => Ok(()),
        Verdict::SignedOut(reason) => Err(RejectionKind::Unauthenticated {
            reason,
            token_present: true,
        }),
        Verdict::Forbidden(reason) => Err(RejectionKind::Forbidden { reason }),
    }
}

/// Counts the request against the route's declared `limit` in the layer's
/// limiter (else the process default). Admitted: the decision is kept in
/// the request's context, whose `RateLimit-*` headers the layer writes on
/// the way out, and in the extensions for handlers that want it.
async fn enforce(
    parts: &mut Parts,
    limit: RateLimit,
    route: &'static str,
) -> Result<(), RateLimitRejection> {
    let context = LayerContext::of(&parts.extensions).cloned();
    let limiter = context
        .as_ref()
        .and_then(LayerContext::rate_limiter)
        .unwrap_or_else(|| RouteLimiter::process_default());
    if let Some(decision) = limiter.check(parts, limit, route).await? {
        if let Some(context) = &context {
            context.record_decision(decision);
        }
        parts.extensions.insert(decision);
    }
    Ok(())
}

/// Implemented by every handler whose first parameter is a [`Guard`], i.e.
/// every handler marked `#[public]` or `#[protect]`. `routes!` requires it.
#[diagnostic::on_unimplemented(
    message = "handler `{Self}` is not marked #[public] or #[protect]",
    label = "this handler declares no access policy",
    note = "add `#[public]` (anyone may call it) or `#[protect(...)]` (who may call it) above the handler"
)]
pub trait HasPolicy<Args> {
    /// The handler's policy.
    const POLICY: Policy;
    /// The type carrying the policy: the `P` of the handler's `Guard<P>`.
    type Source: PolicySource;
}

macro_rules! impl_has_policy {
    ($($ty:ident),*) => {
        impl<F, Fut, P, $($ty,)*> HasPolicy<(Guard<P>, $($ty,)*)> for F
        where
            F: FnOnce(Guard<P>, $($ty,)*) -> Fut,
            P: PolicySource,
        {
            const POLICY: Policy = P::POLICY;
            type Source = P;
        }
    };
}

impl_has_policy!();
impl_has_policy!(A1);
impl_has_policy!(A1, A2);
impl_has_policy!(A1, A2, A3);
impl_has_policy!(A1, A2, A3, A4);
impl_has_policy!(A1, A2, A3, A4, A5);
impl_has_policy!(A1, A2, A3, A4, A5, A6);
impl_has_policy!(A1, A2, A3, A4, A5, A6, A7);
impl_has_policy!(A1, A2, A3, A4, A5, A6, A7, A8);
impl_has_policy!(A1, A2, A3, A4, A5, A6, A7, A8, A9);
impl_has_policy!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);
impl_has_policy!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11);
impl_has_policy!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12);
impl_has_policy!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13);
impl_has_policy!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14);
impl_has_policy!(
    A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15
);

/// The policy of a guarded handler, usable in a `static` initializer.
pub const fn policy_of<H: HasPolicy<A>, A>(_handler: &H) -> Policy {
    H::POLICY
}

/// Compiles only when `T: FromClaims`. `#[claims(T)]` calls it in a `const`
/// spanned at `T`, so a type without `#[derive(Claims)]` is reported at the
/// attribute, by name, and not only as an axum `Handler` error at `routes!`.
pub const fn assert_claims<T: FromClaims>() {}

/// Reads `T` from the session's custom claims once, before the handler runs,
/// and keeps it for the [`Claims`](crate::extract::Claims) extractor.
/// Generated by `#[claims(T)]`; rejects with 401 `missing_claim` /
/// `invalid_claim` naming the claim.
pub struct ClaimsGuard<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for ClaimsGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClaimsGuard")
    }
}

impl<T, S> FromRequestParts<S> for ClaimsGuard<T>
where
    T: FromClaims,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if T::kept_with_token() {
            // The extractor reads the kept value again: nothing to hand over.
            check_kept_claims::<T>(parts)?;
            return Ok(ClaimsGuard(PhantomData));
        }
        let value = claims_from_session::<T>(parts)?;
        // Without a layer `claims_from_session` has already refused.
        if let Some(context) = LayerContext::of(&parts.extensions) {
            context.put_claims(value);
        }
        Ok(ClaimsGuard(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Protection, Rule};

    enum AdminOnly {}
    impl PolicySource for AdminOnly {
        const POLICY: Policy = Policy::Protected(Protection {
            rule: Rule::Role("org:admin"),
            allow_pending: false,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: None,
        });
    }

    async fn admin(_: Guard<AdminOnly>, _body: String) -> &'static str {
        "admin"
    }

    async fn no_args(_: Guard<AdminOnly>) {}

    static ADMIN_POLICY: Policy = policy_of(&admin);

    /// axum boxes each handler's future, the guard's inside it, and copies
    /// it per request: the rare steps' large futures stay behind a box.
    #[test]
    fn a_session_guard_future_is_a_few_words() {
        let (mut parts, ()) = http::Request::new(()).into_parts();
        let future =
            <Guard<AdminOnly> as FromRequestParts<()>>::from_request_parts(&mut parts, &());
        assert!(
            std::mem::size_of_val(&future) <= 128,
            "{} bytes",
            std::mem::size_of_val(&future)
        );
    }

    /// The hot path: a session-only route without a rate limit is decided
    /// when the guard is created, with no boxed future; a rate limit waits.
    #[test]
    fn only_machine_tokens_and_rate_limits_wait() {
        let (mut parts, ()) = http::Request::new(()).into_parts();
        let decided = Step::start(&mut parts, &AdminOnly::POLICY, "admin");
        assert!(matches!(decided, Step::Decided(Some(Err(_)))));
        static LIMITED: Policy = Policy::Public(crate::policy::PublicAccess {
            rate_limit: Some(rate_limit("10/10s")),
        });
        let (mut parts, ()) = http::Request::new(()).into_parts();
        assert!(matches!(
            Step::start(&mut parts, &LIMITED, "limited"),
            Step::Waiting(_)
        ));
    }

    #[test]
    fn policy_of_reads_the_guard_policy_in_a_static() {
        assert_eq!(ADMIN_POLICY, AdminOnly::POLICY);
        assert_eq!(policy_of(&no_args), AdminOnly::POLICY);
    }
}

#[cfg(test)]
mod rejection_traits {
    use http::StatusCode;

    use super::GuardRejection;
    use crate::extract::{SessionsError, SessionsRejection};
    use crate::ratelimit::RateLimitRejection;
    use crate::response::AuthRejection;

    fn is_rejection<T: std::error::Error + std::fmt::Display + axum::response::IntoResponse>() {}

    #[test]
    fn every_rejection_is_an_error_with_a_status() {
        is_rejection::<AuthRejection>();
        is_rejection::<GuardRejection>();
        is_rejection::<RateLimitRejection>();
        is_rejection::<SessionsRejection>();
        is_rejection::<SessionsError>();
        assert_eq!(
            AuthRejection::missing_layer().status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            GuardRejection::RateLimit(RateLimitRejection::Unavailable).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(SessionsError::NotFound.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            SessionsRejection::BackendClientMissing.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
