//! Features (`fea`) and plans (`pla`): `scope:name` lists of the v2 claims.

use std::fmt;

use super::text::{Span, Text};

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

/// One feature or plan, e.g. `o:pro` → `{ scope: Org, name: "pro" }`,
/// borrowed from its session.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entitlement<'a> {
    scope: Scope,
    name: &'a str,
}

impl<'a> Entitlement<'a> {
    /// Who holds it.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Its name, without the scope.
    pub fn name(&self) -> &'a str {
        self.name
    }
}

impl fmt::Debug for Entitlement<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// As the claim spells it: `o:pro`, `u:free`, `ou:reports`.
impl fmt::Display for Entitlement<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = match self.scope {
            Scope::User => "u",
            Scope::Org => "o",
            Scope::Both => "ou",
        };
        write!(f, "{scope}:{}", self.name)
    }
}

/// A `fea` or `pla` claim as the session keeps it: the claim's text, read
/// entry by entry when asked. The lists are a few entries long; one string
/// per entry cost a cold request an allocation each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntitlementClaim {
    text: Span,
    /// An element without a colon: Clerk's parser throws on it, so every
    /// check against this claim fails rather than guessing.
    malformed: bool,
}

impl EntitlementClaim {
    /// Keeps `claim` in `text`.
    pub(crate) fn decode(claim: &str, text: &mut Text) -> Self {
        Self {
            text: text.push(&[claim]),
            malformed: Entitlements::parse(claim).malformed,
        }
    }

    /// The claim, read from its session's `text`.
    pub(crate) fn read(self, text: &Text) -> Entitlements<'_> {
        Entitlements {
            claim: text.get(self.text),
            malformed: self.malformed,
        }
    }
}

/// A `fea` or `pla` claim's entries, read from the claim's text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entitlements<'a> {
    claim: &'a str,
    malformed: bool,
}

impl<'a> Entitlements<'a> {
    /// `claim` as a token carries it, read in place.
    pub(crate) fn parse(claim: &'a str) -> Self {
        Self {
            claim,
            malformed: entries(claim).any(|e| e.is_none()),
        }
    }

    /// The entries of `"scope:name,..."`, each trimmed, in claim order.
    /// Elements with an unknown scope are skipped, as Clerk does.
    pub(crate) fn items(self) -> impl Iterator<Item = Entitlement<'a>> {
        entries(self.claim).flatten()
    }

    /// Names of organization entries (`o`, `ou`, `uo`), in claim order.
    pub(crate) fn org_names(self) -> impl Iterator<Item = &'a str> {
        self.items().filter(|e| e.scope.is_org()).map(|e| e.name)
    }

    /// Clerk's feature/plan check: `scope:name` or bare `name`.
    ///
    /// Scope `o`/`org`/`organization` looks at organization entries,
    /// `u`/`user` at user entries, none at both; any other scope fails.
    pub(crate) fn grants(self, query: &str) -> bool {
        if self.malformed {
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
        self.items().any(|e| {
            e.name == name && ((want_org && e.scope.is_org()) || (want_user && e.scope.is_user()))
        })
    }
}

/// Each trimmed element of a claim, `None` for one without a colon;
/// elements with an unknown scope are skipped.
fn entries(claim: &str) -> impl Iterator<Item = Option<Entitlement<'_>>> {
    split_ascii(claim, b',').filter_map(|part| {
        let part = part.trim();
        match part.bytes().position(|b| b == b':') {
            Some(colon) => Scope::parse(&part[..colon]).map(|scope| {
                Some(Entitlement {
                    scope,
                    name: &part[colon + 1..],
                })
            }),
            None => Some(None),
        }
    })
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
