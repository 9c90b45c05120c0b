use clerk_runtime::{catalog, protect};

catalog! {
    roles: ["org:admin"],
}

// The catalog declares no permissions list, so permissions are only
// checked for shape; roles are checked against the list.
#[protect(permission = "org:anything:read", role = "org:owner")]
async fn handler() {}

fn main() {}
