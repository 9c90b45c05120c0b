//! `catalog`, `unchecked` and `crate` misused.
use clerk_runtime::protect;

#[protect(catalog = "clerk_fixture_authz", role = "org:admin")]
async fn quoted() {}

#[protect(catalog = clerk_fixture_authz, unchecked, role = "org:admin")]
async fn both() {}

#[protect(unchecked = true, role = "org:admin")]
async fn valued() {}

#[protect(any(unchecked, role = "org:admin"))]
async fn nested() {}

#[protect(crate = clerk_runtime)]
async fn unquoted_crate() {}

#[protect(crate = "not a path")]
async fn bad_crate() {}

fn main() {}
