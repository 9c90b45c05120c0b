//! Route policies as data: what `#[protect]` and `#[public]` compile to.
//!
//! A policy is a `const` value built by the macros; the route table lists it
//! and the guard evaluates it against the request's [`Auth`], then counts the
//! request against the route's rate limit, if it declares one.

pub mod presets;

use std::fmt;

use serde::{Serialize, Serializer};

use crate::auth::{Auth, Check, SessionStatus};
pub use crate::auth::{FactorLevel, Reverification};
use crate::machine::MachineAuth;
use crate::ratelimit::RateLimit;
use crate::reason;
pub use crate::token::{TokenType, TokenTypes};

/// Who may call a route, and how often.
///
/// Serializes as `{"kind":"public"}` or
/// `{"kind":"protected","rule":..,"allow_pending":false}`, with
/// `"rate_limit":"10/10s"` when the route declares one; displays as
/// `public` or the rule (`role org:admin & fresh(strict)`), followed by
/// `, rate 10/10s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Policy {
    /// No session needed (`#[public]`); [`Policy::PUBLIC`] without a rate limit.
    Public(PublicAccess),
    /// A signed-in session that satisfies the protection (`#[protect(...)]`).
    Protected(Protection),
}

/// The requirements of a public route: none, except an optional rate limit
/// (`#[public(rate_limit = "10/10s")]`), counted per client IP, or per user
/// when the caller happens to be signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PublicAccess {
    /// Requests per sliding window each caller may make to this route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
}

/// The requirements of a protected route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Protection {
    /// What the session must satisfy; [`Rule::SignedIn`] for a bare `#[protect]`.
    pub rule: Rule,
    /// Whether a `pending` session (`sts: "pending"`) counts as signed in.
    pub allow_pending: bool,
    /// Requests per sliding window each signed-in user may make to this route
    /// (`#[protect(rate_limit = "10/10s")]`), counted after the rule passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// Which tokens the route accepts ([`Accepts::SESSION`] unless it says
    /// `accepts = ...`); [`Protection::rule`] applies to sessions only.
    #[serde(skip_serializing_if = "Accepts::is_session_only")]
    pub accepts: Accepts,
}

/// Which kinds of caller a protected route accepts (Clerk's `acceptsToken`)
/// and the scopes a machine token must carry.
///
/// Serializes as `{"tokens":["api_key"],"scopes":["invoices:read"]}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Accepts {
    /// The accepted token types.
    pub tokens: TokenTypes,
    /// Every scope a machine token must have been granted.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub scopes: &'static [&'static str],
}

impl Accepts {
    /// Session tokens only, every route's default.
    pub const SESSION: Self = Self {
        tokens: TokenTypes::SESSION,
        scopes: &[],
    };

    /// Whether only session tokens are accepted.
    pub fn is_session_only(&self) -> bool {
        self.tokens == TokenTypes::SESSION
    }

    /// The first required scope `machine` was not granted.
    pub fn missing_scope(&self, machine: &MachineAuth) -> Option<&'static str> {
        self.scopes
            .iter()
            .copied()
            .find(|scope| !machine.has_scope(scope))
    }
}

impl fmt::Display for Accepts {
    /// `api_key | m2m_token`, then ` scope a & b` when scopes are required.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let machines = self
            .tokens
            .iter()
            .filter(|t| t.is_machine())
            .map(TokenType::as_str)
            .collect::<Vec<_>>()
            .join(" | ");
        f.write_str(&machines)?;
        if !self.scopes.is_empty() {
            write!(f, " scope {}", self.scopes.join(" & "))?;
        }
        Ok(())
    }
}

/// One requirement over a signed-in session; combinators nest.
///
/// Serializes externally tagged in snake case: `"signed_in"`,
/// `{"role":"org:admin"}`, `{"any":[..]}`, `{"condition":"path::to::fn"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Any signed-in session.
    SignedIn,
    /// An active organization.
    Org,
    /// The active organization role, e.g. `org:admin`.
    Role(&'static str),
    /// A permission in the active organization, e.g. `org:data:read`.
    Permission(&'static str),
    /// A feature from `fea`, `scope:name` or bare `name`.
    Feature(&'static str),
    /// A plan from `pla`, `scope:name` or bare `name`.
    Plan(&'static str),
    /// Factor verification no older than the given age (Clerk's reverification).
    Fresh(Reverification),
    /// A custom predicate over the session.
    Condition(Condition),
    /// At least one of the rules.
    Any(&'static [Rule]),
    /// Every one of the rules.
    All(&'static [Rule]),
}

/// A named custom predicate, from `#[protect(condition = path::to::fn)]`.
#[derive(Debug, Clone, Copy)]
pub struct Condition {
    /// The path as written in the attribute, for the route table.
    pub name: &'static str,
    /// The predicate.
    pub check: fn(&Auth) -> bool,
}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        // Function pointers are not reliably comparable; the path names the predicate.
        self.name == other.name
    }
}

impl Eq for Condition {}

impl Serialize for Condition {
    // A function pointer has no stable form; the route table shows its path.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

/// The outcome of evaluating a [`Policy`] for one request, with the reason
/// from the same pass that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum Verdict {
    /// The request may proceed.
    Allowed,
    /// No usable session: none, a pending one where pending is not allowed,
    /// or an unknown status (401 on APIs, sign-in redirect on pages).
    SignedOut(&'static str),
    /// Signed in, but the rule fails (403 on APIs): which requirement, e.g.
    /// `role-required`.
    Forbidden(&'static str),
}

impl Verdict {
    /// Whether the request may proceed.
    pub fn is_allowed(self) -> bool {
        self == Self::Allowed
    }
}

/// Whether a verified session counts as signed in: `active`, or `pending`
/// where the route allows it. The refusal is the reason (`session-pending`,
/// `session-inactive`). The one place session status is admitted.
pub fn admit_session(auth: &Auth, allow_pending: bool) -> Result<(), &'static str> {
    match auth.status() {
        SessionStatus::Active => Ok(()),
        SessionStatus::Pending if allow_pending => Ok(()),
        SessionStatus::Pending => Err(reason::SESSION_PENDING),
        SessionStatus::Other(_) => Err(reason::SESSION_INACTIVE),
    }
}

impl Policy {
    /// A public route without a rate limit (`#[public]`).
    pub const PUBLIC: Self = Self::Public(PublicAccess { rate_limit: None });

    /// The route's rate limit, if it declares one.
    pub const fn rate_limit(&self) -> Option<RateLimit> {
        match self {
            Self::Public(access) => access.rate_limit,
            Self::Protected(protection) => protection.rate_limit,
        }
    }

    /// Decides a request from its session (`None` when signed out or the
    /// token failed verification).
    ///
    /// Public routes always pass. A protected route needs a session that is
    /// `active`, or `pending` when the route allows it ([`admit_session`]),
    /// and then its rule.
    pub fn evaluate(&self, auth: Option<&Auth>) -> Verdict {
        let Self::Protected(protection) = self else {
            return Verdict::Allowed;
        };
        let Some(auth) = auth else {
            return Verdict::SignedOut(reason::SESSION_TOKEN_MISSING);
        };
        // A machine-only route has no session to admit.
        if !protection.accepts.tokens.accepts_session() {
            return Verdict::SignedOut(reason::TOKEN_TYPE_MISMATCH);
        }
        if let Err(reason) = admit_session(auth, protection.allow_pending) {
            return Verdict::SignedOut(reason);
        }
        match protection.rule.denial(auth) {
            None => Verdict::Allowed,
            Some(reason) => Verdict::Forbidden(reason),
        }
    }
}

impl Rule {
    /// Whether a signed-in session satisfies the rule. Session status is
    /// the policy's business ([`Policy::evaluate`]), not the rule's.
    pub fn allows(&self, auth: &Auth) -> bool {
        self.denial(auth).is_none()
    }

    /// `None` when a signed-in session satisfies the rule, else the most
    /// specific reason it does not (`role-required`, ...), found in the same
    /// pass: an `All` names its first failing rule.
    pub fn denial(&self, auth: &Auth) -> Option<&'static str> {
        let (ok, reason) = match *self {
            Self::SignedIn => (true, reason::SIGNED_IN_REQUIRED),
            Self::Org => (auth.org().is_some(), reason::ORGANIZATION_REQUIRED),
            Self::Role(role) => (auth.has(Check::Role(role)), reason::ROLE_REQUIRED),
            Self::Permission(permission) => (
                auth.has(Check::Permission(permission)),
                reason::PERMISSION_REQUIRED,
            ),
            Self::Feature(feature) => (auth.has(Check::Feature(feature)), reason::FEATURE_REQUIRED),
            Self::Plan(plan) => (auth.has(Check::Plan(plan)), reason::PLAN_REQUIRED),
            Self::Fresh(requirement) => (
                auth.has(Check::Reverification(requirement)),
                reason::REVERIFICATION_ERROR,
            ),
            Self::Condition(condition) => ((condition.check)(auth), reason::CONDITION_FAILED),
            Self::Any(rules) => (
                rules.iter().any(|rule| rule.allows(auth)),
                reason::POLICY_DENIED,
            ),
            Self::All(rules) => return rules.iter().find_map(|rule| rule.denial(auth)),
        };
        (!ok).then_some(reason)
    }
}

impl fmt::Display for Policy {
    /// `public`, or the rule, with ` (pending allowed)` when it applies, then
    /// `, rate 10/10s` when the route is rate limited.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Public(access) => write!(f, "{access}"),
            Self::Protected(protection) => write!(f, "{protection}"),
        }
    }
}

impl fmt::Display for PublicAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("public")?;
        write_rate(f, self.rate_limit)
    }
}

impl fmt::Display for Protection {
    /// The rule; `rule or api_key scope x` when machines are accepted too;
    /// `api_key scope x` on machine-only routes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = self.accepts.tokens;
        if !tokens.accepts_session() {
            write!(f, "{}", self.accepts)?;
            return write_rate(f, self.rate_limit);
        }
        write!(f, "{}", self.rule)?;
        if tokens.accepts_machines() {
            write!(f, " or {}", self.accepts)?;
        }
        if self.allow_pending {
            f.write_str(" (pending allowed)")?;
        }
        write_rate(f, self.rate_limit)
    }
}

fn write_rate(f: &mut fmt::Formatter<'_>, rate_limit: Option<RateLimit>) -> fmt::Result {
    match rate_limit {
        Some(limit) => write!(f, ", rate {limit}"),
        None => Ok(()),
    }
}

impl fmt::Display for Rule {
    /// `signed in`, `org`, `role org:admin`, `fresh(strict)`,
    /// `any(a, b)`, and `a & b` for [`Rule::All`] (`all()` when empty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SignedIn => f.write_str("signed in"),
            Self::Org => f.write_str("org"),
            Self::Role(role) => write!(f, "role {role}"),
            Self::Permission(permission) => write!(f, "permission {permission}"),
            Self::Feature(feature) => write!(f, "feature {feature}"),
            Self::Plan(plan) => write!(f, "plan {plan}"),
            Self::Fresh(requirement) => write!(f, "fresh({requirement})"),
            Self::Condition(condition) => write!(f, "condition {}", condition.name),
            Self::Any(rules) => {
                f.write_str("any(")?;
                write_joined(f, rules, ", ")?;
                f.write_str(")")
            }
            Self::All([]) => f.write_str("all()"),
            Self::All(rules) => write_joined(f, rules, " & "),
        }
    }
}

fn write_joined(f: &mut fmt::Formatter<'_>, rules: &[Rule], separator: &str) -> fmt::Result {
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{rule}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{
        Condition, FactorLevel, Policy, Protection, PublicAccess, Reverification, Rule, Verdict,
    };
    use crate::auth::Auth;
    use crate::ratelimit::RateLimit;
    use crate::verify::decode::auth_from_json;

    fn auth(extra: Value) -> Auth {
        let mut payload = json!({"sub": "user_1", "sid": "sess_1", "exp": 2_000_000_000});
        if let (Value::Object(map), Value::Object(extra)) = (&mut payload, extra) {
            map.extend(extra);
        }
        auth_from_json(payload).expect("valid claims")
    }

    fn admin() -> Auth {
        auth(
            json!({"org_id": "org_1", "org_role": "org:admin", "org_permissions": ["org:data:read"]}),
        )
    }

    const fn protect(rule: Rule) -> Policy {
        Policy::Protected(Protection {
            rule,
            allow_pending: false,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: None,
        })
    }

    fn is_user_one(auth: &Auth) -> bool {
        auth.user_id() == "user_1"
    }

    const USER_ONE: Condition = Condition {
        name: "is_user_one",
        check: is_user_one,
    };

    #[test]
    fn public_policy_allows_signed_out_requests() {
        assert_eq!(Policy::PUBLIC.evaluate(None), Verdict::Allowed);
    }

    #[test]
    fn protected_policy_reports_signed_out_without_a_session() {
        assert_eq!(
            protect(Rule::SignedIn).evaluate(None),
            Verdict::SignedOut("session-token-missing")
        );
    }

    #[test]
    fn protected_policy_allows_an_active_session_that_meets_the_rule() {
        assert_eq!(
            protect(Rule::Role("admin")).evaluate(Some(&admin())),
            Verdict::Allowed
        );
    }

    #[test]
    fn failing_rule_is_forbidden() {
        assert_eq!(
            protect(Rule::Role("org:owner")).evaluate(Some(&admin())),
            Verdict::Forbidden("role-required")
        );
    }

    #[test]
    fn pending_session_is_signed_out_by_default() {
        let pending = auth(json!({"sts": "pending"}));
        assert_eq!(
            protect(Rule::SignedIn).evaluate(Some(&pending)),
            Verdict::SignedOut("session-pending")
        );
    }

    #[test]
    fn pending_session_is_allowed_when_the_route_opts_in() {
        let pending = auth(json!({"sts": "pending"}));
        let policy = Policy::Protected(Protection {
            rule: Rule::SignedIn,
            allow_pending: true,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: None,
        });
        assert_eq!(policy.evaluate(Some(&pending)), Verdict::Allowed);
    }

    #[test]
    fn unknown_session_status_is_signed_out_even_when_pending_is_allowed() {
        let odd = auth(json!({"sts": "frozen"}));
        let policy = Policy::Protected(Protection {
            rule: Rule::SignedIn,
            allow_pending: true,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: None,
        });
        assert_eq!(
            policy.evaluate(Some(&odd)),
            Verdict::SignedOut("session-inactive")
        );
    }

    #[test]
    fn a_session_does_not_pass_a_machine_only_policy() {
        use crate::policy::{Accepts, TokenType, TokenTypes};
        let policy = Policy::Protected(Protection {
            rule: Rule::SignedIn,
            allow_pending: false,
            rate_limit: None,
            accepts: Accepts {
                tokens: TokenTypes::NONE.with(TokenType::ApiKey),
                scopes: &[],
            },
        });
        assert_eq!(
            policy.evaluate(Some(&admin())),
            Verdict::SignedOut("token-type-mismatch")
        );
    }

    #[test]
    fn org_rule_needs_an_active_organization() {
        assert!(Rule::Org.allows(&admin()));
        assert!(!Rule::Org.allows(&auth(json!({}))));
    }

    #[test]
    fn any_passes_when_one_rule_passes() {
        let rule = Rule::Any(&[Rule::Role("org:owner"), Rule::Permission("org:data:read")]);
        assert!(rule.allows(&admin()));
        assert!(!Rule::Any(&[Rule::Role("org:owner")]).allows(&admin()));
    }

    #[test]
    fn all_needs_every_rule() {
        let rule = Rule::All(&[Rule::Role("org:admin"), Rule::Permission("org:data:delete")]);
        assert!(!rule.allows(&admin()));
        let rule = Rule::All(&[Rule::Role("org:admin"), Rule::Permission("org:data:read")]);
        assert!(rule.allows(&admin()));
    }

    #[test]
    fn empty_any_fails_and_empty_all_passes() {
        assert!(!Rule::Any(&[]).allows(&admin()));
        assert!(Rule::All(&[]).allows(&admin()));
    }

    #[test]
    fn condition_rule_calls_its_predicate() {
        assert!(Rule::Condition(USER_ONE).allows(&admin()));
        let other = auth_from_json(json!({"sub": "user_2", "exp": 2_000_000_000})).expect("valid");
        assert!(!Rule::Condition(USER_ONE).allows(&other));
    }

    #[test]
    fn fresh_rule_checks_factor_age() {
        assert!(Rule::Fresh(Reverification::STRICT).allows(&auth(json!({"fva": [0, 3]}))));
        assert!(!Rule::Fresh(Reverification::STRICT).allows(&auth(json!({"fva": [0, 30]}))));
    }

    #[test]
    fn feature_and_plan_rules_use_the_v2_claims() {
        let auth = auth(json!({"v": 2, "fea": "o:export", "pla": "u:pro"}));
        assert!(Rule::Feature("org:export").allows(&auth));
        assert!(Rule::Plan("pro").allows(&auth));
        assert!(!Rule::Plan("org:pro").allows(&auth));
    }

    #[test]
    fn presets_match_clerk() {
        use FactorLevel::*;
        assert_eq!(
            Reverification::STRICT_MFA,
            Reverification::new(MultiFactor, 10)
        );
        assert_eq!(
            Reverification::STRICT,
            Reverification::new(SecondFactor, 10)
        );
        assert_eq!(
            Reverification::MODERATE,
            Reverification::new(SecondFactor, 60)
        );
        assert_eq!(
            Reverification::LAX,
            Reverification::new(SecondFactor, 1_440)
        );
    }

    #[test]
    fn presets_are_found_by_name_and_named_back() {
        for name in ["strict_mfa", "strict", "moderate", "lax"] {
            let preset = Reverification::preset(name).expect("known preset");
            assert_eq!(preset.preset_name(), Some(name));
        }
        assert_eq!(Reverification::preset("paranoid"), None);
    }

    #[test]
    fn display_of_simple_policies() {
        assert_eq!(Policy::PUBLIC.to_string(), "public");
        assert_eq!(protect(Rule::SignedIn).to_string(), "signed in");
        assert_eq!(
            protect(Rule::Role("org:admin")).to_string(),
            "role org:admin"
        );
        assert_eq!(
            protect(Rule::Condition(USER_ONE)).to_string(),
            "condition is_user_one"
        );
    }

    #[test]
    fn display_of_combined_rules() {
        const RULE: Rule = Rule::All(&[
            Rule::Any(&[Rule::Role("org:admin"), Rule::Permission("org:data:delete")]),
            Rule::Fresh(Reverification::STRICT),
        ]);
        assert_eq!(
            protect(RULE).to_string(),
            "any(role org:admin, permission org:data:delete) & fresh(strict)"
        );
    }

    #[test]
    fn display_of_custom_reverification_and_pending() {
        let policy = Policy::Protected(Protection {
            rule: Rule::Fresh(Reverification::new(FactorLevel::FirstFactor, 30)),
            allow_pending: true,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: None,
        });
        assert_eq!(
            policy.to_string(),
            "fresh(first_factor < 30m) (pending allowed)"
        );
    }

    #[test]
    fn public_policy_serializes_as_its_kind() {
        assert_eq!(
            serde_json::to_value(Policy::PUBLIC).expect("json"),
            json!({"kind": "public"})
        );
    }

    #[test]
    fn protected_policy_serializes_rule_tree_and_condition_name() {
        const RULE: Rule = Rule::Any(&[
            Rule::SignedIn,
            Rule::Role("org:admin"),
            Rule::Fresh(Reverification::MODERATE),
            Rule::Condition(USER_ONE),
        ]);
        assert_eq!(
            serde_json::to_value(protect(RULE)).expect("json"),
            json!({"kind": "protected", "allow_pending": false, "rule": {"any": [
                "signed_in",
                {"role": "org:admin"},
                {"fresh": {"level": "second_factor", "after_minutes": 60}},
                {"condition": "is_user_one"},
            ]}})
        );
    }

    const TEN_PER_10S: Option<RateLimit> = match RateLimit::parse("10/10s") {
        Ok(limit) => Some(limit),
        Err(e) => panic!("{}", e.message()),
    };

    #[test]
    fn rate_limit_is_read_from_either_kind() {
        let public = Policy::Public(PublicAccess {
            rate_limit: TEN_PER_10S,
        });
        let protected = Policy::Protected(Protection {
            rule: Rule::SignedIn,
            allow_pending: false,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: TEN_PER_10S,
        });
        assert_eq!(public.rate_limit(), TEN_PER_10S);
        assert_eq!(protected.rate_limit(), TEN_PER_10S);
        assert_eq!(Policy::PUBLIC.rate_limit(), None);
        assert_eq!(protect(Rule::SignedIn).rate_limit(), None);
    }

    #[test]
    fn display_appends_the_rate_limit() {
        let admin = Policy::Protected(Protection {
            rule: Rule::Role("org:admin"),
            allow_pending: true,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: TEN_PER_10S,
        });
        assert_eq!(
            admin.to_string(),
            "role org:admin (pending allowed), rate 10/10s"
        );
        let public = Policy::Public(PublicAccess {
            rate_limit: TEN_PER_10S,
        });
        assert_eq!(public.to_string(), "public, rate 10/10s");
    }

    #[test]
    fn rate_limit_serializes_as_text_and_only_when_declared() {
        let public = Policy::Public(PublicAccess {
            rate_limit: TEN_PER_10S,
        });
        assert_eq!(
            serde_json::to_value(public).expect("json"),
            json!({"kind": "public", "rate_limit": "10/10s"})
        );
        let protected = Policy::Protected(Protection {
            rule: Rule::SignedIn,
            allow_pending: false,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: TEN_PER_10S,
        });
        assert_eq!(
            serde_json::to_value(protected).expect("json"),
            json!({"kind": "protected", "rule": "signed_in", "allow_pending": false,
                   "rate_limit": "10/10s"})
        );
        assert!(
            serde_json::to_value(protect(Rule::SignedIn))
                .expect("json")
                .get("rate_limit")
                .is_none()
        );
    }
}

#[cfg(test)]
mod verdict {
    use serde_json::json;

    use super::*;
    use crate::verify::decode::auth_from_json;

    fn member() -> Auth {
        auth_from_json(json!({
            "sub": "user_1", "sid": "sess_1", "exp": 2_000_000_000, "v": 2,
            "o": {"id": "org_1", "rol": "member", "per": "read", "fpm": "1"},
            "fea": "o:data",
        }))
        .unwrap()
    }

    #[test]
    fn all_names_its_first_failing_rule() {
        static RULES: [Rule; 3] = [Rule::Org, Rule::Role("org:admin"), Rule::Plan("o:pro")];
        assert_eq!(Rule::All(&RULES).denial(&member()), Some("role-required"));
    }

    #[test]
    fn any_that_fails_is_policy_denied() {
        static RULES: [Rule; 2] = [Rule::Role("org:admin"), Rule::Plan("o:pro")];
        assert_eq!(Rule::Any(&RULES).denial(&member()), Some("policy-denied"));
    }

    #[test]
    fn a_passing_rule_has_no_denial() {
        assert_eq!(Rule::Permission("org:data:read").denial(&member()), None);
    }
}
