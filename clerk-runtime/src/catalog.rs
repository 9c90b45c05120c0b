//! The app's declared names, as `catalog!` emits them.

/// The role, permission, feature, plan and scope names an app declares with
/// `catalog!`; the macro emits it as `CATALOG`.
///
/// `#[protect]` checks its arguments against the same declaration at compile
/// time; at run time this is for listings (an admin UI, an audit log, a
/// test that every declared permission is used by some route).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Catalog {
    /// Organization roles, e.g. `org:admin`.
    pub roles: &'static [&'static str],
    /// Organization permissions, e.g. `org:data:read`.
    pub permissions: &'static [&'static str],
    /// Features, `scope:name` or bare `name`, e.g. `o:data`.
    pub features: &'static [&'static str],
    /// Plans, `scope:name` or bare `name`, e.g. `o:pro`.
    pub plans: &'static [&'static str],
    /// Scopes machine tokens may carry, e.g. `invoices:read`.
    pub scopes: &'static [&'static str],
}

impl Catalog {
    /// A catalog declaring nothing.
    pub const EMPTY: Catalog = Catalog {
        roles: &[],
        permissions: &[],
        features: &[],
        plans: &[],
        scopes: &[],
    };
}
