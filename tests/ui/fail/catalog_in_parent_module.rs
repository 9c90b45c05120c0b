//! The catalog at the crate root covers handlers in other files.
use clerk_runtime::catalog;

catalog! {
    roles: ["org:admin", "org:member"],
    permissions: ["org:invoices:read"],
}

#[path = "catalog_in_parent_module/handlers.rs"]
mod handlers;

fn main() {}
