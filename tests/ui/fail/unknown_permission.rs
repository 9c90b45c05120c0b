use clerk_runtime::{catalog, protect};

catalog! {
    roles: ["org:admin", "org:member"],
    permissions: ["org:data:read", "org:data:write", "org:data:delete"],
}

#[protect(permission = "org:data:reed")]
async fn list_items() {}

fn main() {}
