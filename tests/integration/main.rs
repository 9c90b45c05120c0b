//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod browser;
mod dev;
mod example;
mod jwks;
mod oracle;
mod layer;
mod routes;
mod verify;

mod layer;
mod macros;
mod oracle;
mod routes;
mod verify;
