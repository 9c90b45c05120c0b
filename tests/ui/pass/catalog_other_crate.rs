//! A workspace sharing one catalog: it is declared in the crate
//! `clerk_fixture_authz` and used here with `catalog!(use ..)` (for every
//! handler) or `#[protect(catalog = ..)]` (for one). Names are checked by
//! the const backstop against that crate's catalog.
#![deny(warnings)]
use clerk_runtime::{catalog, protect};

catalog!(use clerk_fixture_authz);

#[protect(permission = "org:invoices:read")]
async fn invoices() {}

#[protect(any(role = "org:admin", permission = "org:invoices:write"))]
async fn write() {}

mod elsewhere {
    #[clerk_runtime::protect(catalog = clerk_fixture_authz, role = "org:member")]
    pub async fn members() {}
}

fn main() {
    assert_eq!(CATALOG, clerk_fixture_authz::CATALOG);
    let _ = (invoices, write, elsewhere::members);
}
