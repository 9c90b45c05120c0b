use clerk_runtime::{Routes, protect, routes};

#[protect(role = "org:admin")]
#[protect(fresh = "strict")]
async fn delete_account() {}

// Both handlers keep a guard despite their errors, so routes! adds no
// misleading "not marked #[protect]" error.
#[protect(role = "admin")]
async fn malformed() {}

fn main() {
    let _app: Routes = routes![
        DELETE "/account" => delete_account,
        GET "/malformed" => malformed,
    ];
}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
