use clerk_runtime::{protect, public};

#[public]
#[protect]
async fn first() {}

#[protect(role = "org:admin")]
#[public]
async fn second() {}

fn main() {}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
