//! `#[claims(MyClaims)]`: extract and validate custom claims before the
//! handler runs, right after the policy guard.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{LitStr, Token, Type};

use crate::ctxt::Ctxt;
use crate::handler::{self, Marker};
use crate::krate::Runtime;

/// `T` or `T, crate = "..."`.
struct ClaimsArgs {
    ty: Type,
    runtime: Option<LitStr>,
}

impl Parse for ClaimsArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let ty = input.parse()?;
        let mut runtime = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            input.parse::<Token![crate]>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "#[claims] takes the claims type, and optionally `crate = \"...\"`: \
                     write #[claims(MyClaims)] or #[claims(MyClaims, crate = \"clerk\")]",
                )
            })?;
            input.parse::<Token![=]>()?;
            runtime = Some(input.parse()?);
            input.parse::<Option<Token![,]>>()?;
        }
        Ok(Self { ty, runtime })
    }
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match handler::parse_fn(item, Marker::Claims) {
        Ok(func) => func,
        Err(tokens) => return tokens,
    };
    let mut cx = Ctxt::new();
    let claims = if attr.is_empty() {
        cx.error_at(
            proc_macro2::Span::call_site(),
            "#[claims] needs the claims type: write #[claims(MyClaims)] with \
             `#[derive(Claims)] struct MyClaims { .. }`",
        );
        None
    } else {
        match syn::parse2::<ClaimsArgs>(attr) {
            Ok(args) => {
                let runtime = match &args.runtime {
                    Some(lit) => Runtime::from_lit(&mut cx, lit),
                    None => None,
                };
                Some((args.ty, runtime.unwrap_or_default()))
            }
            Err(error) => {
                cx.syn_error(error);
                None
            }
        }
    };
    handler::check_signature(&mut cx, &func, Marker::Claims);
    handler::check_siblings(&mut cx, &mut func, Marker::Claims);
    match (cx.finish(), claims) {
        (Ok(()), Some((claims, runtime))) => {
            handler::insert_claims_guard(&mut func, &claims, &runtime);
            let check = derive_check(&claims, &runtime);
            let func = handler::tokens(&func);
            quote! { #check #func }
        }
        (Err(error), _) => handler::with_error(error, handler::tokens(&func)),
        // Unreachable in practice: no type means an error was recorded.
        (Ok(()), None) => handler::tokens(&func),
    }
}

/// `T: FromClaims` checked in a `const` spanned at `T`: the compiler's error
/// then names `T` and the derive at the attribute (`FromClaims` carries the
/// message), where the guard's own bound would surface only as an axum
/// `Handler` error on the `routes!` line.
fn derive_check(claims: &Type, runtime: &Runtime) -> TokenStream {
    let span = claims.span();
    let runtime = runtime.spanned(span);
    quote_spanned! {span=>
        const _: () = #runtime::__private::assert_claims::<#claims>();
    }
}
