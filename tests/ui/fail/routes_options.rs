//! `routes!` options before the routes: `crate` and `state`, once each.
use clerk_runtime::{public, routes};

#[public]
async fn index() {}

fn main() {
    let _ = routes![stat = (), GET "/" => index];
    let _ = routes![state = (), state = (), GET "/" => index];
    let _ = routes![state = 1, GET "/" => index];
}
