use clerk_runtime::{Routes, protect, routes};

#[protect(role = "org:admin")]
fn admin() -> &'static str {
    "admin"
}

fn main() {
    // One error, at the fn: the handler is still guarded (and made async),
    // so routes! does not add "not marked" or axum `Handler` errors.
    let _app: Routes = routes![GET "/admin" => admin];
}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
