//! `rate_limit = "10/10s"` on `#[protect]` and `#[public]`.
//!
//! Validated here, during expansion, with the grammar clerk-runtime uses
//! (`clerk_rules::rate_limit`; until the runtime re-exports it, its copy in
//! `clerk-runtime/src/ratelimit/grammar.rs` is kept byte-identical by a test
//! in clerk-rules). A proc macro cannot call clerk-runtime (it depends on
//! us), and the other
//! way, a `const` that panics with the parser's message, gives a worse
//! error: it arrives only after type checking succeeds (so not together
//! with the attribute's other mistakes), wrapped in "evaluation of constant
//! value failed ... the evaluated program panicked at", in a format that
//! changes between compiler releases. Here the message is ours, points at
//! the literal, and accumulates with every other error of the attribute.
//! The generated code still parses the literal in a `const`
//! (`__private::rate_limit`), so should the copies ever drift, the runtime's
//! rules still win at compile time.

use clerk_rules::rate_limit as grammar;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, ExprLit, Lit, LitStr, Meta};

use crate::ctxt::Ctxt;
use crate::krate::Runtime;

/// The literal of `rate_limit = "..."`, if well formed; errors go to `cx`.
pub(crate) fn parse(cx: &mut Ctxt, meta: &Meta) -> Option<LitStr> {
    let Meta::NameValue(nv) = meta else {
        cx.error_spanned_by(meta, EXPECTED);
        return None;
    };
    let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = &nv.value
    else {
        cx.error_spanned_by(&nv.value, EXPECTED);
        return None;
    };
    match grammar::parse_parts(&lit.value()) {
        Ok(_) => Some(lit.clone()),
        Err(error) => {
            cx.error_spanned_by(
                lit,
                format!(
                    "invalid rate_limit \"{}\": {}",
                    lit.value(),
                    error.message()
                ),
            );
            None
        }
    }
}

const EXPECTED: &str = "`rate_limit` takes a string literal, requests per window: \
                        write rate_limit = \"10/10s\" (units ms, s, m, h)";

/// `Option<RateLimit>` for the policy: a `const` parse of the literal.
pub(crate) fn tokens(lit: Option<&LitStr>, runtime: &Runtime) -> TokenStream {
    match lit {
        Some(lit) => quote!(::core::option::Option::Some(
            #runtime::__private::rate_limit(#lit)
        )),
        None => quote!(::core::option::Option::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn check(meta: Meta) -> Result<Option<LitStr>, String> {
        let mut cx = Ctxt::new();
        let lit = parse(&mut cx, &meta);
        cx.finish().map(|()| lit).map_err(|e| e.to_string())
    }

    #[test]
    fn well_formed_limit_is_kept() {
        let lit = check(parse_quote!(rate_limit = "10/10s")).unwrap();
        assert_eq!(lit.unwrap().value(), "10/10s");
    }

    #[test]
    fn zero_window_names_the_literal_and_the_rule() {
        let error = check(parse_quote!(rate_limit = "10/0s")).unwrap_err();
        assert_eq!(
            error,
            "invalid rate_limit \"10/0s\": the window must be longer than 0: write e.g. \"10/10s\""
        );
    }

    #[test]
    fn prose_is_refused() {
        let error = check(parse_quote!(rate_limit = "ten per second")).unwrap_err();
        assert!(
            error.contains("a `/` between requests and window"),
            "{error}"
        );
    }

    #[test]
    fn zero_requests_is_refused() {
        let error = check(parse_quote!(rate_limit = "0/1s")).unwrap_err();
        assert!(
            error.contains("0 requests would reject every request"),
            "{error}"
        );
    }

    #[test]
    fn non_string_value_is_refused() {
        let error = check(parse_quote!(rate_limit = 10)).unwrap_err();
        assert!(error.contains("takes a string literal"), "{error}");
        let error = check(parse_quote!(rate_limit)).unwrap_err();
        assert!(error.contains("takes a string literal"), "{error}");
    }
}
