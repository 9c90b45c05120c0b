//! axum 0.8 writes a literal brace twice: `{{` and `}}`.
#![deny(warnings)]
use clerk_runtime::{public, routes};

#[public]
async fn literal() {}

#[public]
async fn mixed() {}

fn main() {
    let app: clerk_runtime::Routes = routes![
        GET "/a/{{x}}" => literal,
        GET "/b/{{{id}}}" => mixed,
    ];
    let paths: Vec<&str> = app.table().iter().map(|route| route.path).collect();
    assert_eq!(paths, ["/a/{{x}}", "/b/{{{id}}}"]);
}
