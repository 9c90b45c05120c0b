//! Compile-time checked Clerk authentication for axum.
//!
//! Handlers declare who may call them with `#[protect(...)]` or `#[public]`,
//! `routes!` refuses to build a router with an undeclared handler, and a small
//! runtime verifies Clerk session tokens (RS256, JWKS or PEM key) once per
//! request, and machine tokens (API keys, M2M, OAuth) on the routes that
//! accept them.
//!
//! # Quick start
//!
//! Depend on this crate alone (it re-exports the macros; `dev` is the
//! embedded dev issuer) and on `tokio` for `main`:
//!
//! ```toml
//! [dependencies]
//! clerk-runtime = { version = "0.1", features = ["dev"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "net"] }
//! ```
//!
//! ```no_run
//! use clerk_runtime::prelude::*;
//!
//! // Every name #[protect] uses, once, at the crate root; a typo is a compile error.
//! catalog! {
//!     roles: ["org:admin"],
//!     permissions: ["org:data:read"],
//! }
//!
//! #[public]
//! async fn index() -> &'static str {
//!     "hello"
//! }
//!
//! // In your crate `#[protect(permission = "org:data:read")]` finds the root
//! // `catalog!` by itself; a doc test has no source file to read, so it names it.
//! #[protect(catalog = crate, permission = "org:data:read")]
//! async fn data(auth: Auth) -> Json<Value> {
//!     Json(json!({ "user": auth.user_id(), "org": auth.org_id() }))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let app = routes![
//!         GET "/"         => index,
//!         GET "/api/data" => data,
//!     ];
//!     // Dev mode: tokens from an in-memory issuer, no Clerk account needed.
//!     let issuer = DevIssuer::new()?;
//!     let token = issuer.mint(&DevSession::new("user_1").org("org_1", "acme", "org:admin")
//!         .permissions(["org:data:read"]));
//!     println!("curl -H 'Authorization: Bearer {token}' localhost:3000/api/data");
//!     let layer = ClerkLayer::dev(&issuer)?; // real Clerk: ClerkLayer::from_env()?
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     serve(listener, app.layer(layer).into_router()).await?;
//!     Ok(())
//! }
//! ```
//!
//! With a real instance, set `CLERK_SECRET_KEY` (or `CLERK_JWT_KEY`),
//! `CLERK_PUBLISHABLE_KEY` and `CLERK_AUTHORIZED_PARTIES`, and use
//! [`ClerkLayer::from_env`]: the same binary verifies Clerk's tokens and, with
//! the publishable key, keeps browsers signed in across page loads as
//! Clerk's SDKs do ([`session`]).
//!
//! # The rules to know
//!
//! - **Deny by default.** `routes!` accepts only handlers marked
//!   `#[public]` or `#[protect(...)]`; an unmarked handler is a compile error,
//!   so no route is public by accident. Routes outside the table (merged
//!   into [`Routes::into_router`]'s router) are visibly outside it.
//! - **Where `catalog!` lives.** `#[protect]` reads the `catalog!` of the
//!   file it expands in and of the module roots above it, so one `catalog!`
//!   at the crate root (`main.rs` / `lib.rs`) covers every module. For a
//!   catalog in another module or crate, write `catalog!(use path);` at the
//!   crate root or `#[protect(catalog = path, ..)]`. Without any catalog,
//!   names do not compile (opt out with `#[protect(unchecked, ..)]` or an
//!   empty `catalog! {}`); the check never switches itself off.
//! - **Pages and APIs.** A refused request renders by its kind
//!   ([`ResponseMode::Auto`]): API requests get JSON 401/403 with
//!   `WWW-Authenticate`, page requests (`Accept: text/html`) a 307 to the
//!   sign-in URL with `redirect_url`, or to the unauthorized URL. Clerk
//!   unreachable is a 503, never "signed out".
//! - **The layer is required.** Protected routes need a [`ClerkLayer`] in
//!   front (`Routes::layer`): [`Routes::into_router`] panics at startup,
//!   naming the fix, when a table with a protected route has none. A layer
//!   added on an enclosing router is declared with
//!   [`Routes::with_clerk_layer_outside`]; if it is then missing after all,
//!   protected routes answer 500 `clerk-layer-missing` and the first such
//!   request logs an error.
//! - **Machine callers opt in per route**: `#[protect(accepts = "api_key",
//!   scope = "invoices:read")]`; every other route takes session tokens only
//!   (see [`machine`]).
#![deny(missing_docs)]

// Lets `#[derive(Claims)]` (which names `::clerk_runtime`) run inside this crate.
extern crate self as clerk_runtime;

pub mod auth;
pub mod backend;
pub mod catalog;
pub mod config;
mod context;
#[cfg(feature = "dev")]
pub mod dev;
pub mod error;
pub mod extract;
mod guard;
pub mod layer;
pub mod machine;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod policy;
pub mod ratelimit;
pub mod reason;
pub mod response;
pub mod revocation;
pub mod routes;
pub mod session;
pub mod state;
pub mod template;
pub mod time;
pub mod token;
pub mod verify;
pub mod webhook;

pub use auth::{Auth, Check, ClaimError, ClaimSet, FromClaims};
pub use catalog::Catalog;
pub use clerk_macros::{Claims, catalog, claims, protect, public, routes};
pub use config::ClerkConfig;
#[cfg(feature = "dev")]
pub use dev::{DevIssuer, DevMachineToken, DevSession};
pub use error::{ConfigError, Error, VerifyError};
pub use extract::{Caller, Claims, MaybeAuth, Sessions, USER_ID_HEADER, UserId};
pub use layer::ClerkLayer;
pub use machine::{MachineAuth, MachineVerifier};
pub use policy::presets::{SessionPreset, SessionSettings};
pub use policy::{Policy, Rule};
pub use response::{AuthRejection, ResponseMode};
pub use routes::{Route, Routes};
pub use state::AuthState;
pub use template::{JwtTemplate, TemplateVerifier};
pub use token::TokenKind;
pub use verify::Verifier;

/// What most applications import: `use clerk_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::auth::Auth;
    #[cfg(feature = "dev")]
    pub use crate::dev::{DevIssuer, DevSession};
    pub use crate::extract::UserId;
    pub use crate::extract::{Caller, Claims, MachineAuth, MaybeAuth};
    pub use crate::layer::ClerkLayer;
    pub use crate::response::ResponseMode;
    pub use crate::routes::Routes;
    pub use crate::routes::Table;
    pub use axum::{Json, serve};
    pub use clerk_macros::{Claims, catalog, claims, protect, public, routes};
    pub use serde_json::{Value, json};
}

/// Used by code the macros generate; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::auth::{ClaimsProbe, ReadFresh, ReadKept};
    pub use crate::guard::*;
    pub use axum;
    pub use clerk_rules::catalog_check;
}
