//! Load-bench server: one small-JSON route, served bare or behind an auth
//! middleware, for `scripts/loadbench.sh` to drive with `wrk`.
//!
//! ```text
//! loadbench mint  <dir> <count>        write <dir>/key.pem and <dir>/tokens.txt
//! loadbench serve <mode> <dir> <port>  serve GET /api/data on 127.0.0.1:<port>
//! ```
//!
//! Modes: `bare`, `clerk` (ClerkLayer + a `#[protect]` route),
//! `clerk-nocache` (the same with the token cache off),
//! `jwt-authorizer`, `jsonwebtoken` (a hand-written middleware calling
//! `jsonwebtoken::decode` per request), and `raw`: the floor no RS256
//! verifier can go under (split, base64url, header and claims parse, RSA
//! verify with a pre-parsed key; no other check). Every mode runs on one
//! tokio worker.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::signature::ParsedPublicKey;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use clerk_runtime::prelude::*;
use clerk_runtime::{DevIssuer, DevSession, Verifier};
use serde::Deserialize;

#[path = "../../clerk-runtime/benches/common/raw_floor.rs"]
mod raw_floor;
use serde_json::{Value, json};

/// Issuer of the bench tokens; every verifier checks it.
const ISSUER: &str = "https://clerk.bench.example.com";
/// Origin of the (pretend) frontend; our verifier checks `azp` against it.
const AZP: &str = "https://app.example.com";
/// Bench tokens outlive any run.
const LIFETIME: Duration = Duration::from_secs(24 * 3600);

catalog! {
    roles: ["org:admin", "org:member"],
    permissions: ["org:data:read", "org:data:write", "org:dashboard:read"],
    features: ["o:data", "o:dashboard", "u:beta"],
    plans: ["o:pro"],
}

fn body() -> Json<Value> {
    Json(json!({"ok": true, "items": [1, 2, 3]}))
}

async fn data() -> Json<Value> {
    body()
}

#[protect(permission = "org:data:read")]
async fn protected_data() -> Json<Value> {
    body()
}

/// A Clerk-shaped v2 session (~900-byte token): org with role and
/// permissions, features, plan, azp, fva.
fn session(i: usize) -> DevSession {
    DevSession::new(format!("user_2NNEqL2nrIRdJ194ndJqAHwE{i:06}"))
        .session_id(format!("sess_2NNEqL2nrIRdJ194ndJqAHwE{i:06}"))
        .azp(AZP)
        .org("org_2NNEqL2nrIRdJ194ndJqAHwEjZo", "acme-corp", "org:admin")
        .features(["o:dashboard", "o:data", "u:beta"])
        .permissions(["org:data:read", "org:data:write", "org:dashboard:read"])
        .plans(["o:pro"])
        .fva(3, 3)
        .lifetime(LIFETIME)
}

fn mint(dir: &Path, count: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let issuer = DevIssuer::new()
        .map_err(std::io::Error::other)?
        .with_issuer(ISSUER);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = count.div_ceil(threads);
    let tokens: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let issuer = issuer.clone();
                s.spawn(move || {
                    (t * per..((t + 1) * per).min(count))
                        .map(|i| issuer.mint(&session(i)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("minting thread"))
            .collect()
    });
    std::fs::write(dir.join("key.pem"), issuer.public_key_pem())?;
    std::fs::write(dir.join("tokens.txt"), tokens.join("\n") + "\n")?;
    std::fs::write(dir.join("token.txt"), format!("{}\n", tokens[0]))?;
    eprintln!(
        "minted {} tokens of {} bytes into {}",
        tokens.len(),
        tokens[0].len(),
        dir.display()
    );
    Ok(())
}

/// The claims the two peer middlewares deserialize.
#[derive(Clone, Deserialize)]
#[allow(dead_code)]
struct PeerClaims {
    sub: String,
    sid: String,
    iss: String,
    exp: i64,
    azp: Option<String>,
}

/// The floor, as `raw/rsa_verify+parse` in the criterion bench.
async fn raw_mw(State(key): State<Arc<ParsedPublicKey>>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| raw_floor::verify_and_parse::<PeerClaims>(&key, t)) {
        Some(claims) => {
            req.extensions_mut().insert(claims);
            next.run(req).await
        }
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

struct JwtState {
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

/// What most hand-written axum JWT middlewares look like.
async fn jsonwebtoken_mw(
    State(state): State<Arc<JwtState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match jsonwebtoken::decode::<PeerClaims>(token, &state.key, &state.validation) {
        Ok(data) => {
            req.extensions_mut().insert(data.claims);
            next.run(req).await
        }
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn app(mode: &str, dir: &Path) -> axum::Router {
    let pem = std::fs::read_to_string(dir.join("key.pem")).expect("key.pem (run `mint` first)");
    let route = "/api/data";
    match mode {
        "bare" => axum::Router::new().route(route, get(data)),
        "clerk" | "clerk-nocache" => {
            let capacity = if mode == "clerk" {
                clerk_runtime::verify::VERIFIED_CACHE_CAPACITY
            } else {
                0
            };
            let verifier = Verifier::builder()
                .pem(pem)
                .issuer(ISSUER)
                .authorized_parties([AZP])
                .token_cache_capacity(capacity)
                .build()
                .expect("verifier");
            routes![GET "/api/data" => protected_data]
                .layer(ClerkLayer::new(verifier))
                .into_router()
        }
        "raw" => {
            let key = raw_floor::parse_key(&pem);
            axum::Router::new()
                .route(route, get(data))
                .layer(middleware::from_fn_with_state(Arc::new(key), raw_mw))
        }
        "jsonwebtoken" => {
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            validation.set_issuer(&[ISSUER]);
            validation.leeway = 5;
            let state = Arc::new(JwtState {
                key: jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).expect("PEM"),
                validation,
            });
            axum::Router::new()
                .route(route, get(data))
                .layer(middleware::from_fn_with_state(state, jsonwebtoken_mw))
        }
        "jwt-authorizer" => {
            use jwt_authorizer::IntoLayer as _;
            let authorizer: jwt_authorizer::Authorizer<PeerClaims> =
                jwt_authorizer::JwtAuthorizer::from_rsa_pem_text(&pem)
                    .validation(jwt_authorizer::Validation::new().iss(&[ISSUER]).leeway(5))
                    .build()
                    .await
                    .expect("jwt-authorizer");
            // jwt-authorizer 0.15 is written against axum 0.7: its rejection
            // converts into an axum 0.7 response, so the body type is
            // adapted on the way in and out (two small boxings per request).
            let layer = tower::ServiceBuilder::new()
                .map_response(|r: axum07::response::Response| r.map(axum::body::Body::new))
                .layer(vec![authorizer].into_layer())
                .map_response(|r: Response| r.map(axum07::body::Body::new));
            axum::Router::new().route(route, get(data)).layer(layer)
        }
        other => panic!(
            "unknown mode {other:?}: bare | raw | clerk | clerk-nocache | jsonwebtoken | jwt-authorizer"
        ),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("mint") if args.len() == 4 => {
            let count = args[3].parse().expect("count");
            mint(&PathBuf::from(&args[2]), count).expect("mint");
        }
        Some("serve") if args.len() == 5 => {
            let port: u16 = args[4].parse().expect("port");
            // One worker thread, as the issue measures; the script pins it to a core.
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            let (mode, dir) = (args[2].clone(), PathBuf::from(&args[3]));
            // Spawned, so accept loop and connections all run on the one worker.
            rt.block_on(async move {
                let server = tokio::spawn(async move {
                    let router = app(&mode, &dir).await;
                    let addr = SocketAddr::from(([127, 0, 0, 1], port));
                    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
                    eprintln!("serving mode {mode} on http://{addr}/api/data");
                    axum::serve(listener, router).await.expect("serve");
                });
                server.await.expect("server task");
            });
        }
        _ => {
            eprintln!("usage: loadbench mint <dir> <count> | loadbench serve <mode> <dir> <port>");
            std::process::exit(2);
        }
    }
}
