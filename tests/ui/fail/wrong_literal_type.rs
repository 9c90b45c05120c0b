use clerk_runtime::protect;

#[protect(role = admin)]
async fn admin() {}

#[protect(fresh = 10)]
async fn settings() {}

#[protect(condition = "is_owner")]
async fn owner() {}

#[protect(org = true)]
async fn org() {}

fn main() {}
