//! `crate = "..."`: the path generated code names clerk-runtime by.
//!
//! Generated code names `::clerk_runtime` unless told otherwise, as
//! serde's `#[serde(crate = "...")]`: an app that renames the dependency
//! (`clerk = { package = "clerk-runtime", .. }`) or reaches it through a
//! re-export writes `crate = "clerk"` on each macro. A proc macro cannot
//! learn the rename by itself (that would mean reading Cargo.toml).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path};

use crate::ctxt::Ctxt;

/// The runtime crate's path in generated code, e.g. `::clerk_runtime`.
#[derive(Clone)]
pub(crate) struct Runtime(TokenStream);

impl Default for Runtime {
    fn default() -> Self {
        Self(quote!(::clerk_runtime))
    }
}

impl ToTokens for Runtime {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.0.to_tokens(tokens);
    }
}

impl Runtime {
    /// The path with every token at `span`, for generated code whose
    /// errors should point at the user's tokens.
    pub(crate) fn spanned(&self, span: proc_macro2::Span) -> TokenStream {
        respan(self.0.clone(), span)
    }

    /// From the literal of `crate = "..."`; the error says what to write.
    pub(crate) fn from_lit(cx: &mut Ctxt, lit: &LitStr) -> Option<Self> {
        match lit.parse::<Path>() {
            Ok(path) => Some(Self(path.into_token_stream())),
            Err(_) => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "`crate` takes the path clerk-runtime is known by in this crate, \
                         e.g. crate = \"clerk\"; \"{}\" is not a path",
                        lit.value()
                    ),
                );
                None
            }
        }
    }

    /// From `crate = "..."` as an attribute argument.
    pub(crate) fn from_meta(cx: &mut Ctxt, meta: &Meta) -> Option<Self> {
        if let Meta::NameValue(nv) = meta
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) = &nv.value
        {
            return Self::from_lit(cx, lit);
        }
        cx.error_spanned_by(meta, EXPECTED);
        None
    }
}

/// `tokens` with every token, nested ones too, at `span`.
pub(crate) fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            proc_macro2::TokenTree::Group(group) => {
                let mut new =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                proc_macro2::TokenTree::Group(new)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

/// What `crate` takes.
pub(crate) const EXPECTED: &str = "`crate` takes a string literal, the path clerk-runtime is \
                                   known by in this crate: write crate = \"clerk\"";

/// Whether `meta` is `crate = ...` (or a bare `crate`).
pub(crate) fn is_crate_key(meta: &Meta) -> bool {
    meta.path().is_ident("crate")
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::Token;
    use syn::parse::Parser;
    use syn::punctuated::Punctuated;

    fn runtime(tokens: TokenStream) -> Result<String, String> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated
            .parse2(tokens)
            .map_err(|e| e.to_string())?;
        let mut cx = Ctxt::new();
        let runtime = metas
            .iter()
            .find(|meta| is_crate_key(meta))
            .and_then(|meta| Runtime::from_meta(&mut cx, meta));
        cx.finish().map_err(|e| e.to_string())?;
        Ok(runtime.unwrap_or_default().into_token_stream().to_string())
    }

    #[test]
    fn default_is_the_absolute_crate_name() {
        assert_eq!(
            runtime(quote!(role = "org:admin")).unwrap(),
            ":: clerk_runtime"
        );
    }

    #[test]
    fn crate_argument_names_the_path() {
        assert_eq!(
            runtime(quote!(crate = "clerk", role = "org:admin")).unwrap(),
            "clerk"
        );
        assert_eq!(
            runtime(quote!(crate = "::deps::clerk")).unwrap(),
            ":: deps :: clerk"
        );
    }

    #[test]
    fn crate_argument_must_be_a_path_in_a_string() {
        assert!(
            runtime(quote!(crate = clerk))
                .unwrap_err()
                .contains("string literal")
        );
        assert!(
            runtime(quote!(crate = "not a path"))
                .unwrap_err()
                .contains("is not a path")
        );
    }
}
