//! `#[public]`: the handler needs no session; same guard, `Policy::Public`,
//! with an optional `rate_limit = "10/10s"`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{LitStr, Meta, Token};

use crate::ctxt::Ctxt;
use crate::handler::{self, Marker};
use crate::krate::Runtime;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match handler::parse_fn(item, Marker::Public) {
        Ok(func) => func,
        Err(tokens) => return tokens,
    };
    let mut cx = Ctxt::new();
    let (rate_limit, runtime) = parse_args(&mut cx, attr);
    let runtime = runtime.unwrap_or_default();
    let signature_ok = handler::check_signature(&mut cx, &func, Marker::Public);
    handler::check_siblings(&mut cx, &mut func, Marker::Public);
    let result = cx.finish();
    let tokens = if signature_ok {
        let rate_limit = crate::rate_limit::tokens(rate_limit.as_ref(), &runtime);
        handler::expand_guarded(
            func,
            quote!(#runtime::Policy::Public(
                #runtime::policy::PublicAccess {
                    rate_limit: #rate_limit,
                }
            )),
            &runtime,
        )
    } else {
        handler::tokens(&func)
    };
    match result {
        Ok(()) => tokens,
        Err(error) => handler::with_error(error, tokens),
    }
}

/// `rate_limit = "..."` and `crate = "..."`, the arguments `#[public]` takes.
fn parse_args(cx: &mut Ctxt, attr: TokenStream) -> (Option<LitStr>, Option<Runtime>) {
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr) {
        Ok(metas) => metas,
        Err(error) => {
            cx.syn_error(error);
            return (None, None);
        }
    };
    let mut rate_limit = None;
    let mut runtime = None;
    let mut seen = false;
    for meta in &metas {
        if crate::krate::is_crate_key(meta) {
            if runtime.is_some() {
                cx.error_spanned_by(meta.path(), "`crate` is given twice: remove one");
            }
            runtime = Runtime::from_meta(cx, meta);
        } else if !meta.path().is_ident("rate_limit") {
            cx.error_spanned_by(
                meta,
                "#[public] takes only `rate_limit = \"10/10s\"` (and `crate = \"...\"` for a \
                 renamed clerk-runtime): a public route needs no session; for requirements use \
                 #[protect(...)]",
            );
        } else if seen {
            cx.error_spanned_by(
                meta.path(),
                "`rate_limit` is given twice: a route has one limit; remove one",
            );
        } else {
            seen = true;
            rate_limit = crate::rate_limit::parse(cx, meta);
        }
    }
    (rate_limit, runtime)
}
