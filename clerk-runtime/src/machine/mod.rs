//! Machine callers: API keys, M2M tokens and OAuth access tokens
//! (clerk-machine-webhooks-openapi.md part A). [`MachineVerifier`]
//! verifies them as Clerk's `verifyMachineAuthToken` does, JWT forms locally
//! with the instance keys and opaque forms through the Backend API, behind a
//! small single-flight cache; [`MachineAuth`] is what a verified one says.
//!
//! Routes opt in per handler (`#[protect(accepts = "api_key", scope = "...")]`);
//! the guard verifies a machine token only on a route that accepts its type,
//! so other requests never pay for it.

mod auth;
mod cache;
mod error;
mod jwt;
mod verifier;

pub use auth::MachineAuth;
pub use error::MachineError;
pub use verifier::{
    DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL, MachineVerifier, MachineVerifierBuilder,
};
