//! Compile-time checked Clerk session authentication for axum.
//!
//! Handlers declare who may call them with `#[protect(...)]` or `#[public]`,
//! `routes!` refuses to build a router with an undeclared handler, and a small
//! runtime verifies Clerk session tokens (RS256, JWKS or PEM key) once per
//! request.
#![deny(missing_docs)]

pub mod auth;
pub mod backend;
pub mod claims;
pub mod policy;
pub mod ratelimit;

pub use auth::Auth;
pub use policy::{Policy, Rule};
