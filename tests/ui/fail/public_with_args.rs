use clerk_runtime::public;

#[public(role = "org:admin")]
async fn index() {}

fn main() {}
