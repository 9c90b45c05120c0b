//! The example app in a real headless Chromium, driven over WebDriver:
//! sign in through the dev sign-in page as an org admin, see the dashboard's
//! admin link, open `/admin`, sign out, and be sent back to sign-in with
//! `redirect_url`.
//!
//! Also: the example in Clerk mode against a fake Clerk instance, through
//! the handshake and its loop counter.
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without chromedriver the
//! tests print "skipped" and why, and pass, unless `CI` is set: then they fail.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Map, Value, json};

use clerk_tests::fake_clerk::{FAKE_USER, HandshakeMode};

use crate::example::TestApp;
use crate::session_layer::ClerkApp;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long chromedriver gets to start answering `/status`.
const DRIVER_START: Duration = Duration::from_secs(20);
/// How long a page gets to load after a click.
const PAGE_LOAD: Duration = Duration::from_secs(10);

/// Longer than the `__clerk_redirect_count` cookie lives (`Max-Age=2`).
const COUNTER_COOKIE_LIFETIME: Duration = Duration::from_millis(2500);

/// A chromedriver process, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn chromedriver() -> Option<PathBuf> {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| find_in_path("chromedriver"))
}

fn chromium() -> Option<PathBuf> {
    std::env::var_os("CHROME_BIN")
        .map(PathBuf::from)
        .or_else(|| find_in_path("chromium"))
        .or_else(|| find_in_path("chromium-browser"))
        .or_else(|| find_in_path("google-chrome"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

async fn start_driver(binary: &Path) -> Result<Driver, BoxError> {
    let port = free_port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let status = format!("{}/status", driver.url);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + DRIVER_START;
    loop {
        if driver_ready(&http, &status).await {
            return Ok(driver);
        }
        if Instant::now() > deadline {
            return Err(format!("chromedriver not ready after {DRIVER_START:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn driver_ready(http: &reqwest::Client, status_url: &str) -> bool {
    let Ok(response) = http.get(status_url).send().await else {
        return false;
    };
    let Ok(body) = response.json::<Value>().await else {
        return false;
    };
    body["value"]["ready"] == true
}

fn capabilities(profile: &Path) -> Map<String, Value> {
    let mut options = json!({
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1200,900",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    if let Some(binary) = chromium() {
        options["binary"] = Value::from(binary.display().to_string());
    }
    let mut caps = Map::new();
    caps.insert("browserName".into(), Value::from("chrome"));
    caps.insert("goog:chromeOptions".into(), options);
    caps
}

fn screenshot_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("browser-test-failure.png")
}

async fn query_param(client: &Client, name: &str) -> Result<Option<String>, BoxError> {
    let url = client.current_url().await?;
    Ok(url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned()))
}

async fn path_of(client: &Client) -> Result<String, BoxError> {
    Ok(client.current_url().await?.path().to_owned())
}

/// Waits for `css` to appear: a click that submits a form returns before
/// the next page has loaded.
async fn wait_for(client: &Client, css: &str) -> Result<(), BoxError> {
    client
        .wait()
        .at_most(PAGE_LOAD)
        .for_element(Locator::Css(css))
        .await
        .map(drop)
        .map_err(|err| format!("{css} did not appear: {err}").into())
}

async fn check(cond: bool, what: &str) -> Result<(), BoxError> {
    if cond {
        Ok(())
    } else {
        Err(what.to_owned().into())
    }
}

/// The scenario; any error fails the test after a screenshot.
async fn scenario(client: &Client, app: &TestApp) -> Result<(), BoxError> {
    // Signed out: the dashboard sends the browser to sign-in with redirect_url.
    client.goto(&format!("{}/dashboard", app.url)).await?;
    check(
        path_of(client).await? == "/sign-in",
        "dashboard did not redirect to /sign-in",
    )
    .await?;
    check(
        query_param(client, "redirect_url").await?.as_deref()
            == Some(format!("{}/dashboard", app.url).as_str()),
        "redirect_url is not the dashboard URL",
    )
    .await?;

    // Sign in as Alice, admin of Acme.
    client
        .find(Locator::Css("#user"))
        .await?
        .select_by_value("user_alice")
        .await?;
    client
        .find(Locator::Css("#org"))
        .await?
        .select_by_value("org_acme")
        .await?;
    client
        .find(Locator::Css("#role"))
        .await?
        .select_by_value("org:admin")
        .await?;
    client.find(Locator::Css("#sign-in")).await?.click().await?;
    wait_for(client, "#user-id").await?;

    // Back on the dashboard, with the admin link.
    check(
        path_of(client).await? == "/dashboard",
        "sign-in did not return to the dashboard",
    )
    .await?;
    let role = client.find(Locator::Css("#role")).await?.text().await?;
    check(
        role == "org:admin",
        "dashboard does not show the admin role",
    )
    .await?;
    let user = client.find(Locator::Css("#user-id")).await?.text().await?;
    check(user == "user_alice", "dashboard does not show the user").await?;
    client
        .find(Locator::Css("#admin-link"))
        .await?
        .click()
        .await?;
    wait_for(client, "#admin").await?;

    // The admin area.
    check(
        path_of(client).await? == "/admin",
        "admin link did not open /admin",
    )
    .await?;

    // Sign out, then /admin sends us to sign-in with redirect_url.
    client
        .find(Locator::Css("#sign-out"))
        .await?
        .click()
        .await?;
    wait_for(client, "#sign-in-link").await?;
    check(path_of(client).await? == "/", "sign out did not go home").await?;
    client.goto(&format!("{}/admin", app.url)).await?;
    check(
        path_of(client).await? == "/sign-in",
        "/admin after sign out did not redirect to sign-in",
    )
    .await?;
    check(
        query_param(client, "redirect_url").await?.as_deref()
            == Some(format!("{}/admin", app.url).as_str()),
        "redirect_url is not the admin URL",
    )
    .await?;
    Ok(())
}

/// A Chromium session over chromedriver, or `None` (with the reason
/// printed) when chromedriver is missing and `CI` is not set.
async fn open_browser() -> Option<(Driver, Client, PathBuf)> {
    let Some(binary) = chromedriver() else {
        let why = "chromedriver not found (install Debian's chromium and chromium-driver)";
        if std::env::var_os("CI").is_some() {
            panic!("{why}; CI is set, so the browser test must run");
        }
        eprintln!("skipped: the browser test needs chromedriver: {why}");
        return None;
    };
    let driver = start_driver(&binary).await.expect("chromedriver starts");
    let profile = std::env::temp_dir().join(format!(
        "clerk-example-chromium-{}-{}",
        std::process::id(),
        free_port()
    ));
    let client = ClientBuilder::rustls()
        .expect("rustls WebDriver client")
        .capabilities(capabilities(&profile))
        .connect(&driver.url)
        .await
        .expect("a Chromium session");
    Some((driver, client, profile))
}

/// Ends the session; on a failed scenario saves a screenshot and panics.
async fn close_browser(
    driver: Driver,
    client: Client,
    profile: PathBuf,
    outcome: Result<(), BoxError>,
) {
    if outcome.is_err() {
        let path = screenshot_path();
        match client.screenshot().await {
            Ok(png) => {
                let _ = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")));
                match std::fs::write(&path, png) {
                    Ok(()) => eprintln!("screenshot saved to {}", path.display()),
                    Err(err) => eprintln!("screenshot not saved: {err}"),
                }
            }
            Err(err) => eprintln!("no screenshot: {err}"),
        }
        if let Ok(url) = client.current_url().await {
            eprintln!("browser was at {url}");
        }
    }
    let _ = client.close().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(err) = outcome {
        panic!("browser scenario failed: {err}");
    }
}

#[tokio::test]
async fn admin_signs_in_sees_admin_link_opens_admin_and_signs_out() {
    let Some((driver, client, profile)) = open_browser().await else {
        return;
    };
    let app = TestApp::start().await;
    let outcome = scenario(&client, &app).await;
    close_browser(driver, client, profile, outcome).await;
}

/// Sets `name=value` for the app's origin (the browser must be on it).
async fn set_cookie(client: &Client, name: &str, value: &str) -> Result<(), BoxError> {
    // Through the page: chromedriver refuses WebDriver cookies for an IP host.
    client
        .execute(
            "document.cookie = arguments[0];",
            vec![Value::from(format!("{name}={value}; path=/"))],
        )
        .await?;
    Ok(())
}

/// Clerk mode against the fake instance: an expired `__session` next to a
/// `__client_uat` goes through the handshake and lands on the dashboard
/// signed in; with a Frontend API that never sets fresh cookies the loop
/// stops at Clerk's counter (3) and the browser ends on sign-in.
async fn handshake_scenario(client: &Client, app: &ClerkApp) -> Result<(), BoxError> {
    // On the app's origin first, so cookies can be set for it.
    client.goto(&format!("{}/pricing", app.url)).await?;
    set_cookie(client, "__session", &app.expired_session()).await?;
    set_cookie(
        client,
        "__client_uat",
        &(app.issuer.now() - 900).to_string(),
    )
    .await?;

    client.goto(&format!("{}/dashboard", app.url)).await?;
    wait_for(client, "#user-id").await?;
    check(
        path_of(client).await? == "/dashboard",
        "handshake did not land on the dashboard",
    )
    .await?;
    let user = client.find(Locator::Css("#user-id")).await?.text().await?;
    check(
        user == FAKE_USER,
        "dashboard does not show the handshake's user",
    )
    .await?;
    check(
        app.fake.count("GET", "/v1/client/handshake") == 1,
        "expected exactly one handshake round trip",
    )
    .await?;
    let fresh = client.get_named_cookie("__session").await?;
    check(
        fresh.value() != app.expired_session().as_str() && !fresh.value().is_empty(),
        "the browser did not keep the fresh __session",
    )
    .await?;

    // A broken instance: the handshake never sets fresh cookies. Later than
    // the counter cookie's 2 s Max-Age, so the count starts from 0 again.
    tokio::time::sleep(COUNTER_COOKIE_LIFETIME).await;
    app.fake.set_mode(HandshakeMode::Fail);
    set_cookie(client, "__session", &app.expired_session()).await?;
    client.goto(&format!("{}/dashboard", app.url)).await?;
    wait_for(client, "#sign-in-link").await?;
    check(
        path_of(client).await? == "/sign-in",
        "the loop did not end on sign-in",
    )
    .await?;
    let handshakes = app.fake.count("GET", "/v1/client/handshake");
    check(
        handshakes == 1 + 3,
        &format!(
            "the loop did not stop after Clerk's 3 redirects ({} handshakes)",
            handshakes - 1
        ),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn expired_session_handshakes_to_the_dashboard_and_a_broken_instance_stops_at_the_counter() {
    let Some((driver, client, profile)) = open_browser().await else {
        return;
    };
    let app = ClerkApp::start(HandshakeMode::Token).await;
    let outcome = handshake_scenario(&client, &app).await;
    close_browser(driver, client, profile, outcome).await;
}
