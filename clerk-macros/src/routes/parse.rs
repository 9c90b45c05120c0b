//! The grammar of `routes![METHOD "/path" => handler, ...]`, optionally
//! led by `crate = "...",` and `state = Type,` in either order.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Path, Token, Type};

/// One `METHOD "/path" => handler` line.
pub(crate) struct RouteInput {
    pub(crate) method: Ident,
    pub(crate) path: LitStr,
    pub(crate) handler: Path,
}

pub(crate) struct RoutesInput {
    /// `crate = "..."` before the routes: the path of clerk-runtime.
    pub(crate) runtime: Option<LitStr>,
    /// `state = Type` before the routes: the router's state, named.
    pub(crate) state: Option<Type>,
    pub(crate) routes: Vec<RouteInput>,
}

impl Parse for RoutesInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut routes = Vec::new();
        let mut runtime = None;
        let mut state: Option<Type> = None;
        loop {
            if input.peek(Token![crate]) {
                let key = input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                let lit = input.parse::<LitStr>().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`crate` takes a string literal, the path clerk-runtime is known by in \
                         this crate: write routes![crate = \"clerk\", GET \"/\" => index]",
                    )
                })?;
                if runtime.is_some() {
                    return Err(syn::Error::new(
                        key.span,
                        "`crate` is given twice: remove one",
                    ));
                }
                runtime = Some(lit);
            } else if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![=>]) {
                let key: Ident = input.parse()?;
                if key != "state" {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown routes! option `{key}`: routes! takes `crate = \"...\"` and \
                             `state = AppState` before the routes"
                        ),
                    ));
                }
                input.parse::<Token![=]>()?;
                let ty: Type = input.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`state` takes the router's state type: write \
                         routes![state = AppState, GET \"/\" => index]",
                    )
                })?;
                if state.is_some() {
                    return Err(syn::Error::new(
                        key.span(),
                        "`state` is given twice: remove one",
                    ));
                }
                state = Some(ty);
            } else {
                break;
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
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
        Ok(Self {
            runtime,
            state,
            routes,
        })
    }
}
