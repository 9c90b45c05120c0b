//! No `catalog!` anywhere: names cannot be checked, so that is an error
//! (a bare #[protect] and an explicit `unchecked` are fine).
use clerk_runtime::protect;

#[protect(permission = "org:data:reed")]
async fn data() {}

#[protect(any(role = "org:admin", feature = "o:export"))]
async fn export() {}

#[protect]
async fn signed_in() {}

#[protect(unchecked, permission = "org:data:read")]
async fn opted_out() {}

fn main() {}
