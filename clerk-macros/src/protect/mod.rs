//! `#[protect(...)]`: parse the arguments, check every name, attach the
//! policy and the guard to the handler.

mod args;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::catalog::{Kind, Lookup, check_declared, locate};
use crate::ctxt::Ctxt;
use crate::handler::{self, Marker};
use crate::krate::{Runtime, respan};
use args::{Args, CatalogChoice, Req, parse_args};
use clerk_rules::fresh::Level;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match handler::parse_fn(item, Marker::Protect) {
        Ok(func) => func,
        Err(tokens) => return tokens,
    };
    let mut cx = Ctxt::new();
    let args = parse_args(&mut cx, attr);
    let runtime = args.runtime.clone().unwrap_or_default();
    let backstop = check_catalog(&mut cx, &args, &runtime);
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
    let guarded = handler::expand_guarded(func, policy_tokens(&args, &runtime), &runtime);
    let expanded = quote! { #backstop #guarded };
    match result {
        Ok(()) => expanded,
        Err(error) => handler::with_error(error, expanded),
    }
}

/// Checks the names against the catalog the scan finds (or the one named
/// by `catalog = path`), and returns the const-evaluated backstop: one
/// `assert_*` per name against the catalog's `__CLERK_CATALOG`, which
/// fails the build where the scan could not read the names, and an
/// `include_str!` of each file read that the compilation does not track
/// yet, so editing the catalog rebuilds.
fn check_catalog(cx: &mut Ctxt, args: &Args, runtime: &Runtime) -> TokenStream {
    if args.names.is_empty() {
        return TokenStream::new();
    }
    let (names_const, files, checked) = match &args.catalog {
        // `Invalid`: a malformed `catalog`/`unchecked` was reported; no second error.
        CatalogChoice::Unchecked | CatalogChoice::Invalid => return TokenStream::new(),
        CatalogChoice::Path(path) => (quote!(#path::__CLERK_CATALOG), Vec::new(), None),
        CatalogChoice::Scan => match locate() {
            Lookup::Found(located) => {
                let checked: Option<Vec<bool>> = located.catalog.as_ref().map(|catalog| {
                    args.names
                        .iter()
                        .map(|(kind, lit)| check_declared(cx, *kind, lit, catalog))
                        .collect()
                });
                (located.names, located.files, checked)
            }
            Lookup::NotFound { looked } => {
                cx.error_at(Span::call_site(), not_found_message(&looked));
                return TokenStream::new();
            }
        },
    };
    let asserts = args
        .names
        .iter()
        .enumerate()
        .filter_map(|(index, (kind, lit))| {
            // Already reported at the literal by the scan: one error a name.
            if checked.as_ref().is_some_and(|ok| !ok[index]) {
                return None;
            }
            let check = match kind {
                Kind::Role => quote!(assert_role),
                Kind::Permission => quote!(assert_permission),
                Kind::Feature => quote!(assert_feature),
                Kind::Plan => quote!(assert_plan),
                Kind::Scope => quote!(assert_scope),
            };
            // Spanned at the literal, paths included: a failed check (or a
            // catalog path that does not resolve) points at the name.
            let span = lit.span();
            let runtime = runtime.spanned(span);
            let names_const = respan(names_const.clone(), span);
            Some(quote_spanned! {span=>
                const _: () = #runtime::__private::catalog_check::#check(&#names_const, #lit);
            })
        });
    let includes = files.iter().filter_map(|file| file.to_str()).map(|file| {
        quote! { const _: &str = ::core::include_str!(#file); }
    });
    quote! { #(#asserts)* #(#includes)* }
}

/// No `catalog!` in any file the scan read.
fn not_found_message(looked: &[String]) -> String {
    /// Enough files to show where the scan went; the rest are the same
    /// kind of module roots further up.
    const SHOWN: usize = 6;
    let mut files = looked
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if looked.len() > SHOWN {
        files.push_str(", ...");
    }
    format!(
        "no `catalog!` found, so these names cannot be checked against the app's catalog \
         and a misspelt one would compile\n\
         note: #[protect] looked for `catalog!` in {files}\n\
         help: declare the app's names once at the crate root: \
         catalog! {{ roles: [...], permissions: [...] }}\n\
         help: for a catalog declared in another module or crate, write \
         catalog!(use path::to::that_module); at the crate root, or \
         #[protect(catalog = path::to::that_module, ...)] here\n\
         help: to check only the shape of the names, write #[protect(unchecked, ...)]"
    )
}

fn policy_tokens(args: &Args, runtime: &Runtime) -> TokenStream {
    let rule = match args.reqs.as_slice() {
        [] => quote!(#runtime::policy::Rule::SignedIn),
        [one] => rule_tokens(one, runtime),
        many => {
            let rules = many.iter().map(|req| rule_tokens(req, runtime));
            quote!(#runtime::policy::Rule::All(&[#(#rules),*]))
        }
    };
    if !args.pending && args.rate_limit.is_none() && args.accepts.is_none() {
        return quote!(#runtime::__private::protected(#rule));
    }
    let pending = args.pending;
    let rate_limit = crate::rate_limit::tokens(args.rate_limit.as_ref(), runtime);
    let accepts = accepts_tokens(args, runtime);
    quote! {
        #runtime::Policy::Protected(#runtime::policy::Protection {
            rule: #rule,
            allow_pending: #pending,
            rate_limit: #rate_limit,
            accepts: #accepts,
        })
    }
}

fn accepts_tokens(args: &Args, runtime: &Runtime) -> TokenStream {
    let Some(accepts) = &args.accepts else {
        return quote!(#runtime::policy::Accepts::SESSION);
    };
    let types = accepts.types.iter().map(|name| {
        let variant = match *name {
            "session_token" => quote!(SessionToken),
            "api_key" => quote!(ApiKey),
            "m2m_token" => quote!(M2mToken),
            _ => quote!(OAuthToken),
        };
        quote!(.with(#runtime::policy::TokenType::#variant))
    });
    let scopes = &args.scopes;
    quote! {
        #runtime::policy::Accepts {
            tokens: #runtime::policy::TokenTypes::NONE #(#types)*,
            scopes: &[#(#scopes),*],
        }
    }
}

fn rule_tokens(req: &Req, runtime: &Runtime) -> TokenStream {
    match req {
        Req::Name(kind, lit) => match kind {
            Kind::Role => quote!(#runtime::policy::Rule::Role(#lit)),
            Kind::Permission => quote!(#runtime::policy::Rule::Permission(#lit)),
            Kind::Feature => quote!(#runtime::policy::Rule::Feature(#lit)),
            Kind::Plan => quote!(#runtime::policy::Rule::Plan(#lit)),
            // Scopes are parsed apart (`Args::scopes`), never as a rule.
            Kind::Scope => unreachable!("a scope is not a session rule"),
        },
        Req::Org => quote!(#runtime::policy::Rule::Org),
        Req::Fresh(fresh) => {
            let level = match fresh.level {
                Level::SecondFactor => quote!(SecondFactor),
                Level::MultiFactor => quote!(MultiFactor),
            };
            let minutes = fresh.after_minutes;
            quote! {
                #runtime::policy::Rule::Fresh(#runtime::policy::Reverification {
                    level: #runtime::policy::FactorLevel::#level,
                    after_minutes: #minutes,
                })
            }
        }
        Req::Condition(path) => {
            let name = quote!(#path).to_string().replace(' ', "");
            quote! {
                #runtime::policy::Rule::Condition(#runtime::policy::Condition {
                    name: #name,
                    check: #path,
                })
            }
        }
        Req::Any(reqs) => {
            let rules = reqs.iter().map(|req| rule_tokens(req, runtime));
            quote!(#runtime::policy::Rule::Any(&[#(#rules),*]))
        }
        Req::All(reqs) => {
            let rules = reqs.iter().map(|req| rule_tokens(req, runtime));
            quote!(#runtime::policy::Rule::All(&[#(#rules),*]))
        }
    }
}
