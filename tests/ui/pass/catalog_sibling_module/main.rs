//! The catalog lives in a sibling module (`authz.rs`); the crate root says
//! so with `catalog!(use crate::authz)`, and handlers anywhere are checked
//! against it, by the scan and by the const backstop.
#![deny(warnings)]
use clerk_runtime::catalog;

mod authz;
mod handlers;

catalog!(use crate::authz);

fn main() {
    assert_eq!(CATALOG.permissions, &["org:invoices:read"]);
    let _ = (handlers::invoices, handlers::admin);
}
