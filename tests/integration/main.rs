//! Integration tests of clerk-runtime, one module per area.

mod layer;
mod routes;
