use clerk_runtime::protect;

#[protect(role = "org:admin")]
#[protect(fresh = "strict")]
async fn delete_account() {}

fn main() {}
