//! `#[public]`: the handler needs no session; same guard, `Policy::Public`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;
use crate::handler::{self, Marker};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match handler::parse_fn(item, Marker::Public) {
        Ok(func) => func,
        Err(tokens) => return tokens,
    };
    let mut cx = Ctxt::new();
    if !attr.is_empty() {
        cx.error_spanned_by(
            &attr,
            "#[public] takes no arguments: a public route needs no session; \
             for requirements use #[protect(...)]",
        );
    }
    handler::check_handler(&mut cx, &mut func, Marker::Public);
    match cx.finish() {
        Ok(()) => handler::expand_guarded(func, quote!(::clerk_runtime::Policy::Public)),
        Err(error) => handler::with_error(error, handler::tokens(&func)),
    }
}
