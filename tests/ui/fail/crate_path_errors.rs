//! `crate = "..."` must be a path in a string, on every macro.
use clerk_runtime::{Claims, catalog, claims, protect, public, routes};

catalog! { crate = "no such", roles: ["org:admin"] }

#[derive(Claims)]
#[claim(crate = "clerk_runtime", rename = "x")]
struct Extras {
    email: Option<String>,
}

#[public(crate = 1)]
async fn index() {}

#[protect]
#[claims(Extras, krate = "clerk")]
async fn me() {}

fn main() {
    let _ = routes![crate = clerk_runtime, GET "/" => index];
}
