//! Session management (a SessionManager page): current session info,
//! sign out, sign out all devices, the session list with switch and revoke,
//! and the organization switcher.
//!
//! Dev mode manages the dev issuer's in-memory sessions; Clerk mode calls the
//! Backend API (switching sessions and organizations is then Clerk's
//! frontend's job: its `setActive`).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use clerk_runtime::backend::ListSessions;
use clerk_runtime::{Auth, protect};
use maud::{Markup, html};
use serde::Deserialize;

use crate::dev::DevStatus;
use crate::directory::{ORGANIZATIONS, role_permissions};
use crate::html::{page, time};
use crate::{AppState, Mode};

/// One row of the session list, whatever the mode.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    status: String,
    org: Option<String>,
    created_at: Option<i64>,
    last_active_at: Option<i64>,
    expire_at: Option<i64>,
}

fn fmt_time(t: Option<i64>) -> String {
    t.map_or_else(|| "-".into(), time)
}

/// Session info and list, with the organization switcher.
#[protect]
pub async fn sessions_page(auth: Auth, State(state): State<AppState>) -> Response {
    let current = auth.session_id().unwrap_or_default().to_owned();
    let (rows, can_switch, error) = match &state.mode {
        Mode::Dev(dev) => {
            let rows = dev
                .sessions
                .for_user(auth.user_id())
                .into_iter()
                .map(|r| Row {
                    id: r.id,
                    status: format!("{:?}", r.status).to_lowercase(),
                    org: r.grant.org.map(|(id, role)| format!("{id} ({role})")),
                    created_at: Some(r.created_at),
                    last_active_at: Some(r.last_active_at),
                    expire_at: Some(r.expire_at),
                })
                .collect();
            (rows, true, None)
        }
        Mode::Clerk(clerk) => match &clerk.backend {
            Some(backend) => match backend
                .list_sessions(&ListSessions::for_user(auth.user_id()).limit(100))
                .await
            {
                Ok(list) => {
                    let rows = list
                        .into_iter()
                        .map(|s| Row {
                            status: s.status.as_str().to_owned(),
                            org: s.last_active_organization_id,
                            created_at: s.created_at.map(|ms| ms / 1000),
                            last_active_at: s.last_active_at.map(|ms| ms / 1000),
                            expire_at: s.expire_at.map(|ms| ms / 1000),
                            id: s.id,
                        })
                        .collect();
                    (rows, false, None)
                }
                Err(err) => (Vec::new(), false, Some(err.to_string())),
            },
            None => (
                Vec::new(),
                false,
                Some("set CLERK_SECRET_KEY to list sessions".to_owned()),
            ),
        },
    };
    let this = rows.iter().find(|r| r.id == current).cloned();
    let body = html! {
        h2 { "This session" }
        dl #current-session {
            dt { "Session id" } dd #session-id { (current) }
            dt { "Created" } dd { (fmt_time(this.as_ref().and_then(|r| r.created_at))) }
            dt { "Last active" } dd { (fmt_time(this.as_ref().and_then(|r| r.last_active_at))) }
            dt { "Session expires" } dd { (fmt_time(this.as_ref().and_then(|r| r.expire_at))) }
            dt { "Token expires" } dd { (time(auth.expires_at())) }
        }
        form.inline method="post" action="/sign-out" { button type="submit" { "Sign out" } }
        " "
        form.inline method="post" action="/sessions/revoke-all" { button #sign-out-all type="submit" { "Sign out all devices" } }
        h2 { "Organization" }
        (org_switcher(&auth, can_switch))
        h2 { "All sessions" }
        @if let Some(error) = &error { p.note { (error) } }
        table #session-list {
            tr { th { "Session" } th { "Status" } th { "Organization" } th { "Last active" } th {} }
            @for row in &rows {
                tr {
                    td { code { (row.id) } @if row.id == current { " (this one)" } }
                    td { (row.status) }
                    td { (row.org.as_deref().unwrap_or("-")) }
                    td { (fmt_time(row.last_active_at)) }
                    td {
                        @if row.status == "active" && row.id != current {
                            @if can_switch {
                                form.inline method="post" action={ "/sessions/" (row.id) "/switch" } { button type="submit" { "Switch" } }
                            }
                            " "
                            form.inline method="post" action={ "/sessions/" (row.id) "/revoke" } { button type="submit" { "Revoke" } }
                        }
                    }
                }
            }
        }
    };
    page(&state, "Sessions", Some(&auth), body).into_response()
}

fn org_switcher(auth: &Auth, can_switch: bool) -> Markup {
    let active = auth.org_id().unwrap_or("");
    html! {
        @if can_switch {
            form #org-switcher method="post" action="/organization" {
                select name="org" {
                    option value="" selected[active.is_empty()] { "personal account" }
                    @for org in ORGANIZATIONS {
                        option value=(org.id) selected[org.id == active] { (org.name) }
                    }
                }
                " as "
                select name="role" {
                    @for role in crate::CATALOG.roles {
                        option value=(role) selected[auth.org_role() == Some(*role)] { (role) }
                    }
                }
                " "
                button type="submit" { "Switch organization" }
            }
        } @else {
            p.note { "Active organization: " (if active.is_empty() { "none" } else { active }) ". Switch with Clerk's OrganizationSwitcher (it calls setActive)." }
        }
    }
}

/// Ends session `sid`: dev status change, or Backend API revoke; either way
/// the verifier refuses its tokens from now on (`session-revoked`).
pub(crate) async fn end_session(state: &AppState, sid: &str, status: DevStatus) -> bool {
    let done = match &state.mode {
        Mode::Dev(dev) => dev.sessions.end(sid, status).is_some(),
        Mode::Clerk(clerk) => match &clerk.backend {
            Some(backend) => backend
                .revoke_session(sid)
                .await
                .inspect_err(|err| tracing::warn!(error = %err, "revoke failed"))
                .is_ok(),
            None => false,
        },
    };
    if done {
        state.verifier.revoke_session(sid);
    }
    done
}

/// Whether session `sid` belongs to the caller (no revoking other users' sessions).
async fn owns_session(state: &AppState, auth: &Auth, sid: &str) -> bool {
    match &state.mode {
        Mode::Dev(dev) => dev
            .sessions
            .get(sid)
            .is_some_and(|r| r.grant.user_id == auth.user_id()),
        Mode::Clerk(clerk) => match &clerk.backend {
            Some(backend) => backend
                .get_session(sid)
                .await
                .is_ok_and(|s| s.user_id == auth.user_id()),
            None => false,
        },
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html("<h1>No such session</h1>")).into_response()
}

/// Revokes one of your sessions.
#[protect]
pub async fn revoke(
    auth: Auth,
    State(state): State<AppState>,
    Path(sid): Path<String>,
) -> Response {
    if !owns_session(&state, &auth, &sid).await {
        return not_found();
    }
    end_session(&state, &sid, DevStatus::Revoked).await;
    if auth.session_id() == Some(sid.as_str()) {
        return crate::signin::without_session(Redirect::to("/"));
    }
    Redirect::to("/sessions").into_response()
}

/// Signs out every session of the user (all devices), this one included.
#[protect]
pub async fn revoke_all(auth: Auth, State(state): State<AppState>) -> Response {
    match &state.mode {
        Mode::Dev(dev) => {
            for record in dev.sessions.for_user(auth.user_id()) {
                end_session(&state, &record.id, DevStatus::Revoked).await;
            }
        }
        Mode::Clerk(clerk) => {
            let result = match &clerk.backend {
                Some(backend) => backend.revoke_all_sessions(auth.user_id()).await.map(drop),
                None => Ok(()),
            };
            if let Err(err) = result {
                tracing::warn!(error = %err, "sign out all devices failed");
                return (StatusCode::BAD_GATEWAY, "could not revoke sessions").into_response();
            }
        }
    }
    crate::signin::without_session(Redirect::to("/"))
}

/// Makes another of your active sessions the browser's current one (dev mode).
#[protect]
pub async fn switch(
    auth: Auth,
    State(state): State<AppState>,
    Path(sid): Path<String>,
) -> Response {
    let Some(dev) = state.dev() else {
        return (
            StatusCode::NOT_FOUND,
            "switch sessions with Clerk's frontend",
        )
            .into_response();
    };
    match dev.sessions.get(&sid) {
        Some(record)
            if record.grant.user_id == auth.user_id() && record.is_usable(dev.issuer.now()) =>
        {
            let token = dev.mint(&record);
            crate::signin::with_session(&token, dev.issuer.now(), Redirect::to("/sessions"))
        }
        _ => not_found(),
    }
}

/// Organization switcher form.
#[derive(Debug, Deserialize)]
pub struct SwitchOrg {
    /// Organization id, empty for the personal account.
    pub org: String,
    /// Role in it.
    pub role: Option<String>,
}

/// Switches the session's active organization (dev mode) and re-mints its token.
#[protect]
pub async fn switch_organization(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<SwitchOrg>,
) -> Response {
    let Some(dev) = state.dev() else {
        return (
            StatusCode::NOT_FOUND,
            "switch organizations with Clerk's frontend",
        )
            .into_response();
    };
    let Some(sid) = auth.session_id() else {
        return not_found();
    };
    let (org, permissions) = if form.org.is_empty() {
        (None, Vec::new())
    } else {
        let Some(org) = crate::directory::organization(&form.org) else {
            return (StatusCode::UNPROCESSABLE_ENTITY, "unknown organization").into_response();
        };
        let role = form.role.as_deref().unwrap_or("org:member");
        if !crate::CATALOG.roles.contains(&role) {
            return (StatusCode::UNPROCESSABLE_ENTITY, "unknown role").into_response();
        }
        let permissions = role_permissions(role)
            .iter()
            .map(|p| (*p).to_owned())
            .collect();
        (Some((org.id.to_owned(), role.to_owned())), permissions)
    };
    match dev.sessions.set_org(sid, org, permissions) {
        Some(record) => {
            // Same session, new token: the old one still verifies until it
            // expires, as after an organization switch in Clerk.
            let token = dev.mint(&record);
            crate::signin::with_session(&token, dev.issuer.now(), Redirect::to("/dashboard"))
        }
        None => not_found(),
    }
}
