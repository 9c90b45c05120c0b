use clerk_runtime::protect;

#[protect(role = "org:admin")]
fn admin() -> &'static str {
    "admin"
}

fn main() {}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
