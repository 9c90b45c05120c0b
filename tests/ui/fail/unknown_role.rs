use clerk_runtime::{catalog, protect};

catalog! {
    roles: ["org:admin", "org:member"],
}

#[protect(role = "org:admn")]
async fn admin() {}

fn main() {}
