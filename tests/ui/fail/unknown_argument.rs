use clerk_runtime::protect;

#[protect(roles = "org:admin")]
async fn admin() {}

#[protect(max_age = "10m")]
async fn settings() {}

fn main() {}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
