//! A tiny app behind a `RateLimitLayer`, served on 127.0.0.1:0.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use clerk_runtime::ratelimit::{KeyFn, RateLimitKey, RateLimitLayer};

/// Stands in for the auth layer: `x-user` names the signed-in user.
async fn fake_auth(mut request: Request, next: Next) -> Response {
    if let Some(user) = request
        .headers()
        .get("x-user")
        .and_then(|v| v.to_str().ok())
    {
        let user = user.to_owned();
        request.extensions_mut().insert(RateLimitKey(user));
    }
    next.run(request).await
}

/// `/api` and `/other` behind `layer`, each route with its own copy of it.
pub fn router<K: KeyFn>(layer: RateLimitLayer<K>) -> Router {
    Router::new()
        .route("/api", get(|| async { "ok" }).layer(layer.clone()))
        .route("/other", get(|| async { "ok" }).layer(layer.scope("other")))
        .layer(middleware::from_fn(fake_auth))
}

/// Serves `router` on a free port; returns its base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

pub async fn get_as(base: &str, path: &str, user: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(user) = user {
        request = request.header("x-user", user);
    }
    request.send().await.unwrap()
}

pub fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
        .to_owned()
}
