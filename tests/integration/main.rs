//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod browser;
mod cache;
mod dev;
mod example;
mod faults;
mod handshake;
mod jwks;
mod layer;
mod limits;
mod macros;
mod openapi;
mod oracle;
mod presets;
mod ratelimit_routes;
mod routes;
mod sessions;
mod templates;
mod verify;
