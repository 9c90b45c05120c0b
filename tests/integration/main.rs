//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod dev;
mod faults;
mod jwks;
mod layer;
mod limits;
mod macros;
mod oracle;
mod routes;
mod verify;
