//! Handlers taking axum state work behind the generated guard.
#![deny(warnings)]
use axum::extract::State;
use clerk_runtime::{Routes, protect, public, routes};

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

#[public]
async fn hello(State(state): State<AppState>) -> &'static str {
    state.greeting
}

#[protect(org)]
async fn org_hello(State(state): State<AppState>, body: String) -> String {
    format!("{} {body}", state.greeting)
}

fn main() {
    let app: Routes<AppState> = routes![
        GET "/" => hello,
        POST "/org" => org_hello,
    ];
    assert_eq!(app.table().len(), 2);
    let _router: axum::Router = app
        .with_state(AppState { greeting: "hi" })
        .with_clerk_layer_outside()
        .into_router();
}
