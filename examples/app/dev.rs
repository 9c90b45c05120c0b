//! Dev mode: the embedded issuer, its JWKS server, and the sessions it has
//! handed out (Clerk's Frontend API stand-in).
//!
//! Tokens are minted for a session record, so the session list, switch and
//! revoke work like Clerk's: a revoked session's tokens stop working at once
//! (checked per request by `gate.rs`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clerk_runtime::dev::{DevServer, DevSession};
use clerk_runtime::{DevIssuer, TokenKind, Verifier};
use serde::Serialize;
use serde_json::json;

use crate::directory;

/// How long a dev cookie token lives. Clerk's tokens live 60 s and its
/// browser SDK refreshes them; the dev pages have no refresher, so their
/// tokens live an hour (shown on the sign-in page).
pub const DEV_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// How long a dev session lasts (Clerk's default session lifetime: 7 days).
pub const DEV_SESSION_LIFETIME: i64 = 7 * 24 * 3600;
/// The JWT template the app asks for on `/api/supabase-data`.
pub const TEMPLATE_NAME: &str = "supabase";
/// The template's static audience, checked by the template verifier.
pub const TEMPLATE_AUDIENCE: &str = "authenticated";
/// Template tokens live Clerk's default 60 s: they are fetched per call.
pub const TEMPLATE_LIFETIME: Duration = Duration::from_secs(60);

/// Lifecycle of a dev session, as Clerk's session statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DevStatus {
    /// Usable.
    Active,
    /// Signed out from its own browser.
    Ended,
    /// Revoked from elsewhere (session list, sign out all devices).
    Revoked,
}

/// What a dev session grants: who, in which organization, with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// `user_...`
    pub user_id: String,
    /// Active organization: id and role (`org:admin`).
    pub org: Option<(String, String)>,
    /// Organization permissions.
    pub permissions: Vec<String>,
    /// Features (`o:data`, `u:beta`).
    pub features: Vec<String>,
}

/// One dev session.
#[derive(Debug, Clone, Serialize)]
pub struct DevSessionRecord {
    /// `sess_...`
    pub id: String,
    /// What its tokens say.
    pub grant: Grant,
    /// Status.
    pub status: DevStatus,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last authenticated request.
    pub last_active_at: i64,
    /// Unix seconds after which the session is over.
    pub expire_at: i64,
}

impl DevSessionRecord {
    /// Active and not past its expiry at `now`.
    pub fn is_usable(&self, now: i64) -> bool {
        self.status == DevStatus::Active && now < self.expire_at
    }
}

/// Sessions handed out by the dev issuer.
#[derive(Debug, Default)]
pub struct DevSessions {
    map: Mutex<HashMap<String, DevSessionRecord>>,
    counter: AtomicU64,
}

impl DevSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DevSessionRecord>> {
        // Only map operations run under the lock; a poisoned map is intact.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a session for `grant` at `now`.
    pub fn create(&self, grant: Grant, now: i64) -> DevSessionRecord {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let record = DevSessionRecord {
            id: format!("sess_dev_{n}_{}", grant.user_id.trim_start_matches("user_")),
            grant,
            status: DevStatus::Active,
            created_at: now,
            last_active_at: now,
            expire_at: now + DEV_SESSION_LIFETIME,
        };
        self.lock().insert(record.id.clone(), record.clone());
        record
    }

    /// The session `id`.
    pub fn get(&self, id: &str) -> Option<DevSessionRecord> {
        self.lock().get(id).cloned()
    }

    /// Records activity on `id`; false when it is unknown, ended, revoked or expired.
    pub fn touch(&self, id: &str, now: i64) -> bool {
        let mut map = self.lock();
        match map.get_mut(id) {
            Some(record) if record.is_usable(now) => {
                record.last_active_at = now;
                true
            }
            _ => false,
        }
    }

    /// Sessions of `user_id`, oldest first.
    pub fn for_user(&self, user_id: &str) -> Vec<DevSessionRecord> {
        let mut list: Vec<_> = self
            .lock()
            .values()
            .filter(|r| r.grant.user_id == user_id)
            .cloned()
            .collect();
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        list
    }

    /// Sets the status of `id` if it is active; the updated record.
    pub fn end(&self, id: &str, status: DevStatus) -> Option<DevSessionRecord> {
        let mut map = self.lock();
        let record = map.get_mut(id)?;
        if record.status == DevStatus::Active {
            record.status = status;
        }
        Some(record.clone())
    }

    /// Changes the active organization of `id`.
    pub fn set_org(
        &self,
        id: &str,
        org: Option<(String, String)>,
        permissions: Vec<String>,
    ) -> Option<DevSessionRecord> {
        let mut map = self.lock();
        let record = map.get_mut(id)?;
        record.grant.org = org;
        record.grant.permissions = permissions;
        Some(record.clone())
    }
}

/// Everything dev mode runs: issuer, JWKS server, sessions, verifiers.
#[derive(Debug)]
pub struct DevMode {
    /// Signs tokens.
    pub issuer: DevIssuer,
    /// Serves the issuer's JWKS on 127.0.0.1 (kept alive with the app).
    pub jwks: DevServer,
    /// Sessions handed out.
    pub sessions: DevSessions,
}

impl DevMode {
    /// Generates a key and serves its JWKS on a free 127.0.0.1 port.
    pub async fn start() -> Result<Self, crate::AppError> {
        let issuer = DevIssuer::new()?;
        let jwks = issuer
            .serve(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(crate::AppError::Listen)?;
        Ok(DevMode {
            issuer,
            jwks,
            sessions: DevSessions::default(),
        })
    }

    /// The session verifier: keys fetched from the JWKS server, as in production.
    pub fn session_verifier(&self) -> Result<Verifier, crate::AppError> {
        Ok(Verifier::builder()
            .jwks_url(self.jwks.jwks_url())
            .issuer(self.issuer.issuer())
            .build()?)
    }

    /// Machine tokens: JWT forms with the session keys, opaque ones (API
    /// keys) through the dev server's Backend-API-shaped verify endpoints.
    pub fn machine_verifier(
        &self,
        keys: Verifier,
    ) -> Result<clerk_runtime::MachineVerifier, crate::AppError> {
        let backend = self.jwks.backend_client()?;
        Ok(clerk_runtime::MachineVerifier::builder(keys)
            .backend(backend)
            .build())
    }

    /// The verifier of `supabase` template tokens (audience checked).
    pub fn template_verifier(&self) -> Result<Verifier, crate::AppError> {
        Ok(Verifier::builder()
            .jwks_url(self.jwks.jwks_url())
            .issuer(self.issuer.issuer())
            .audience([TEMPLATE_AUDIENCE])
            .kind(TokenKind::Template)
            .build()?)
    }

    /// Starts a session for `grant` and mints its first token.
    pub fn sign_in(&self, grant: Grant) -> (DevSessionRecord, String) {
        let record = self.sessions.create(grant, self.issuer.now());
        let token = self.mint(&record);
        (record, token)
    }

    /// A fresh session token for `record`, living [`DEV_TOKEN_LIFETIME`].
    pub fn mint(&self, record: &DevSessionRecord) -> String {
        let grant = &record.grant;
        let mut session = DevSession::new(grant.user_id.as_str())
            .session_id(record.id.as_str())
            .lifetime(DEV_TOKEN_LIFETIME)
            .features(grant.features.iter().cloned());
        if let Some((org_id, role)) = &grant.org {
            let slug = directory::organization(org_id).map_or(org_id.as_str(), |o| o.slug);
            session = session
                .org(org_id.as_str(), slug, role.as_str())
                .permissions(grant.permissions.iter().cloned());
        }
        if let Some(user) = directory::user(&grant.user_id) {
            session = session.custom_claims(json!({
                "email": user.email,
                "metadata": { "role": user.metadata_role },
            }));
        }
        self.issuer.mint(&session)
    }

    /// A `supabase` template token for `user_id`, as Clerk's template would render it.
    pub fn mint_template(&self, user_id: &str, email: Option<&str>) -> String {
        self.issuer.mint_template(
            TEMPLATE_NAME,
            json!({
                "sub": user_id,
                "aud": TEMPLATE_AUDIENCE,
                "role": "authenticated",
                "email": email,
            }),
            TEMPLATE_LIFETIME,
        )
    }
}
