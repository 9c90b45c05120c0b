//! Handlers taking different states (one a substate through `FromRef`):
//! `routes!` cannot infer the router's state and says how to name it.
use axum::extract::{FromRef, State};
use clerk_runtime::{public, routes};

#[derive(Clone)]
struct AppState {
    db: Db,
}

#[derive(Clone)]
struct Db;

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

#[public]
async fn greet(State(_state): State<AppState>) {}

#[public]
async fn query(State(_db): State<Db>) {}

#[public]
async fn both(State(_state): State<AppState>, State(_db): State<Db>) {}

fn main() {
    let _ = routes![
        GET "/greet" => greet,
        GET "/query" => query,
    ];
    let _ = routes![GET "/both" => both];
    // Named, both compile.
    let _ = routes![state = AppState, GET "/greet" => greet, GET "/query" => query];
    let _ = routes![state = AppState, GET "/both" => both];
}
