//! What `#[protect]`, `#[public]` and `#[claims]` share: reading the
//! handler, checking it can carry a guard, and inserting the guard
//! parameters. On an error the user's item is emitted unchanged next to the
//! error (tokio-macros' `token_stream_with_error`), so the IDE keeps working.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::{Attribute, FnArg, Ident, ItemFn, Type, parse_quote};

use crate::ctxt::Ctxt;
use crate::krate::Runtime;

/// The clerk attributes that can sit on a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Protect,
    Public,
    Claims,
}

impl Marker {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Marker::Protect => "protect",
            Marker::Public => "public",
            Marker::Claims => "claims",
        }
    }

    fn of(attr: &Attribute) -> Option<Marker> {
        let last = attr.path().segments.last()?;
        [Marker::Protect, Marker::Public, Marker::Claims]
            .into_iter()
            .find(|marker| last.ident == marker.name())
    }
}

/// The item under the attribute, or the tokens to emit when it is not a fn.
pub(crate) fn parse_fn(item: TokenStream, marker: Marker) -> Result<ItemFn, TokenStream> {
    syn::parse2::<ItemFn>(item.clone()).map_err(|error| {
        let message = format!(
            "#[{}] goes on an async fn handler, e.g. `async fn handler(auth: Auth) -> String`",
            marker.name()
        );
        // syn's error points at the first token that is not a fn: the item's keyword.
        with_error(syn::Error::new(error.span(), message), item)
    })
}

/// Errors followed by the user's item.
pub(crate) fn with_error(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote! { #error #item }
}

/// Checks the handler can take a guard (async, no `self`); `false` when
/// it cannot, and the item must then be emitted as written.
pub(crate) fn check_signature(cx: &mut Ctxt, func: &ItemFn, this: Marker) -> bool {
    let name = this.name();
    let mut ok = true;
    if let Some(receiver) = func.sig.receiver() {
        cx.error_spanned_by(
            receiver,
            format!(
                "#[{name}] cannot be used on a method taking `self`: axum handlers are free \
                 functions; move the handler out of the impl block and take state with \
                 `State(..)` instead"
            ),
        );
        ok = false;
    }
    if func.sig.asyncness.is_none() && this != Marker::Claims {
        cx.error_spanned_by(
            func.sig.fn_token,
            format!(
                "#[{name}] needs an async fn: axum handlers are async; write `async fn {}(...)`",
                func.sig.ident
            ),
        );
        ok = false;
    }
    ok
}

/// Checks that the other clerk attributes on the handler agree with
/// `this`. Conflicting attributes are removed from `func` so they do not
/// report the same conflict again when they expand.
pub(crate) fn check_siblings(cx: &mut Ctxt, func: &mut ItemFn, this: Marker) {
    let mut conflicting = Vec::new();
    for (index, attr) in func.attrs.iter().enumerate() {
        let Some(other) = Marker::of(attr) else {
            continue;
        };
        let message = match (this, other) {
            (Marker::Protect, Marker::Public) | (Marker::Public, Marker::Protect) => {
                "a handler is either #[public] or #[protect], not both: remove one".to_owned()
            }
            (Marker::Protect, Marker::Protect) => "#[protect] is given twice: put every \
                requirement in one #[protect(...)] (its arguments are ANDed)"
                .to_owned(),
            (Marker::Public, Marker::Claims) | (Marker::Claims, Marker::Public) => {
                "#[claims] needs a signed-in session, but this handler is #[public]: \
                 use #[protect] instead, or read claims from `Option<Auth>` in the body"
                    .to_owned()
            }
            (a, b) if a == b => format!("#[{}] is given twice: remove one", a.name()),
            _ => continue,
        };
        cx.error_spanned_by(attr, message);
        conflicting.push(index);
    }
    for index in conflicting.into_iter().rev() {
        func.attrs.remove(index);
    }
}

/// `__clerk_policy_<fn>`: the type naming the handler's policy.
pub(crate) fn policy_ident(func: &ItemFn) -> Ident {
    format_ident!("__clerk_policy_{}", func.sig.ident)
}

/// The handler with the guard as its first parameter, after the hidden
/// policy type; `policy` is a `clerk_runtime::Policy` expression.
pub(crate) fn expand_guarded(
    mut func: ItemFn,
    policy: TokenStream,
    runtime: &Runtime,
) -> TokenStream {
    let ident = policy_ident(&func);
    let vis = &func.vis;
    let guard: FnArg = parse_quote!(_: #runtime::__private::Guard<#ident>);
    func.sig.inputs.insert(0, guard);
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis enum #ident {}
        impl #runtime::__private::PolicySource for #ident {
            const POLICY: #runtime::Policy = #policy;
        }
        #func
    }
}

/// Inserts `_: ClaimsGuard<T>` right after the guard (or first, when
/// `#[protect]` has not expanded yet: it then inserts its guard before it).
pub(crate) fn insert_claims_guard(func: &mut ItemFn, claims: &Type, runtime: &Runtime) {
    let arg: FnArg = parse_quote!(_: #runtime::__private::ClaimsGuard<#claims>);
    let position = usize::from(func.sig.inputs.first().is_some_and(is_guard));
    func.sig.inputs.insert(position, arg);
}

fn is_guard(arg: &FnArg) -> bool {
    let FnArg::Typed(typed) = arg else {
        return false;
    };
    let Type::Path(path) = &*typed.ty else {
        return false;
    };
    // `<runtime>::__private::Guard<..>`, whatever path the runtime has.
    let names: Vec<String> = path
        .path
        .segments
        .iter()
        .rev()
        .take(2)
        .map(|s| s.ident.to_string())
        .collect();
    names == ["Guard", "__private"]
}

/// `item` back as tokens (for the error path after checks mutated it).
pub(crate) fn tokens(func: &ItemFn) -> TokenStream {
    func.to_token_stream()
}
