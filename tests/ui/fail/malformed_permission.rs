use clerk_runtime::protect;

#[protect(permission = "org:data")]
async fn list_items() {}

#[protect(permission = "data:read")]
async fn read_items() {}

fn main() {}
