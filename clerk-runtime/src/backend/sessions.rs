//! Sessions: list, get, revoke, and "sign out all devices".

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::client::Call;
use super::path::segment;
use super::{BackendClient, BackendError};

/// Clerk's maximum page size for `GET /v1/sessions`.
pub const MAX_LIST_LIMIT: u32 = 500;

/// A Clerk session as the Backend API returns it. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// Session id (`sess_...`).
    pub id: String,
    /// The user the session belongs to (`user_...`).
    pub user_id: String,
    /// Lifecycle state.
    pub status: ApiSessionStatus,
    /// The client (browser/device) the session lives on (`client_...`).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Organization active when the session was last used.
    #[serde(default)]
    pub last_active_organization_id: Option<String>,
    /// Impersonation actor, when an admin acts as the user.
    #[serde(default)]
    pub actor: Option<serde_json::Value>,
    /// Last activity, unix milliseconds (as all of Clerk's Backend API times).
    #[serde(default)]
    pub last_active_at: Option<i64>,
    /// When the session expires regardless of activity, unix milliseconds.
    #[serde(default)]
    pub expire_at: Option<i64>,
    /// When the session is abandoned if inactive, unix milliseconds.
    #[serde(default)]
    pub abandon_at: Option<i64>,
    /// Creation time, unix milliseconds.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Last update, unix milliseconds.
    #[serde(default)]
    pub updated_at: Option<i64>,
}

/// A session's lifecycle state (docs/clerk-semantics.md §8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiSessionStatus {
    /// Signed in and usable.
    Active,
    /// Signed in but with pending tasks (e.g. choose an organization).
    Pending,
    /// Inactive for too long.
    Abandoned,
    /// Signed out by the user.
    Ended,
    /// Reached its maximum lifetime.
    Expired,
    /// Removed by the user from another device.
    Removed,
    /// Replaced by a newer session on the same client.
    Replaced,
    /// Revoked through the Backend API or dashboard.
    Revoked,
    /// A status this version does not know; kept verbatim.
    Unknown(String),
}

impl ApiSessionStatus {
    /// Clerk's spelling of the status.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Abandoned => "abandoned",
            Self::Ended => "ended",
            Self::Expired => "expired",
            Self::Removed => "removed",
            Self::Replaced => "replaced",
            Self::Revoked => "revoked",
            Self::Unknown(s) => s,
        }
    }

    /// Parses Clerk's spelling; unknown values become [`ApiSessionStatus::Unknown`].
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            "pending" => Self::Pending,
            "abandoned" => Self::Abandoned,
            "ended" => Self::Ended,
            "expired" => Self::Expired,
            "removed" => Self::Removed,
            "replaced" => Self::Replaced,
            "revoked" => Self::Revoked,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for ApiSessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApiSessionStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

impl Serialize for ApiSessionStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Owner {
    User(String),
    Client(String),
}

/// Query of `GET /v1/sessions`: whose sessions, which status, which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSessions {
    owner: Owner,
    status: Option<ApiSessionStatus>,
    limit: Option<u32>,
    offset: Option<u32>,
}

impl ListSessions {
    /// Sessions of one user.
    pub fn for_user(user_id: impl Into<String>) -> Self {
        Self::new(Owner::User(user_id.into()))
    }

    /// Sessions on one client (browser/device).
    pub fn for_client(client_id: impl Into<String>) -> Self {
        Self::new(Owner::Client(client_id.into()))
    }

    fn new(owner: Owner) -> Self {
        Self {
            owner,
            status: None,
            limit: None,
            offset: None,
        }
    }

    /// Only sessions in this state.
    pub fn status(mut self, status: ApiSessionStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Page size, 1..=[`MAX_LIST_LIMIT`] (Clerk's default is 10).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Number of sessions to skip.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    fn query(&self) -> Result<Vec<(&'static str, String)>, BackendError> {
        let (name, id) = match &self.owner {
            Owner::User(id) => ("user_id", id),
            Owner::Client(id) => ("client_id", id),
        };
        if id.trim().is_empty() {
            return Err(BackendError::InvalidArgument(format!("{name} is empty")));
        }
        let mut query = vec![(name, id.clone())];
        if let Some(status) = &self.status {
            if status.as_str().is_empty() {
                return Err(BackendError::InvalidArgument("status is empty".into()));
            }
            query.push(("status", status.as_str().to_owned()));
        }
        if let Some(limit) = self.limit {
            if !(1..=MAX_LIST_LIMIT).contains(&limit) {
                return Err(BackendError::InvalidArgument(format!(
                    "limit {limit} is outside 1..={MAX_LIST_LIMIT}"
                )));
            }
            query.push(("limit", limit.to_string()));
        }
        if let Some(offset) = self.offset {
            query.push(("offset", offset.to_string()));
        }
        // Ask for `{data, total_count}`, as @clerk/backend does; both that and a
        // bare array are accepted.
        query.push(("paginated", "true".to_owned()));
        Ok(query)
    }
}

/// `GET /v1/sessions` answers with a bare array or, when paginated, with
/// `{"data": [...], "total_count": n}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum SessionList {
    Paginated {
        data: Vec<Session>,
        #[serde(default)]
        total_count: Option<u64>,
    },
    Bare(Vec<Session>),
}

/// The body of `POST /v1/sessions/{id}/refresh` in cookie format, as
/// `@clerk/backend`'s `refreshSession` sends it when a page request carries
/// an expired `__session` and a `__refresh_<suffix>` cookie.
///
/// `Debug` redacts both tokens and the request headers.
#[derive(Clone, Serialize)]
pub struct RefreshSession {
    /// The expired session token.
    pub expired_token: String,
    /// The value of the `__refresh_<suffix>` cookie.
    pub refresh_token: String,
    /// The request's public origin (`https://app.example.com`).
    pub request_origin: String,
    /// The request's headers, each as a one-element list (Clerk's shape).
    pub request_headers: std::collections::BTreeMap<String, Vec<String>>,
    /// Sent as the query `suffixed_cookies=true` when true, dropped otherwise.
    #[serde(skip)]
    pub suffixed_cookies: bool,
}

impl fmt::Debug for RefreshSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshSession")
            .field("request_origin", &self.request_origin)
            .field("suffixed_cookies", &self.suffixed_cookies)
            .finish_non_exhaustive()
    }
}

/// `{"object":"cookies","cookies":[...]}`
#[derive(Deserialize)]
struct CookiesBody {
    cookies: Vec<String>,
}

impl BackendClient {
    /// Refreshes an expired session token with the refresh cookie
    /// (`POST /v1/sessions/{id}/refresh`, `format: cookie`) and returns the
    /// Set-Cookie directives Clerk answers with (a fresh `__session`).
    ///
    /// Not retried after a lost connection: a refresh token may be single use.
    pub async fn refresh_session(
        &self,
        session_id: &str,
        params: &RefreshSession,
    ) -> Result<Vec<String>, BackendError> {
        let id = segment("session id", session_id)?;
        let mut call = Call::post(format!("/sessions/{id}/refresh"), false);
        if params.suffixed_cookies {
            call.query.push(("suffixed_cookies", "true".to_owned()));
        }
        let mut body = serde_json::to_value(params).map_err(|e| {
            BackendError::InvalidArgument(format!("refresh body does not serialise: {e}"))
        })?;
        if let Some(map) = body.as_object_mut() {
            map.insert("format".into(), "cookie".into());
        }
        call.body = Some(body);
        Ok(self.call::<CookiesBody>(call).await?.cookies)
    }

    /// Lists sessions (`GET /v1/sessions`).
    pub async fn list_sessions(&self, query: &ListSessions) -> Result<Vec<Session>, BackendError> {
        Ok(self.list_page(query).await?.0)
    }

    async fn list_page(
        &self,
        query: &ListSessions,
    ) -> Result<(Vec<Session>, Option<u64>), BackendError> {
        let mut call = Call::get("/sessions".to_owned());
        call.query = query.query()?;
        Ok(match self.call::<SessionList>(call).await? {
            SessionList::Paginated { data, total_count } => (data, total_count),
            SessionList::Bare(data) => (data, None),
        })
    }

    /// Reads one session (`GET /v1/sessions/{id}`).
    pub async fn get_session(&self, session_id: &str) -> Result<Session, BackendError> {
        let id = segment("session id", session_id)?;
        self.call(Call::get(format!("/sessions/{id}"))).await
    }

    /// Revokes one session (`POST /v1/sessions/{id}/revoke`) and returns it as
    /// Clerk reports it afterwards. On success the `on_session_revoked` hook
    /// runs with the session id.
    ///
    /// Retried like a read: revoking is idempotent on Clerk's side.
    pub async fn revoke_session(&self, session_id: &str) -> Result<Session, BackendError> {
        let id = segment("session id", session_id)?;
        let session: Session = self
            .call(Call::post(format!("/sessions/{id}/revoke"), true))
            .await?;
        self.notify_revoked(&session.id);
        Ok(session)
    }

    /// "Sign out all devices": revokes every signed-in (`active` or
    /// `pending`) session of `user_id` and returns the revoked sessions.
    ///
    /// Pending sessions count: they are signed in with tasks left, and a
    /// verifier that allows pending sessions still accepts their tokens.
    ///
    /// All pages are listed first, then each session is revoked: revoking
    /// while paging would shift the offsets of a status filter and skip
    /// sessions. A session created after the listing is not covered. On a
    /// failure the sessions revoked so far stay revoked (and their hooks have
    /// run); calling again is safe and picks up the rest.
    pub async fn revoke_all_sessions(&self, user_id: &str) -> Result<Vec<Session>, BackendError> {
        self.revoke_all_sessions_paged(user_id, MAX_LIST_LIMIT)
            .await
    }

    /// [`revoke_all_sessions`](Self::revoke_all_sessions) with an explicit
    /// listing page size (1..=[`MAX_LIST_LIMIT`]).
    pub async fn revoke_all_sessions_paged(
        &self,
        user_id: &str,
        page_size: u32,
    ) -> Result<Vec<Session>, BackendError> {
        segment("user id", user_id)?;
        let mut ids = Vec::new();
        let mut seen = HashSet::new();
        for status in [ApiSessionStatus::Active, ApiSessionStatus::Pending] {
            let mut offset = 0u32;
            loop {
                let query = ListSessions::for_user(user_id)
                    .status(status.clone())
                    .limit(page_size)
                    .offset(offset);
                let (page, total) = self.list_page(&query).await?;
                let len = u32::try_from(page.len()).unwrap_or(u32::MAX);
                let mut new = 0;
                for session in page {
                    if seen.insert(session.id.clone()) {
                        ids.push(session.id);
                        new += 1;
                    }
                }
                offset = offset.saturating_add(len);
                let exhausted = len < page_size || total.is_some_and(|t| u64::from(offset) >= t);
                // A page with nothing new means the server ignores `offset`;
                // stop rather than loop forever.
                if exhausted || new == 0 {
                    break;
                }
            }
        }
        let mut revoked = Vec::with_capacity(ids.len());
        for id in ids {
            revoked.push(self.revoke_session(&id).await?);
        }
        Ok(revoked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_status_is_kept_verbatim() {
        let s: ApiSessionStatus = serde_json::from_str(r#""frozen""#).unwrap();
        assert_eq!(s, ApiSessionStatus::Unknown("frozen".into()));
        assert_eq!(s.as_str(), "frozen");
    }

    #[test]
    fn every_documented_status_round_trips() {
        for name in [
            "abandoned",
            "active",
            "pending",
            "ended",
            "expired",
            "removed",
            "replaced",
            "revoked",
        ] {
            let s = ApiSessionStatus::parse(name);
            assert!(!matches!(s, ApiSessionStatus::Unknown(_)), "{name}");
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{name}\""));
        }
    }

    #[test]
    fn limit_outside_range_is_rejected() {
        for bad in [0, MAX_LIST_LIMIT + 1] {
            let q = ListSessions::for_user("user_1").limit(bad);
            assert!(matches!(q.query(), Err(BackendError::InvalidArgument(_))));
        }
        assert!(
            ListSessions::for_user("user_1")
                .limit(MAX_LIST_LIMIT)
                .query()
                .is_ok()
        );
    }

    #[test]
    fn empty_owner_is_rejected() {
        assert!(matches!(
            ListSessions::for_client("").query(),
            Err(BackendError::InvalidArgument(_))
        ));
    }

    #[test]
    fn session_tolerates_unknown_and_missing_fields() {
        let s: Session = serde_json::from_str(
            r#"{"object":"session","id":"sess_1","user_id":"user_1","status":"active","latest_activity":{}}"#,
        )
        .unwrap();
        assert_eq!(s.client_id, None);
        assert_eq!(s.status, ApiSessionStatus::Active);
    }
}
