use clerk_runtime::protect;

#[protect(role = "org:admin", role = "org:member")]
async fn admin() {}

#[protect(permission = "org:data:read", permission = "org:data:write")]
async fn edit() {}

fn main() {}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
