//! `catalog!` emits `CATALOG`; names declared there pass `#[protect]`.
#![deny(warnings)]
use clerk_runtime::{Catalog, catalog, protect};

catalog! {
    roles: ["org:admin", "org:member"],
    permissions: ["org:data:read"],
    features: ["o:data", "beta"],
    plans: ["u:free"],
}

#[protect(any(role = "org:member", permission = "org:data:read", feature = "u:beta", plan = "user:free"))]
async fn dashboard() {}

fn main() {
    assert_eq!(
        CATALOG,
        Catalog {
            roles: &["org:admin", "org:member"],
            permissions: &["org:data:read"],
            features: &["o:data", "beta"],
            plans: &["u:free"],
            scopes: &[],
        }
    );
    let _ = dashboard;
}
