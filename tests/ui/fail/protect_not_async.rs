use clerk_runtime::protect;

#[protect(role = "org:admin")]
fn admin() -> &'static str {
    "admin"
}

fn main() {}
