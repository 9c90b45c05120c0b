//! Features (`fea`) and plans (`pla`): `scope:name` lists of the v2 claims.

use std::fmt;

/// Who an entitlement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The user (`u:`).
    User,
    /// The active organization (`o:`).
    Org,
    /// Both the user and the organization (`ou:` or `uo:`).
    Both,
}

impl Scope {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "u" => Some(Self::User),
            "o" => Some(Self::Org),
            "ou" | "uo" => Some(Self::Both),
            _ => None,
        }
    }

    /// Whether entries of this scope count as organization entries.
    pub fn is_org(self) -> bool {
        matches!(self, Self::Org | Self::Both)
    }

    /// Whether entries of this scope count as user entries.
    pub fn is_user(self) -> bool {
        matches!(self, Self::User | Self::Both)
    }
}

/// One feature or plan, e.g. `o:pro` → `{ scope: Org, name: "pro" }`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Entitlement {
    pub(crate) scope: Scope,
    pub(crate) name: Box<str>,
}

impl Entitlement {
    /// Who holds it.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Its name, without the scope.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Entitlement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// As the claim spells it: `o:pro`, `u:free`, `ou:reports`.
impl fmt::Display for Entitlement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = match self.scope {
            Scope::User => "u",
            Scope::Org => "o",
            Scope::Both => "ou",
        };
        write!(f, "{scope}:{}", self.name)
    }
}

/// A parsed `fea` or `pla` claim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Entitlements {
    items: Box<[Entitlement]>,
    /// An element without a colon: Clerk's parser throws on it, so every
    /// check against this claim fails rather than guessing.
    malformed: bool,
}

impl Entitlements {
    /// Parses `"scope:name,..."`, trimming each element. Elements with an
    /// unknown scope are skipped, as Clerk does.
    pub(crate) fn parse(claim: &str) -> Self {
        // Sized up front, so boxing the slice does not reallocate.
        let mut items = Vec::with_capacity(claim.bytes().filter(|&b| b == b',').count() + 1);
        let mut malformed = false;
        for part in split_ascii(claim, b',').map(str::trim) {
            match part.bytes().position(|b| b == b':') {
                Some(colon) => {
                    if let Some(scope) = Scope::parse(&part[..colon]) {
                        items.push(Entitlement {
                            scope,
                            name: part[colon + 1..].into(),
                        });
                    }
                }
                None => malformed = true,
            }
        }
        Self {
            items: items.into_boxed_slice(),
            malformed,
        }
    }

    pub(crate) fn items(&self) -> &[Entitlement] {
        &self.items
    }

    /// Names of organization entries (`o`, `ou`, `uo`), in claim order.
    pub(crate) fn org_names(&self) -> impl Iterator<Item = &str> {
        self.items
            .iter()
            .filter(|e| e.scope.is_org())
            .map(|e| &*e.name)
    }

    /// Clerk's feature/plan check: `scope:name` or bare `name`.
    ///
    /// Scope `o`/`org`/`organization` looks at organization entries,
    /// `u`/`user` at user entries, none at both; any other scope fails.
    pub(crate) fn grants(&self, query: &str) -> bool {
        if self.malformed || self.items.is_empty() {
            return false;
        }
        // Clerk splits the argument on every colon and keeps the first two parts.
        let mut parts = query.split(':');
        let first = parts.next().unwrap_or_default();
        let (want_org, want_user, name) = match parts.next() {
            None => (true, true, first),
            // `o:` with nothing after it asks for a feature named `o`, as in Clerk.
            Some(name) => match first {
                "o" | "org" | "organization" => (true, false, non_empty_or(name, first)),
                "u" | "user" => (false, true, non_empty_or(name, first)),
                _ => return false,
            },
        };
        self.items.iter().any(|e| {
            &*e.name == name && ((want_org && e.scope.is_org()) || (want_user && e.scope.is_user()))
        })
    }
}

/// `s.split(sep)` for an ASCII `sep`, as a plain byte loop: claim lists are
/// short, and `str::split(char)` spends more setting up its search than
/// scanning (a third of a cold verification's claim decoding, by callgrind).
pub(crate) fn split_ascii(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    debug_assert!(sep.is_ascii());
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.bytes().position(|b| b == sep) {
            Some(i) => {
                rest = Some(&current[i + 1..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

fn non_empty_or<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.is_empty() { fallback } else { s }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::split_ascii;

    proptest! {
        #[test]
        fn split_ascii_is_str_split(s in "[a-c,:é ]{0,12}") {
            prop_assert_eq!(
                split_ascii(&s, b',').collect::<Vec<_>>(),
                s.split(',').collect::<Vec<_>>()
            );
        }
    }
}
