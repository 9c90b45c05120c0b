//! Shared helpers of the integration tests.

pub mod clerk_oracle;
pub mod fake_clerk;
pub mod jwks_server;
pub mod raw_http;
/// A throwaway `redis-server` for tests; the same helper clerk-runtime's own
/// rate-limit tests use, compiled here rather than copied.
#[path = "../../clerk-runtime/tests/support/redis_server.rs"]
pub mod redis_server;
