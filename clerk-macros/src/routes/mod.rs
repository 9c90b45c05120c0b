//! `routes![METHOD "/path" => handler, ...]`: the static route table (each
//! handler's policy read from its guard) and the axum router, one
//! `.route` per path with its methods chained.

mod check;
mod parse;

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::krate::Runtime;
use check::{check_method, check_path};
use parse::{RouteInput, RoutesInput};

/// A route that passed its checks.
struct Checked<'a> {
    input: &'a RouteInput,
    method: String,
    function: &'static str,
    path: String,
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input: RoutesInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!({ #error ::clerk_runtime::Routes::new(&[]) });
        }
    };
    let mut cx = Ctxt::new();
    let runtime = match &input.runtime {
        Some(lit) => Runtime::from_lit(&mut cx, lit).unwrap_or_default(),
        None => Runtime::default(),
    };
    let mut checked: Vec<Checked<'_>> = Vec::new();
    // Maps, not scans of `checked`: these run once per route, and the
    // macros run unoptimized in a debug build (issue 19: linear in routes).
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut shapes: HashMap<String, String> = HashMap::new();
    for route in &input.routes {
        let method = route.method.to_string();
        let path = route.path.value();
        let function = check_method(&method)
            .map_err(|m| cx.error_spanned_by(&route.method, m))
            .ok();
        let shape = check_path(&path)
            .map_err(|m| cx.error_spanned_by(&route.path, m))
            .ok();
        let (Some(function), Some(shape)) = (function, shape) else {
            continue;
        };
        if let Some(&first) = seen.get(&(method.clone(), path.clone())) {
            let first = checked[first].input;
            cx.error_spanned_by(
                &route.path,
                format!(
                    "duplicate route: {method} \"{path}\" is already routed to `{}`; each \
                     method and path can have one handler",
                    path_text(&first.handler)
                ),
            );
            cx.error_spanned_by(
                &first.path,
                format!("{method} \"{path}\" is first declared here"),
            );
            continue;
        }
        match shapes.get(&shape) {
            Some(other) if *other != path => {
                cx.error_spanned_by(
                    &route.path,
                    format!(
                        "\"{path}\" and \"{other}\" differ only in capture names: axum would \
                         panic at startup on the conflict; use the same names in both"
                    ),
                );
                continue;
            }
            Some(_) => {}
            None => {
                shapes.insert(shape, path.clone());
            }
        }
        seen.insert((method.clone(), path.clone()), checked.len());
        checked.push(Checked {
            input: route,
            method,
            function,
            path,
        });
    }

    let entries = checked.iter().map(|route| {
        let handler = &route.input.handler;
        let method = &route.method;
        let path = &route.path;
        let name = path_text(handler);
        let span = handler.span();
        let spanned = runtime.spanned(span);
        let policy = quote_spanned!(span=> #spanned::__private::marked(&#handler).policy());
        quote! {
            #runtime::Route { method: #method, path: #path, policy: #policy, handler: #name }
        }
    });
    let count = checked.len();
    // The routes of each path, paths in the order first declared.
    let mut by_path: Vec<Vec<&Checked<'_>>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for route in &checked {
        let slot = *index.entry(&route.path).or_insert_with(|| {
            by_path.push(Vec::new());
            by_path.len() - 1
        });
        by_path[slot].push(route);
    }
    let router_calls = by_path.iter().map(|methods| {
        let (first, rest) = methods.split_first().expect("a path has a route");
        let path = &first.path;
        let function = format_ident!("{}", first.function);
        let handler = &first.input.handler;
        let mut chain = quote!(#runtime::__private::axum::routing::#function(#handler));
        for route in rest {
            let function = format_ident!("{}", route.function);
            let handler = &route.input.handler;
            chain = quote!(#chain.#function(#handler));
        }
        quote!(.__route(#path, #chain))
    });
    let routes = match &input.state {
        Some(state) => quote!(#runtime::Routes::<#state>::new(&__CLERK_ROUTES)),
        None => {
            let record = inferred_state(&checked, &runtime);
            quote!(#runtime::__private::routes_for(#record, &__CLERK_ROUTES))
        }
    };
    let errors = cx.finish().err().map(|e| e.to_compile_error());
    quote! {
        {
            #errors
            static __CLERK_ROUTES: [#runtime::Route; #count] = [#(#entries),*];
            #routes #(#router_calls)*
        }
    }
}

/// The handlers' state records joined, for `Routes<S>` when no
/// `state = ..` names `S` (see `clerk_runtime::__private::Join`): one flat
/// method chain, so the tokens grow linearly with the routes (a nested
/// `join(join(..), ..)` copied every prefix again), inside `const { .. }`.
/// Each link is spanned at its handler, so a handler whose `State<..>`
/// disagrees with the others is the one underlined.
fn inferred_state(checked: &[Checked<'_>], runtime: &Runtime) -> TokenStream {
    let links = checked.iter().map(|route| {
        let handler = &route.input.handler;
        let span = handler.span();
        let spanned = runtime.spanned(span);
        quote_spanned! {span=> .join(#spanned::__private::marked(&#handler).state()) }
    });
    // In a `const` block: evaluated, never compiled as run-time calls; as
    // run-time code the chain cost rustc ~0.3 s per 1000 routes.
    quote!(const { #runtime::__private::stateless() #(#links)* })
}

/// `api::list` as written, for the route table and error messages.
fn path_text(path: &syn::Path) -> String {
    // A plain path is joined from its identifiers; printing tokens goes
    // through the compiler for each route (issue 19's profile).
    if path.segments.iter().all(|s| s.arguments.is_none()) {
        let mut text = String::new();
        for (index, segment) in path.segments.iter().enumerate() {
            if index > 0 || path.leading_colon.is_some() {
                text.push_str("::");
            }
            text.push_str(&segment.ident.to_string());
        }
        return text;
    }
    quote!(#path).to_string().replace(' ', "")
}
