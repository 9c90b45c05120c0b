//! The const-evaluated backstop of `#[protect]`'s catalog check.
//!
//! `#[protect]` checks its names against the app's `catalog!` by reading
//! source, which cannot work everywhere (a catalog in another crate, no
//! source file). So it also emits, for every name,
//!
//! ```ignore
//! const _: () = ::clerk_runtime::__private::catalog_check::assert_permission(
//!     &crate::__CLERK_CATALOG, "org:data:read");
//! ```
//!
//! against the [`CatalogNames`] that `catalog!` expands to next to
//! `CATALOG`. A name the catalog does not declare fails const evaluation,
//! and so the build, with the same message the macro gives.

use crate::names::{Kind, did_you_mean, is_declared};

/// The names one `catalog!` declares, as generated code writes them.
///
/// `catalog!` emits it as the hidden `__CLERK_CATALOG` beside `CATALOG`;
/// unlike `clerk_runtime::Catalog` it tells a list the app left out (not
/// checked) from an empty one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogNames {
    /// One list per [`Kind`], in [`Kind::ALL`] order; `None` when not declared.
    pub lists: [Option<&'static [&'static str]>; 5],
    /// Where the `catalog!` is, e.g. `src/main.rs:3`, for the error note.
    pub origin: &'static str,
}

impl CatalogNames {
    /// The declared list of `kind`, if the app declared one.
    pub const fn list(&self, kind: Kind) -> Option<&'static [&'static str]> {
        self.lists[kind.index()]
    }
}

/// Fails const evaluation unless `name` is a role `catalog` declares.
#[track_caller]
pub const fn assert_role(catalog: &CatalogNames, name: &str) {
    assert_declared(catalog, Kind::Role, name)
}

/// Fails const evaluation unless `name` is a permission `catalog` declares.
#[track_caller]
pub const fn assert_permission(catalog: &CatalogNames, name: &str) {
    assert_declared(catalog, Kind::Permission, name)
}

/// Fails const evaluation unless `name` is a feature `catalog` declares.
#[track_caller]
pub const fn assert_feature(catalog: &CatalogNames, name: &str) {
    assert_declared(catalog, Kind::Feature, name)
}

/// Fails const evaluation unless `name` is a plan `catalog` declares.
#[track_caller]
pub const fn assert_plan(catalog: &CatalogNames, name: &str) {
    assert_declared(catalog, Kind::Plan, name)
}

/// Fails const evaluation unless `name` is a scope `catalog` declares.
#[track_caller]
pub const fn assert_scope(catalog: &CatalogNames, name: &str) {
    assert_declared(catalog, Kind::Scope, name)
}

/// Fails const evaluation unless `catalog` declares `name` of `kind`, or
/// declares no list of that kind (then only the name's shape is checked,
/// which the macro has done).
#[track_caller]
pub const fn assert_declared(catalog: &CatalogNames, kind: Kind, name: &str) {
    let Some(known) = catalog.list(kind) else {
        return;
    };
    if is_declared(kind, name, known) {
        return;
    }
    let mut message = Message::new();
    message.push("unknown ");
    message.push(kind.singular());
    message.push(" \"");
    message.push(name);
    message.push("\"");
    match did_you_mean(name, known) {
        Some(suggestion) => {
            message.push(": did you mean \"");
            message.push(suggestion);
            message.push("\"?");
        }
        None if known.is_empty() => {
            message.push(": the catalog declares no ");
            message.push(kind.plural());
        }
        None => {
            message.push(": known ");
            message.push(kind.plural());
            message.push(" are ");
            let mut i = 0;
            while i < known.len() {
                if i > 0 {
                    message.push(", ");
                }
                message.push("\"");
                message.push(known[i]);
                message.push("\"");
                i += 1;
            }
        }
    }
    message.push("\nnote: known ");
    message.push(kind.plural());
    message.push(" are declared in `catalog!` at ");
    message.push(catalog.origin);
    message.push("; add it there if it is new");
    panic!("{}", message.as_str())
}

/// Longest backstop message in bytes; a longer one ends in `...`. Room for
/// the name, the note and a list of a few dozen known names.
const MESSAGE_CAPACITY: usize = 1024;

/// A message assembled in const evaluation, where there is no `format!`.
struct Message {
    bytes: [u8; MESSAGE_CAPACITY],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Self {
            bytes: [0; MESSAGE_CAPACITY],
            len: 0,
        }
    }

    /// Appends `text` whole, or `...` once it no longer fits (whole pieces
    /// only, so the buffer never ends inside a UTF-8 character).
    const fn push(&mut self, text: &str) {
        const ELLIPSIS: &[u8] = b"...";
        let text = text.as_bytes();
        if self.len + text.len() + ELLIPSIS.len() > MESSAGE_CAPACITY {
            if self.len + ELLIPSIS.len() <= MESSAGE_CAPACITY && !self.ends_with(ELLIPSIS) {
                self.append(ELLIPSIS);
            }
            return;
        }
        self.append(text);
    }

    const fn append(&mut self, text: &[u8]) {
        let mut i = 0;
        while i < text.len() {
            self.bytes[self.len] = text[i];
            self.len += 1;
            i += 1;
        }
    }

    const fn ends_with(&self, suffix: &[u8]) -> bool {
        if self.len < suffix.len() {
            return false;
        }
        let mut i = 0;
        while i < suffix.len() {
            if self.bytes[self.len - suffix.len() + i] != suffix[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    const fn as_str(&self) -> &str {
        let (text, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(text) {
            Ok(text) => text,
            // Unreachable: only whole `&str`s and ASCII were appended.
            Err(_) => "unknown name (the message could not be assembled)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: CatalogNames = CatalogNames {
        lists: [
            Some(&["org:admin"]),
            Some(&["org:data:read", "org:data:write"]),
            None,
            Some(&[]),
            None,
        ],
        origin: "src/main.rs:3",
    };

    fn message_of(kind: Kind, name: &str) -> Option<String> {
        std::panic::catch_unwind(|| assert_declared(&CATALOG, kind, name))
            .err()
            .map(|panic| match panic.downcast::<String>() {
                Ok(text) => *text,
                Err(panic) => panic
                    .downcast::<&str>()
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            })
    }

    #[test]
    fn declared_names_pass() {
        assert_permission(&CATALOG, "org:data:read");
        assert_role(&CATALOG, "org:admin");
    }

    #[test]
    fn a_list_left_out_is_not_checked() {
        assert_feature(&CATALOG, "o:anything");
    }

    #[test]
    fn misspelt_permission_says_what_was_meant_and_where_the_catalog_is() {
        assert_eq!(
            message_of(Kind::Permission, "org:data:reed").as_deref(),
            Some(
                "unknown permission \"org:data:reed\": did you mean \"org:data:read\"?\n\
                 note: known permissions are declared in `catalog!` at src/main.rs:3; add it there if it is new"
            )
        );
    }

    #[test]
    fn unrelated_name_lists_the_known_ones() {
        let message = message_of(Kind::Role, "org:billing").unwrap();
        assert!(
            message.starts_with("unknown role \"org:billing\": known roles are \"org:admin\""),
            "{message}"
        );
    }

    #[test]
    fn empty_list_says_nothing_is_declared() {
        let message = message_of(Kind::Plan, "o:pro").unwrap();
        assert!(
            message.contains("the catalog declares no plans"),
            "{message}"
        );
    }

    #[test]
    fn long_messages_are_cut_with_an_ellipsis() {
        let mut message = Message::new();
        for _ in 0..200 {
            message.push("0123456789");
        }
        assert!(message.as_str().ends_with("..."));
        assert!(message.as_str().len() <= MESSAGE_CAPACITY);
    }
}
