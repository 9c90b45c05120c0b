//! Turning an authentication or authorization failure into a response.
//!
//! API requests get RFC 6750 JSON errors (401 signed out, 403 forbidden, or
//! 404 for both when configured); page requests get Clerk's redirects
//! (docs/clerk-semantics.md §6): 307 to the sign-in URL with `redirect_url`, or to the
//! unauthorized URL.

use std::sync::Arc;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::header::{ACCEPT, HOST, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

pub use crate::context::ResponseMode;
use crate::context::{LayerContext, ResponseConfig};
use crate::policy::admit_session;
use crate::reason;
use crate::state::AuthState;

/// What went wrong, independent of how it is rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RejectionKind {
    /// No valid session: no token, an invalid one, or a signed-out browser.
    #[error("request is not authenticated ({reason})")]
    Unauthenticated {
        /// Clerk's reason string, e.g. `token-expired`.
        reason: &'static str,
        /// Whether a token was presented (RFC 6750: no error code without one).
        token_present: bool,
    },
    /// Signed in, but the route's policy refuses the session.
    #[error("the session does not satisfy the route policy ({reason})")]
    Forbidden {
        /// Which requirement failed, e.g. `role-required`.
        reason: &'static str,
    },
    /// A claim the route needs is missing or malformed.
    #[error("claim `{claim}` is missing or invalid ({reason})")]
    Claim {
        /// `missing_claim` or `invalid_claim`.
        reason: &'static str,
        /// The claim's path.
        claim: String,
    },
    /// No verification key could be loaded (Clerk unreachable): who is
    /// calling is unknown, so the request is neither admitted nor treated as
    /// signed out. 503 with `Retry-After`, on pages too (a sign-in redirect
    /// would loop).
    #[error("verification keys are unavailable ({reason}); retry later")]
    Unavailable {
        /// Clerk's reason, e.g. `jwk-remote-failed-to-load`.
        reason: &'static str,
    },
    /// A machine token lacks a scope the route requires (403,
    /// `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`).
    #[error("the token lacks the scope `{scope}`")]
    InsufficientScope {
        /// The first required scope the token was not granted.
        scope: &'static str,
    },
    /// The layer is not configured for what the route needs (500), e.g.
    /// machine tokens without a Backend API client.
    #[error("the ClerkLayer is not configured for this route ({reason})")]
    Misconfigured {
        /// What is missing, e.g. `machine-verification-unconfigured`.
        reason: &'static str,
    },
    /// The route uses Clerk extractors but no `ClerkLayer` runs in front of it.
    #[error(
        "no ClerkLayer in front of this route: add `.layer(ClerkLayer::from_env()?)` (or another \
         ClerkLayer constructor) to the router that serves it"
    )]
    MissingLayer,
}

impl RejectionKind {
    /// The 401 a request in `state` gets where a signed-in, admitted session
    /// is needed.
    pub(crate) fn of_state(state: &AuthState) -> Self {
        match state {
            AuthState::SignedIn(auth) => RejectionKind::Unauthenticated {
                reason: admit_session(auth, false)
                    .err()
                    .unwrap_or(reason::SESSION_INACTIVE),
                token_present: true,
            },
            AuthState::SignedOut(signed_out) => RejectionKind::Unauthenticated {
                reason: signed_out.as_str(),
                token_present: signed_out.token_present(),
            },
            AuthState::Failed(error) if error.is_unavailable() => RejectionKind::Unavailable {
                reason: error.reason(),
            },
            AuthState::Failed(error) => RejectionKind::Unauthenticated {
                reason: error.reason(),
                token_present: true,
            },
        }
    }

    /// The reason string sent in the JSON body.
    pub fn reason(&self) -> &'static str {
        match self {
            RejectionKind::Unauthenticated { reason, .. }
            | RejectionKind::Forbidden { reason }
            | RejectionKind::Claim { reason, .. }
            | RejectionKind::Unavailable { reason }
            | RejectionKind::Misconfigured { reason } => reason,
            RejectionKind::InsufficientScope { .. } => reason::SCOPE_REQUIRED,
            RejectionKind::MissingLayer => reason::CLERK_LAYER_MISSING,
        }
    }
}

/// The rejection of every Clerk extractor and guard.
///
/// Carries what it needs to render itself: the layer's response options and,
/// for page requests, the URL to come back to after signing in.
#[derive(Debug, thiserror::Error)]
#[error("{kind}")]
pub struct AuthRejection {
    kind: RejectionKind,
    render: Render,
}

#[derive(Debug)]
enum Render {
    Api {
        not_found: bool,
    },
    Page {
        config: Arc<ResponseConfig>,
        return_to: String,
    },
}

impl AuthRejection {
    /// Builds the rejection for the request in `parts`.
    pub(crate) fn new(kind: RejectionKind, parts: &Parts) -> Self {
        let Some(config) = LayerContext::of(&parts.extensions).map(LayerContext::responses) else {
            return Self::missing_layer();
        };
        let page = config.renders_as_page(&parts.headers, is_page_request);
        let render = if page {
            Render::Page {
                config: Arc::clone(config),
                return_to: original_url(parts),
            }
        } else {
            Render::Api {
                not_found: config.not_found_instead,
            }
        };
        AuthRejection { kind, render }
    }

    /// A rejection rendered as an API error whatever the request looks like:
    /// machine callers are never browsers to redirect.
    pub(crate) fn api(kind: RejectionKind, parts: &Parts) -> Self {
        let Some(config) = LayerContext::of(&parts.extensions).map(LayerContext::responses) else {
            return Self::missing_layer();
        };
        AuthRejection {
            kind,
            render: Render::Api {
                not_found: config.not_found_instead,
            },
        }
    }

    /// The rejection for a route that has no `ClerkLayer` in front of it.
    /// Logged once per process: a misconfigured router fails every request,
    /// and one line says why as well as a million.
    pub(crate) fn missing_layer() -> Self {
        static LOGGED: std::sync::Once = std::sync::Once::new();
        let kind = RejectionKind::MissingLayer;
        LOGGED.call_once(|| tracing::error!("{kind}"));
        AuthRejection {
            kind,
            render: Render::Api { not_found: false },
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &RejectionKind {
        &self.kind
    }

    /// The status code of the response this rejection renders as.
    pub fn status(&self) -> StatusCode {
        self.response().status()
    }

    fn response(&self) -> Response {
        match &self.render {
            Render::Api { not_found } => api_response(&self.kind, *not_found),
            Render::Page { config, return_to } => page_response(&self.kind, config, return_to),
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        self.response()
    }
}

/// `Retry-After` of a 503 for unavailable keys, in seconds: the key cache
/// retries a failed fetch after its 10 s cooldown.
const UNAVAILABLE_RETRY_AFTER: &str = "10";

fn api_response(kind: &RejectionKind, not_found: bool) -> Response {
    let (status, error, challenge) = match kind {
        RejectionKind::MissingLayer | RejectionKind::Misconfigured { .. } => {
            let body = ErrorBody {
                error: "internal",
                reason: Some(kind.reason()),
                claim: None,
            };
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
        }
        RejectionKind::Unavailable { .. } => {
            let body = ErrorBody {
                error: "unavailable",
                reason: Some(kind.reason()),
                claim: None,
            };
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(
                    RETRY_AFTER,
                    HeaderValue::from_static(UNAVAILABLE_RETRY_AFTER),
                )],
                Json(body),
            )
                .into_response();
        }
        _ if not_found => {
            return (StatusCode::NOT_FOUND, Json(ErrorBody::not_found())).into_response();
        }
        RejectionKind::Unauthenticated {
            token_present: false,
            ..
        } => (StatusCode::UNAUTHORIZED, "unauthenticated", Some("Bearer")),
        RejectionKind::Unauthenticated { .. } | RejectionKind::Claim { .. } => (
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Some(r#"Bearer error="invalid_token""#),
        ),
        RejectionKind::Forbidden { .. } => (
            StatusCode::FORBIDDEN,
            "forbidden",
            Some(r#"Bearer error="insufficient_scope""#),
        ),
        RejectionKind::InsufficientScope { scope } => {
            return insufficient_scope(kind, scope);
        }
    };
    let claim = match kind {
        RejectionKind::Claim { claim, .. } => Some(claim.as_str()),
        _ => None,
    };
    let body = ErrorBody {
        error,
        reason: Some(kind.reason()),
        claim,
    };
    let mut response = (status, Json(body)).into_response();
    if let Some(challenge) = challenge {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    }
    response
}

/// RFC 6750 §3: 403 naming the scope the token lacks, in the challenge and
/// the body. Scopes were checked at compile time to need no escaping.
fn insufficient_scope(kind: &RejectionKind, scope: &str) -> Response {
    let body = ErrorBody {
        error: "forbidden",
        reason: Some(kind.reason()),
        claim: None,
    };
    let mut response = (StatusCode::FORBIDDEN, Json(ScopeBody { body, scope })).into_response();
    let challenge = format!(r#"Bearer error="insufficient_scope", scope="{scope}""#);
    match HeaderValue::from_str(&challenge) {
        Ok(value) => {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        Err(_) => {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer error="insufficient_scope""#),
            );
        }
    }
    response
}

/// The JSON body of an insufficient-scope 403: the usual fields and the scope.
#[derive(serde::Serialize)]
struct ScopeBody<'a> {
    #[serde(flatten)]
    body: ErrorBody<'a>,
    scope: &'a str,
}

fn page_response(kind: &RejectionKind, config: &ResponseConfig, return_to: &str) -> Response {
    match kind {
        RejectionKind::Unauthenticated { .. } => match config.sign_in_url.as_deref() {
            Some(sign_in) if is_same_page(sign_in, return_to) => {
                tracing::error!(
                    "the sign-in page is itself protected; answering 401 instead of redirecting in a loop"
                );
                api_response(kind, config.not_found_instead)
            }
            Some(sign_in) => redirect(&with_redirect_url(sign_in, return_to))
                .unwrap_or_else(|| api_response(kind, config.not_found_instead)),
            // Without a sign-in page there is nowhere to send the browser.
            None => api_response(kind, config.not_found_instead),
        },
        // Signing in again would not add the claim: a redirect would loop.
        RejectionKind::Claim { .. } => api_response(kind, config.not_found_instead),
        RejectionKind::Forbidden { .. } => match config.unauthorized_url.as_deref() {
            Some(url) => redirect(url).unwrap_or_else(|| forbidden_page(config)),
            None => forbidden_page(config),
        },
        RejectionKind::MissingLayer
        | RejectionKind::Unavailable { .. }
        | RejectionKind::Misconfigured { .. } => api_response(kind, false),
        RejectionKind::InsufficientScope { .. } => api_response(kind, config.not_found_instead),
    }
}

fn forbidden_page(config: &ResponseConfig) -> Response {
    if config.not_found_instead {
        (
            StatusCode::NOT_FOUND,
            axum::response::Html("<h1>Not found</h1>"),
        )
            .into_response()
    } else {
        (
            StatusCode::FORBIDDEN,
            axum::response::Html("<h1>Forbidden</h1>"),
        )
            .into_response()
    }
}

fn redirect(location: &str) -> Option<Response> {
    match HeaderValue::from_str(location) {
        Ok(value) => Some((StatusCode::TEMPORARY_REDIRECT, [(LOCATION, value)]).into_response()),
        Err(_) => {
            tracing::error!("configured Clerk redirect URL is not a valid header value");
            None
        }
    }
}

#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    claim: Option<&'a str>,
}

impl ErrorBody<'_> {
    fn not_found() -> Self {
        ErrorBody {
            error: "not_found",
            reason: None,
            claim: None,
        }
    }
}

/// A page request as Clerk defines it (docs/clerk-semantics.md §6).
pub(crate) fn is_page_request(headers: &HeaderMap) -> bool {
    // A `HeaderName`, not a `&str`: a string is parsed on every lookup.
    const SEC_FETCH_DEST: HeaderName =
        HeaderName::from_static(crate::session::names::header::SEC_FETCH_DEST);
    let dest = headers
        .get(SEC_FETCH_DEST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "document" || v == "iframe");
    dest || headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

/// The absolute URL of the request, for `redirect_url`. The scheme comes from
/// `X-Forwarded-Proto` behind a proxy; Clerk checks redirect targets against
/// the instance's allowed origins, so a forged value cannot redirect off-site.
fn original_url(parts: &Parts) -> String {
    let path = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let host = parts
        .headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    let Some(host) = host else {
        return path.to_owned();
    };
    let scheme = parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|s| *s == "http" || *s == "https")
        .or_else(|| parts.uri.scheme_str())
        .unwrap_or("http");
    format!("{scheme}://{host}{path}")
}

/// Whether `sign_in` names the page at `request_url` (absolute, or a path on
/// this host), ignoring queries.
fn is_same_page(sign_in: &str, request_url: &str) -> bool {
    fn strip_query(url: &str) -> &str {
        url.split(['?', '#']).next().unwrap_or("")
    }
    let sign_in = strip_query(sign_in);
    let request = strip_query(request_url);
    if sign_in.starts_with('/') {
        let path = request.split_once("://").map_or(request, |(_, rest)| {
            rest.find('/').map_or("/", |i| &rest[i..])
        });
        path == sign_in
    } else {
        request == sign_in
    }
}

fn with_redirect_url(sign_in: &str, return_to: &str) -> String {
    let separator = if sign_in.contains('?') { '&' } else { '?' };
    let mut url = String::with_capacity(sign_in.len() + return_to.len() * 3 + 14);
    url.push_str(sign_in);
    url.push(separator);
    url.push_str("redirect_url=");
    percent_encode_into(return_to, &mut url);
    url
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so the
/// value survives as one query parameter.
fn percent_encode_into(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_url_is_percent_encoded() {
        assert_eq!(
            with_redirect_url("https://accounts.dev/sign-in", "http://app/a b?x=1&y=é"),
            "https://accounts.dev/sign-in?redirect_url=http%3A%2F%2Fapp%2Fa%20b%3Fx%3D1%26y%3D%C3%A9"
        );
    }

    #[test]
    fn redirect_url_appends_to_an_existing_query() {
        assert_eq!(
            with_redirect_url("/sign-in?a=1", "/x"),
            "/sign-in?a=1&redirect_url=%2Fx"
        );
    }

    #[test]
    fn protected_sign_in_page_is_detected_absolute_or_relative() {
        assert!(is_same_page("/sign-in", "http://app.test/sign-in?x=1"));
        assert!(is_same_page(
            "http://app.test/sign-in",
            "http://app.test/sign-in"
        ));
        assert!(!is_same_page("/sign-in", "http://app.test/dashboard"));
        assert!(!is_same_page(
            "https://accounts.dev/sign-in",
            "http://app.test/sign-in"
        ));
    }

    #[test]
    fn document_fetch_is_a_page_request() {
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-dest", HeaderValue::from_static("document"));
        assert!(is_page_request(&h));
    }

    #[test]
    fn html_accept_is_a_page_request() {
        let mut h = HeaderMap::new();
        h.insert(
            ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml"),
        );
        assert!(is_page_request(&h));
    }

    #[test]
    fn json_fetch_is_not_a_page_request() {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        h.insert("sec-fetch-dest", HeaderValue::from_static("empty"));
        assert!(!is_page_request(&h));
    }
}
