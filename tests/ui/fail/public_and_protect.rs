use clerk_runtime::{protect, public};

#[public]
#[protect]
async fn first() {}

#[protect(role = "org:admin")]
#[public]
async fn second() {}

fn main() {}
