//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod dev;
mod jwks;
mod oracle;
mod verify;
mod layer;
mod routes;
