//! `#[protect(...)]`: parse the arguments, check every name, attach the
//! policy and the guard to the handler.

mod args;

use proc_macro2::TokenStream;
use quote::quote;

use crate::catalog::{Kind, locate};
use crate::ctxt::Ctxt;
use crate::handler::{self, Marker};
use args::{Args, Req, parse_args};
use clerk_rules::fresh::Level;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match handler::parse_fn(item, Marker::Protect) {
        Ok(func) => func,
        Err(tokens) => return tokens,
    };
    let mut cx = Ctxt::new();
    let catalog = locate();
    let args = parse_args(&mut cx, attr, catalog.as_ref());
    let signature_ok = handler::check_signature(&mut cx, &func, Marker::Protect);
    handler::check_siblings(&mut cx, &mut func, Marker::Protect);
    let result = cx.finish();
    if !signature_ok {
        // Without a usable signature there is nothing to guard: emit the
        // item as written so the rest of the file still type-checks.
        return match result {
            Ok(()) => handler::tokens(&func),
            Err(error) => handler::with_error(error, handler::tokens(&func)),
        };
    }
    // With argument or attribute errors the handler is still guarded (by
    // what did parse): the crate cannot compile anyway, and `routes!` is
    // spared a second, misleading "not marked #[protect]" error.
    let expanded = handler::expand_guarded(func, policy_tokens(&args));
    match result {
        Ok(()) => expanded,
        Err(error) => handler::with_error(error, expanded),
    }
}

fn policy_tokens(args: &Args) -> TokenStream {
    let rule = match args.reqs.as_slice() {
        [] => quote!(::clerk_runtime::policy::Rule::SignedIn),
        [one] => rule_tokens(one),
        many => {
            let rules = many.iter().map(rule_tokens);
            quote!(::clerk_runtime::policy::Rule::All(&[#(#rules),*]))
        }
    };
    let pending = args.pending;
    let rate_limit = crate::rate_limit::tokens(args.rate_limit.as_ref());
    quote! {
        ::clerk_runtime::Policy::Protected(::clerk_runtime::policy::Protection {
            rule: #rule,
            allow_pending: #pending,
            rate_limit: #rate_limit,
        })
    }
}

fn rule_tokens(req: &Req) -> TokenStream {
    match req {
        Req::Name(kind, lit) => match kind {
            Kind::Role => quote!(::clerk_runtime::policy::Rule::Role(#lit)),
            Kind::Permission => quote!(::clerk_runtime::policy::Rule::Permission(#lit)),
            Kind::Feature => quote!(::clerk_runtime::policy::Rule::Feature(#lit)),
            Kind::Plan => quote!(::clerk_runtime::policy::Rule::Plan(#lit)),
        },
        Req::Org => quote!(::clerk_runtime::policy::Rule::Org),
        Req::Fresh(fresh) => {
            let level = match fresh.level {
                Level::SecondFactor => quote!(SecondFactor),
                Level::MultiFactor => quote!(MultiFactor),
            };
            let minutes = fresh.after_minutes;
            quote! {
                ::clerk_runtime::policy::Rule::Fresh(::clerk_runtime::policy::Reverification {
                    level: ::clerk_runtime::policy::FactorLevel::#level,
                    after_minutes: #minutes,
                })
            }
        }
        Req::Condition(path) => {
            let name = quote!(#path).to_string().replace(' ', "");
            quote! {
                ::clerk_runtime::policy::Rule::Condition(::clerk_runtime::policy::Condition {
                    name: #name,
                    check: #path,
                })
            }
        }
        Req::Any(reqs) => {
            let rules = reqs.iter().map(rule_tokens);
            quote!(::clerk_runtime::policy::Rule::Any(&[#(#rules),*]))
        }
        Req::All(reqs) => {
            let rules = reqs.iter().map(rule_tokens);
            quote!(::clerk_runtime::policy::Rule::All(&[#(#rules),*]))
        }
    }
}
