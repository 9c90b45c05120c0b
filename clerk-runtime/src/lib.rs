//! Compile-time checked Clerk session authentication for axum.
//!
//! Handlers declare who may call them with `#[protect(...)]` or `#[public]`,
//! `routes!` refuses to build a router with an undeclared handler, and a small
//! runtime verifies Clerk session tokens (RS256, JWKS or PEM key) once per
//! request.
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
    pub use crate::guard::*;
    pub use axum;
    pub use clerk_rules::catalog_check;
}
