//! The example app: Clerk's Next.js quickstart rebuilt on axum and
//! `clerk-runtime`, with SQLite data and server-rendered pages.
//!
//! Without `CLERK_*` variables it runs in dev mode: an embedded issuer serves
//! its JWKS on 127.0.0.1, `/sign-in` is a dev sign-in page, and sessions are
//! tracked in memory. With `CLERK_JWT_KEY` or `CLERK_SECRET_KEY` it verifies
//! real Clerk tokens and uses the Backend API for sessions.
//!
//! Built as a library so the tests serve the very same router and route table.

pub mod api;
pub mod db;
pub mod dev;
pub mod directory;
mod gate;
mod html;
pub mod pages;
pub mod sessions;
pub mod signin;

use std::sync::Arc;

use clerk_runtime::backend::{BackendClient, BackendError};
use clerk_runtime::session::SessionConfig;
use clerk_runtime::session::script::BrowserSdk;
use clerk_runtime::{
    ClerkConfig, ClerkLayer, ConfigError, Route, Routes, TokenKind, Verifier, routes,
};

use crate::db::{Db, DbError};
use crate::dev::DevMode;

clerk_runtime::catalog! {
    roles:       ["org:admin", "org:member"],
    permissions: ["org:data:read", "org:data:write", "org:data:delete"],
    features:    ["o:data", "u:beta"],
    plans:       ["o:pro", "u:free"],
    scopes:      ["invoices:read"],
}

/// Where the browser signs in; protected pages redirect here with `redirect_url`.
pub const SIGN_IN_PATH: &str = "/sign-in";
/// Where a signed-in browser lacking a role or permission is sent.
pub const UNAUTHORIZED_PATH: &str = "/unauthorized";

/// A startup failure.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Clerk configuration (env variables) is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Clerk configuration is unusable.
    #[error(transparent)]
    Clerk(#[from] clerk_runtime::Error),
    /// The Backend API client could not be built.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A listener could not be bound.
    #[error("cannot listen: {0}")]
    Listen(std::io::Error),
    /// `CLERK_WEBHOOK_SIGNING_SECRET` is not a `whsec_` secret.
    #[error(transparent)]
    Webhook(#[from] clerk_runtime::webhook::WebhookConfigError),
    /// `REDIS_URL` is set but Redis cannot be used.
    #[error("REDIS_URL: {0}")]
    Redis(String),
}

/// How sessions are verified and managed.
#[derive(Debug)]
pub enum Mode {
    /// The embedded dev issuer.
    Dev(DevMode),
    /// A real Clerk instance.
    Clerk(ClerkMode),
}

/// Real Clerk: configuration and, with a secret key, the Backend API.
#[derive(Debug)]
pub struct ClerkMode {
    /// Present when `CLERK_SECRET_KEY` is set.
    pub backend: Option<BackendClient>,
    /// The JWT template `/api/supabase-data` mints (`CLERK_JWT_TEMPLATE`, default `supabase`).
    pub template: String,
    /// External sign-in URL (`CLERK_SIGN_IN_URL`), e.g. the Account Portal.
    pub sign_in_url: Option<String>,
    /// Clerk's browser SDK, with `CLERK_PUBLISHABLE_KEY`: pages load it and
    /// mount Clerk's components.
    pub browser: Option<BrowserSdk>,
}

/// Shared state of every handler. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Inner {
    /// Items storage.
    pub db: Db,
    /// Dev or Clerk.
    pub mode: Mode,
    /// Verifies session tokens (also used by the `ClerkLayer`).
    pub verifier: Verifier,
    /// Verifies JWT-template tokens.
    pub template_verifier: Verifier,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// The dev mode, when running without Clerk.
    pub fn dev(&self) -> Option<&DevMode> {
        match &self.mode {
            Mode::Dev(dev) => Some(dev),
            Mode::Clerk(_) => None,
        }
    }

    /// Clerk's browser SDK, in Clerk mode with a publishable key.
    pub fn clerk_browser(&self) -> Option<&BrowserSdk> {
        match &self.mode {
            Mode::Clerk(clerk) => clerk.browser.as_ref(),
            Mode::Dev(_) => None,
        }
    }
}

/// How to start the app.
#[derive(Debug, Clone)]
pub struct Settings {
    /// SQLite location (`DATABASE_URL`, default [`db::DEFAULT_DATABASE`]).
    pub database: String,
    /// `None`: dev mode.
    pub clerk: Option<ClerkConfig>,
    /// `CLERK_JWT_TEMPLATE`.
    pub template: String,
    /// `CLERK_TEMPLATE_AUDIENCE`: the template's `aud`.
    pub template_audience: Option<String>,
    /// `CLERK_SIGN_IN_URL`.
    pub sign_in_url: Option<String>,
    /// `CLERK_WEBHOOK_SIGNING_SECRET` (Clerk's name); dev mode uses
    /// [`DEV_WEBHOOK_SECRET`] so webhooks can be tried locally.
    pub webhook_secret: Option<String>,
    /// `REDIS_URL`: several instances share rate limits and revocations.
    pub redis_url: Option<String>,
    /// Browser sessions (handshake, satellites, proxy), in Clerk mode with
    /// `CLERK_PUBLISHABLE_KEY`.
    pub session: Option<SessionConfig>,
}

/// The dev mode's webhook signing secret: public, for trying webhooks
/// locally only (`whsec_` + base64 of `clerk-runtime dev webhooks`).
pub const DEV_WEBHOOK_SECRET: &str = "whsec_Y2xlcmstcnVudGltZSBkZXYgd2ViaG9va3M=";

impl Settings {
    /// Dev mode on `database`.
    pub fn dev(database: impl Into<String>) -> Self {
        Settings {
            database: database.into(),
            clerk: None,
            template: dev::TEMPLATE_NAME.into(),
            template_audience: None,
            sign_in_url: None,
            webhook_secret: Some(DEV_WEBHOOK_SECRET.into()),
            redis_url: None,
            session: None,
        }
    }

    /// Reads the environment: Clerk mode when `CLERK_JWT_KEY` or
    /// `CLERK_SECRET_KEY` is set, else dev mode.
    pub fn from_env() -> Result<Self, AppError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Settings::from_env`], reading variables through `lookup`
    /// (tests pass a map instead of changing the process environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, AppError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let clerk = if var("CLERK_JWT_KEY").is_some() || var("CLERK_SECRET_KEY").is_some() {
            Some(ClerkConfig::from_lookup(&lookup)?)
        } else {
            None
        };
        let session = match (&clerk, var("CLERK_PUBLISHABLE_KEY")) {
            (Some(_), Some(_)) => Some(SessionConfig::from_lookup(&lookup)?),
            _ => None,
        };
        let dev_mode = clerk.is_none();
        Ok(Settings {
            database: var("DATABASE_URL").unwrap_or_else(|| db::DEFAULT_DATABASE.into()),
            clerk,
            template: var("CLERK_JWT_TEMPLATE").unwrap_or_else(|| dev::TEMPLATE_NAME.into()),
            template_audience: var("CLERK_TEMPLATE_AUDIENCE"),
            sign_in_url: var("CLERK_SIGN_IN_URL"),
            session,
            webhook_secret: var("CLERK_WEBHOOK_SIGNING_SECRET")
                .or_else(|| dev_mode.then(|| DEV_WEBHOOK_SECRET.to_owned())),
            redis_url: var("REDIS_URL"),
        })
    }
}

/// A built app: its state and the router to serve.
#[derive(Debug)]
pub struct App {
    /// Shared state (dev issuer, database...).
    pub state: AppState,
    /// The router with the Clerk layer in front.
    pub router: axum::Router,
    /// With `REDIS_URL`: the revocation hub; dropping it disconnects.
    pub revocations: Option<clerk_runtime::revocation::redis::Revocations>,
}

impl App {
    /// Opens the database, starts dev mode or reads the Clerk setup, and builds the router.
    pub async fn build(settings: Settings) -> Result<App, AppError> {
        let db = Db::open(&settings.database)?;
        let (mode, layer, template_verifier) = match &settings.clerk {
            None => {
                let dev = DevMode::start().await?;
                let verifier = dev.session_verifier()?;
                let layer = ClerkLayer::new(verifier.clone())
                    .machine_tokens(dev.machine_verifier(verifier)?);
                let template = dev.template_verifier()?;
                (Mode::Dev(dev), layer, template)
            }
            Some(config) => {
                // What `ClerkLayer::from_env()` builds; the config is also
                // needed for the Backend API and the template verifier.
                let layer = match &settings.session {
                    Some(session) => {
                        let verifier = config.verifier()?;
                        let machines = config.machine_verifier_builder(verifier.clone())?.build();
                        ClerkLayer::new(verifier)
                            .machine_tokens(machines)
                            .clerk_sessions(config, session.clone())?
                    }
                    None => ClerkLayer::from_config(config)?,
                };
                let verifier = layer.verifier().clone();
                let mut template = config.verifier_builder().kind(TokenKind::Template);
                if let Some(aud) = &settings.template_audience {
                    template = template.audience([aud.clone()]);
                }
                let backend = match config.secret_key() {
                    Some(key) => {
                        let hook = verifier.clone();
                        Some(
                            BackendClient::builder(key)
                                .base_url(config.api_url())
                                .on_session_revoked(move |sid| hook.revoke_session(sid))
                                .build()?,
                        )
                    }
                    None => None,
                };
                let mode = Mode::Clerk(ClerkMode {
                    backend,
                    template: settings.template.clone(),
                    sign_in_url: settings.sign_in_url.clone(),
                    browser: settings.session.as_ref().map(BrowserSdk::new),
                });
                (mode, layer, template.build()?)
            }
        };
        let mut layer = layer
            .sign_in_url(SIGN_IN_PATH)
            .unauthorized_url(UNAUTHORIZED_PATH);
        // Several instances behind one Redis: one rate-limit budget, and a
        // revocation on any instance refuses the session on all of them.
        let mut revocations = None;
        if let Some(url) = &settings.redis_url {
            use clerk_runtime::ratelimit::Limiter;
            use clerk_runtime::ratelimit::redis::{RedisConfig, RedisStore};
            use clerk_runtime::revocation::redis::{RevocationConfig, Revocations};
            let store = RedisStore::connect(RedisConfig::new(url.as_str()))
                .await
                .map_err(|e| AppError::Redis(e.to_string()))?;
            layer = layer.rate_limiter(Limiter::new(Arc::new(store)));
            let hub = Revocations::connect(
                RevocationConfig::new(url.as_str()),
                layer.verifier().clone(),
            )
            .await
            .map_err(|e| AppError::Redis(e.to_string()))?;
            revocations = Some(hub);
        }
        let webhooks = settings
            .webhook_secret
            .as_deref()
            .map(clerk_runtime::webhook::WebhookVerifier::new)
            .transpose()?;
        // The layer's verifier: revoking through it refuses the session's
        // tokens on the very next request.
        let verifier = layer.verifier().clone();
        let state = AppState(Arc::new(Inner {
            db,
            mode,
            verifier,
            template_verifier,
        }));
        let mut router = routes()
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                gate::dev_sessions,
            ))
            .layer(layer)
            .with_state(state.clone())
            .into_router();
        if let Some(webhooks) = webhooks {
            router = router.layer(axum::Extension(webhooks));
        }
        Ok(App {
            state,
            router,
            revocations,
        })
    }
}

/// The app's routes: who may call what is declared on each handler.
pub fn routes() -> Routes<AppState> {
    routes![
        GET    "/"                     => pages::index,
        GET    "/pricing"              => pages::pricing,
        GET    "/unauthorized"         => pages::unauthorized,
        GET    "/sign-in"              => signin::sign_in_page,
        POST   "/sign-in"              => signin::sign_in,
        GET    "/sign-up"              => signin::sign_up_page,
        POST   "/sign-out"             => signin::sign_out,
        GET    "/dashboard"            => pages::dashboard,
        GET    "/admin"                => pages::admin,
        GET    "/admin/{*rest}"        => pages::admin_section,
        GET    "/sessions"             => sessions::sessions_page,
        POST   "/sessions/revoke-all"  => sessions::revoke_all,
        POST   "/sessions/{id}/switch" => sessions::switch,
        POST   "/sessions/{id}/revoke" => sessions::revoke,
        POST   "/organization"         => sessions::switch_organization,
        GET    "/api/data"             => api::list_items,
        POST   "/api/data"             => api::create_item,
        DELETE "/api/data/{id}"        => api::delete_item,
        GET    "/api/protected"        => api::protected,
        GET    "/api/supabase-data"    => api::supabase_data,
        GET    "/api/limited"          => api::limited,
        GET    "/api/public/{*rest}"   => api::public,
        POST   "/api/webhooks/{*rest}" => api::webhook,
        GET    "/api/openapi.json"     => api::openapi_json,
        GET    "/api/invoices/export"  => api::export_invoices,
    ]
}

/// The compile-time route table (method, path, policy, handler).
pub fn route_table() -> &'static [Route] {
    // The table is a static, but reaching it builds the router once; keep it.
    static TABLE: std::sync::OnceLock<&'static [Route]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| routes().table())
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    clerk_runtime::time::system_now()
}

/// Tokens printed at startup for the curl lines.
#[derive(Debug, Clone)]
pub struct DemoTokens {
    /// Org admin with every data permission: 200 on `/api/data`.
    pub admin: String,
    /// Member without `org:data:delete`: 403 on `DELETE /api/data/1`.
    pub member: String,
    /// An API key of Acme with `invoices:read`: 200 on `/api/invoices/export`.
    pub api_key: String,
}

/// Mints the startup demo tokens (dev mode only). Their users are not on the
/// sign-in page, so the demo sessions are in no person's session list and
/// "Sign out all devices" there leaves the printed curl lines working.
pub fn demo_tokens(dev: &DevMode) -> DemoTokens {
    use crate::dev::Grant;
    let admin = Grant {
        user_id: "user_curl_admin".into(),
        org: Some(("org_acme".into(), "org:admin".into())),
        permissions: directory::role_permissions("org:admin")
            .iter()
            .map(|p| (*p).to_owned())
            .collect(),
        features: vec!["o:data".into()],
    };
    let member = Grant {
        user_id: "user_curl_member".into(),
        org: Some(("org_acme".into(), "org:member".into())),
        permissions: vec!["org:data:read".into()],
        features: Vec::new(),
    };
    let api_key = dev.issuer.issue_machine_token(
        &clerk_runtime::DevMachineToken::api_key("org_acme", "billing-export")
            .scopes(["invoices:read"]),
    );
    DemoTokens {
        admin: dev.sign_in(admin).1,
        member: dev.sign_in(member).1,
        api_key,
    }
}
