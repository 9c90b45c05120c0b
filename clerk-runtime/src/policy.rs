//! Route policies as data: what `#[protect]` and `#[public]` compile to.
//!
//! A policy is a `const` value built by the macros; the route table lists it
//! and the guard evaluates it against the request's [`Auth`].

use crate::auth::Auth;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No session needed (`#[public]`).
    Public,
    /// A signed-in session that satisfies the protection (`#[protect(...)]`).
    Protected(Protection),
}

/// The requirements of a protected route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    /// What the session must satisfy; [`Rule::SignedIn`] for a bare `#[protect]`.
    pub rule: Rule,
    /// Whether a `pending` session (`sts: "pending"`) counts as signed in.
    pub allow_pending: bool,
}

/// One requirement over a signed-in session; combinators nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Which factor a reverification requirement looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorLevel {
    /// The first factor (password, code, ...).
    FirstFactor,
    /// The second factor, or the first when no second factor is enrolled.
    SecondFactor,
    /// Both factors, each within the age.
    MultiFactor,
}

/// A session-freshness requirement, as Clerk's `reverification` (`fva` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reverification {
    /// Which factor must be fresh.
    pub level: FactorLevel,
    /// The factor must have been verified less than this many minutes ago.
    pub after_minutes: u32,
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
