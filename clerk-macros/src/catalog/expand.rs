//! `catalog!`: validates the declared names and emits the run-time list.

use proc_macro2::TokenStream;
use quote::quote;

use super::locate;

use super::{CatalogInput, Kind, system_permission_message};
use crate::ctxt::Ctxt;
use crate::krate::Runtime;
use clerk_rules::names::{check_shape, did_you_mean, is_system_permission};

pub(crate) fn expand_catalog(input: TokenStream) -> TokenStream {
    let input: CatalogInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => {
            // The catalog as if it declared no lists, so code naming
            // `CATALOG` (and `#[protect]`'s check) adds no second error.
            let error = error.to_compile_error();
            let fallback = lists_tokens(&CatalogInput::default(), &Runtime::default());
            return quote! { #error #fallback };
        }
    };
    let mut cx = Ctxt::new();
    validate(&mut cx, &input);
    let runtime = match input.runtime.first() {
        Some(lit) => Runtime::from_lit(&mut cx, lit).unwrap_or_default(),
        None => Runtime::default(),
    };
    let items = match input.uses.first() {
        Some((_, path)) => quote! {
            pub use #path::CATALOG;
            #[doc(hidden)]
            pub use #path::__CLERK_CATALOG;
        },
        None => lists_tokens(&input, &runtime),
    };
    let errors = cx.finish().err().map(|error| error.to_compile_error());
    quote! { #items #errors }
}

/// `CATALOG` for run time and `__CLERK_CATALOG` for `#[protect]`'s
/// const-evaluated check, which tells a list left out from an empty one.
fn lists_tokens(input: &CatalogInput, runtime: &Runtime) -> TokenStream {
    let lists = Kind::ALL.map(|kind| {
        let entries: Vec<_> = input
            .entries
            .iter()
            .filter(|entry| entry.kind == Some(kind))
            .collect();
        let values = entries.iter().flat_map(|entry| &entry.values);
        (quote! { &[#(#values),*] }, !entries.is_empty())
    });
    let declared = lists.iter().map(|(values, declared)| {
        if *declared {
            quote!(::core::option::Option::Some(#values))
        } else {
            quote!(::core::option::Option::None)
        }
    });
    let [roles, permissions, features, plans, scopes] = lists.clone().map(|(values, _)| values);
    let origin = locate::call_site_origin();
    quote! {
        /// The role, permission, feature, plan and scope names this app declares
        /// in `catalog!`; `#[protect]` checks its arguments against them.
        pub const CATALOG: #runtime::Catalog = #runtime::Catalog {
            roles: #roles,
            permissions: #permissions,
            features: #features,
            plans: #plans,
            scopes: #scopes,
        };
        /// The same names for `#[protect]`'s const-evaluated check.
        #[doc(hidden)]
        #[allow(dead_code)]
        pub const __CLERK_CATALOG: #runtime::__private::catalog_check::CatalogNames =
            #runtime::__private::catalog_check::CatalogNames {
                lists: [#(#declared),*],
                origin: #origin,
            };
    }
}

fn validate(cx: &mut Ctxt, input: &CatalogInput) {
    for lit in input.runtime.iter().skip(1) {
        cx.error_spanned_by(lit, "`crate` is given twice in catalog!: remove one");
    }
    for (token, path) in input.uses.iter().skip(1) {
        cx.error_spanned_by(
            quote!(#token #path),
            "catalog! uses one catalog: remove this `use`, or merge the catalogs into one",
        );
    }
    if let (Some((token, path)), Some(entry)) = (input.uses.first(), input.entries.first()) {
        cx.error_spanned_by(
            quote!(#token #path),
            format!(
                "catalog! either declares names or uses the catalog of another module, not both: \
                 move `{}: [...]` into the `catalog!` of `{}`, or remove the `use`",
                entry.key,
                quote!(#path).to_string().replace(' ', "")
            ),
        );
    }
    let mut seen_keys: Vec<Kind> = Vec::new();
    for entry in &input.entries {
        let Some(kind) = entry.kind else {
            let key = entry.key.to_string();
            let accepted = Kind::ALL.map(Kind::plural);
            let hint = did_you_mean(&key, &accepted)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            cx.error_spanned_by(
                &entry.key,
                format!(
                    "unknown catalog list `{key}`: {hint}catalog! accepts roles, permissions, features, plans and scopes"
                ),
            );
            continue;
        };
        if seen_keys.contains(&kind) {
            cx.error_spanned_by(
                &entry.key,
                format!(
                    "`{}` is declared twice in catalog!: list every name in one `{}: [...]`",
                    kind.plural(),
                    kind.plural()
                ),
            );
        }
        seen_keys.push(kind);
        let mut seen_values: Vec<String> = Vec::new();
        for lit in &entry.values {
            let value = lit.value();
            if kind == Kind::Permission && is_system_permission(&value) {
                cx.error_spanned_by(lit, system_permission_message(&value));
            } else if let Err(message) = check_shape(kind, &value) {
                cx.error_spanned_by(lit, message);
            } else if seen_values.contains(&value) {
                cx.error_spanned_by(
                    lit,
                    format!("{} \"{value}\" is listed twice", kind.singular()),
                );
            }
            seen_values.push(value);
        }
    }
}
