//! What `#[protect]`, `#[public]` and `#[claims]` share: reading the
//! handler, checking it can carry a guard, and inserting the guard
//! parameters. On an error the user's item is emitted unchanged next to the
//! error (tokio-macros' `token_stream_with_error`), so the IDE keeps working.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::parse::Parser;
use syn::{Attribute, FnArg, Ident, ItemFn, Signature, Type, Visibility};

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
///
/// The body is kept as the tokens it was written in: the macros read only
/// the signature, and a handler's body is most of its tokens (issue 19:
/// expansion time per handler). It is the item's last token tree, split
/// off before syn sees the item, so its tokens are neither copied into
/// syn's buffer nor collected again; it is re-emitted verbatim, so rustc
/// reports its errors (inner attributes, `#![allow(..)]`, stay in it).
pub(crate) fn parse_fn(item: TokenStream, marker: Marker) -> Result<ItemFn, TokenStream> {
    let mut head: Vec<TokenTree> = item.clone().into_iter().collect();
    let parsed = match head.pop() {
        Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => {
            Parser::parse2(parse_head, head.into_iter().collect()).map(|(attrs, vis, sig)| {
                let block = syn::Block {
                    brace_token: syn::token::Brace(body.delim_span()),
                    stmts: vec![syn::Stmt::Item(syn::Item::Verbatim(body.stream()))],
                };
                ItemFn {
                    attrs,
                    vis,
                    sig,
                    block: Box::new(block),
                }
            })
        }
        // No body: not a fn. syn's error on the whole item says where.
        _ => match Parser::parse2(parse_head, item.clone()) {
            Ok(_) => Err(syn::Error::new(Span::call_site(), "expected a fn body")),
            Err(error) => Err(error),
        },
    };
    parsed.map_err(|error| {
        let message = format!(
            "#[{}] goes on an async fn handler, e.g. `async fn handler(auth: Auth) -> String`",
            marker.name()
        );
        // syn's error points at the first token that is not a fn: the item's keyword.
        with_error(syn::Error::new(error.span(), message), item)
    })
}

/// A fn item's attributes, visibility and signature: all of it but the body.
fn parse_head(
    input: syn::parse::ParseStream<'_>,
) -> syn::Result<(Vec<Attribute>, Visibility, Signature)> {
    let attrs = input.call(Attribute::parse_outer)?;
    Ok((attrs, input.parse()?, input.parse()?))
}

/// Errors followed by the user's item.
pub(crate) fn with_error(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote! { #error #item }
}

/// Checks the handler can take a guard (async, no `self`); `false` when
/// it cannot, and the item must then be emitted as written. A missing
/// `async` is reported but still `true`: [`expand_guarded`] then adds it,
/// so the one error is this one and not a cascade of axum `Handler`
/// errors and a false "not marked" at `routes!`.
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
/// policy type; `policy` is the policy's constant expression, the last
/// argument of `clerk_runtime::__private::handler_policy!`.
pub(crate) fn expand_guarded(
    mut func: ItemFn,
    policy: TokenStream,
    runtime: &Runtime,
) -> TokenStream {
    let ident = policy_ident(&func);
    let state = state_tokens(&func, runtime);
    // Reported by `check_signature`; async from here on, so nothing else fails.
    if func.sig.asyncness.is_none() {
        func.sig.asyncness = Some(Default::default());
    }
    let vis = &func.vis;
    let guard = wild_arg(quote!(#runtime::__private::Guard<#ident>));
    func.sig.inputs.insert(0, guard);
    quote! {
        #runtime::__private::handler_policy!(#vis #ident, #state, #policy);
        #func
    }
}

/// What the handler's `State<..>` parameters say about the router's state,
/// read from the signature (the only place a macro sees it), for `routes!`
/// to infer `Routes<S>`.
enum StateRecord<'a> {
    /// No `State<..>`: the handler works with any router state.
    Stateless,
    /// `State<T>`, once or several times.
    One(&'a Type),
    /// `State<A>` and `State<B>`, or a generic handler whose `State<T>`
    /// may name its generics, which the policy type next to it cannot.
    Unknown,
}

fn state_record(func: &ItemFn) -> StateRecord<'_> {
    let mut found: Option<&Type> = None;
    for arg in &func.sig.inputs {
        let FnArg::Typed(typed) = arg else { continue };
        let Some(ty) = state_type(&typed.ty) else {
            continue;
        };
        if !func.sig.generics.params.is_empty() {
            return StateRecord::Unknown;
        }
        match found {
            Some(first) if !same_type(first, ty) => return StateRecord::Unknown,
            _ => found = Some(ty),
        }
    }
    found.map_or(StateRecord::Stateless, StateRecord::One)
}

/// The state argument of `handler_policy!`.
fn state_tokens(func: &ItemFn, runtime: &Runtime) -> TokenStream {
    match state_record(func) {
        StateRecord::Stateless => quote!(#runtime::__private::Stateless),
        StateRecord::One(ty) => quote!(#runtime::__private::Stateful<#ty>),
        StateRecord::Unknown => quote!(#runtime::__private::Unknown),
    }
}

/// `T` of a parameter typed `State<T>` (`axum::extract::State<T>`, or
/// however it is imported): the last segment is what the macro can see.
fn state_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if path.qself.is_some() || last.ident != "State" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [syn::GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// Written the same way; `AppState` and `crate::AppState` count as two
/// types (the macro cannot resolve paths), which only costs inference.
fn same_type(a: &Type, b: &Type) -> bool {
    a.to_token_stream().to_string() == b.to_token_stream().to_string()
}

/// `_: ty`, built rather than parsed: `parse_quote!` here was half of
/// `expand_guarded`'s time (the macros run unoptimized in a debug build;
/// issue 19's profile of a 400-handler rebuild). The type is emitted as
/// written; only the tokens of a later expansion are parsed again.
fn wild_arg(ty: TokenStream) -> FnArg {
    FnArg::Typed(syn::PatType {
        attrs: Vec::new(),
        pat: Box::new(syn::Pat::Wild(syn::PatWild {
            attrs: Vec::new(),
            underscore_token: Default::default(),
        })),
        colon_token: Default::default(),
        ty: Box::new(Type::Verbatim(ty)),
    })
}

/// Inserts `_: ClaimsGuard<T>` right after the guard (or first, when
/// `#[protect]` has not expanded yet: it then inserts its guard before it).
pub(crate) fn insert_claims_guard(func: &mut ItemFn, claims: &Type, runtime: &Runtime) {
    let arg = wild_arg(quote!(#runtime::__private::ClaimsGuard<#claims>));
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
