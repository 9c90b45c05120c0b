use clerk_runtime::protect;

#[protect(any(pending, role = "org:admin"))]
async fn onboarding() {}

fn main() {}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
