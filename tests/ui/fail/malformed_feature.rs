use clerk_runtime::protect;

#[protect(feature = "team:data")]
async fn data() {}

fn main() {}
