//! Clerk's `has()`: role, permission, feature, plan and reverification checks.

use std::cmp::Ordering;

use super::Auth;
use crate::policy::{FactorLevel, Reverification};

/// Clerk's system permissions. They are never put in session tokens, so a
/// server-side check on one is always false.
pub const SYSTEM_PERMISSIONS: &[&str] = &[
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
];

/// Whether `permission` (with or without `org:`) is one of Clerk's system
/// permissions. Clerk reserves the `sys_` feature prefix, so any
/// `org:sys_*` permission counts, not only today's six.
pub fn is_system_permission(permission: &str) -> bool {
    normalize_org_key(permission).starts_with("sys_")
}

/// Strips every leading `org:`, so `admin`, `org:admin` and `org:org:admin`
/// all name the same role; callers put exactly one `org:` back.
pub fn normalize_org_key(key: &str) -> &str {
    let mut rest = key;
    while let Some(stripped) = rest.strip_prefix("org:") {
        rest = stripped;
    }
    rest
}

/// Orders `stored` against the string `org:` + `rest` without building it.
pub(crate) fn cmp_org_prefixed(stored: &str, rest: &str) -> Ordering {
    const PREFIX: &[u8] = b"org:";
    let bytes = stored.as_bytes();
    let n = bytes.len().min(PREFIX.len());
    match bytes[..n].cmp(&PREFIX[..n]) {
        Ordering::Equal if n == PREFIX.len() => bytes[n..].cmp(rest.as_bytes()),
        // `stored` is a proper prefix of `org:`, hence of the target.
        Ordering::Equal => Ordering::Less,
        other => other,
    }
}

/// One question for [`Auth::has`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check<'a> {
    /// The active organization role; `admin` and `org:admin` are the same.
    Role(&'a str),
    /// A permission in the active organization, e.g. `org:data:read`.
    Permission(&'a str),
    /// A feature: `scope:name` (`o`/`org`/`organization`, `u`/`user`) or bare `name`.
    Feature(&'a str),
    /// A plan: `scope:name` or bare `name`, like [`Check::Feature`].
    Plan(&'a str),
    /// Factors verified recently enough (Clerk's reverification).
    Reverification(Reverification),
}

impl<'a> Check<'a> {
    /// `Check::Role(role)`.
    pub const fn role(role: &'a str) -> Self {
        Self::Role(role)
    }

    /// `Check::Permission(permission)`.
    pub const fn permission(permission: &'a str) -> Self {
        Self::Permission(permission)
    }

    /// `Check::Feature(feature)`.
    pub const fn feature(feature: &'a str) -> Self {
        Self::Feature(feature)
    }

    /// `Check::Plan(plan)`.
    pub const fn plan(plan: &'a str) -> Self {
        Self::Plan(plan)
    }

    /// `Check::Reverification(requirement)`.
    pub const fn reverification(requirement: Reverification) -> Self {
        Self::Reverification(requirement)
    }
}

impl Auth {
    /// Clerk's `has()` for one check, on a signed-in session.
    ///
    /// Role and permission checks fail without an active organization;
    /// system permissions always fail; feature and plan checks fail on
    /// tokens without `fea`/`pla` (v1). Combine checks with
    /// [`Rule::All`](crate::policy::Rule::All).
    ///
    /// ```
    /// # fn demo(auth: &clerk_runtime::Auth) {
    /// use clerk_runtime::auth::Check;
    /// if auth.has(Check::role("admin")) && auth.has(Check::permission("org:data:delete")) {
    ///     // ...
    /// }
    /// # }
    /// ```
    pub fn has(&self, check: Check<'_>) -> bool {
        match check {
            Check::Role(role) => self.has_role(role),
            Check::Permission(permission) => self.has_permission(permission),
            Check::Feature(feature) => self.features.as_ref().is_some_and(|f| f.grants(feature)),
            Check::Plan(plan) => self.plans.as_ref().is_some_and(|p| p.grants(plan)),
            Check::Reverification(requirement) => self.is_fresh(requirement),
        }
    }

    fn has_role(&self, role: &str) -> bool {
        // Stored roles are already in `org:` form, so only the argument needs stripping.
        self.org_role()
            .is_some_and(|held| normalize_org_key(held) == normalize_org_key(role))
    }

    fn has_permission(&self, permission: &str) -> bool {
        if is_system_permission(permission) {
            return false;
        }
        self.org
            .as_ref()
            .is_some_and(|org| org.holds_prefixed(normalize_org_key(permission)))
    }

    /// Clerk's reverification check over `fva`, including its handling of
    /// unenrolled factors (`-1`), from `checkReverificationAuthorization`
    /// in `@clerk/shared` `authorization.ts`:
    /// - both factors `-1`, a malformed age (below `-1`) or a zero age limit → fails;
    /// - `first_factor` → the first factor must be fresh;
    /// - `second_factor` → the second factor, or the first when no second is enrolled;
    /// - `multi_factor` → both; with no second factor enrolled, the first alone
    ///   (Clerk does not demand a factor the user cannot have); with no first
    ///   factor it fails.
    fn is_fresh(&self, requirement: Reverification) -> bool {
        let Some([first, second]) = self.factor_ages else {
            return false;
        };
        if first < -1 || second < -1 || (first == -1 && second == -1) {
            return false;
        }
        if requirement.after_minutes == 0 {
            return false;
        }
        let limit = i64::from(requirement.after_minutes);
        let first_fresh = first != -1 && limit > first;
        let second_fresh = second != -1 && limit > second;
        match requirement.level {
            FactorLevel::FirstFactor => first_fresh,
            FactorLevel::SecondFactor if second == -1 => first_fresh,
            FactorLevel::SecondFactor => second_fresh,
            FactorLevel::MultiFactor if second == -1 => first_fresh,
            FactorLevel::MultiFactor if first == -1 => false,
            FactorLevel::MultiFactor => first_fresh && second_fresh,
        }
    }
}
