use clerk_runtime::protect;

#[protect(any())]
async fn admin() {}

fn main() {}
