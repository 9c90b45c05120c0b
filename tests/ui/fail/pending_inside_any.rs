use clerk_runtime::protect;

#[protect(any(pending, role = "org:admin"))]
async fn onboarding() {}

fn main() {}
