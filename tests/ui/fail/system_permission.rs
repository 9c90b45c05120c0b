use clerk_runtime::protect;

#[protect(permission = "org:sys_memberships:manage")]
async fn invite_member() {}

fn main() {}
