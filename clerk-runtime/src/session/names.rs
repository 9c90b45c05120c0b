//! Every wire name of the browser-session protocol, once: cookie names,
//! query parameters, headers, reason strings and fixed values. Taken from
//! Clerk's `constants.ts`, `tokens/authStatus.ts`, `tokens/request.ts` and
//! `tokens/handshake.ts` (see `clerk-handshake.md` §0); never retyped
//! elsewhere in this module.

/// Cookie names (`Cookies` in Clerk's `constants.ts`).
pub mod cookie {
    /// The session token (`__session`, or `__session_<suffix>`).
    pub const SESSION: &str = "__session";
    /// The refresh token; only ever read suffixed (`__refresh_<suffix>`).
    pub const REFRESH: &str = "__refresh";
    /// Unix seconds of the client's last sign-in or sign-out.
    pub const CLIENT_UAT: &str = "__client_uat";
    /// The handshake result JWT (never suffixed).
    pub const HANDSHAKE: &str = "__clerk_handshake";
    /// The handshake nonce (never suffixed).
    pub const HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
    /// The development-browser token of development instances.
    pub const DEV_BROWSER: &str = "__clerk_db_jwt";
    /// The handshake redirect-loop counter (never suffixed).
    pub const REDIRECT_COUNT: &str = "__clerk_redirect_count";
}

/// Query parameters (`QueryParameters` in Clerk's `constants.ts`, and the
/// literals of `handshake.ts` L163-164).
pub mod query {
    /// Handshake result JWT (development instances).
    pub const HANDSHAKE: &str = "__clerk_handshake";
    /// Handshake nonce.
    pub const HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
    /// Development-browser token.
    pub const DEV_BROWSER: &str = "__clerk_db_jwt";
    /// The legacy development-browser parameter, removed from `redirect_url`.
    pub const LEGACY_DEV_BROWSER: &str = "__dev_session";
    /// Handshake help flag, removed after a development resolution.
    pub const HANDSHAKE_HELP: &str = "__clerk_help";
    /// Why the handshake was started.
    pub const HANDSHAKE_REASON: &str = "__clerk_hs_reason";
    /// Handshake payload format (always [`super::value::FORMAT_NONCE`]).
    pub const HANDSHAKE_FORMAT: &str = "format";
    /// Whether the app reads suffixed cookies.
    pub const SUFFIXED_COOKIES: &str = "suffixed_cookies";
    /// The (possibly expired) session token sent to the Frontend API.
    pub const SESSION: &str = "__session";
    /// Satellite sync status (`false` needs sync, `true` completed).
    pub const CLERK_SYNCED: &str = "__clerk_synced";
    /// Where the primary sends a satellite back to after syncing.
    pub const CLERK_REDIRECT_URL: &str = "__clerk_redirect_url";
    /// Where the Frontend API sends the browser back to.
    pub const REDIRECT_URL: &str = "redirect_url";
    /// The Backend API version the SDK speaks.
    pub const API_VERSION: &str = "__clerk_api_version";
    /// Organization to activate (organization sync; not implemented yet).
    pub const ORGANIZATION_ID: &str = "organization_id";
}

/// Header names, lowercase as Clerk sets them.
pub mod header {
    /// `x-clerk-auth-status`: `signed-in`, `signed-out` or `handshake`.
    pub const AUTH_STATUS: &str = "x-clerk-auth-status";
    /// `x-clerk-auth-reason`.
    pub const AUTH_REASON: &str = "x-clerk-auth-reason";
    /// `x-clerk-auth-message`, only when the message is not empty.
    pub const AUTH_MESSAGE: &str = "x-clerk-auth-message";
    /// `location`.
    pub const LOCATION: &str = "location";
    /// `cache-control`.
    pub const CACHE_CONTROL: &str = "cache-control";
    /// `set-cookie`.
    pub const SET_COOKIE: &str = "set-cookie";
    /// On handshake resolutions (`handshake.ts` L228-231).
    pub const ACCESS_CONTROL_ALLOW_ORIGIN: &str = "access-control-allow-origin";
    /// On handshake resolutions (`handshake.ts` L228-231).
    pub const ACCESS_CONTROL_ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";
    /// Request: forwarded host (first comma-separated value wins).
    pub const X_FORWARDED_HOST: &str = "x-forwarded-host";
    /// Request: forwarded protocol (first comma-separated value wins).
    pub const X_FORWARDED_PROTO: &str = "x-forwarded-proto";
    /// Request: fetch destination (`document`, `iframe`, `empty`, ...).
    pub const SEC_FETCH_DEST: &str = "sec-fetch-dest";
}

/// Fixed values.
pub mod value {
    /// `SUPPORTED_BAPI_VERSION`, sent as `__clerk_api_version` and as the
    /// `Clerk-API-Version` request header to the Backend API.
    pub const API_VERSION: &str = "2026-05-12";
    /// The only handshake format this SDK asks for.
    pub const FORMAT_NONCE: &str = "nonce";
    /// `Cache-Control` of every result with a `Location` ("because Chrome
    /// caches inactive tabs' 307s", request.ts L334-336).
    pub const NO_STORE: &str = "no-store";
    /// Path of the Frontend API handshake endpoint, relative to its base.
    pub const HANDSHAKE_PATH: &str = "v1/client/handshake";
    /// Path of the Backend API endpoint that exchanges a nonce for directives.
    pub const HANDSHAKE_PAYLOAD_PATH: &str = "/v1/clients/handshake_payload";
    /// `__clerk_synced` value: the satellite needs syncing.
    pub const SYNC_NEEDED: &str = "false";
    /// `__clerk_synced` value: syncing completed.
    pub const SYNC_COMPLETED: &str = "true";
    /// `checkAndTrackRedirectLoop`: the counter value that means "loop" (`=== 3`).
    pub const REDIRECT_LOOP_LIMIT: f64 = 3.0;
    /// Attributes of the loop-counter cookie (no Path, Domain or Secure; lives 2 s).
    pub const REDIRECT_COUNT_ATTRIBUTES: &str = "SameSite=Lax; HttpOnly; Max-Age=2";
    /// Skew of the development-only retry of a handshake's session token (one day, in seconds).
    pub const DEV_HANDSHAKE_RETRY_SKEW_SECS: u64 = 86_400;
    /// Message of the cross-origin sync handshake (request.ts L682-696).
    pub const CROSS_ORIGIN_MESSAGE: &str =
        "Cross-origin request from satellite domain requires handshake";
}

/// `AuthStatus` values.
pub mod status {
    /// Signed in.
    pub const SIGNED_IN: &str = "signed-in";
    /// Signed out.
    pub const SIGNED_OUT: &str = "signed-out";
    /// A handshake redirect.
    pub const HANDSHAKE: &str = "handshake";
}

/// The reason strings of browser sessions: in the crate's one list.
pub use crate::reason;

/// Clerk's log lines for the situations it logs (logged here with `tracing`, never with a token).
pub mod log {
    /// `getHandshakeRedirectLoopMessage` for `satellite-needs-syncing`.
    pub const SATELLITE_LOOP: &str = "Clerk: Satellite-domain authentication resulted in an infinite redirect loop. Check that this request is using a configured primary or satellite domain for the production instance. For preview deployments, use a development/staging Clerk instance or a supported configured preview-domain setup.";
    /// `getHandshakeRedirectLoopMessage` otherwise.
    pub const REFRESH_LOOP: &str = "Clerk: Refreshing the session token resulted in an infinite redirect loop. This usually means that your Clerk instance keys do not match - make sure to copy the correct publishable and secret keys from the Clerk dashboard.";
}
