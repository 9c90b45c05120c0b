//! `catalog!`: validates the declared names and emits the run-time list.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use super::{CatalogInput, Kind, system_permission_message};
use crate::ctxt::Ctxt;
use clerk_rules::names::{check_shape, did_you_mean, is_system_permission};

pub(crate) fn expand_catalog(input: TokenStream) -> TokenStream {
    let input: CatalogInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => {
            let error = error.to_compile_error();
            return quote! { #error #[allow(unused)] const _: () = (); };
        }
    };
    let mut cx = Ctxt::new();
    validate(&mut cx, &input);
    let lists = Kind::ALL.map(|kind| {
        let values: Vec<&LitStr> = input
            .entries
            .iter()
            .filter(|entry| entry.kind == Some(kind))
            .flat_map(|entry| &entry.values)
            .collect();
        quote! { &[#(#values),*] }
    });
    let [roles, permissions, features, plans] = lists;
    let errors = cx.finish().err().map(|error| error.to_compile_error());
    quote! {
        /// The role, permission, feature and plan names this app declares
        /// in `catalog!`; `#[protect]` checks its arguments against them.
        pub const CATALOG: ::clerk_runtime::Catalog = ::clerk_runtime::Catalog {
            roles: #roles,
            permissions: #permissions,
            features: #features,
            plans: #plans,
        };
        #errors
    }
}

fn validate(cx: &mut Ctxt, input: &CatalogInput) {
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
                    "unknown catalog list `{key}`: {hint}catalog! accepts roles, permissions, features and plans"
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
