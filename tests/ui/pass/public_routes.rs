//! `#[public]` and `routes!`: every method, nested paths, the route table.
#![deny(warnings)]
use axum::extract::Path;
use clerk_runtime::{Policy, Route, Routes, protect, public, routes};

#[public]
async fn index() -> &'static str {
    "hello"
}

#[public]
async fn health() {}

mod items {
    use super::*;

    #[protect(permission = "org:data:read")]
    pub async fn list() -> &'static str {
        "items"
    }

    #[protect(permission = "org:data:delete")]
    pub async fn delete_item(Path(id): Path<i64>) -> String {
        format!("deleted {id}")
    }

    #[protect(permission = "org:data:write")]
    pub async fn write(Path(id): Path<i64>) {
        let _ = id;
    }

    #[protect(permission = "org:data:write")]
    pub async fn files(Path(rest): Path<String>) {
        let _ = rest;
    }
}

fn main() {
    let app: Routes = routes![
        GET "/" => index,
        HEAD "/health" => health,
        OPTIONS "/health" => health,
        GET "/api/items" => items::list,
        POST "/api/items/{id}" => items::write,
        PUT "/api/items/{id}" => items::write,
        PATCH "/api/items/{id}" => items::write,
        DELETE "/api/items/{id}" => items::delete_item,
        GET "/files/{*rest}" => items::files,
    ];
    let table = app.table();
    assert_eq!(table.len(), 9);
    assert_eq!(
        table[0],
        Route { method: "GET", path: "/", policy: Policy::PUBLIC, handler: "index" }
    );
    assert_eq!(table[7].method, "DELETE");
    assert_eq!(table[7].path, "/api/items/{id}");
    assert_eq!(table[7].handler, "items::delete_item");
    assert!(matches!(table[7].policy, Policy::Protected(_)));
    let methods: Vec<&str> = table.iter().map(|route| route.method).collect();
    assert_eq!(
        methods,
        ["GET", "HEAD", "OPTIONS", "GET", "POST", "PUT", "PATCH", "DELETE", "GET"]
    );
    let _router: axum::Router = app.with_clerk_layer_outside().into_router();

    let empty: Routes = routes![];
    assert!(empty.table().is_empty());
}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
