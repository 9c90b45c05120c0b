use clerk_runtime::{Routes, public, routes};

#[public]
async fn index() {}

fn main() {
    let _app: Routes = routes![
        get "/" => index,
        TRACE "/trace" => index,
    ];
}
