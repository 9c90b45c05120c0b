//! Integration tests of clerk-runtime, one module per area.

mod backend;
mod browser;
mod cache;
mod dev;
mod example;
mod faults;
mod handshake;
mod independent;
mod jwks;
mod layer;
mod limits;
mod machine;
mod machine_oracle;
mod macros;
mod openapi;
mod oracle;
mod presets;
mod ratelimit_routes;
mod readme;
mod routes;
mod session_layer;
mod sessions;
mod templates;
mod verify;

// The names the handlers of these tests use; `#[protect]` checks them here.
clerk_runtime::catalog! {
    roles: ["org:admin"],
    permissions: ["org:data:delete"],
    scopes: ["invoices:read", "read:foo"],
}
