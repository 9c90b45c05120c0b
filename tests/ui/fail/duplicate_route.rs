use clerk_runtime::{Routes, public, routes};

#[public]
async fn list() {}

#[public]
async fn list_v2() {}

fn main() {
    let _app: Routes = routes![
        GET "/items" => list,
        POST "/items" => list,
        GET "/items" => list_v2,
    ];
}
