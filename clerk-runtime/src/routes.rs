//! The route table: every route's method, path, policy and handler, known at
//! compile time, next to the axum router that serves them.

use std::any::TypeId;
use std::convert::Infallible;
use std::fmt;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::MethodRouter;
use tower_layer::Layer;
use tower_service::Service;

use crate::layer::ClerkLayer;
use crate::policy::Policy;
use crate::reason;

/// One row of the route table, as `routes!` emits it.
///
/// Displays as an aligned line for startup logs:
/// `GET    /api/data        role org:admin  (list_items)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Route {
    /// HTTP method, upper case (`GET`, `DELETE`, ...).
    pub method: &'static str,
    /// axum path template, e.g. `/api/data/{id}`.
    pub path: &'static str,
    /// Who may call the route.
    pub policy: Policy,
    /// The handler function's name.
    pub handler: &'static str,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The policy is padded as text so columns line up whatever its Display does with widths.
        let policy = self.policy.to_string();
        write!(
            f,
            "{:<6} {:<16} {:<14}  ({})",
            self.method, self.path, policy, self.handler
        )
    }
}

/// A route table in aligned columns under a header row: method, path,
/// policy, handler. `println!("{}", Table(routes.table()))`.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a>(pub &'a [Route]);

impl fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let policies: Vec<String> = self.0.iter().map(|r| r.policy.to_string()).collect();
        let path_width = self
            .0
            .iter()
            .map(|r| r.path.len())
            .max()
            .unwrap_or(0)
            .max(4);
        let policy_width = policies.iter().map(String::len).max().unwrap_or(0).max(6);
        writeln!(
            f,
            "{:<7} {:<path_width$}  {:<policy_width$}  HANDLER",
            "METHOD", "PATH", "POLICY"
        )?;
        for (route, policy) in self.0.iter().zip(&policies) {
            writeln!(
                f,
                "{:<7} {:<path_width$}  {:<policy_width$}  {}",
                route.method, route.path, policy, route.handler
            )?;
        }
        Ok(())
    }
}

impl Route {
    /// Whether this route serves `method` on `path`. `path` may be a concrete
    /// request path (`/api/data/7` matches `/api/data/{id}`) or the template
    /// itself; the method compares case-insensitively.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && path_matches(self.path, path)
    }
}

fn path_matches(template: &str, path: &str) -> bool {
    let mut template = template.split('/');
    let mut path = path.split('/');
    loop {
        match (template.next(), path.next()) {
            (None, None) => return true,
            (Some(t), Some(_)) if t.starts_with("{*") && t.ends_with('}') => return true,
            (Some(t), Some(p))
                if t.starts_with('{') && t.ends_with('}') && !t.starts_with("{{") =>
            {
                if p.is_empty() {
                    return false;
                }
            }
            (Some(t), Some(p)) if t == p => {}
            _ => return false,
        }
    }
}

/// An axum [`Router`] together with the compile-time table of its routes.
///
/// Built by [`routes!`](crate::routes!); keeps the table listable (`table()`,
/// `find()`) after layers and state are added, so tests can assert who may
/// call what. `S` is the router's state, which `routes!` infers from the
/// handlers' `State<..>` parameters (`()` when none takes one) or takes
/// from `routes![state = AppState, ..]`:
///
/// ```
/// use axum::extract::State;
/// use clerk_runtime::{Policy, Routes, protect, public, routes};
///
/// #[derive(Clone)]
/// struct AppState { greeting: &'static str }
///
/// #[public]
/// async fn index() -> &'static str { "hello" }
///
/// #[public]
/// async fn greet(State(state): State<AppState>) -> &'static str { state.greeting }
///
/// #[protect]
/// async fn me() -> &'static str { "me" }
///
/// let stateless = routes![GET "/" => index, GET "/me" => me];      // Routes<()>
/// assert_eq!(stateless.find("GET", "/").unwrap().policy, Policy::PUBLIC);
/// assert!(matches!(stateless.find("GET", "/me").unwrap().policy, Policy::Protected(_)));
///
/// let app = routes![GET "/" => index, GET "/greet" => greet];      // Routes<AppState>
/// let _router: axum::Router = app.with_state(AppState { greeting: "hi" }).into_router();
/// # let _: Routes<()> = stateless;
/// ```
///
/// # The layer
///
/// Protected routes need [`ClerkLayer`] in front of them: without it no
/// request carries a verified session, and each one answers 500
/// `clerk-layer-missing`. So [`Routes::into_router`] refuses, at startup,
/// a table with a protected route unless a `ClerkLayer` was added with
/// [`Routes::layer`]. An app that adds the layer on an enclosing router
/// (after a `merge`, or inside a `ServiceBuilder`) says so with
/// [`Routes::with_clerk_layer_outside`].
///
/// ```should_panic
/// use clerk_runtime::{protect, routes};
///
/// #[protect]
/// async fn me() -> &'static str { "me" }
///
/// // panics: "routes! has protected routes (GET /me) but no ClerkLayer ..."
/// let _router: axum::Router = routes![GET "/me" => me].into_router();
/// ```
#[derive(Debug)]
#[must_use]
pub struct Routes<S = ()> {
    router: Router<S>,
    table: &'static [Route],
    /// Whether a [`ClerkLayer`] was added, or said to be added outside.
    authenticated: bool,
}

impl<S> Clone for Routes<S> {
    fn clone(&self) -> Self {
        Routes {
            router: self.router.clone(),
            table: self.table,
            authenticated: self.authenticated,
        }
    }
}

impl<S> Routes<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// An empty router described by `table`.
    pub fn new(table: &'static [Route]) -> Self {
        Routes {
            router: Router::new(),
            table,
            authenticated: false,
        }
    }

    /// Adds a route, as [`Router::route`]: what `routes!` expands to, after
    /// checking that every handler declares a policy and listing it in the
    /// table. Not for hand-written calls: a route added here without a table
    /// row would bypass deny-by-default. To serve something `routes!` does
    /// not describe, merge it into [`Routes::into_router`]'s router, where
    /// it is visibly outside the table.
    #[doc(hidden)]
    pub fn __route(self, path: &str, method_router: MethodRouter<S>) -> Self {
        Routes {
            router: self.router.route(path, method_router),
            ..self
        }
    }

    /// The route table.
    pub fn table(&self) -> &'static [Route] {
        self.table
    }

    /// The table row serving `method` on `path`, if any.
    pub fn find(&self, method: &str, path: &str) -> Option<&'static Route> {
        self.table.iter().find(|route| route.matches(method, path))
    }

    /// Wraps every route in `layer`, as [`Router::layer`]. A [`ClerkLayer`]
    /// added here is what [`Routes::into_router`] looks for.
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        Routes {
            router: self.router.layer(layer),
            table: self.table,
            authenticated: self.authenticated || TypeId::of::<L>() == TypeId::of::<ClerkLayer>(),
        }
    }

    /// Says that a [`ClerkLayer`] wraps these routes from outside: added on
    /// the router they are merged into, or through a `ServiceBuilder`, where
    /// [`Routes::into_router`] cannot see it.
    pub fn with_clerk_layer_outside(self) -> Self {
        Routes {
            authenticated: true,
            ..self
        }
    }

    /// Provides the state, as [`Router::with_state`].
    pub fn with_state<S2>(self, state: S) -> Routes<S2> {
        Routes {
            router: self.router.with_state(state),
            table: self.table,
            authenticated: self.authenticated,
        }
    }

    /// The axum router, to serve or to merge into a larger one.
    ///
    /// # Panics
    ///
    /// When the table has a protected route and no [`ClerkLayer`] was added
    /// with [`Routes::layer`] (nor [`Routes::with_clerk_layer_outside`]
    /// called): every protected route would answer 500. A startup panic,
    /// like axum's own for conflicting routes, so the mistake cannot ship.
    pub fn into_router(self) -> Router<S> {
        if let Some(message) = self.missing_layer() {
            panic!("{message}");
        }
        self.router
    }

    /// What [`Routes::into_router`] refuses, in words.
    fn missing_layer(&self) -> Option<String> {
        if self.authenticated {
            return None;
        }
        let mut protected = self
            .table
            .iter()
            .filter(|route| matches!(route.policy, Policy::Protected(_)));
        let first = protected.next()?;
        let more = match protected.count() {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        Some(format!(
            "routes! has protected routes ({} {}{more}) but no ClerkLayer: each would answer \
             500 {}. Add it before into_router(): \
             `.layer(ClerkLayer::from_env()?)` (or `ClerkLayer::dev(&issuer)?` in development); \
             if a ClerkLayer wraps these routes from an enclosing router or a ServiceBuilder, \
             call `.with_clerk_layer_outside()` first",
            first.method,
            first.path,
            reason::CLERK_LAYER_MISSING,
        ))
    }
}

impl<S> From<Routes<S>> for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// As [`Routes::into_router`], panics included.
    fn from(routes: Routes<S>) -> Self {
        routes.into_router()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_matches_concrete_path() {
        assert!(path_matches("/api/data/{id}", "/api/data/7"));
        assert!(path_matches("/api/data/{id}", "/api/data/{id}"));
        assert!(!path_matches("/api/data/{id}", "/api/data"));
        assert!(!path_matches("/api/data/{id}", "/api/data/7/x"));
        assert!(!path_matches("/api/data", "/api/dataxyz"));
    }

    const ADMIN: Route = Route {
        method: "GET",
        path: "/api/data",
        policy: Policy::Protected(crate::policy::Protection {
            rule: crate::policy::Rule::Role("org:admin"),
            allow_pending: false,
            accepts: crate::policy::Accepts::SESSION,
            rate_limit: None,
        }),
        handler: "list_items",
    };

    #[test]
    fn route_displays_as_an_aligned_table_line() {
        assert_eq!(
            ADMIN.to_string(),
            "GET    /api/data        role org:admin  (list_items)"
        );
    }

    #[test]
    fn rate_limited_route_lists_its_limit() {
        let route = Route {
            policy: Policy::Protected(crate::policy::Protection {
                rate_limit: Some(crate::__private::rate_limit("10/10s")),
                ..match ADMIN.policy {
                    Policy::Protected(protection) => protection,
                    Policy::Public(_) => unreachable!("ADMIN is protected"),
                }
            }),
            ..ADMIN
        };
        assert_eq!(
            route.to_string(),
            "GET    /api/data        role org:admin, rate 10/10s  (list_items)"
        );
        let json = serde_json::to_value(route).unwrap();
        assert_eq!(json["policy"]["rate_limit"], "10/10s");
    }

    #[test]
    fn route_serializes_with_its_policy() {
        let json = serde_json::to_value(ADMIN).unwrap();
        assert_eq!(json["method"], "GET");
        assert_eq!(json["path"], "/api/data");
        assert_eq!(json["handler"], "list_items");
        assert!(json["policy"].is_object(), "{json}");
    }

    #[test]
    fn catch_all_matches_the_rest() {
        assert!(path_matches("/files/{*rest}", "/files/a/b/c"));
    }
}
