use clerk_runtime::{protect, public};

#[protect(any(role = "org:admin", rate_limit = "10/10s"))]
async fn inside_any() {}

#[protect(rate_limit = 10)]
async fn not_a_string() {}

#[protect(rate_limit = "10/10s", rate_limit = "5/1s")]
async fn twice() {}

#[public(rate_limit = "10/10s", role = "org:admin")]
async fn public_with_requirement() {}

fn main() {}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
