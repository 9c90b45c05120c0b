//! Opting out explicitly: `unchecked` on a handler, when the crate has no
//! catalog; names are still checked for shape.
#![deny(warnings)]
use clerk_runtime::protect;

#[protect(unchecked, permission = "org:anything:read")]
async fn anything() {}

#[protect(role = "org:admin", unchecked)]
async fn admin() {}

#[protect]
async fn signed_in() {}

fn main() {
    let _ = (anything, admin, signed_in);
}
