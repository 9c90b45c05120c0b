//! The shape of Clerk names (`org:admin`, `org:data:read`, `o:pro`) and
//! Clerk's built-in system permissions.

/// Which list of the catalog a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Role,
    Permission,
    Feature,
    Plan,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [Kind::Role, Kind::Permission, Kind::Feature, Kind::Plan];

    /// The `#[protect]` argument naming one value of this kind.
    pub(crate) fn singular(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::Permission => "permission",
            Kind::Feature => "feature",
            Kind::Plan => "plan",
        }
    }

    /// The `catalog!` key listing values of this kind.
    pub(crate) fn plural(self) -> &'static str {
        match self {
            Kind::Role => "roles",
            Kind::Permission => "permissions",
            Kind::Feature => "features",
            Kind::Plan => "plans",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Clerk's system permissions: granted by Clerk but never written into
/// session tokens, so a server-side check on them is always false.
pub(crate) const SYSTEM_PERMISSIONS: [&str; 6] = [
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
];

/// Whether a permission is one of Clerk's system permissions (the
/// `sys_` feature prefix is reserved by Clerk).
pub(crate) fn is_system_permission(name: &str) -> bool {
    name.starts_with("org:sys_")
}

/// The scope of a feature or plan argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Org,
    User,
}

/// Splits `scope:name` or bare `name`; `Err` names the unknown scope.
pub(crate) fn split_scoped(value: &str) -> Result<(Option<Scope>, &str), &str> {
    match value.split_once(':') {
        None => Ok((None, value)),
        Some((scope, name)) => match scope {
            "o" | "org" | "organization" => Ok((Some(Scope::Org), name)),
            "u" | "user" => Ok((Some(Scope::User), name)),
            other => Err(other),
        },
    }
}

fn is_key(part: &str) -> bool {
    !part.is_empty()
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks that `value` is written the way Clerk spells a name of `kind`.
/// The error says what to write instead.
pub(crate) fn check_shape(kind: Kind, value: &str) -> Result<(), String> {
    match kind {
        Kind::Role => check_role(value),
        Kind::Permission => check_permission(value),
        Kind::Feature | Kind::Plan => check_scoped(kind, value),
    }
}

fn check_role(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split(':').collect();
    match parts.as_slice() {
        ["org", name] if is_key(name) => Ok(()),
        [name] if is_key(name) => Err(format!(
            "role \"{value}\" is missing the \"org:\" prefix: write \"org:{value}\""
        )),
        ["org", feature, action] if is_key(feature) && is_key(action) => Err(format!(
            "\"{value}\" is a permission, not a role: write `permission = \"{value}\"`"
        )),
        _ => Err(format!(
            "malformed role \"{value}\": a role is written \"org:<role>\", e.g. \"org:admin\""
        )),
    }
}

fn check_permission(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split(':').collect();
    match parts.as_slice() {
        ["org", feature, action] if is_key(feature) && is_key(action) => Ok(()),
        ["org", feature] if is_key(feature) => Err(format!(
            "permission \"{value}\" is missing its action: a permission is written \
             \"org:<feature>:<action>\", e.g. \"{value}:read\""
        )),
        [feature, action] if is_key(feature) && is_key(action) => Err(format!(
            "permission \"{value}\" is missing the \"org:\" prefix: write \"org:{value}\""
        )),
        _ => Err(format!(
            "malformed permission \"{value}\": a permission is written \
             \"org:<feature>:<action>\", e.g. \"org:data:read\""
        )),
    }
}

fn check_scoped(kind: Kind, value: &str) -> Result<(), String> {
    let what = kind.singular();
    match split_scoped(value) {
        Ok((_, name)) if is_key(name) => Ok(()),
        Ok(_) => Err(format!(
            "malformed {what} \"{value}\": write \"<name>\" or \"<scope>:<name>\" \
             with scope o, org, organization, u or user, e.g. \"o:pro\""
        )),
        Err(scope) => Err(format!(
            "unknown scope \"{scope}\" in {what} \"{value}\": the scope is o, org, \
             organization (the active organization's) or u, user (the user's), \
             or leave it out to accept either"
        )),
    }
}

/// Whether the argument `used` names the catalog entry `declared`.
/// Features and plans match by name when either side has no scope.
pub(crate) fn names_match(kind: Kind, used: &str, declared: &str) -> bool {
    match kind {
        Kind::Role | Kind::Permission => used == declared,
        Kind::Feature | Kind::Plan => match (split_scoped(used), split_scoped(declared)) {
            (Ok((us, un)), Ok((ds, dn))) => un == dn && (us.is_none() || ds.is_none() || us == ds),
            _ => used == declared,
        },
    }
}

/// The closest candidate to `value`, when one is close enough to be a typo.
pub(crate) fn did_you_mean<'a>(
    value: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // 0.7 catches one or two wrong letters in a short name ("reed"/"read",
    // "admn"/"admin") without proposing unrelated names.
    const THRESHOLD: f64 = 0.7;
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(value, candidate),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_needs_org_prefix_and_says_what_to_write() {
        let message = check_shape(Kind::Role, "admin").unwrap_err();
        assert!(message.contains("write \"org:admin\""), "{message}");
    }

    #[test]
    fn role_accepts_org_name() {
        assert_eq!(check_shape(Kind::Role, "org:admin"), Ok(()));
    }

    #[test]
    fn permission_without_action_is_rejected() {
        let message = check_shape(Kind::Permission, "org:data").unwrap_err();
        assert!(message.contains("\"org:data:read\""), "{message}");
    }

    #[test]
    fn permission_accepts_three_parts() {
        assert_eq!(
            check_shape(Kind::Permission, "org:support-chat:read"),
            Ok(())
        );
    }

    #[test]
    fn permission_given_as_role_is_pointed_out() {
        let message = check_shape(Kind::Role, "org:data:read").unwrap_err();
        assert!(
            message.contains("permission = \"org:data:read\""),
            "{message}"
        );
    }

    #[test]
    fn feature_accepts_known_scopes_and_bare_names() {
        for value in [
            "o:data",
            "org:data",
            "organization:data",
            "u:beta",
            "user:beta",
            "beta",
        ] {
            assert_eq!(check_shape(Kind::Feature, value), Ok(()), "{value}");
        }
    }

    #[test]
    fn feature_with_unknown_scope_is_rejected() {
        let message = check_shape(Kind::Plan, "team:pro").unwrap_err();
        assert!(message.contains("unknown scope \"team\""), "{message}");
    }

    #[test]
    fn system_permissions_are_recognised() {
        assert!(SYSTEM_PERMISSIONS.iter().all(|p| is_system_permission(p)));
        assert!(!is_system_permission("org:data:read"));
    }

    #[test]
    fn did_you_mean_finds_one_letter_typo() {
        let known = ["org:data:read", "org:data:write"];
        assert_eq!(did_you_mean("org:data:reed", known), Some("org:data:read"));
    }

    #[test]
    fn did_you_mean_proposes_nothing_for_unrelated_name() {
        assert_eq!(did_you_mean("org:billing:export", ["org:admin"]), None);
    }

    #[test]
    fn bare_feature_matches_scoped_declaration() {
        assert!(names_match(Kind::Feature, "data", "o:data"));
        assert!(names_match(Kind::Feature, "org:data", "o:data"));
        assert!(!names_match(Kind::Feature, "u:data", "o:data"));
    }
}
