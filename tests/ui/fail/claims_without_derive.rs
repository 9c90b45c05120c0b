//! `#[claims(T)]` with a `T` that has no `#[derive(Claims)]`: the first
//! error names the derive, at the attribute. (axum's `Handler` error at
//! `routes!` follows: the handler's `Claims<Extras>` cannot be extracted.)
use clerk_runtime::{Claims, Routes, claims, protect, routes};

struct Extras {
    email: Option<String>,
}

#[protect]
#[claims(Extras)]
async fn me(Claims(extras): Claims<Extras>) -> String {
    extras.email.unwrap_or_default()
}

// `#[claim]` is the derive's helper: without the derive, rustc knows no
// such attribute (its "similar name" hint points at `#[claims]`).
struct Tenant {
    #[claim(rename = "tenant_id")]
    id: String,
}

fn main() {
    let _app: Routes = routes![GET "/me" => me];
    let _ = Tenant { id: String::new() }.id;
}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
