//! A client for Clerk's Backend API (`https://api.clerk.com/v1`).
//!
//! Covers what an axum service behind Clerk needs at runtime: reading a user,
//! listing and revoking sessions ("sign out all devices"), and minting session
//! or JWT-template tokens for calls to other services.
//!
//! ```no_run
//! # async fn demo() -> Result<(), clerk_runtime::backend::BackendError> {
//! use clerk_runtime::backend::{BackendClient, ListSessions, ApiSessionStatus};
//!
//! let clerk = BackendClient::builder("sk_test_...").build()?;
//! let user = clerk.get_user("user_2abc").await?;
//! println!("{:?} <{:?}>", user.full_name(), user.primary_email());
//! let active = clerk
//!     .list_sessions(&ListSessions::for_user("user_2abc").status(ApiSessionStatus::Active))
//!     .await?;
//! let revoked = clerk.revoke_all_sessions("user_2abc").await?;
//! # let _ = (active, revoked);
//! # Ok(()) }
//! ```
//!
//! Failures come back as [`BackendError`], which keeps Clerk's typed error list
//! and the HTTP status. Rate limiting (429) and server errors (5xx) are retried
//! according to [`RetryPolicy`]; see its docs for what is retried and why.

mod client;
mod error;
mod machines;
mod path;
mod sessions;
mod tokens;
mod users;

pub use client::{
    BackendClient, BackendClientBuilder, DEFAULT_API_URL, DEFAULT_API_VERSION,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, MAX_RESPONSE_BYTES, RetryPolicy,
};
pub use error::{BackendError, ClerkApiError};
pub use machines::{
    API_KEYS_VERIFY_PATH, M2M_TOKENS_VERIFY_PATH, MachineTokenResource, OAUTH_TOKENS_VERIFY_PATH,
};
pub use sessions::{ApiSessionStatus, ListSessions, MAX_LIST_LIMIT, RefreshSession, Session};
pub use users::{EmailAddress, User};
