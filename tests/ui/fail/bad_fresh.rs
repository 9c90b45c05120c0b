use clerk_runtime::protect;

#[protect(fresh = "10 minutes")]
async fn settings() {}

#[protect(fresh = "30s")]
async fn password() {}

#[protect(fresh = "Strict")]
async fn billing() {}

fn main() {}
