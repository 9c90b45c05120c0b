//! The dev mode's pretend users and organizations (what Clerk's dashboard
//! holds in production). Only dev mode reads this.

/// A dev user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevUser {
    /// `user_...`
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Primary email (the `email` custom claim).
    pub email: &'static str,
    /// Public metadata role (the `metadata.role` custom claim).
    pub metadata_role: &'static str,
}

/// A dev organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevOrganization {
    /// `org_...`
    pub id: &'static str,
    /// Slug.
    pub slug: &'static str,
    /// Display name.
    pub name: &'static str,
}

/// Users offered on the dev sign-in page.
pub const USERS: &[DevUser] = &[
    DevUser {
        id: "user_alice",
        name: "Alice Admin",
        email: "alice@example.com",
        metadata_role: "admin",
    },
    DevUser {
        id: "user_bob",
        name: "Bob Member",
        email: "bob@example.com",
        metadata_role: "user",
    },
    DevUser {
        id: "user_carol",
        name: "Carol Solo",
        email: "carol@example.com",
        metadata_role: "user",
    },
];

/// Organizations offered on the dev sign-in page and in the switcher.
pub const ORGANIZATIONS: &[DevOrganization] = &[
    DevOrganization {
        id: "org_acme",
        slug: "acme",
        name: "Acme Inc",
    },
    DevOrganization {
        id: "org_globex",
        slug: "globex",
        name: "Globex",
    },
];

/// Features offered on the dev sign-in page.
pub const FEATURES: &[&str] = &["o:data", "u:beta"];

/// Permissions a role gets when none are chosen explicitly (the org switcher),
/// as Clerk's default roles: admins everything, members read.
pub fn role_permissions(role: &str) -> &'static [&'static str] {
    match role {
        "org:admin" => &["org:data:read", "org:data:write", "org:data:delete"],
        "org:member" => &["org:data:read"],
        _ => &[],
    }
}

/// The user with `id`.
pub fn user(id: &str) -> Option<&'static DevUser> {
    USERS.iter().find(|u| u.id == id)
}

/// The organization with `id`.
pub fn organization(id: &str) -> Option<&'static DevOrganization> {
    ORGANIZATIONS.iter().find(|o| o.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CATALOG;

    /// The dev directory names roles, permissions and features at run time;
    /// they must be the ones `catalog!` declares (and `#[protect]` checks).
    #[test]
    fn every_dev_name_is_declared_in_the_catalog() {
        for role in CATALOG.roles {
            for permission in role_permissions(role) {
                assert!(CATALOG.permissions.contains(permission), "{permission}");
            }
        }
        assert!(!role_permissions("org:admin").is_empty());
        assert!(CATALOG.roles.contains(&"org:admin"));
        assert!(CATALOG.roles.contains(&"org:member"));
        for feature in FEATURES {
            assert!(CATALOG.features.contains(feature), "{feature}");
        }
    }
}
