//! The app's catalog of role, permission, feature and plan names, and the
//! checks `#[protect]` runs on every name it is given.
//!
//! `catalog!` is an ordinary invocation in the user's source; `#[protect]`
//! cannot see the user's items, so [`locate`] reads the source file the
//! attribute expands in (and the module files above it, up to `main.rs` /
//! `lib.rs`) and finds the `catalog!` there. See the crate docs for why.

mod expand;
mod locate;
mod parse;
mod scan;

use syn::LitStr;

pub(crate) use clerk_rules::names::Kind;
pub(crate) use expand::expand_catalog;
pub(crate) use locate::{Lookup, locate};
pub(crate) use parse::CatalogInput;

use crate::ctxt::Ctxt;
use clerk_rules::names::{
    SYSTEM_PERMISSIONS, check_shape, did_you_mean, is_system_permission, names_match,
};

/// The declared names, one optional list per [`Kind`]; a list the app did
/// not declare is not checked (only the shape of its names is).
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    lists: [Option<Vec<String>>; 5],
    /// Where the `catalog!` is, as `path:line`, for the error note.
    pub(crate) origin: String,
}

impl Catalog {
    pub(crate) fn from_input(input: &CatalogInput, origin: String) -> Self {
        let mut lists: [Option<Vec<String>>; 5] = Default::default();
        for entry in &input.entries {
            if let Some(kind) = entry.kind {
                lists[kind.index()]
                    .get_or_insert_with(Vec::new)
                    .extend(entry.values.iter().map(LitStr::value));
            }
        }
        Self { lists, origin }
    }

    /// A `catalog!` that is there but does not parse: it reports its own
    /// errors, so names are checked for shape only.
    pub(crate) fn unreadable(origin: String) -> Self {
        Self {
            lists: Default::default(),
            origin,
        }
    }

    pub(crate) fn list(&self, kind: Kind) -> Option<&[String]> {
        self.lists[kind.index()].as_deref()
    }
}

/// Checks the shape of one name given to `#[protect]`, and that it is not
/// a system permission; `false` (and an error at the literal) when not.
pub(crate) fn check_shape_of(cx: &mut Ctxt, kind: Kind, lit: &LitStr) -> bool {
    let value = lit.value();
    if kind == Kind::Permission && is_system_permission(&value) {
        cx.error_spanned_by(lit, system_permission_message(&value));
        return false;
    }
    if let Err(message) = check_shape(kind, &value) {
        cx.error_spanned_by(lit, message);
        return false;
    }
    true
}

/// Checks that a well-shaped name is in the catalog, when the app declared
/// that list. The error points at the literal, with a did-you-mean and
/// where the catalog is; `false` when it was reported.
pub(crate) fn check_declared(cx: &mut Ctxt, kind: Kind, lit: &LitStr, catalog: &Catalog) -> bool {
    let value = lit.value();
    let Some(known) = catalog.list(kind) else {
        return true;
    };
    if known
        .iter()
        .any(|declared| names_match(kind, &value, declared))
    {
        return true;
    }
    let what = kind.singular();
    let mut message = format!("unknown {what} \"{value}\"");
    let known_names: Vec<&str> = known.iter().map(String::as_str).collect();
    match did_you_mean(&value, &known_names) {
        Some(suggestion) => message.push_str(&format!(": did you mean \"{suggestion}\"?")),
        None if known.is_empty() => {
            message.push_str(&format!(": the catalog declares no {}", kind.plural()))
        }
        None => {
            let list: Vec<String> = known.iter().map(|k| format!("\"{k}\"")).collect();
            message.push_str(&format!(
                ": known {} are {}",
                kind.plural(),
                list.join(", ")
            ));
        }
    }
    message.push_str(&format!(
        "\nnote: known {} are declared in `catalog!` at {}; add it there if it is new",
        kind.plural(),
        catalog.origin
    ));
    cx.error_spanned_by(lit, message);
    false
}

/// Why `org:sys_...` cannot protect a route.
pub(crate) fn system_permission_message(value: &str) -> String {
    let known = if SYSTEM_PERMISSIONS.contains(&value) {
        "a Clerk system permission"
    } else {
        "in Clerk's reserved `sys_` namespace (system permissions)"
    };
    format!(
        "\"{value}\" is {known}: Clerk never puts system permissions in session tokens, \
         so a server-side check on it is always false\n\
         help: protect the route with a role (e.g. `role = \"org:admin\"`) or a custom \
         permission of your own instead"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(tokens: proc_macro2::TokenStream) -> Catalog {
        let input: CatalogInput = syn::parse2(tokens).unwrap();
        Catalog::from_input(&input, "src/main.rs:4".to_owned())
    }

    fn check(kind: Kind, value: &str, catalog: Option<&Catalog>) -> Result<(), String> {
        let mut cx = Ctxt::new();
        let lit = LitStr::new(value, proc_macro2::Span::call_site());
        if check_shape_of(&mut cx, kind, &lit)
            && let Some(catalog) = catalog
        {
            check_declared(&mut cx, kind, &lit, catalog);
        }
        cx.finish().map_err(|e| e.to_string())
    }

    #[test]
    fn unknown_permission_names_the_fix_and_the_catalog() {
        let catalog = catalog(quote::quote!(permissions: ["org:data:read", "org:data:write"]));
        let message = check(Kind::Permission, "org:data:reed", Some(&catalog)).unwrap_err();
        assert_eq!(
            message,
            "unknown permission \"org:data:reed\": did you mean \"org:data:read\"?\n\
             note: known permissions are declared in `catalog!` at src/main.rs:4; add it there if it is new"
        );
    }

    #[test]
    fn list_left_out_of_the_catalog_checks_shape_only() {
        let catalog = catalog(quote::quote!(roles: ["org:admin"]));
        assert_eq!(
            check(Kind::Permission, "org:anything:read", Some(&catalog)),
            Ok(())
        );
        assert!(check(Kind::Permission, "org:anything", Some(&catalog)).is_err());
    }

    #[test]
    fn without_catalog_names_are_checked_for_shape() {
        assert_eq!(check(Kind::Role, "org:whatever", None), Ok(()));
        assert!(check(Kind::Role, "whatever", None).is_err());
    }

    #[test]
    fn system_permission_is_refused_even_when_declared() {
        let catalog = catalog(quote::quote!(permissions: ["org:sys_domains:read"]));
        let message = check(Kind::Permission, "org:sys_domains:read", Some(&catalog)).unwrap_err();
        assert!(message.contains("always false"), "{message}");
    }

    #[test]
    fn empty_list_says_nothing_is_declared() {
        let catalog = catalog(quote::quote!(plans: []));
        let message = check(Kind::Plan, "o:pro", Some(&catalog)).unwrap_err();
        assert!(
            message.contains("the catalog declares no plans"),
            "{message}"
        );
    }

    #[test]
    fn bare_feature_matches_a_scoped_declaration() {
        let catalog = catalog(quote::quote!(features: ["o:data"]));
        assert_eq!(check(Kind::Feature, "data", Some(&catalog)), Ok(()));
        assert!(check(Kind::Feature, "u:data", Some(&catalog)).is_err());
    }
}
