//! Integration tests of clerk-runtime, one module per area.

mod dev;
mod jwks;
mod verify;
