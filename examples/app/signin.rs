//! Sign-in, sign-up and sign-out. In dev mode `/sign-in` is the dev
//! issuer's page: pick a user, an organization, a role, permissions and
//! features; the session cookie is minted here. With a real Clerk instance
//! the page points at Clerk's sign-in (`CLERK_SIGN_IN_URL`).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use clerk_runtime::{Auth, public};
use maud::html;
use serde::Deserialize;

use crate::dev::{DEV_TOKEN_LIFETIME, Grant};
use crate::directory::{FEATURES, ORGANIZATIONS, USERS};
use crate::html::page;
use crate::{AppState, CATALOG, Mode};

/// Query of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct SignInQuery {
    /// Where to go after signing in.
    pub redirect_url: Option<String>,
}

/// The sign-in page.
#[public]
pub async fn sign_in_page(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Query(query): Query<SignInQuery>,
) -> Html<String> {
    let redirect = query.redirect_url.unwrap_or_else(|| "/dashboard".into());
    let Mode::Clerk(clerk) = &state.mode else {
        return dev_sign_in_form(&state, auth.as_ref(), &redirect);
    };
    page(
        &state,
        "Sign in",
        auth.as_ref(),
        html! {
            @if clerk.browser.is_some() {
                // Clerk's <SignIn/>, mounted by the layout's script.
                div #clerk-sign-in data-redirect-url=(redirect) {}
            } @else {
            @match &clerk.sign_in_url {
                Some(url) => p { a #clerk-sign-in href=(with_query(url, "redirect_url", &redirect)) { "Sign in with Clerk" } },
                None => p { "Set " code { "CLERK_SIGN_IN_URL" } " to your Clerk Account Portal sign-in URL (e.g. https://accounts.<your-domain>/sign-in)." },
            }
            }
        },
    )
}

fn dev_sign_in_form(state: &AppState, auth: Option<&Auth>, redirect: &str) -> Html<String> {
    let hours = DEV_TOKEN_LIFETIME.as_secs() / 3600;
    page(
        state,
        "Sign in (dev)",
        auth,
        html! {
            p.note {
                "Dev issuer: no Clerk account needed. Tokens minted here live " (hours)
                " h instead of Clerk's 60 s, because these pages have no Clerk script to refresh them."
            }
            form #sign-in-form method="post" action="/sign-in" {
                input type="hidden" name="redirect_url" value=(redirect);
                fieldset {
                    legend { "User" }
                    select #user name="user" {
                        @for user in USERS { option value=(user.id) { (user.name) " <" (user.email) ">" } }
                    }
                }
                fieldset {
                    legend { "Organization" }
                    select #org name="org" {
                        option value="" { "none (personal account)" }
                        // The happy path by default: the first organization, as its admin.
                        @for (i, org) in ORGANIZATIONS.iter().enumerate() {
                            option value=(org.id) selected[i == 0] { (org.name) }
                        }
                    }
                    " role "
                    select #role name="role" {
                        @for role in CATALOG.roles { option value=(role) { (role) } }
                    }
                }
                fieldset {
                    legend { "Permissions (in the organization)" }
                    @for permission in CATALOG.permissions {
                        label {
                            input type="checkbox" name="permission" value=(permission) checked;
                            (permission)
                        } " "
                    }
                }
                fieldset {
                    legend { "Features" }
                    @for feature in FEATURES {
                        label { input type="checkbox" name="feature" value=(feature); (feature) } " "
                    }
                }
                button #sign-in type="submit" { "Sign in" }
            }
        },
    )
}

/// Dev sign-in: starts a dev session, sets `__session` and `__client_uat`,
/// and redirects to `redirect_url` (same origin only).
#[public]
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(dev) = state.dev() else {
        return (StatusCode::NOT_FOUND, "sign in through Clerk").into_response();
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let all = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let Some(user) = field("user").and_then(crate::directory::user) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown user").into_response();
    };
    let org = match field("org").filter(|o| !o.is_empty()) {
        None => None,
        Some(id) => match crate::directory::organization(id) {
            Some(org) => Some(org),
            None => {
                return (StatusCode::UNPROCESSABLE_ENTITY, "unknown organization").into_response();
            }
        },
    };
    let role = field("role").unwrap_or("org:member");
    if !CATALOG.roles.contains(&role) {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown role").into_response();
    }
    let permissions: Vec<String> = all("permission")
        .into_iter()
        .filter(|p| CATALOG.permissions.contains(&p.as_str()))
        .collect();
    let features: Vec<String> = all("feature")
        .into_iter()
        .filter(|f| FEATURES.contains(&f.as_str()))
        .collect();
    let grant = Grant {
        user_id: user.id.to_owned(),
        org: org.map(|o| (o.id.to_owned(), role.to_owned())),
        permissions: if org.is_some() {
            permissions
        } else {
            Vec::new()
        },
        features,
    };
    let (_, token) = dev.sign_in(grant);
    let target = safe_redirect(field("redirect_url"), &headers);
    with_session(&token, dev.issuer.now(), Redirect::to(&target))
}

/// Sets the session cookies on `response`.
pub(crate) fn with_session(token: &str, now: i64, response: impl IntoResponse) -> Response {
    let max_age = DEV_TOKEN_LIFETIME.as_secs();
    (
        AppendHeaders([
            (
                header::SET_COOKIE,
                format!("__session={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}"),
            ),
            (
                header::SET_COOKIE,
                format!("__client_uat={now}; Path=/; SameSite=Lax; Max-Age={max_age}"),
            ),
        ]),
        response,
    )
        .into_response()
}

/// The sign-up page: dev mode has a fixed user list.
#[public]
pub async fn sign_up_page(State(state): State<AppState>, auth: Option<Auth>) -> Html<String> {
    let dev = state.dev().is_some();
    let clerk_components = state.clerk_browser().is_some();
    page(
        &state,
        "Sign up",
        auth.as_ref(),
        html! {
            @if clerk_components {
                // Clerk's <SignUp/>, mounted by the layout's script.
                div #clerk-sign-up data-redirect-url="/dashboard" {}
            } @else if dev {
                p { "Dev mode has a fixed set of users: " a href="/sign-in" { "pick one on the sign-in page" } "." }
            } @else {
                p { "Sign up happens on Clerk's hosted pages; then come back and " a href="/sign-in" { "sign in" } "." }
            }
        },
    )
}

/// Signs out: ends the session (dev) or revokes it (Clerk, with a secret
/// key), clears the cookies, and goes home.
#[public]
pub async fn sign_out(State(state): State<AppState>, auth: Option<Auth>) -> Response {
    if let Some(sid) = auth.as_ref().and_then(Auth::session_id) {
        crate::sessions::end_session(&state, sid, crate::dev::DevStatus::Ended).await;
    }
    without_session(Redirect::to("/"))
}

/// Clears the session cookies on `response` (`__client_uat=0`: signed out, as Clerk writes it).
pub(crate) fn without_session(response: impl IntoResponse) -> Response {
    (
        AppendHeaders([
            (
                header::SET_COOKIE,
                "__session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
            ),
            (header::SET_COOKIE, "__client_uat=0; Path=/; SameSite=Lax"),
        ]),
        response,
    )
        .into_response()
}

/// `redirect_url` if it stays on this site, else the dashboard: an open
/// redirect would let anyone bounce signed-in users to their own site.
///
/// The target is resolved as a browser would (WHATWG URL parsing: tabs and
/// newlines dropped, `\` read as `/`, `//host` a new host) against this
/// request's origin, and kept only when the result has the same host and
/// port; the path, query and fragment are returned re-serialised, so what
/// the `Location` header says is what was checked. Control characters are
/// refused outright (they are never in a link a person clicked).
pub fn safe_redirect(target: Option<&str>, headers: &HeaderMap) -> String {
    const FALLBACK: &str = "/dashboard";
    let Some(target) = target.filter(|t| !t.is_empty() && !t.chars().any(char::is_control)) else {
        return FALLBACK.into();
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return FALLBACK.into();
    };
    let Ok(base) = url::Url::parse(&format!("http://{host}/")) else {
        return FALLBACK.into();
    };
    let Ok(resolved) = base.join(target) else {
        return FALLBACK.into();
    };
    // http or https on this host and port: behind a TLS proxy the browser
    // sees https while the app is served over http.
    let same_site = matches!(resolved.scheme(), "http" | "https")
        && resolved.host_str() == base.host_str()
        && resolved.port_or_known_default() == base.port_or_known_default();
    if !same_site {
        return FALLBACK.into();
    }
    resolved[url::Position::BeforePath..].to_owned()
}

fn with_query(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    let mut out = format!("{url}{sep}{key}=");
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(h: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, h.parse().unwrap());
        headers
    }

    #[test]
    fn same_site_redirects_are_kept() {
        let h = host("127.0.0.1:3000");
        assert_eq!(safe_redirect(Some("/admin?x=1"), &h), "/admin?x=1");
        assert_eq!(
            safe_redirect(Some("http://127.0.0.1:3000/admin"), &h),
            "/admin"
        );
    }

    #[test]
    fn foreign_redirects_fall_back_to_the_dashboard() {
        let h = host("127.0.0.1:3000");
        assert_eq!(
            safe_redirect(Some("https://evil.example/x"), &h),
            "/dashboard"
        );
        assert_eq!(safe_redirect(Some("//evil.example/x"), &h), "/dashboard");
        assert_eq!(
            safe_redirect(Some("http://127.0.0.1:3000.evil/x"), &h),
            "/dashboard"
        );
        assert_eq!(safe_redirect(None, &h), "/dashboard");
    }

    /// (target, where it may lead): every trick a browser would resolve
    /// off-site falls back to the dashboard.
    const TABLE: &[(&str, &str)] = &[
        ("/%09/example.com/", "/%09/example.com/"),
        ("\\\\example.com/x", "/dashboard"),
        ("/\\example.com/x", "/dashboard"),
        ("\\/example.com/x", "/dashboard"),
        ("https:example.com", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("JaVaScRiPt:alert(1)", "/dashboard"),
        ("data:text/html,hi", "/dashboard"),
        ("https://example.com/", "/dashboard"),
        ("//example.com", "/dashboard"),
        ("///example.com", "/dashboard"),
        ("/%2F%2Fexample.com", "/%2F%2Fexample.com"),
        ("http://127.0.0.1:3000@example.com/", "/dashboard"),
        ("http://127.0.0.1:3001/", "/dashboard"),
        ("admin", "/admin"),
        ("../../admin", "/admin"),
        ("/a?b=c#d", "/a?b=c#d"),
        ("https://127.0.0.1:3000/x", "/x"),
    ];

    #[test]
    fn redirect_targets_stay_on_this_site() {
        let h = host("127.0.0.1:3000");
        for (target, expected) in TABLE {
            assert_eq!(&safe_redirect(Some(target), &h), expected, "{target:?}");
        }
    }

    #[test]
    fn tabs_and_line_breaks_are_refused() {
        let h = host("127.0.0.1:3000");
        for target in [
            "/\t/example.com/",
            "/\t//example.com/",
            "/ok\r\nSet-Cookie: x=1",
            "/\n/example.com",
        ] {
            assert_eq!(safe_redirect(Some(target), &h), "/dashboard", "{target:?}");
        }
    }
}
