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
//! routes the budget is always the signed-in user's (the seeds' "10 requests
//! per 10 s per signed-in user"). Floods of unauthenticated requests are the
//! job of a [`RateLimitLayer`](crate::ratelimit::RateLimitLayer) in front.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::header::HeaderName;
use http::request::Parts;

use crate::auth::Auth;
use crate::auth::SessionStatus;
use crate::claims::{ClaimError, FromClaims};
use crate::layer::{AuthState, LayerContext};
use crate::policy::{Decision, Policy, Rule};
use crate::ratelimit::{RateLimit, RateLimitRejection};
use crate::response::{AuthRejection, RejectionKind, renders_as_page};

/// The request header carrying the signed-in user id to downstream services.
/// The layer removes any client-sent value, so only the guard can set it.
pub const USER_ID_HEADER: HeaderName = HeaderName::from_static("x-user-id");

/// A type carrying a route's policy, generated per handler by the macros.
pub trait PolicySource: Send + Sync + 'static {
    /// The handler's policy.
    const POLICY: Policy;
}

/// The first parameter of every `#[protect]` / `#[public]` handler: checks
/// `P::POLICY` against the request's [`AuthState`] before anything else runs,
/// then counts the request against the policy's rate limit, if any.
///
/// On success for a signed-in session it inserts [`UserId`] into the request
/// extensions and sets the `x-user-id` header on API (non-page) requests.
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

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        authorize(parts, &P::POLICY)?;
        if let Some(limit) = P::POLICY.rate_limit() {
            crate::ratelimit::enforce::<P>(parts, limit).await?;
        }
        Ok(Guard(PhantomData))
    }
}

/// Why a [`Guard`] refused a request.
#[derive(Debug)]
pub enum GuardRejection {
    /// The policy refused the caller (401/403 or a page redirect).
    Auth(AuthRejection),
    /// The route's rate limit refused the request (429), or the store failed
    /// in fail-closed mode (503).
    RateLimit(RateLimitRejection),
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
/// The macros reject malformed literals with the parser's message before
/// this runs, so the panic (a compile error, in const evaluation) is only a
/// backstop should the macro's copy of the grammar ever drift from ours.
pub const fn rate_limit(text: &str) -> RateLimit {
    match RateLimit::parse(text) {
        Ok(limit) => limit,
        Err(error) => panic!("{}", error.message()),
    }
}

/// Marks a request whose route accepted a `pending` session, so the `Auth`
/// extractor lets it through too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingAllowed;

/// Evaluates `policy` for the request; not generic so every guard shares one copy.
pub fn authorize(parts: &mut Parts, policy: &Policy) -> Result<(), AuthRejection> {
    let Policy::Protected(protection) = policy else {
        return Ok(());
    };
    let settings = LayerContext::of(&parts.extensions).and_then(LayerContext::settings);
    let protection = settings.map_or(*protection, |s| s.adjust(*protection));
    let auth = signed_in_session(parts)?;
    check_protection(&Policy::Protected(protection), &auth)
        .map_err(|kind| AuthRejection::new(kind, parts))?;
    if settings.is_some_and(|s| !s.fresh_enough(&protection.rule, &auth)) {
        let kind = RejectionKind::Forbidden {
            reason: REVERIFICATION_ERROR,
        };
        return Err(AuthRejection::new(kind, parts));
    }
    if protection.allow_pending {
        parts.extensions.insert(PendingAllowed);
    }
    if !renders_as_page(parts) {
        match auth.user_id_header() {
            Some(value) => {
                parts.headers.insert(USER_ID_HEADER, value);
            }
            None => tracing::warn!("user id is not a valid header value; x-user-id not set"),
        }
    }
    parts.extensions.insert(UserId(auth));
    Ok(())
}

/// The request's session, or the rejection for its absence.
pub(crate) fn signed_in_session(parts: &Parts) -> Result<Auth, AuthRejection> {
    match parts.extensions.get::<AuthState>() {
        None => Err(AuthRejection::missing_layer()),
        Some(AuthState::SignedIn(auth)) => Ok(auth.clone()),
        Some(state) => Err(AuthRejection::new(state.rejection_kind(), parts)),
    }
}

/// The session a handler may use: signed in, and not `pending` unless the
/// route's guard accepted pending sessions.
pub(crate) fn handler_session(parts: &Parts) -> Result<Auth, AuthRejection> {
    let auth = signed_in_session(parts)?;
    if !usable_by_handler(&auth, parts) {
        return Err(AuthRejection::new(
            RejectionKind::Unauthenticated {
                reason: inactive_reason(&auth),
                token_present: true,
            },
            parts,
        ));
    }
    Ok(auth)
}

/// Whether a handler may see `auth`: active, or pending where the route's
/// guard accepted pending sessions.
pub(crate) fn usable_by_handler(auth: &Auth, parts: &Parts) -> bool {
    match auth.status() {
        SessionStatus::Active => true,
        SessionStatus::Pending => parts.extensions.get::<PendingAllowed>().is_some(),
        SessionStatus::Other(_) => false,
    }
}

fn check_protection(policy: &Policy, auth: &Auth) -> Result<(), RejectionKind> {
    match policy.allows(Some(auth)) {
        Decision::Allowed => Ok(()),
        Decision::SignedOut => Err(RejectionKind::Unauthenticated {
            reason: inactive_reason(auth),
            token_present: true,
        }),
        Decision::Forbidden => Err(RejectionKind::Forbidden {
            reason: match policy {
                Policy::Protected(protection) => denial_reason(&protection.rule, auth),
                Policy::Public(_) => "policy-denied",
            },
        }),
    }
}

/// Why a verified session does not count as signed in.
pub(crate) fn inactive_reason(auth: &Auth) -> &'static str {
    if auth.is_pending() {
        SESSION_PENDING
    } else {
        SESSION_INACTIVE
    }
}

/// Clerk's reason for a stale session on a reverification-protected route.
const REVERIFICATION_ERROR: &str = "reverification-error";

/// Reason for a pending session on a route that does not accept one.
pub(crate) const SESSION_PENDING: &str = "session-pending";

/// Reason for a session whose status is neither `active` nor `pending`.
pub(crate) const SESSION_INACTIVE: &str = "session-inactive";

/// The most specific reason a rule refused `auth`.
fn denial_reason(rule: &Rule, auth: &Auth) -> &'static str {
    match rule {
        Rule::SignedIn => "signed-in-required",
        Rule::Org => "organization-required",
        Rule::Role(_) => "role-required",
        Rule::Permission(_) => "permission-required",
        Rule::Feature(_) => "feature-required",
        Rule::Plan(_) => "plan-required",
        Rule::Fresh(_) => REVERIFICATION_ERROR,
        Rule::Condition(_) => "condition-failed",
        Rule::All(rules) => rules
            .iter()
            .find(|r| !r.allows(auth))
            .map_or("policy-denied", |r| denial_reason(r, auth)),
        Rule::Any(_) => "policy-denied",
    }
}

/// The signed-in user's id, put in request extensions by the guard of a
/// protected route (an extractor too: 401 when absent).
///
/// Holds the session's handle, so it costs no allocation.
#[derive(Clone)]
pub struct UserId(Auth);

impl UserId {
    /// The user id (`user_...`).
    pub fn as_str(&self) -> &str {
        self.0.user_id()
    }
}

impl Deref for UserId {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UserId").field(&self.as_str()).finish()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for UserId {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(id) = parts.extensions.get::<UserId>() {
            return Ok(id.clone());
        }
        handler_session(parts).map(UserId)
    }
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
}

macro_rules! impl_has_policy {
    ($($ty:ident),*) => {
        impl<F, Fut, P, $($ty,)*> HasPolicy<(Guard<P>, $($ty,)*)> for F
        where
            F: FnOnce(Guard<P>, $($ty,)*) -> Fut,
            P: PolicySource,
        {
            const POLICY: Policy = P::POLICY;
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

/// A claims value extracted by [`ClaimsGuard`], waiting for `Claims<T>`.
pub(crate) struct ExtractedClaims<T>(pub(crate) Arc<T>);

impl<T> Clone for ExtractedClaims<T> {
    fn clone(&self) -> Self {
        ExtractedClaims(Arc::clone(&self.0))
    }
}

impl<T, S> FromRequestParts<S> for ClaimsGuard<T>
where
    T: FromClaims,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let value = claims_from_session::<T>(parts)?;
        parts.extensions.insert(ExtractedClaims(Arc::new(value)));
        Ok(ClaimsGuard(PhantomData))
    }
}

/// `T` read from the signed-in session's claims.
pub(crate) fn claims_from_session<T: FromClaims>(parts: &Parts) -> Result<T, AuthRejection> {
    let auth = handler_session(parts)?;
    T::from_claims(auth.claims()).map_err(|error| claim_rejection(&error, parts))
}

fn claim_rejection(error: &ClaimError, parts: &Parts) -> AuthRejection {
    let claim = match error {
        ClaimError::Missing { claim } | ClaimError::Invalid { claim, .. } => claim.clone(),
    };
    tracing::info!(reason = error.reason(), claim = %claim, "clerk: custom claim rejected");
    AuthRejection::new(
        RejectionKind::Claim {
            reason: error.reason(),
            claim,
        },
        parts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Protection;

    enum AdminOnly {}
    impl PolicySource for AdminOnly {
        const POLICY: Policy = Policy::Protected(Protection {
            rule: Rule::Role("org:admin"),
            allow_pending: false,
            rate_limit: None,
        });
    }

    async fn admin(_: Guard<AdminOnly>, _body: String) -> &'static str {
        "admin"
    }

    async fn no_args(_: Guard<AdminOnly>) {}

    static ADMIN_POLICY: Policy = policy_of(&admin);

    #[test]
    fn policy_of_reads_the_guard_policy_in_a_static() {
        assert_eq!(ADMIN_POLICY, AdminOnly::POLICY);
        assert_eq!(policy_of(&no_args), AdminOnly::POLICY);
    }
}
