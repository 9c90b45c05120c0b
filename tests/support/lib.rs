//! Shared helpers of the integration tests.

pub mod jwks_server;
