use clerk_runtime::{Routes, public, routes};

#[public]
async fn index() -> &'static str {
    "hello"
}

async fn forgotten() -> &'static str {
    "anyone can call me"
}

fn main() {
    let _app: Routes = routes![
        GET "/" => index,
        GET "/forgotten" => forgotten,
    ];
}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
