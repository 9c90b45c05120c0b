//! The app's catalog of role, permission, feature and plan names, and the
//! checks `#[protect]` runs on every name it is given.
//!
//! `catalog!` is an ordinary invocation in the user's source; `#[protect]`
//! cannot see the user's items, so [`locate`] reads the source file the
//! attribute expands in (and the module files above it, up to `main.rs` /
//! `lib.rs`) and finds the `catalog!` there. See the crate docs for why.

mod expand;
mod locate;
pub(crate) mod names;
mod parse;
mod scan;

use syn::LitStr;

pub(crate) use expand::expand_catalog;
pub(crate) use locate::locate;
pub(crate) use names::Kind;
pub(crate) use parse::CatalogInput;

use crate::ctxt::Ctxt;
use names::{SYSTEM_PERMISSIONS, check_shape, did_you_mean, is_system_permission, names_match};

/// The declared names, one optional list per [`Kind`]; a list the app did
/// not declare is not checked (only the shape of its names is).
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    lists: [Option<Vec<String>>; 4],
    /// Where the `catalog!` is, as `path:line`, for the error note.
    pub(crate) origin: String,
}

impl Catalog {
    pub(crate) fn from_input(input: &CatalogInput, origin: String) -> Self {
        let mut lists: [Option<Vec<String>>; 4] = Default::default();
        for entry in &input.entries {
            if let Some(kind) = entry.kind {
                lists[kind.index()]
                    .get_or_insert_with(Vec::new)
                    .extend(entry.values.iter().map(LitStr::value));
            }
        }
        Self { lists, origin }
    }

    pub(crate) fn list(&self, kind: Kind) -> Option<&[String]> {
        self.lists[kind.index()].as_deref()
    }
}

/// Checks one name given to `#[protect]`: its shape, that it is not a
/// system permission, and (when the app declared that list) that it is in
/// the catalog. Errors point at the literal.
pub(crate) fn check_name(cx: &mut Ctxt, kind: Kind, lit: &LitStr, catalog: Option<&Catalog>) {
    let value = lit.value();
    if kind == Kind::Permission && is_system_permission(&value) {
        cx.error_spanned_by(lit, system_permission_message(&value));
        return;
    }
    if let Err(message) = check_shape(kind, &value) {
        cx.error_spanned_by(lit, message);
        return;
    }
    let Some(catalog) = catalog else { return };
    let Some(known) = catalog.list(kind) else {
        return;
    };
    if known
        .iter()
        .any(|declared| names_match(kind, &value, declared))
    {
        return;
    }
    let what = kind.singular();
    let mut message = format!("unknown {what} \"{value}\"");
    match did_you_mean(&value, known.iter().map(String::as_str)) {
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
        "\n\nnote: known {} are declared in `catalog!` at {}; add it there if it is new",
        kind.plural(),
        catalog.origin
    ));
    cx.error_spanned_by(lit, message);
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
         so a server-side check on it is always false\n\n\
         help: protect the route with a role (e.g. `role = \"org:admin\"`) or a custom \
         permission of your own instead"
    )
}
