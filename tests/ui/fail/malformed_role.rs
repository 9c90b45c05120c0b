use clerk_runtime::protect;

#[protect(role = "admin")]
async fn admin() {}

#[protect(role = "org:data:read")]
async fn reader() {}

fn main() {}
