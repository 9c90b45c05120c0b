//! What a verified machine token says (Clerk's machine auth objects,
//! `tokens/authObjects.ts`; A.5).

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::backend::MachineTokenResource;
use crate::token::TokenType;

/// A verified machine caller: an API key, an M2M token or an OAuth access
/// token. Cheap to clone.
///
/// Unlike a session's [`Auth`](crate::Auth) there are no roles or
/// permissions (Clerk's `has()` is always false for machines): a route
/// checks scopes instead. `Debug` never shows the token.
#[derive(Clone)]
pub struct MachineAuth(Arc<Data>);

pub(crate) struct Data {
    pub(crate) token_type: TokenType,
    pub(crate) id: String,
    pub(crate) subject: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) claims: Option<Map<String, Value>>,
    pub(crate) name: Option<String>,
    pub(crate) client_id: Option<String>,
    /// Unix milliseconds, as Clerk's resources.
    pub(crate) expiration: Option<i64>,
}

impl MachineAuth {
    pub(crate) fn new(data: Data) -> Self {
        Self(Arc::new(data))
    }

    /// From a Backend API verification answer.
    pub(crate) fn from_resource(token_type: TokenType, resource: MachineTokenResource) -> Self {
        Self::new(Data {
            token_type,
            id: resource.id,
            subject: resource.subject,
            scopes: resource.scopes,
            claims: resource.claims.filter(|c| !c.is_empty()),
            name: resource.name,
            client_id: resource.client_id,
            expiration: resource.expiration,
        })
    }

    /// `api_key`, `m2m_token` or `oauth_token`.
    pub fn token_type(&self) -> TokenType {
        self.0.token_type
    }

    /// The token's id (`ak_…`, `mt_…`, `oat_…`; a JWT's `jti`, or empty).
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// Who the token acts for: `user_…` or `org_…` (API keys), the calling
    /// machine `mch_…` (M2M), the user (OAuth).
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The granted scopes. For M2M tokens these are the ids of the machines
    /// the token may call.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// Whether `scope` was granted (exact comparison).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.iter().any(|s| s == scope)
    }

    /// Custom claims (API keys, M2M tokens); `None` when there are none.
    pub fn claims(&self) -> Option<&Map<String, Value>> {
        self.0.claims.as_ref()
    }

    /// API keys: the key's name.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// OAuth tokens: the OAuth application's client id.
    pub fn client_id(&self) -> Option<&str> {
        self.0.client_id.as_deref()
    }

    /// When the token expires, Unix seconds; `None`: it does not.
    pub fn expires_at(&self) -> Option<i64> {
        self.0.expiration.map(|ms| ms.div_euclid(1000))
    }

    /// The user the token acts for: an API key's `user_…` subject, an OAuth
    /// token's subject; `None` for M2M tokens and organization keys.
    pub fn user_id(&self) -> Option<&str> {
        match self.0.token_type {
            TokenType::ApiKey => Some(self.subject()).filter(|s| s.starts_with("user_")),
            TokenType::OAuthToken => Some(self.subject()),
            _ => None,
        }
    }

    /// An API key's organization (`org_…` subject).
    pub fn org_id(&self) -> Option<&str> {
        match self.0.token_type {
            TokenType::ApiKey => Some(self.subject()).filter(|s| s.starts_with("org_")),
            _ => None,
        }
    }

    /// An M2M token's calling machine (`mch_…`).
    pub fn machine_id(&self) -> Option<&str> {
        (self.0.token_type == TokenType::M2mToken).then(|| self.subject())
    }

    /// Whom the caller counts as for rate limits: the API key, the calling
    /// machine, or the OAuth application and user; never the token itself,
    /// which changes on every mint.
    pub fn caller_id(&self) -> String {
        match self.0.token_type {
            TokenType::ApiKey => format!("api_key:{}", self.id()),
            TokenType::M2mToken => format!("machine:{}", self.subject()),
            _ => format!(
                "oauth:{}:{}",
                self.client_id().unwrap_or_default(),
                self.subject()
            ),
        }
    }

    /// Whether the token's own expiry has passed at `now_ms`.
    pub(crate) fn expired_at(&self, now_ms: i64) -> bool {
        self.0.expiration.is_some_and(|exp| exp <= now_ms)
    }
}

impl fmt::Debug for MachineAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineAuth")
            .field("token_type", &self.0.token_type)
            .field("id", &self.0.id)
            .field("subject", &self.0.subject)
            .field("scopes", &self.0.scopes)
            .field("expiration", &self.0.expiration)
            .finish_non_exhaustive()
    }
}
