use clerk_runtime::{Claims, claims, public};

#[derive(Claims)]
struct Extras {
    email: Option<String>,
}

#[public]
#[claims(Extras)]
async fn first() {}

#[claims(Extras)]
#[public]
async fn second() {}

fn main() {}
