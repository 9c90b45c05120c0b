//! The README's example, verbatim (a test keeps the two equal): four routes,
//! compile-checked names, the embedded dev issuer. Needs `clerk-runtime`
//! (feature `dev`) and `tokio` only.
use clerk_runtime::prelude::*;

catalog! {                                   // every name in #[protect] is checked against this
    roles: ["org:admin", "org:member"],
    permissions: ["org:data:read", "org:data:write"],
}

// Clone: decoded once per verified token, not once per request
#[derive(Claims, Clone)]
struct Extras {
    email: Option<String>,
    #[claim(path = "metadata.role")]
    role: Option<String>,
}

#[public]
async fn index() -> &'static str {
    "hello"
}

#[protect(role = "org:admin")]
async fn admin(auth: Auth) -> String {
    format!("hello admin {}", auth.user_id())
}

#[protect(permission = "org:data:read")]
async fn data(auth: Auth) -> Json<Value> {
    Json(json!({ "org": auth.org_id() }))
}

#[protect]
#[claims(Extras)]
async fn me(auth: Auth, Claims(extras): Claims<Extras>) -> Json<Value> {
    Json(json!({ "user": auth.user_id(), "email": extras.email, "role": extras.role }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = routes![
        GET "/"         => index,
        GET "/admin"    => admin,
        GET "/api/data" => data,
        GET "/api/me"   => me,
    ];
    print!("{}", Table(app.table())); // METHOD PATH POLICY HANDLER, a row a route

    // The embedded dev issuer stands in for Clerk; with CLERK_* set, use ClerkLayer::from_env()?.
    let issuer = DevIssuer::new()?;
    // Clerk's tokens live 60 s; this one an hour, so the curl line keeps working.
    let reader = DevSession::new("user_1")
        .lifetime(std::time::Duration::from_secs(3600))
        .org("org_1", "acme", "org:member")
        .permissions(["org:data:read"]);
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    println!(
        "curl -H 'Authorization: Bearer {}' localhost:{port}/api/data",
        issuer.mint(&reader)
    );

    let app = app.layer(ClerkLayer::dev(&issuer)?).into_router();
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e} (set PORT to a free port)"))?;
    serve(listener, app).await?;
    Ok(())
}
