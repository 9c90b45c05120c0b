//! Procedural macros of `clerk-runtime`. Depend on `clerk-runtime`, which
//! re-exports them; generated code names only `::clerk_runtime` paths, or
//! the path given with `crate = "..."` (a renamed dependency:
//! `#[protect(crate = "clerk", ..)]`, `#[public(crate = "clerk")]`,
//! `#[claims(T, crate = "clerk")]`, `#[claim(crate = "clerk")]` on a
//! `#[derive(Claims)]` struct, `catalog! { crate = "clerk", .. }`,
//! `routes![crate = "clerk", ..]`). Clerk's naming rules, presets and the
//! rate-limit grammar come from `clerk-rules`, shared with the runtime.
//!
//! Each macro reads as parse → validate → expand: [`catalog`] knows the
//! app's names and Clerk's naming rules, `protect`/`public`/`claims` attach
//! a policy guard to a handler, `routes` builds the route table.
//!
//! # How `#[protect]` sees the app's `catalog!`
//!
//! A proc macro cannot see the items of the crate it expands in, so the
//! catalog is found by *reading source*: `#[protect]` asks the compiler
//! which file it is expanding in (`Span::local_file`), then looks for a
//! `catalog! { ... }` invocation in that file and in the module-root files
//! above it (`mod.rs`, `lib.rs`, `main.rs`, `foo.rs` for `foo/`), up to the
//! package root. Declaring `catalog!` at the crate root therefore covers
//! every module.
//!
//! Why this over the alternatives:
//! - A separate `clerk.toml` would be a second place to declare names,
//!   apart from the `CATALOG` constant the app uses at run time; reading
//!   the `catalog!` itself keeps one source of truth.
//! - Expanding `catalog!` to a `macro_rules!` that `#[protect]` calls back
//!   ties correctness to textual macro order, breaks when the catalog is
//!   optional (no way to fall back when the macro does not exist), and
//!   cannot say *where* the catalog is.
//! - Reading the file gives the best error: the unknown name underlined,
//!   `did you mean "org:data:read"?` from the declared names, and a note
//!   with the catalog's `file:line`.
//!
//! Names are always checked for shape (`org:<role>`,
//! `org:<feature>:<action>`, `scope:name`) and system permissions are
//! always refused; a list the catalog leaves out is not checked further.
//! Parsed catalogs are cached per file and modification time, so many
//! handlers cost one read, and an IDE sees edits.
//!
//! # The check cannot switch itself off
//!
//! Reading source is best effort, so it is backed by the compiler:
//! - **Backstop.** For every name, `#[protect]` also emits
//!   `const _: () = ::clerk_runtime::__private::catalog_check::assert_permission(&crate::__CLERK_CATALOG, "org:data:read");`
//!   against the hidden `__CLERK_CATALOG` that `catalog!` emits beside
//!   `CATALOG`. A name the catalog does not declare fails const
//!   evaluation, with a did-you-mean, wherever the scan could not read it
//!   (another crate, a `#[path]` module, no source file). The module is
//!   named from the file the catalog was found in (`src/main.rs` is
//!   `crate`, `src/api.rs` is `crate::api`, `src/lib.rs` seen from a
//!   binary of the package is `::<package>`).
//! - **Rebuilds.** The expansion `include_str!`s every catalog file it read.
//! - **A catalog elsewhere** (a sibling module, another crate of the
//!   workspace): write `catalog!(use crate::authz);` or
//!   `catalog!(use shared_authz);` at the crate root (it re-exports that
//!   catalog; the scan follows it into this crate's files), or name it on
//!   one handler with `#[protect(catalog = shared_authz, ...)]`.
//! - **No catalog is an error.** A `#[protect]` with names and no
//!   `catalog!` in reach does not compile. Opt out explicitly: per handler
//!   with `#[protect(unchecked, ...)]`, or for a crate with an empty
//!   `catalog! {}` (declares no lists: shape checks only).
//!
//! Limits: the catalog must be written as a `catalog!` invocation in one
//! of those files (not produced by another macro); a catalog reached by
//! `#[path]` is checked by the backstop only; and `#[protect]` cannot
//! go on an associated function inside an `impl` block (its policy type is
//! an item next to the function); axum handlers are free functions anyway.

mod catalog;
mod claims;
mod ctxt;
mod handler;
mod krate;
mod protect;
mod public;
mod rate_limit;
mod routes;

use proc_macro::TokenStream;

/// Declares the app's role, permission, feature, plan and scope names.
///
/// ```
/// use clerk_runtime::{catalog, protect};
///
/// catalog! {
///     roles:       ["org:admin", "org:member"],
///     permissions: ["org:data:read", "org:data:write"],
///     features:    ["o:data", "u:beta"],
///     plans:       ["o:pro", "u:free"],
///     scopes:      ["invoices:read"],   // what machine tokens may carry
/// }
///
/// #[protect(permission = "org:data:read")] // checked against the lists above
/// async fn list_items() -> &'static str { "items" }
///
/// assert!(CATALOG.permissions.contains(&"org:data:write"));
/// ```
///
/// Write it once, at the crate root (`main.rs` / `lib.rs`): `#[protect]`
/// reads it from there (see the crate docs) and rejects names not listed,
/// with a did-you-mean. Every list is optional; a list left out is not
/// checked (so `catalog! {}` opts a crate out of name checks). Expands to
/// `pub const CATALOG: clerk_runtime::Catalog` for run-time use, and a
/// hidden `__CLERK_CATALOG` for `#[protect]`'s const-evaluated check.
/// Clerk's system permissions (`org:sys_*`) are refused: they never
/// appear in session tokens.
///
/// A catalog declared in another module (`src/authz.rs`) is named once at
/// the crate root; `catalog!(use shared_authz);` does the same for a catalog
/// in another crate of the workspace:
///
/// ```
/// mod authz {
///     clerk_runtime::catalog! { roles: ["org:admin"] }
/// }
///
/// clerk_runtime::catalog!(use crate::authz);
///
/// #[clerk_runtime::protect(role = "org:admin")]
/// async fn admin() -> &'static str { "admin" }
/// # fn main() {}
/// ```
///
/// With clerk-runtime renamed in `Cargo.toml` (or re-exported), `crate`
/// names it:
///
/// ```
/// use clerk_runtime as clerk;
///
/// clerk::catalog! { crate = "clerk", roles: ["org:admin"] }
/// # fn main() {}
/// ```
#[proc_macro]
pub fn catalog(input: TokenStream) -> TokenStream {
    catalog::expand_catalog(input.into()).into()
}

/// Protects an async axum handler with a policy checked before any other
/// extractor (and the body) runs.
///
/// Every form, one handler each:
///
/// ```
/// use clerk_runtime::prelude::*;
/// # use clerk_runtime as clerk;
///
/// catalog! {
///     roles: ["org:admin"],
///     permissions: ["org:data:read", "org:data:delete"],
///     features: ["o:data"],
///     plans: ["u:pro"],
///     scopes: ["invoices:read"],
/// }
/// # mod shared_authz { clerk_runtime::catalog! { roles: ["org:admin"] } }
///
/// fn is_owner(auth: &Auth) -> bool { auth.user_id() == "user_owner" }
///
/// #[protect]                                        // any signed-in session
/// async fn a() -> &'static str { "" }
/// #[protect(role = "org:admin")]                    // active organization role
/// async fn b() -> &'static str { "" }
/// #[protect(permission = "org:data:read")]          // org:<feature>:<action>
/// async fn c() -> &'static str { "" }
/// #[protect(feature = "o:data", plan = "u:pro")]    // scope:name or bare name; ANDed
/// async fn d() -> &'static str { "" }
/// #[protect(org)]                                   // an active organization
/// async fn e() -> &'static str { "" }
/// #[protect(fresh = "strict")]                      // strict_mfa, strict, moderate, lax, 10m, 1h, 1d
/// async fn f() -> &'static str { "" }
/// #[protect(condition = is_owner)]                  // fn(&Auth) -> bool
/// async fn g() -> &'static str { "" }
/// #[protect(pending)]                               // let pending sessions through
/// async fn h() -> &'static str { "" }
/// #[protect(role = "org:admin", rate_limit = "10/10s")] // 10 requests per 10 s per user
/// async fn i() -> &'static str { "" }
/// #[protect(any(role = "org:admin", all(org, permission = "org:data:delete")))]
/// async fn j() -> &'static str { "" }
/// #[protect(catalog = shared_authz, role = "org:admin")] // check against that module's catalog!
/// async fn k() -> &'static str { "" }
/// #[protect(unchecked, role = "org:admin")]          // no catalog: shape checks only
/// async fn l() -> &'static str { "" }
/// #[protect(crate = "clerk", role = "org:admin")]    // clerk-runtime renamed to `clerk`
/// async fn m() -> &'static str { "" }
/// #[protect(accepts = "api_key", scope = "invoices:read")]  // machine callers only (header token)
/// async fn n() -> &'static str { "" }
/// #[protect(accepts = ["session_token", "m2m_token"], role = "org:admin")] // sessions by the rule, or M2M
/// async fn o() -> &'static str { "" }
/// #[protect(accepts = "any")]                        // session_token, api_key, m2m_token, oauth_token
/// async fn p() -> &'static str { "" }
///
/// let app = routes![
///     GET "/a" => a, GET "/b" => b, GET "/c" => c, GET "/d" => d, GET "/e" => e,
///     GET "/f" => f, GET "/g" => g, GET "/h" => h, GET "/i" => i, GET "/j" => j,
///     GET "/k" => k, GET "/l" => l, GET "/m" => m, GET "/n" => n, GET "/o" => o,
///     GET "/p" => p,
/// ];
/// assert_eq!(app.find("GET", "/b").unwrap().policy.to_string(), "role org:admin");
/// ```
///
/// `accepts` names the token types a route takes (Clerk's `acceptsToken`;
/// default: session tokens only) and `scope` the scopes a machine token must
/// all carry, checked against `catalog!`'s `scopes`. A route that accepts
/// no session cannot check one: `role` and the other session requirements
/// there are compile errors.
///
/// Several requirements are ANDed. `rate_limit = "N/<window>"` (units `ms`,
/// `s`, `m`, `h`) limits each signed-in user per route, counted after the
/// policy passed; a malformed limit is a compile error at the literal.
/// Expands to a hidden
/// `enum __clerk_policy_<fn> {}` carrying the policy as a const, and a
/// `clerk_runtime::__private::Guard<..>` inserted as the handler's first
/// parameter; the rest of the signature, attributes and docs are kept.
/// The handler must be an `async fn` without `self`.
#[proc_macro_attribute]
pub fn protect(args: TokenStream, item: TokenStream) -> TokenStream {
    protect::expand(args.into(), item.into()).into()
}

/// Marks an async axum handler as reachable without a session, so
/// `routes!` accepts it.
///
/// ```
/// use clerk_runtime::prelude::*;
/// use clerk_runtime::Policy;
/// # use clerk_runtime as clerk;
///
/// #[public]
/// async fn index() -> &'static str { "hello" }
///
/// #[public(rate_limit = "10/10s")]   // per client IP (per user when signed in)
/// async fn search() -> &'static str { "results" }
///
/// #[public(crate = "clerk")]          // clerk-runtime renamed to `clerk`
/// async fn health() -> &'static str { "ok" }
///
/// let app = routes![GET "/" => index, GET "/search" => search, GET "/health" => health];
/// assert_eq!(app.find("GET", "/").unwrap().policy, Policy::PUBLIC);
/// ```
///
/// `rate_limit` is its only policy argument: requests per sliding window,
/// units `ms`, `s`, `m`, `h`; a malformed limit is a compile error.
///
/// A `#[public]` handler cannot take `Auth`, `UserId` or `Claims<T>`: they
/// answer 401 to a signed-out caller, so the route would be listed as
/// public and closed in practice. Take `Option<Auth>` or `MaybeAuth`, or
/// use `#[protect]`. The check goes by the type's name as written (a macro
/// cannot resolve paths), so an unrelated type called `Auth` is refused
/// too: import it under another name.
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    public::expand(args.into(), item.into()).into()
}

/// Extracts and validates custom claims before the handler runs.
///
/// ```
/// use clerk_runtime::prelude::*;
///
/// #[derive(Claims)]
/// struct Extras {
///     email: Option<String>,
/// }
///
/// #[protect]
/// #[claims(Extras)]
/// async fn me(Claims(extras): Claims<Extras>) -> String {
///     extras.email.unwrap_or_default()
/// }
///
/// let _app = routes![GET "/me" => me];
/// ```
///
/// `#[claims(Extras, crate = "clerk")]` names a renamed clerk-runtime.
/// Inserts `clerk_runtime::__private::ClaimsGuard<Extras>` right after the
/// policy guard, in either attribute order. A token missing a required
/// claim is rejected before the body runs. Not allowed on `#[public]`
/// handlers: claims need a session. A type without `#[derive(Claims)]`
/// (or a hand-written `FromClaims`) is a compile error at the argument:
/// "`T` needs `#[derive(Claims)]`".
#[proc_macro_attribute]
pub fn claims(args: TokenStream, item: TokenStream) -> TokenStream {
    claims::expand_attr(args.into(), item.into()).into()
}

/// Builds the route table and the axum router.
///
/// ```
/// use clerk_runtime::routes::Table;
/// use clerk_runtime::{Auth, protect, public, routes};
///
/// #[public]
/// async fn index() -> &'static str {
///     "hello"
/// }
///
/// #[protect]
/// async fn delete_item(auth: Auth) -> String {
///     format!("deleted by {}", auth.user_id())
/// }
///
/// let app = routes![
///     GET    "/"              => index,
///     DELETE "/api/data/{id}" => delete_item,
/// ];
/// print!("{}", Table(app.table()));
/// assert_eq!(app.find("DELETE", "/api/data/7").unwrap().handler, "delete_item");
/// // Then: `axum::serve(listener, app.layer(ClerkLayer::from_env()?).into_router())`.
/// ```
///
/// Methods: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS. Paths use axum
/// 0.8 syntax (`{id}`, `{*rest}`, `{{`/`}}` for a literal brace). Every
/// handler must be `#[public]` or `#[protect]`; the same method and path
/// twice is a compile error. `routes![crate = "clerk", ...]` names a
/// renamed clerk-runtime.
///
/// # The router's state
///
/// `routes!` builds a `Routes<S>`, and infers `S` from the handlers'
/// `State<..>` parameters (which `#[public]`/`#[protect]` read from the
/// signature): no handler taking `State<..>` is `Routes<()>`, handlers
/// taking `State<T>` (with stateless ones beside them) are `Routes<T>`.
/// So `let app = routes![..]` needs no annotation. Name the state with
/// `state = ..` when inference cannot see it: handlers taking substates
/// through `FromRef`, state reached only by a custom extractor, or
/// stateless routes that join a stateful router (`Router::merge`):
///
/// ```
/// use axum::extract::{FromRef, State};
/// use clerk_runtime::{Routes, public, routes};
///
/// #[derive(Clone)]
/// struct AppState { db: Db }
///
/// #[derive(Clone)]
/// struct Db;
///
/// impl FromRef<AppState> for Db {
///     fn from_ref(state: &AppState) -> Db { state.db.clone() }
/// }
///
/// #[public]
/// async fn greet(State(_app): State<AppState>) -> &'static str { "hi" }
///
/// #[public]
/// async fn rows(State(_db): State<Db>) -> &'static str { "rows" }
///
/// let inferred = routes![GET "/" => greet];                 // Routes<AppState>
/// let named: Routes<AppState> = routes![
///     state = AppState,                                    // two state types: named
///     GET "/"     => greet,
///     GET "/rows" => rows,
/// ];
/// let _router: axum::Router = named.with_state(AppState { db: Db }).into_router();
/// # let _: Routes<AppState> = inferred;
/// ```
///
/// Handlers whose `State<..>` types differ without `state = ..` are a
/// compile error that says so. A type annotation does not override the
/// inference (Rust has no defaults for inferred type parameters): with
/// `let app: Routes<AppState> = routes![..]` over stateless handlers,
/// write `state = AppState` instead.
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    routes::expand(input.into()).into()
}

/// Implements `clerk_runtime::FromClaims` for a struct with named fields.
///
/// ```
/// use clerk_runtime::prelude::*;
///
/// #[derive(Claims)]
/// struct Extras {
///     email: Option<String>,              // claim `email`, may be missing
///     #[claim(path = "metadata.role")]
///     role: String,                       // required: missing → `missing_claim`
///     #[claim(rename = "org_tier")]
///     tier: u8,                           // wrong type → `invalid_claim`
/// }
///
/// #[protect]
/// #[claims(Extras)]
/// async fn profile(Claims(extras): Claims<Extras>) -> String {
///     format!("{} {} {:?}", extras.role, extras.tier, extras.email)
/// }
///
/// let _app = routes![GET "/profile" => profile];
/// ```
///
/// Each field is deserialized with serde from the claim at its path (the
/// field name by default). `Option<T>` fields may be absent or null.
/// A struct that also derives `Clone` is decoded once per verified token
/// and kept with it (`Auth::claims_as`), so a cached token's requests clone
/// it; any other is decoded at each request.
/// `#[claim]` is this derive's helper attribute: on a struct without
/// `#[derive(Claims)]` rustc reports "cannot find attribute `claim`" (and,
/// with `claims` imported, suggests the similarly named `#[claims]`, which
/// goes on handlers); the fix is the derive. A macro cannot improve that
/// message: no macro runs on a struct without a derive.
/// `#[claim(crate = "clerk")]` on the struct names a renamed clerk-runtime.
#[proc_macro_derive(Claims, attributes(claim))]
pub fn derive_claims(input: TokenStream) -> TokenStream {
    claims::expand_derive(input.into()).into()
}
