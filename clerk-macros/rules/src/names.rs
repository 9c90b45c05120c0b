//! The shape of Clerk names (`org:admin`, `org:data:read`, `o:pro`),
//! feature and plan scopes, and Clerk's built-in system permissions.
//!
//! The matching functions are `const fn` so that generated code can check
//! a name against the app's catalog during const evaluation (see
//! [`catalog_check`](crate::catalog_check)).

/// Which list of the catalog a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An organization role, `org:<role>`.
    Role,
    /// An organization permission, `org:<feature>:<action>`.
    Permission,
    /// A feature, `<scope>:<name>` or `<name>`.
    Feature,
    /// A plan, `<scope>:<name>` or `<name>`.
    Plan,
    /// A machine token's scope (API keys, OAuth tokens), e.g. `invoices:read`.
    Scope,
}

impl Kind {
    /// Every kind, in catalog order.
    pub const ALL: [Kind; 5] = [
        Kind::Role,
        Kind::Permission,
        Kind::Feature,
        Kind::Plan,
        Kind::Scope,
    ];

    /// The `#[protect]` argument naming one value of this kind.
    pub const fn singular(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::Permission => "permission",
            Kind::Feature => "feature",
            Kind::Plan => "plan",
            Kind::Scope => "scope",
        }
    }

    /// The `catalog!` key listing values of this kind.
    pub const fn plural(self) -> &'static str {
        match self {
            Kind::Role => "roles",
            Kind::Permission => "permissions",
            Kind::Feature => "features",
            Kind::Plan => "plans",
            Kind::Scope => "scopes",
        }
    }

    /// Position in [`Kind::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Clerk's system permissions: granted by Clerk but never written into
/// session tokens, so a server-side check on them is always false.
pub const SYSTEM_PERMISSIONS: [&str; 6] = [
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
];

/// Strips every leading `org:`, so `admin`, `org:admin` and `org:org:admin`
/// all name the same key; callers put exactly one `org:` back.
pub const fn normalize_org_key(key: &str) -> &str {
    let mut rest = key;
    // Split at byte 4, after ASCII: always a char boundary. No UTF-8
    // validation of the rest: this runs on every permission check.
    while let [b'o', b'r', b'g', b':', ..] = rest.as_bytes() {
        rest = rest.split_at(4).1;
    }
    rest
}

/// Whether a permission (with or without `org:`) is one of Clerk's system
/// permissions. Clerk reserves the `sys_` feature prefix, so any
/// `org:sys_*` permission counts, not only today's six.
pub const fn is_system_permission(name: &str) -> bool {
    matches!(
        normalize_org_key(name).as_bytes(),
        [b's', b'y', b's', b'_', ..]
    )
}

/// The scope of a feature or plan name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `o:`, `org:`, `organization:`: the active organization's.
    Org,
    /// `u:`, `user:`: the user's own.
    User,
}

/// The scope prefixes Clerk accepts, each with its [`Scope`].
pub const SCOPES: [(&str, Scope); 5] = [
    ("o", Scope::Org),
    ("org", Scope::Org),
    ("organization", Scope::Org),
    ("u", Scope::User),
    ("user", Scope::User),
];

/// Splits `scope:name` or bare `name` at the first `:`; `Err` carries the
/// unknown scope.
pub const fn split_scoped(value: &str) -> Result<(Option<Scope>, &str), &str> {
    let bytes = value.as_bytes();
    let mut colon = 0;
    while colon < bytes.len() && bytes[colon] != b':' {
        colon += 1;
    }
    if colon == bytes.len() {
        return Ok((None, value));
    }
    // Split as bytes (`str::split_at` is const only from 1.86): `:` is
    // ASCII, so both halves are whole UTF-8.
    let (scope, rest) = bytes.split_at(colon);
    let (_, name) = rest.split_at(1);
    let (Ok(scope), Ok(name)) = (core::str::from_utf8(scope), core::str::from_utf8(name)) else {
        // Unreachable: split at an ASCII byte of valid UTF-8.
        return Ok((None, value));
    };
    let mut i = 0;
    while i < SCOPES.len() {
        if str_eq(scope, SCOPES[i].0) {
            return Ok((Some(SCOPES[i].1), name));
        }
        i += 1;
    }
    Err(scope)
}

/// `a == b`, usable in `const fn`.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

fn is_key(part: &str) -> bool {
    !part.is_empty()
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks that `value` is written the way Clerk spells a name of `kind`.
/// The error says what to write instead.
pub fn check_shape(kind: Kind, value: &str) -> Result<(), String> {
    match kind {
        Kind::Role => check_role(value),
        Kind::Permission => check_permission(value),
        Kind::Feature | Kind::Plan => check_scoped(kind, value),
        Kind::Scope => check_token_scope(value),
    }
}

/// A machine token's scope: one word of visible ASCII, as scopes travel
/// space-separated in tokens (RFC 6749 §3.3) and quoted in
/// `WWW-Authenticate` (no `"` or `\\`).
fn check_token_scope(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "malformed scope \"{}\": a scope is one word of visible ASCII without quotes or \
             backslashes, e.g. \"invoices:read\"",
            value.escape_default()
        ))
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
pub const fn names_match(kind: Kind, used: &str, declared: &str) -> bool {
    match kind {
        Kind::Role | Kind::Permission | Kind::Scope => str_eq(used, declared),
        Kind::Feature | Kind::Plan => match (split_scoped(used), split_scoped(declared)) {
            (Ok((us, un)), Ok((ds, dn))) => {
                str_eq(un, dn)
                    && matches!(
                        (us, ds),
                        (None, _)
                            | (_, None)
                            | (Some(Scope::Org), Some(Scope::Org))
                            | (Some(Scope::User), Some(Scope::User))
                    )
            }
            _ => str_eq(used, declared),
        },
    }
}

/// Whether `name` of `kind` is one of `declared`.
pub const fn is_declared(kind: Kind, name: &str, declared: &[&str]) -> bool {
    let mut i = 0;
    while i < declared.len() {
        if names_match(kind, name, declared[i]) {
            return true;
        }
        i += 1;
    }
    false
}

/// Longest name [`did_you_mean`] compares, in bytes; longer names get no
/// suggestion. Clerk keys are short, and the bound keeps the distance
/// table on the stack in `const fn`.
pub const MAX_SUGGESTED_LEN: usize = 64;

/// The closest candidate to `value`, when one is close enough to be a typo:
/// normalised edit distance (adjacent transpositions count one) of at most
/// 0.3, which catches one or two wrong letters in a short name
/// ("reed"/"read", "admn"/"admin") without proposing unrelated names.
/// The first of equally close candidates wins.
pub const fn did_you_mean<'a>(value: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let mut best: Option<&'a str> = None;
    // Compared as `distance / longest` by cross-multiplying, to stay integral.
    let (mut best_distance, mut best_longest) = (0usize, 1usize);
    let mut i = 0;
    while i < candidates.len() {
        let candidate = candidates[i];
        i += 1;
        let Some(distance) = edit_distance(value.as_bytes(), candidate.as_bytes()) else {
            continue;
        };
        let longest = if value.len() > candidate.len() {
            value.len()
        } else {
            candidate.len()
        };
        if longest == 0 || distance * 10 > longest * 3 {
            continue;
        }
        if best.is_none() || distance * best_longest < best_distance * longest {
            best = Some(candidate);
            best_distance = distance;
            best_longest = longest;
        }
    }
    best
}

/// Optimal string alignment distance (Levenshtein plus adjacent
/// transpositions); `None` when either side is longer than
/// [`MAX_SUGGESTED_LEN`].
const fn edit_distance(a: &[u8], b: &[u8]) -> Option<usize> {
    const W: usize = MAX_SUGGESTED_LEN + 1;
    if a.len() > MAX_SUGGESTED_LEN || b.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    // Three rows of the dynamic-programming table: i-2, i-1, i.
    let mut two_back = [0usize; W];
    let mut previous = [0usize; W];
    let mut current = [0usize; W];
    let mut j = 0;
    while j <= b.len() {
        previous[j] = j;
        j += 1;
    }
    let mut i = 1;
    while i <= a.len() {
        current[0] = i;
        let mut j = 1;
        while j <= b.len() {
            let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            let mut best = previous[j] + 1;
            if current[j - 1] + 1 < best {
                best = current[j - 1] + 1;
            }
            if previous[j - 1] + cost < best {
                best = previous[j - 1] + cost;
            }
            if i > 1
                && j > 1
                && a[i - 1] == b[j - 2]
                && a[i - 2] == b[j - 1]
                && two_back[j - 2] + 1 < best
            {
                best = two_back[j - 2] + 1;
            }
            current[j] = best;
            j += 1;
        }
        two_back = previous;
        previous = current;
        i += 1;
    }
    Some(previous[b.len()])
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
        assert_eq!(did_you_mean("org:data:reed", &known), Some("org:data:read"));
    }

    #[test]
    fn did_you_mean_proposes_nothing_for_unrelated_name() {
        assert_eq!(did_you_mean("org:billing:export", &["org:admin"]), None);
    }

    #[test]
    fn did_you_mean_counts_a_swap_as_one_edit() {
        assert_eq!(did_you_mean("org:amdin", &["org:admin"]), Some("org:admin"));
    }

    #[test]
    fn did_you_mean_prefers_the_closest() {
        let known = ["org:data:write", "org:data:read"];
        assert_eq!(did_you_mean("org:data:rea", &known), Some("org:data:read"));
    }

    #[test]
    fn system_permissions_count_with_or_without_org_prefix() {
        assert!(is_system_permission("sys_memberships:read"));
        assert!(is_system_permission("org:org:sys_x:y"));
        assert_eq!(normalize_org_key("org:org:admin"), "admin");
    }

    #[test]
    fn unknown_scope_is_returned() {
        assert_eq!(split_scoped("team:pro"), Err("team"));
        assert_eq!(split_scoped("pro"), Ok((None, "pro")));
        assert_eq!(split_scoped("org:pro"), Ok((Some(Scope::Org), "pro")));
    }

    #[test]
    fn bare_feature_matches_scoped_declaration() {
        assert!(names_match(Kind::Feature, "data", "o:data"));
        assert!(names_match(Kind::Feature, "org:data", "o:data"));
        assert!(!names_match(Kind::Feature, "u:data", "o:data"));
    }
}
