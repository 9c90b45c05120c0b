use clerk_runtime::prelude::*;

catalog! {
    roles: ["org:admin"],
    scopes: ["invoices:read", "invoices:write"],
}

// An unknown token type, with a did-you-mean.
#[protect(accepts = "api_keys")]
async fn typo() {}

// A session check on a route that accepts no session.
#[protect(accepts = "m2m_token", role = "org:admin")]
async fn role_on_machine_route() {}

// A scope on a session-only route.
#[protect(scope = "invoices:read")]
async fn scope_without_accepts() {}

// A scope the catalog does not declare.
#[protect(accepts = "api_key", scope = "invoices:reed")]
async fn undeclared_scope() {}

// `accepts` belongs to the whole route.
#[protect(any(accepts = "api_key", role = "org:admin"))]
async fn accepts_in_any() {}

// "any" stands alone.
#[protect(accepts = ["any", "api_key"])]
async fn any_and_more() {}

// Scopes are words.
#[protect(accepts = "api_key", scope = "invoices read")]
async fn malformed_scope() {}

fn main() {}
