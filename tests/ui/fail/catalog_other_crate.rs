//! A catalog from another crate of the workspace cannot be read by the
//! source scan; the const backstop still fails the build on a misspelt
//! name, with a did-you-mean and where that catalog is.
use clerk_runtime::{catalog, protect};

catalog!(use clerk_fixture_authz);

#[protect(permission = "org:invoices:reed")]
async fn invoices() {}

#[protect(catalog = clerk_fixture_authz, role = "org:owner")]
async fn owner() {}

fn main() {}
