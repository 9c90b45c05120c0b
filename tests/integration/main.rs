//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod browser;
mod dev;
mod example;
mod jwks;
mod layer;
mod macros;
mod oracle;
mod presets;
mod routes;
mod sessions;
mod templates;
mod verify;
