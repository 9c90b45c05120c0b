//! `cargo run --example app`: serves the example on 127.0.0.1:$PORT (3000).
//! `--print-routes` prints the compile-time route table and exits.

use std::io::IsTerminal;
use std::net::SocketAddr;

use clerk_examples::{App, AppError, Settings, demo_tokens, route_table};
use clerk_runtime::routes::Table;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), AppError> {
    if std::env::args().any(|a| a == "--print-routes") {
        print!("{}", Table(route_table()));
        return Ok(());
    }
    // Colour only for a person at a terminal, and never with NO_COLOR set
    // (https://no-color.org): piped logs stay plain text.
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_ansi(colour)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().map_err(|_| {
            AppError::Listen(std::io::Error::other(format!("PORT={p} is not a port")))
        })?,
        Err(_) => 3000,
    };
    let app = App::build(Settings::from_env()?).await?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .map_err(|e| {
            AppError::Listen(std::io::Error::new(
                e.kind(),
                format!("cannot listen on 127.0.0.1:{port}: {e} (set PORT to a free port)"),
            ))
        })?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(AppError::Listen)?
    );
    println!("Example app listening on {url} (open {url}/ in a browser)");
    if let Some(dev) = app.state.dev() {
        let tokens = demo_tokens(dev);
        println!("Dev mode: no CLERK_* variables, tokens from the embedded dev issuer.");
        println!("Sign in at {url}/sign-in. Try the API:");
        println!("  # 200: org admin reads data");
        println!(
            "  curl -i -H 'Authorization: Bearer {}' {url}/api/data",
            tokens.admin
        );
        println!("  # 401: no token");
        println!("  curl -i {url}/api/data");
        println!("  # 403: member lacks org:data:delete");
        println!(
            "  curl -i -X DELETE -H 'Authorization: Bearer {}' {url}/api/data/1",
            tokens.member
        );
        println!("  # 200: an API key with the invoices:read scope (machine callers, no session)");
        println!(
            "  curl -i -H 'Authorization: Bearer {}' {url}/api/invoices/export",
            tokens.api_key
        );
    }
    axum::serve(
        listener,
        app.router
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .map_err(AppError::Listen)
}
