//! The grammar of `routes![METHOD "/path" => handler, ...]`, optionally
//! led by `crate = "...",`.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Path, Token};

/// One `METHOD "/path" => handler` line.
pub(crate) struct RouteInput {
    pub(crate) method: Ident,
    pub(crate) path: LitStr,
    pub(crate) handler: Path,
}

pub(crate) struct RoutesInput {
    /// `crate = "..."` before the routes: the path of clerk-runtime.
    pub(crate) runtime: Option<LitStr>,
    pub(crate) routes: Vec<RouteInput>,
}

impl Parse for RoutesInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut routes = Vec::new();
        let mut runtime = None;
        if input.peek(Token![crate]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            runtime = Some(input.parse::<LitStr>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`crate` takes a string literal, the path clerk-runtime is known by in this \
                     crate: write routes![crate = \"clerk\", GET \"/\" => index]",
                )
            })?);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        while !input.is_empty() {
            let method: Ident = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected a route: METHOD \"/path\" => handler, e.g. GET \"/\" => index",
                )
            })?;
            let path: LitStr = input.parse().map_err(|e| {
                syn::Error::new(e.span(), "expected the route's path as a string literal, e.g. GET \"/items\" => list_items")
            })?;
            input.parse::<Token![=>]>()?;
            let handler: Path = input.parse()?;
            routes.push(RouteInput {
                method,
                path,
                handler,
            });
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(Self { runtime, routes })
    }
}
