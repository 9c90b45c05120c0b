//! Server-rendered pages: home, pricing, dashboard, admin.

use axum::extract::{Path, State};
use axum::response::Html;
use clerk_runtime::{Auth, protect, public};
use maud::html;

use crate::html::page;
use crate::{AppState, Mode, db::Scope};

/// Whether `auth` may open `path` (GET) by the route table: the dashboard's
/// admin link follows the `/admin` route's own `#[protect]`, so the two
/// cannot disagree.
pub fn may_open(auth: &Auth, path: &str) -> bool {
    crate::route_table()
        .iter()
        .find(|route| route.matches("GET", path))
        .is_some_and(|route| route.policy.evaluate(Some(auth)).is_allowed())
}

/// Home: public, says who is signed in.
#[public]
pub async fn index(auth: Option<Auth>, State(state): State<AppState>) -> Html<String> {
    let dev = matches!(state.mode, Mode::Dev(_));
    page(
        &state,
        "Home",
        auth.as_ref(),
        html! {
            p { "An axum app protected by " code { "clerk-runtime" } "." }
            @if dev {
                p.note { "Dev mode: tokens come from the embedded dev issuer; no Clerk account needed." }
            }
            @match &auth {
                Some(auth) => p { "You are signed in as " code { (auth.user_id()) } ". Go to the " a href="/dashboard" { "dashboard" } "." },
                None => p { a href="/sign-in" { "Sign in" } " or " a href="/sign-up" { "sign up" } " to see your dashboard." },
            }
        },
    )
}

/// Pricing: public.
#[public]
pub async fn pricing(auth: Option<Auth>, State(state): State<AppState>) -> Html<String> {
    page(
        &state,
        "Pricing",
        auth.as_ref(),
        html! {
            table {
                tr { th { "Plan" } th { "For" } th { "Price" } }
                tr { td { "u:free" } td { "personal accounts" } td { "free" } }
                tr { td { "o:pro" } td { "organizations" } td { "$25 / month" } }
            }
        },
    )
}

/// Where a signed-in browser lacking a role lands (the layer's unauthorized URL).
#[public]
pub async fn unauthorized(
    auth: Option<Auth>,
    State(state): State<AppState>,
) -> (http::StatusCode, Html<String>) {
    (
        http::StatusCode::FORBIDDEN,
        page(
            &state,
            "Not allowed",
            auth.as_ref(),
            html! {
                p #unauthorized { "Your session does not have the role or permission this page needs." }
                p { "Switch organization on the " a href="/sessions" { "sessions page" } " or sign in again." }
            },
        ),
    )
}

/// Dashboard: user, organization, role, features, the items in scope, and
/// the admin link only for admins.
#[protect]
pub async fn dashboard(auth: Auth, State(state): State<AppState>) -> Html<String> {
    let items = state.db.list_items(Scope::of(&auth)).await;
    let org = auth.org();
    page(
        &state,
        "Dashboard",
        Some(&auth),
        html! {
            dl {
                dt { "User" } dd #user-id { (auth.user_id()) }
                dt { "Session" } dd { (auth.session_id().unwrap_or("-")) }
                dt { "Organization" } dd #org {
                    @match org {
                        Some(org) => { (org.slug().unwrap_or(org.id())) " (" (org.id()) ")" },
                        None => "personal account",
                    }
                }
                dt { "Role" } dd #role { (auth.org_role().unwrap_or("-")) }
                dt { "Permissions" } dd {
                    @if let Some(org) = org { (org.permissions().collect::<Vec<_>>().join(", ")) } @else { "-" }
                }
                dt { "Features" } dd {
                    (auth.features().map(|f| f.to_string()).collect::<Vec<_>>().join(", "))
                }
            }
            @if may_open(&auth, "/admin") {
                p { a #admin-link href="/admin" { "Admin area" } }
            }
            h2 { "Items" }
            @match items {
                Ok(items) if items.is_empty() => p { "No items yet." },
                Ok(items) => ul #items { @for item in &items { li { (item.name) " (#" (item.id) ")" } } },
                Err(err) => p { "Items unavailable: " (err) },
            }
            p.note { "Items are created with " code { "POST /api/data" } " and scoped to the active organization, or to you without one." }
        },
    )
}

/// Admin area: `org:admin` only.
#[protect(role = "org:admin")]
pub async fn admin(auth: Auth, State(state): State<AppState>) -> Html<String> {
    page(
        &state,
        "Admin",
        Some(&auth),
        html! {
            p #admin { "Welcome, admin of " (auth.org().map_or("-", |o| o.slug().unwrap_or(o.id())) ) "." }
            ul { li { a href="/admin/users" { "Users" } } li { a href="/admin/settings" { "Settings" } } }
        },
    )
}

/// Any page under `/admin/`: `org:admin` only.
#[protect(role = "org:admin")]
pub async fn admin_section(
    auth: Auth,
    State(state): State<AppState>,
    Path(rest): Path<String>,
) -> Html<String> {
    page(
        &state,
        "Admin",
        Some(&auth),
        html! { p #admin { "Admin section: " code { (rest) } } },
    )
}
