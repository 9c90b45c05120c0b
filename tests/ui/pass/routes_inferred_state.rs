//! `routes!` infers `Routes<S>` from its handlers' `State<..>` parameters:
//! no handler taking state is `Routes<()>`, handlers taking `State<T>` (and
//! stateless ones beside them) are `Routes<T>`, and `state = ..` names `S`
//! when inference cannot (substates through `FromRef`).
#![deny(warnings)]
use axum::extract::{FromRef, State};
use clerk_runtime::routes::Table;
use clerk_runtime::{Auth, Routes, protect, public, routes};

#[public]
async fn index() -> &'static str {
    "hello"
}

#[protect]
async fn me(auth: Auth) -> String {
    auth.user_id().to_owned()
}

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
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
async fn greet(State(state): State<AppState>) -> &'static str {
    state.greeting
}

#[protect]
async fn query(State(_db): State<Db>) -> &'static str {
    "rows"
}

fn main() {
    // Nothing names the state, and nothing needs to: `Routes<()>`.
    let app = routes![
        GET "/" => index,
        GET "/me" => me,
    ];
    print!("{}", Table(app.table()));
    let _: Routes<()> = app;

    // One state type among the handlers: `Routes<AppState>`.
    let app = routes![
        GET "/" => index,
        GET "/greet" => greet,
    ];
    let state = AppState { greeting: "hi", db: Db };
    let _router: axum::Router = app.with_state(state.clone()).into_router();

    // Two state types, one a substate of the other: named.
    let app = routes![
        state = AppState,
        GET "/greet" => greet,
        GET "/query" => query,
    ];
    let _router: axum::Router = app.with_state(state).with_clerk_layer_outside().into_router();

    // No route at all is stateless too.
    let _: Routes<()> = routes![];
}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
