//! Shared helpers of the integration tests.

pub mod fake_clerk;
pub mod jwks_server;
pub mod raw_http;
