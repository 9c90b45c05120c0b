//! The signed-in session as handlers see it, and Clerk's `has()` checks.

mod check;
mod claims;
mod entitlement;
mod fresh;
mod text;

use std::any::Any;
use std::fmt;
use std::sync::{Arc, OnceLock};

pub use check::{Check, SYSTEM_PERMISSIONS, is_system_permission, normalize_org_key};
pub use claims::{ClaimError, ClaimSet, ClaimsProbe, FromClaims, ReadFresh, ReadKept};
pub use entitlement::{Entitlement, Scope};
pub(crate) use entitlement::{EntitlementClaim, Entitlements, split_ascii};
pub use fresh::{FactorLevel, Reverification};
pub(crate) use text::{Span, Text};

use http::HeaderValue;

/// A verified Clerk session.
///
/// Built once per token by the verifier. A handle: cloning it (as the `Auth`
/// extractor does on every request) is one reference-count increment.
/// Everything `has()` needs is decoded up front, so checks never parse.
#[derive(Clone)]
pub struct Auth(pub(crate) Arc<AuthData>);

/// What a verified token says, decoded once; shared by every clone of [`Auth`].
pub(crate) struct AuthData {
    /// Every string of the session, end to end; the fields hold spans of
    /// it, so decoding a token allocates once for all of them.
    pub(crate) text: Text,
    pub(crate) user_id: Span,
    pub(crate) session_id: Option<Span>,
    pub(crate) status: SessionStatus,
    pub(crate) org: Option<OrgClaims>,
    pub(crate) features: Option<EntitlementClaim>,
    pub(crate) plans: Option<EntitlementClaim>,
    pub(crate) actor: Option<ActorClaims>,
    pub(crate) factor_ages: Option<[i64; 2]>,
    pub(crate) issued_at: Option<i64>,
    pub(crate) expires_at: i64,
    pub(crate) not_before: Option<i64>,
    pub(crate) authorized_party: Option<Span>,
    pub(crate) issuer: Option<Span>,
    pub(crate) version: TokenVersion,
    /// The decoded JSON payload, kept so custom claims cost nothing unless
    /// asked for. A `String`, not a `Box<str>`: base64 decoding leaves up to
    /// two spare bytes of capacity, and boxing would reallocate to drop them.
    pub(crate) payload: String,
    pub(crate) claims: OnceLock<ClaimSet>,
    /// The first type [`Auth::claims_as`] read, as `Result<T, ClaimError>`:
    /// kept so a cached token's requests clone it rather than decode again.
    pub(crate) typed: OnceLock<Box<dyn Any + Send + Sync>>,
    /// `x-user-id` as a header value, built on a route's first use and
    /// then shared: a cached token's requests copy no bytes for it.
    pub(crate) user_id_header: OnceLock<Option<HeaderValue>>,
}

/// The `sts` claim: whether the session has finished every sign-in step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// A fully signed-in session (also assumed when the token has no `sts`).
    Active,
    /// The user still has a session task to finish (e.g. choose an organization).
    /// Treated as signed out unless a route opts in.
    Pending,
    /// A status this crate does not know; never treated as signed in by policies.
    Other(Box<str>),
}

impl SessionStatus {
    /// The status as Clerk spells it (`active`, `pending`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Other(s) => s,
        }
    }
}

/// Which claim layout the token used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenVersion {
    /// No `v` claim: `org_id`, `org_role`, `org_permissions` claims.
    V1,
    /// `v: 2`: compact `o`, `fea`, `pla` claims with bitmask permissions.
    V2,
}

/// The active organization as a session keeps it: spans of its text.
pub(crate) struct OrgClaims {
    pub(crate) id: Span,
    pub(crate) slug: Option<Span>,
    pub(crate) role: Option<Span>,
    /// The permissions in token order, then the same again sorted by value
    /// (a check is a binary search): one allocation for both.
    pub(crate) permissions: Vec<Span>,
}

impl OrgClaims {
    /// `permissions` (in token order) and their sorted copy, as kept.
    pub(crate) fn new(
        id: Span,
        slug: Option<Span>,
        role: Option<Span>,
        mut permissions: Vec<Span>,
        text: &Text,
    ) -> Self {
        let count = permissions.len();
        permissions.reserve_exact(count);
        permissions.extend_from_within(..);
        permissions[count..].sort_unstable_by(|a, b| text.get(*a).cmp(text.get(*b)));
        Self {
            id,
            slug,
            role,
            permissions,
        }
    }
}

/// The session's active organization.
#[derive(Clone, Copy)]
pub struct Organization<'a> {
    text: &'a Text,
    claims: &'a OrgClaims,
}

impl<'a> Organization<'a> {
    /// The organization id (`org_...`).
    pub fn id(&self) -> &'a str {
        self.text.get(self.claims.id)
    }

    /// The organization slug, when the token carries one.
    pub fn slug(&self) -> Option<&'a str> {
        self.claims.slug.map(|s| self.text.get(s))
    }

    /// The member's role, always in `org:` form (`org:admin`), even for
    /// legacy v1 tokens that spelled it `admin`.
    ///
    /// `None` only for a malformed token with an organization but no role;
    /// role checks then fail.
    pub fn role(&self) -> Option<&'a str> {
        self.claims.role.map(|s| self.text.get(s))
    }

    /// The member's permissions (`org:<feature>:<action>`), in token order.
    ///
    /// For v2 tokens these are decoded from `fea`/`per`/`fpm`.
    pub fn permissions(&self) -> impl ExactSizeIterator<Item = &'a str> + use<'a> {
        let (in_order, _) = self.halves();
        let text = self.text;
        in_order.iter().map(move |s| text.get(*s))
    }

    /// Whether the permission list holds `org:` + `rest` exactly.
    pub(crate) fn holds_prefixed(&self, rest: &str) -> bool {
        let (_, sorted) = self.halves();
        sorted
            .binary_search_by(|s| check::cmp_org_prefixed(self.text.get(*s), rest))
            .is_ok()
    }

    fn halves(&self) -> (&'a [Span], &'a [Span]) {
        let all = &self.claims.permissions;
        all.split_at(all.len() / 2)
    }
}

impl fmt::Debug for Organization<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Organization")
            .field("id", &self.id())
            .field("slug", &self.slug())
            .field("role", &self.role())
            .field("permissions", &self.permissions().collect::<Vec<_>>())
            .finish()
    }
}

/// The `act` claim as a session keeps it.
pub(crate) struct ActorClaims {
    pub(crate) subject: Option<Span>,
    pub(crate) issuer: Option<Span>,
    pub(crate) session_id: Option<Span>,
}

/// The `act` claim: who is impersonating the user, if anyone.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    text: &'a Text,
    claims: &'a ActorClaims,
}

impl<'a> Actor<'a> {
    /// The impersonator's user id.
    pub fn subject(&self) -> Option<&'a str> {
        self.claims.subject.map(|s| self.text.get(s))
    }

    /// The issuer of the impersonation.
    pub fn issuer(&self) -> Option<&'a str> {
        self.claims.issuer.map(|s| self.text.get(s))
    }

    /// The impersonator's own session id.
    pub fn session_id(&self) -> Option<&'a str> {
        self.claims.session_id.map(|s| self.text.get(s))
    }
}

impl fmt::Debug for Actor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .field("session_id", &self.session_id())
            .finish()
    }
}

impl Auth {
    /// Whether `a` and `b` are handles to one verification: true for two
    /// [`Verifier::verify`](crate::verify::Verifier::verify) calls the second
    /// of which the verified-token cache answered.
    pub fn ptr_eq(a: &Auth, b: &Auth) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// The user id (`sub`, `user_...`).
    pub fn user_id(&self) -> &str {
        self.0.text.get(self.0.user_id)
    }

    /// The user id as an `x-user-id` value; `None` when it is not a valid
    /// header value (Clerk's ids always are).
    pub(crate) fn user_id_header(&self) -> Option<HeaderValue> {
        self.0
            .user_id_header
            .get_or_init(|| HeaderValue::from_str(self.user_id()).ok())
            .clone()
    }

    /// The session id (`sid`, `sess_...`); `None` for JWT-template tokens.
    pub fn session_id(&self) -> Option<&str> {
        self.text(self.0.session_id)
    }

    /// The session status (`sts`).
    pub fn status(&self) -> &SessionStatus {
        &self.0.status
    }

    /// Whether the session is `pending` (signed in, with a task left to do).
    pub fn is_pending(&self) -> bool {
        self.0.status == SessionStatus::Pending
    }

    /// The active organization, if the session has one.
    pub fn org(&self) -> Option<Organization<'_>> {
        self.0.org.as_ref().map(|claims| Organization {
            text: &self.0.text,
            claims,
        })
    }

    /// Shorthand for the active organization's id.
    pub fn org_id(&self) -> Option<&str> {
        self.org().map(|org| org.id())
    }

    /// Shorthand for the active organization's role (`org:` form).
    pub fn org_role(&self) -> Option<&str> {
        self.org().and_then(|org| org.role())
    }

    /// Features from the v2 `fea` claim, in claim order; none for v1 tokens.
    pub fn features(&self) -> impl Iterator<Item = Entitlement<'_>> {
        self.entitlements(self.0.features)
            .into_iter()
            .flat_map(Entitlements::items)
    }

    /// Plans from the v2 `pla` claim, in claim order; none for v1 tokens.
    pub fn plans(&self) -> impl Iterator<Item = Entitlement<'_>> {
        self.entitlements(self.0.plans)
            .into_iter()
            .flat_map(Entitlements::items)
    }

    /// `claim` (the session's `fea` or `pla`) read from its text.
    pub(crate) fn entitlements(&self, claim: Option<EntitlementClaim>) -> Option<Entitlements<'_>> {
        claim.map(|claim| claim.read(&self.0.text))
    }

    /// The impersonator, when the session is impersonated (`act`).
    pub fn actor(&self) -> Option<Actor<'_>> {
        self.0.actor.as_ref().map(|claims| Actor {
            text: &self.0.text,
            claims,
        })
    }

    /// Minutes since the first and second factor were verified (`fva`);
    /// `-1` marks a factor the user has not enrolled.
    pub fn factor_verification_age(&self) -> Option<[i64; 2]> {
        self.0.factor_ages
    }

    /// When the token was issued (`iat`, unix seconds).
    pub fn issued_at(&self) -> Option<i64> {
        self.0.issued_at
    }

    /// When the token expires (`exp`, unix seconds).
    pub fn expires_at(&self) -> i64 {
        self.0.expires_at
    }

    /// How long the token was issued for (`exp - iat`, seconds); `None`
    /// without `iat`. Used by lifetime limits (template verifiers, presets).
    pub fn lifetime(&self) -> Option<i64> {
        self.issued_at()
            .map(|iat| self.expires_at().saturating_sub(iat))
    }

    /// Before this instant the token is not valid (`nbf`, unix seconds).
    pub fn not_before(&self) -> Option<i64> {
        self.0.not_before
    }

    /// The origin that asked for the token (`azp`).
    pub fn authorized_party(&self) -> Option<&str> {
        self.text(self.0.authorized_party)
    }

    /// The issuer (`iss`): the instance's Frontend API URL.
    pub fn issuer(&self) -> Option<&str> {
        self.text(self.0.issuer)
    }

    fn text(&self, span: Option<Span>) -> Option<&str> {
        span.map(|span| self.0.text.get(span))
    }

    /// The claim layout the token used.
    pub fn version(&self) -> TokenVersion {
        self.0.version
    }

    /// Every claim of the token, for custom session claims.
    ///
    /// Parsed from the payload on first use and cached for the life of
    /// this `Auth`, so requests that never read custom claims never pay.
    pub fn claims(&self) -> &ClaimSet {
        self.0
            .claims
            .get_or_init(|| ClaimSet::parse(&self.0.payload))
    }

    /// Custom claims read into `T`, decoded once per verified token and kept
    /// with it: later calls, such as a cached token's later requests, clone
    /// the kept value (or the kept error). One type is kept per token, the
    /// first one asked for; any other is decoded at each call.
    ///
    /// `#[derive(Claims)]` on a type that also derives `Clone` reads through
    /// here, so `#[claims(T)]` and the `Claims<T>` extractor do too.
    ///
    /// ```
    /// use clerk_runtime::{Auth, ClaimError, Claims};
    ///
    /// #[derive(Claims, Clone)]
    /// struct Extras {
    ///     email: Option<String>,
    /// }
    ///
    /// fn email(auth: &Auth) -> Result<Option<String>, ClaimError> {
    ///     Ok(auth.claims_as::<Extras>()?.email)
    /// }
    /// ```
    pub fn claims_as<T: FromClaims + Clone>(&self) -> Result<T, ClaimError> {
        match self.kept::<T>() {
            Some(outcome) => outcome.clone(),
            None => T::from_claims(self.claims()),
        }
    }

    /// Whether the claims read as `T`, by the outcome [`Auth::claims_as`]
    /// keeps (nothing is cloned): `#[claims(T)]`'s check of a kept type.
    pub(crate) fn check_claims_as<T: FromClaims>(&self) -> Result<(), ClaimError> {
        match self.kept::<T>() {
            Some(Ok(_)) => Ok(()),
            Some(Err(error)) => Err(error.clone()),
            None => T::from_claims(self.claims()).map(drop),
        }
    }

    /// The outcome kept for `T`, decoded on the first call; `None` when
    /// another type holds the token's one slot.
    fn kept<T: FromClaims>(&self) -> Option<&Result<T, ClaimError>> {
        self.0
            .typed
            .get_or_init(|| Box::new(T::from_claims(self.claims())))
            .downcast_ref()
    }
}

impl fmt::Debug for Auth {
    // The payload is left out on purpose: it is the whole token body.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("user_id", &self.user_id())
            .field("session_id", &self.session_id())
            .field("status", &self.0.status)
            .field("org", &self.org())
            .field("features", &self.features().collect::<Vec<_>>())
            .field("plans", &self.plans().collect::<Vec<_>>())
            .field("actor", &self.actor())
            .field("factor_ages", &self.0.factor_ages)
            .field("issued_at", &self.0.issued_at)
            .field("expires_at", &self.0.expires_at)
            .field("version", &self.0.version)
            .finish_non_exhaustive()
    }
}
