//! Clerk's `has()`: role, permission, feature, plan and reverification checks.

use std::cmp::Ordering;

use super::Auth;
use super::{FactorLevel, Reverification};

/// Clerk's system permissions. They are never put in session tokens, so a
/// server-side check on one is always false. The macros refuse them at
/// compile time from the same list (`clerk-rules`, shared by both crates).
pub const SYSTEM_PERMISSIONS: &[&str] = &clerk_rules::names::SYSTEM_PERMISSIONS;

/// Whether `permission` (with or without `org:`) is one of Clerk's system
/// permissions: any `org:sys_*` (Clerk reserves the `sys_` prefix), and
/// `normalize_org_key`, which strips every leading `org:`. Both are the
/// shared rules the macros apply too.
pub use clerk_rules::names::{is_system_permission, normalize_org_key};

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
    /// The session status is not consulted: whether a `pending` session
    /// counts as signed in is decided by [`Policy::evaluate`](crate::policy::Policy::evaluate)
    /// before any rule runs.
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
            Check::Feature(feature) => self
                .entitlements(self.0.features)
                .is_some_and(|f| f.grants(feature)),
            Check::Plan(plan) => self
                .entitlements(self.0.plans)
                .is_some_and(|p| p.grants(plan)),
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
        self.org()
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
        let Some([first, second]) = self.0.factor_ages else {
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{Check, cmp_org_prefixed, is_system_permission, normalize_org_key};
    use crate::auth::Auth;
    use crate::auth::{FactorLevel, Reverification};
    use crate::verify::decode::auth_from_json;

    fn auth(extra: Value) -> Auth {
        let mut payload = json!({"sub": "user_1", "sid": "sess_1", "exp": 2_000_000_000});
        if let (Value::Object(map), Value::Object(extra)) = (&mut payload, extra) {
            map.extend(extra);
        }
        auth_from_json(payload).expect("valid claims")
    }

    fn member(role: &str, permissions: &[&str]) -> Auth {
        auth(json!({"org_id": "org_1", "org_role": role, "org_permissions": permissions}))
    }

    fn fva(first: i64, second: i64) -> Auth {
        auth(json!({"fva": [first, second]}))
    }

    fn fresh(auth: &Auth, level: FactorLevel, minutes: u32) -> bool {
        auth.has(Check::reverification(Reverification::new(level, minutes)))
    }

    #[test]
    fn role_matches_with_or_without_org_prefix() {
        let auth = member("org:admin", &[]);
        assert!(auth.has(Check::role("org:admin")));
        assert!(auth.has(Check::role("admin")));
        assert!(auth.has(Check::role("org:org:admin")));
        assert!(!auth.has(Check::role("org:member")));
    }

    #[test]
    fn role_is_false_without_an_active_organization() {
        let auth = auth(json!({"org_role": "org:admin"}));
        assert!(!auth.has(Check::role("org:admin")));
    }

    #[test]
    fn permission_matches_with_or_without_org_prefix() {
        let auth = member("org:admin", &["org:data:read"]);
        assert!(auth.has(Check::permission("org:data:read")));
        assert!(auth.has(Check::permission("data:read")));
        assert!(!auth.has(Check::permission("org:data:write")));
    }

    #[test]
    fn permission_is_false_without_an_active_organization() {
        let auth = auth(json!({"org_permissions": ["org:data:read"]}));
        assert!(!auth.has(Check::permission("org:data:read")));
    }

    #[test]
    fn unprefixed_permission_in_token_never_matches() {
        // Clerk compares the normalised argument with the list verbatim.
        let auth = member("org:admin", &["data:read"]);
        assert!(!auth.has(Check::permission("data:read")));
    }

    #[test]
    fn system_permission_is_false_even_when_in_the_token() {
        let auth = member(
            "org:admin",
            &["org:sys_profile:manage", "org:sys_memberships:read"],
        );
        assert!(!auth.has(Check::permission("org:sys_profile:manage")));
        assert!(!auth.has(Check::permission("sys_memberships:read")));
    }

    #[test]
    fn every_listed_system_permission_is_recognised() {
        for permission in super::SYSTEM_PERMISSIONS {
            assert!(is_system_permission(permission), "{permission}");
        }
        assert!(!is_system_permission("org:system:read"));
    }

    #[test]
    fn permission_lookup_finds_every_entry_among_many() {
        let permissions: Vec<String> = (0..50).map(|i| format!("org:f{i}:act{}", 49 - i)).collect();
        let refs: Vec<&str> = permissions.iter().map(String::as_str).collect();
        let auth = member("org:admin", &refs);
        for p in &permissions {
            assert!(auth.has(Check::permission(p)), "{p}");
        }
        assert!(!auth.has(Check::permission("org:f0:act0")));
    }

    #[test]
    fn prefixed_comparison_orders_like_the_built_string() {
        for stored in [
            "",
            "o",
            "org",
            "org:",
            "org:a",
            "org:b:c",
            "orh",
            "a",
            "z",
            "org:a:b:c",
        ] {
            for rest in ["", "a", "b:c", "a:b"] {
                let built = format!("org:{rest}");
                assert_eq!(
                    cmp_org_prefixed(stored, rest),
                    stored.cmp(built.as_str()),
                    "{stored:?} vs {built:?}"
                );
            }
        }
    }

    #[test]
    fn normalisation_strips_every_leading_org_prefix() {
        assert_eq!(normalize_org_key("org:org:admin"), "admin");
        assert_eq!(normalize_org_key("admin"), "admin");
        assert_eq!(normalize_org_key("admin:org:x"), "admin:org:x");
    }

    fn entitled(claim: &str) -> Auth {
        auth(json!({"v": 2, "fea": claim, "pla": claim}))
    }

    #[test]
    fn feature_with_org_scope_matches_org_and_shared_entries_only() {
        let auth = entitled("u:user_only,o:org_only,ou:shared");
        for scope in ["o", "org", "organization"] {
            assert!(
                auth.has(Check::feature(&format!("{scope}:org_only"))),
                "{scope}"
            );
            assert!(
                auth.has(Check::feature(&format!("{scope}:shared"))),
                "{scope}"
            );
            assert!(
                !auth.has(Check::feature(&format!("{scope}:user_only"))),
                "{scope}"
            );
        }
    }

    #[test]
    fn feature_with_user_scope_matches_user_and_shared_entries_only() {
        let auth = entitled("u:user_only,o:org_only,uo:shared");
        for scope in ["u", "user"] {
            assert!(
                auth.has(Check::feature(&format!("{scope}:user_only"))),
                "{scope}"
            );
            assert!(
                auth.has(Check::feature(&format!("{scope}:shared"))),
                "{scope}"
            );
            assert!(
                !auth.has(Check::feature(&format!("{scope}:org_only"))),
                "{scope}"
            );
        }
    }

    #[test]
    fn bare_feature_matches_either_scope() {
        let auth = entitled("u:user_only,o:org_only");
        assert!(auth.has(Check::feature("user_only")));
        assert!(auth.has(Check::feature("org_only")));
        assert!(!auth.has(Check::feature("other")));
    }

    #[test]
    fn feature_with_unknown_scope_is_false() {
        let auth = entitled("o:x");
        assert!(!auth.has(Check::feature("team:x")));
    }

    #[test]
    fn feature_is_false_when_the_claim_is_missing() {
        let auth = auth(json!({"org_id": "org_1", "org_role": "org:admin"}));
        assert!(!auth.has(Check::feature("x")));
        assert!(!auth.has(Check::plan("x")));
    }

    #[test]
    fn feature_claim_with_an_element_without_scope_fails_every_check() {
        let auth = entitled("o:x,broken");
        assert!(!auth.has(Check::feature("o:x")));
    }

    #[test]
    fn plan_scopes_follow_feature_rules() {
        let auth = auth(json!({"v": 2, "pla": "u:free,o:pro"}));
        assert!(auth.has(Check::plan("user:free")));
        assert!(auth.has(Check::plan("org:pro")));
        assert!(auth.has(Check::plan("pro")));
        assert!(!auth.has(Check::plan("user:pro")));
        assert!(!auth.has(Check::plan("org:free")));
    }

    #[test]
    fn plans_and_features_are_separate_claims() {
        let auth = auth(json!({"v": 2, "fea": "o:export", "pla": "o:pro"}));
        assert!(!auth.has(Check::plan("export")));
        assert!(!auth.has(Check::feature("pro")));
    }

    #[test]
    fn strict_passes_within_ten_minutes_of_second_factor() {
        assert!(fva(500, 9).has(Check::reverification(Reverification::STRICT)));
    }

    #[test]
    fn strict_fails_at_exactly_ten_minutes() {
        assert!(!fva(0, 10).has(Check::reverification(Reverification::STRICT)));
    }

    #[test]
    fn moderate_and_lax_allow_an_hour_and_a_day() {
        let auth = fva(0, 59);
        assert!(auth.has(Check::reverification(Reverification::MODERATE)));
        let auth = fva(0, 1_439);
        assert!(!auth.has(Check::reverification(Reverification::MODERATE)));
        assert!(auth.has(Check::reverification(Reverification::LAX)));
        assert!(!fva(0, 1_440).has(Check::reverification(Reverification::LAX)));
    }

    #[test]
    fn strict_mfa_needs_both_factors_fresh() {
        assert!(fva(5, 5).has(Check::reverification(Reverification::STRICT_MFA)));
        assert!(!fva(50, 5).has(Check::reverification(Reverification::STRICT_MFA)));
        assert!(!fva(5, 50).has(Check::reverification(Reverification::STRICT_MFA)));
    }

    #[test]
    fn second_factor_falls_back_to_first_when_not_enrolled() {
        assert!(fresh(&fva(5, -1), FactorLevel::SecondFactor, 10));
        assert!(!fresh(&fva(50, -1), FactorLevel::SecondFactor, 10));
    }

    #[test]
    fn multi_factor_without_second_factor_enrolled_uses_the_first() {
        // Clerk's checkReverificationAuthorization: `factor2Age === -1` → first factor only.
        assert!(fresh(&fva(5, -1), FactorLevel::MultiFactor, 10));
        assert!(!fresh(&fva(50, -1), FactorLevel::MultiFactor, 10));
    }

    #[test]
    fn multi_factor_without_first_factor_fails() {
        assert!(!fresh(&fva(-1, 5), FactorLevel::MultiFactor, 10));
    }

    #[test]
    fn second_factor_without_first_factor_uses_the_second() {
        assert!(fresh(&fva(-1, 5), FactorLevel::SecondFactor, 10));
    }

    #[test]
    fn first_factor_level_ignores_the_second_factor() {
        assert!(fresh(&fva(5, 500), FactorLevel::FirstFactor, 10));
        assert!(!fresh(&fva(-1, 5), FactorLevel::FirstFactor, 10));
    }

    #[test]
    fn no_factor_enrolled_is_never_fresh() {
        assert!(!fresh(&fva(-1, -1), FactorLevel::FirstFactor, 10));
        assert!(!fresh(&fva(-1, -1), FactorLevel::SecondFactor, 10));
    }

    #[test]
    fn malformed_factor_age_is_never_fresh() {
        assert!(!fresh(&fva(-5, 0), FactorLevel::SecondFactor, 10));
    }

    #[test]
    fn zero_minute_requirement_is_never_met() {
        assert!(!fresh(&fva(0, 0), FactorLevel::FirstFactor, 0));
    }

    #[test]
    fn reverification_is_false_without_fva() {
        assert!(!auth(json!({})).has(Check::reverification(Reverification::LAX)));
    }
}
