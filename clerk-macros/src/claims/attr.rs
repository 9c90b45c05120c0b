//! `#[claims(MyClaims)]`: extract and validate custom claims before the
//! handler runs, right after the policy guard.

use proc_macro2::TokenStream;
use syn::Type;

use crate::ctxt::Ctxt;
use crate::handler::{self, Marker};

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
        match syn::parse2::<Type>(attr) {
            Ok(ty) => Some(ty),
            Err(error) => {
                cx.syn_error(error);
                None
            }
        }
    };
    handler::check_handler(&mut cx, &mut func, Marker::Claims);
    match (cx.finish(), claims) {
        (Ok(()), Some(claims)) => {
            handler::insert_claims_guard(&mut func, &claims);
            handler::tokens(&func)
        }
        (Err(error), _) => handler::with_error(error, handler::tokens(&func)),
        // Unreachable in practice: no type means an error was recorded.
        (Ok(()), None) => handler::tokens(&func),
    }
}
