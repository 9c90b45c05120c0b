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
pub mod config;
pub mod dev;
pub mod error;
pub mod jwks;
pub mod policy;
pub mod revoked;
pub mod token;
pub mod verify;

pub use auth::{Auth, Check};
pub use claims::{ClaimError, ClaimSet, FromClaims};
pub use config::ClerkConfig;
pub use dev::{DevIssuer, DevSession};
pub use error::{ConfigError, Error, VerifyError};
pub use policy::{Policy, Rule};
pub use verify::Verifier;
