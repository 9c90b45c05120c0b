//! Integration tests of clerk-runtime, one module per area.
mod backend;
