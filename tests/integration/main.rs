//! Integration tests of clerk-runtime, one module per area.
mod backend;

mod layer;
mod macros;
mod routes;
