//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod dev;
mod jwks;
mod layer;
mod macros;
mod oracle;
mod ratelimit_routes;
mod routes;
mod verify;
