//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod cache;
mod dev;
mod jwks;
mod layer;
mod oracle;
mod routes;
mod verify;
