use clerk_runtime::protect;

#[protect(role = "org:admin")]
struct Admin;

fn main() {}
