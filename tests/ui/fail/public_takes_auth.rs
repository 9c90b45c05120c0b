//! A `#[public]` handler taking an extractor that needs a session would be
//! listed as public and answer 401: refused, with the two ways out.
use clerk_runtime::{Auth, Claims, MaybeAuth, Routes, UserId, public, routes};

#[public]
async fn named(auth: Auth) -> String {
    auth.user_id().to_owned()
}

#[public]
async fn by_path(_: clerk_runtime::Auth, _user: UserId) {}

#[public]
async fn claims(Claims(_set): Claims<clerk_runtime::ClaimSet>) {}

// Optional sessions are what #[public] handlers take.
#[public]
async fn optional(_auth: Option<Auth>, _maybe: MaybeAuth) {}

fn main() {
    // One error a parameter, none at routes!: the handlers keep their guard.
    let _app: Routes = routes![
        GET "/named" => named,
        GET "/by-path" => by_path,
        GET "/claims" => claims,
        GET "/optional" => optional,
    ];
}
