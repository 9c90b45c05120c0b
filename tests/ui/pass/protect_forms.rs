//! Every accepted `#[protect]` form compiles to the expected policy.
#![deny(warnings)]
use axum::extract::Path;
use clerk_runtime::__private::policy_of;
use clerk_runtime::policy::{Condition, FactorLevel, Protection, Reverification, Rule};
use clerk_runtime::{Auth, Policy, UserId, catalog, protect};

catalog! {
    roles: ["org:admin", "org:member"],
    permissions: ["org:data:read", "org:data:write", "org:data:delete"],
    features: ["o:data", "u:beta"],
    plans: ["o:pro", "u:free"],
}

mod checks {
    pub fn is_owner(auth: &clerk_runtime::Auth) -> bool {
        auth.user_id().ends_with("owner")
    }
}

fn is_staff(_: &Auth) -> bool {
    false
}

#[protect]
async fn signed_in() {}

#[protect(role = "org:admin")]
async fn admin() {}

#[protect(permission = "org:data:read")]
async fn read() {}

#[protect(feature = "o:data")]
async fn feature_scoped() {}

#[protect(feature = "data")]
async fn feature_bare() {}

#[protect(feature = "organization:data")]
async fn feature_long_scope() {}

#[protect(plan = "u:free")]
async fn plan() {}

#[protect(org)]
async fn org() {}

#[protect(fresh = "10m")]
async fn fresh_minutes() {}

#[protect(fresh = "2h")]
async fn fresh_hours() {}

#[protect(fresh = "1d")]
async fn fresh_days() {}

#[protect(fresh = "strict_mfa")]
async fn fresh_strict_mfa() {}

#[protect(fresh = "strict")]
async fn fresh_strict() {}

#[protect(fresh = "moderate")]
async fn fresh_moderate() {}

#[protect(fresh = "lax")]
async fn fresh_lax() {}

#[protect(condition = checks::is_owner)]
async fn owner() {}

#[protect(pending)]
async fn onboarding() {}

#[protect(any(role = "org:admin", permission = "org:data:delete"), fresh = "strict")]
async fn delete_item() {}

#[protect(all(org, any(role = "org:admin", condition = is_staff)), pending)]
async fn nested() {}

/// Doc comments, visibility, other attributes and extractors are kept.
#[protect(role = "org:member")]
#[allow(clippy::unused_async)]
pub async fn with_extractors(Path(id): Path<i64>, user: UserId) -> String {
    format!("{id} {user}")
}

fn protected(rule: Rule) -> Policy {
    Policy::Protected(Protection { rule, allow_pending: false, rate_limit: None, accepts: clerk_runtime::policy::Accepts::SESSION })
}

fn fresh(level: FactorLevel, after_minutes: u32) -> Rule {
    Rule::Fresh(Reverification { level, after_minutes })
}

fn main() {
    use FactorLevel::{MultiFactor, SecondFactor};

    assert_eq!(policy_of(&signed_in), protected(Rule::SignedIn));
    assert_eq!(policy_of(&admin), protected(Rule::Role("org:admin")));
    assert_eq!(policy_of(&read), protected(Rule::Permission("org:data:read")));
    assert_eq!(policy_of(&feature_scoped), protected(Rule::Feature("o:data")));
    assert_eq!(policy_of(&feature_bare), protected(Rule::Feature("data")));
    assert_eq!(policy_of(&feature_long_scope), protected(Rule::Feature("organization:data")));
    assert_eq!(policy_of(&plan), protected(Rule::Plan("u:free")));
    assert_eq!(policy_of(&org), protected(Rule::Org));
    assert_eq!(policy_of(&fresh_minutes), protected(fresh(SecondFactor, 10)));
    assert_eq!(policy_of(&fresh_hours), protected(fresh(SecondFactor, 120)));
    assert_eq!(policy_of(&fresh_days), protected(fresh(SecondFactor, 1440)));
    assert_eq!(policy_of(&fresh_strict_mfa), protected(fresh(MultiFactor, 10)));
    assert_eq!(policy_of(&fresh_strict), protected(fresh(SecondFactor, 10)));
    assert_eq!(policy_of(&fresh_moderate), protected(fresh(SecondFactor, 60)));
    assert_eq!(policy_of(&fresh_lax), protected(fresh(SecondFactor, 1440)));
    assert_eq!(
        policy_of(&owner),
        protected(Rule::Condition(Condition { name: "checks::is_owner", check: checks::is_owner }))
    );
    assert_eq!(
        policy_of(&onboarding),
        Policy::Protected(Protection { rule: Rule::SignedIn, allow_pending: true, rate_limit: None, accepts: clerk_runtime::policy::Accepts::SESSION })
    );
    // Nested rules borrow `'static` slices, so the expectations are consts.
    const DELETE_ITEM: Policy = Policy::Protected(Protection {
        rule: Rule::All(&[
            Rule::Any(&[Rule::Role("org:admin"), Rule::Permission("org:data:delete")]),
            Rule::Fresh(Reverification { level: SecondFactor, after_minutes: 10 }),
        ]),
        allow_pending: false,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    });
    const NESTED: Policy = Policy::Protected(Protection {
        rule: Rule::All(&[
            Rule::Org,
            Rule::Any(&[
                Rule::Role("org:admin"),
                Rule::Condition(Condition { name: "is_staff", check: is_staff }),
            ]),
        ]),
        allow_pending: true,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    });
    assert_eq!(policy_of(&delete_item), DELETE_ITEM);
    assert_eq!(policy_of(&nested), NESTED);
    assert_eq!(policy_of(&with_extractors), protected(Rule::Role("org:member")));
}
