use clerk_runtime::public;

#[public(role = "org:admin")]
async fn index() {}

fn main() {}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
