//! The signed-in session as handlers see it, and Clerk's `has()` checks.

mod check;
mod claims;
mod entitlement;
mod fresh;

use std::any::Any;
use std::fmt;
use std::sync::{Arc, OnceLock};

pub use check::{Check, SYSTEM_PERMISSIONS, is_system_permission, normalize_org_key};
pub use claims::{ClaimError, ClaimSet, ClaimsProbe, FromClaims, ReadFresh, ReadKept};
pub use entitlement::{Entitlement, Scope};
pub(crate) use entitlement::{Entitlements, split_ascii};
pub use fresh::{FactorLevel, Reverification};

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
    pub(crate) user_id: Box<str>,
    pub(crate) session_id: Option<Box<str>>,
    pub(crate) status: SessionStatus,
    pub(crate) org: Option<Organization>,
    pub(crate) features: Option<Entitlements>,
    pub(crate) plans: Option<Entitlements>,
    pub(crate) actor: Option<Actor>,
    pub(crate) factor_ages: Option<[i64; 2]>,
    pub(crate) issued_at: Option<i64>,
    pub(crate) expires_at: i64,
    pub(crate) not_before: Option<i64>,
    pub(crate) authorized_party: Option<Box<str>>,
    pub(crate) issuer: Option<Box<str>>,
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

/// The session's active organization.
#[derive(Clone, PartialEq, Eq)]
pub struct Organization {
    pub(crate) id: Box<str>,
    pub(crate) slug: Option<Box<str>>,
    pub(crate) role: Option<Box<str>>,
    /// A `Vec`, kept at the capacity decoding gave it: boxing would reallocate.
    pub(crate) permissions: Vec<Box<str>>,
    /// Indices into `permissions`, sorted by value, so a check is a binary search.
    pub(crate) sorted: Box<[usize]>,
}

impl Organization {
    pub(crate) fn new(
        id: Box<str>,
        slug: Option<Box<str>>,
        role: Option<Box<str>>,
        permissions: Vec<Box<str>>,
    ) -> Self {
        let mut sorted: Vec<usize> = (0..permissions.len()).collect();
        sorted.sort_unstable_by(|&a, &b| permissions[a].cmp(&permissions[b]));
        Self {
            id,
            slug,
            role,
            permissions,
            sorted: sorted.into_boxed_slice(),
        }
    }

    /// The organization id (`org_...`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The organization slug, when the token carries one.
    pub fn slug(&self) -> Option<&str> {
        self.slug.as_deref()
    }

    /// The member's role, always in `org:` form (`org:admin`), even for
    /// legacy v1 tokens that spelled it `admin`.
    ///
    /// `None` only for a malformed token with an organization but no role;
    /// role checks then fail.
    pub fn role(&self) -> Option<&str> {
        self.role.as_deref()
    }

    /// The member's permissions (`org:<feature>:<action>`), in token order.
    ///
    /// For v2 tokens these are decoded from `fea`/`per`/`fpm`.
    pub fn permissions(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.permissions.iter().map(|p| &**p)
    }

    /// Whether the permission list holds `org:` + `rest` exactly.
    pub(crate) fn holds_prefixed(&self, rest: &str) -> bool {
        self.sorted
            .binary_search_by(|&i| check::cmp_org_prefixed(&self.permissions[i], rest))
            .is_ok()
    }
}

impl fmt::Debug for Organization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Organization")
            .field("id", &self.id)
            .field("slug", &self.slug)
            .field("role", &self.role)
            .field("permissions", &self.permissions)
            .finish()
    }
}

/// The `act` claim: who is impersonating the user, if anyone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    pub(crate) subject: Option<Box<str>>,
    pub(crate) issuer: Option<Box<str>>,
    pub(crate) session_id: Option<Box<str>>,
}

impl Actor {
    /// The impersonator's user id.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The issuer of the impersonation.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The impersonator's own session id.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
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
        &self.0.user_id
    }

    /// The user id as an `x-user-id` value; `None` when it is not a valid
    /// header value (Clerk's ids always are).
    pub(crate) fn user_id_header(&self) -> Option<HeaderValue> {
        self.0
            .user_id_header
            .get_or_init(|| HeaderValue::from_str(&self.0.user_id).ok())
            .clone()
    }

    /// The session id (`sid`, `sess_...`); `None` for JWT-template tokens.
    pub fn session_id(&self) -> Option<&str> {
        self.0.session_id.as_deref()
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
    pub fn org(&self) -> Option<&Organization> {
        self.0.org.as_ref()
    }

    /// Shorthand for the active organization's id.
    pub fn org_id(&self) -> Option<&str> {
        self.0.org.as_ref().map(Organization::id)
    }

    /// Shorthand for the active organization's role (`org:` form).
    pub fn org_role(&self) -> Option<&str> {
        self.0.org.as_ref().and_then(Organization::role)
    }

    /// Features from the v2 `fea` claim; empty for v1 tokens.
    pub fn features(&self) -> &[Entitlement] {
        self.0.features.as_ref().map_or(&[], Entitlements::items)
    }

    /// Plans from the v2 `pla` claim; empty for v1 tokens.
    pub fn plans(&self) -> &[Entitlement] {
        self.0.plans.as_ref().map_or(&[], Entitlements::items)
    }

    /// The impersonator, when the session is impersonated (`act`).
    pub fn actor(&self) -> Option<&Actor> {
        self.0.actor.as_ref()
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
        self.0.authorized_party.as_deref()
    }

    /// The issuer (`iss`): the instance's Frontend API URL.
    pub fn issuer(&self) -> Option<&str> {
        self.0.issuer.as_deref()
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
            .field("user_id", &self.0.user_id)
            .field("session_id", &self.0.session_id)
            .field("status", &self.0.status)
            .field("org", &self.0.org)
            .field("features", &self.features())
            .field("plans", &self.plans())
            .field("actor", &self.0.actor)
            .field("factor_ages", &self.0.factor_ages)
            .field("issued_at", &self.0.issued_at)
            .field("expires_at", &self.0.expires_at)
            .field("version", &self.0.version)
            .finish_non_exhaustive()
    }
}
