//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod dev;
mod jwks;
mod oracle;
mod layer;
mod routes;
mod verify;

mod layer;
mod macros;
mod routes;
