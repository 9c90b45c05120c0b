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
    check_session_extractors(&mut cx, &func);
    handler::check_siblings(&mut cx, &mut func, Marker::Public);
    let result = cx.finish();
    let tokens = if signature_ok {
        let policy = match &rate_limit {
            None => quote!(#runtime::Policy::PUBLIC),
            Some(_) => {
                let rate_limit = crate::rate_limit::tokens(rate_limit.as_ref(), &runtime);
                quote!(#runtime::Policy::Public(#runtime::policy::PublicAccess {
                    rate_limit: #rate_limit,
                }))
            }
        };
        handler::expand_guarded(func, policy, &runtime)
    } else {
        handler::tokens(&func)
    };
    match result {
        Ok(()) => tokens,
        Err(error) => handler::with_error(error, tokens),
    }
}

/// Parameters that refuse a signed-out caller with 401, which would make the
/// route public in the route table and closed in practice. Matched by the
/// type's last path segment (`Auth`, `clerk_runtime::Auth`): a macro cannot
/// resolve names, so an unrelated type of the same name is refused too
/// (import it under another name). `Option<Auth>` and `MaybeAuth` pass.
fn check_session_extractors(cx: &mut Ctxt, func: &syn::ItemFn) {
    for arg in &func.sig.inputs {
        let syn::FnArg::Typed(typed) = arg else {
            continue;
        };
        let syn::Type::Path(path) = &*typed.ty else {
            continue;
        };
        let Some(last) = path.path.segments.last() else {
            continue;
        };
        let generic = !matches!(last.arguments, syn::PathArguments::None);
        let message = match (last.ident.to_string().as_str(), generic) {
            ("Auth" | "UserId", false) => format!(
                "`{}` needs a signed-in session, so this #[public] route would answer 401 to \
                 every signed-out caller: take `Option<Auth>` (or `MaybeAuth`) to serve \
                 signed-out callers too, or use #[protect] instead of #[public] to require a \
                 session",
                last.ident
            ),
            ("Claims", true) => "`Claims<..>` needs a signed-in session, so this #[public] \
                 route would answer 401 to every signed-out caller: use #[protect] with \
                 #[claims(..)] instead of #[public], or take `Option<Auth>` and read \
                 `auth.claims()` when it is `Some`"
                .to_owned(),
            _ => continue,
        };
        cx.error_spanned_by(&typed.ty, message);
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
