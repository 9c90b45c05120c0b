use clerk_runtime::{Routes, public, routes};

#[public]
async fn item() {}

fn main() {
    let _app: Routes = routes![
        GET "/items/:id" => item,
        GET "items" => item,
        GET "/files/*rest" => item,
        GET "/a/{id}" => item,
        POST "/a/{key}" => item,
    ];
}
