//! Verifying opaque machine tokens: API keys, M2M tokens and OAuth access
//! tokens (clerk-machine-webhooks-openapi.md A.4). The three endpoints are
//! "bapi-proxy" ones: no `/v1` in the path, the version in the
//! `Clerk-API-Version` header, a JSON body with the token, and the answer a
//! snake_case resource with millisecond timestamps.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::client::Call;
use super::{BackendClient, BackendError};

/// `POST /api_keys/verify`, body `{"secret": "ak_…"}`.
pub const API_KEYS_VERIFY_PATH: &str = "/api_keys/verify";
/// `POST /m2m_tokens/verify`, body `{"token": "mt_…"}`.
pub const M2M_TOKENS_VERIFY_PATH: &str = "/m2m_tokens/verify";
/// `POST /oauth_applications/access_tokens/verify`, body `{"access_token": "oat_…"}`.
pub const OAUTH_TOKENS_VERIFY_PATH: &str = "/oauth_applications/access_tokens/verify";

/// What the three verify endpoints have in common, as Clerk sends it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct MachineTokenResource {
    /// `api_key`, `machine_to_machine_token` or `clerk_idp_oauth_access_token`.
    #[serde(default)]
    pub object: String,
    /// The token's id (`ak_…`, `mt_…`, `oat_…`).
    pub id: String,
    /// Who the token acts for: `user_…`/`org_…` (API keys), `mch_…`
    /// (M2M), `user_…` (OAuth).
    pub subject: String,
    /// Granted scopes; for M2M tokens the machine ids it may call.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Custom claims (API keys, M2M tokens).
    #[serde(default)]
    pub claims: Option<Map<String, Value>>,
    /// Whether the token was revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Why it was revoked.
    #[serde(default)]
    pub revocation_reason: Option<String>,
    /// Whether it has expired.
    #[serde(default)]
    pub expired: bool,
    /// When it expires, in Unix milliseconds; `None`: never.
    #[serde(default)]
    pub expiration: Option<i64>,
    /// API keys: the key's name.
    #[serde(default)]
    pub name: Option<String>,
    /// OAuth tokens: the OAuth application's client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Creation time, Unix milliseconds.
    #[serde(default)]
    pub created_at: Option<i64>,
}

impl BackendClient {
    /// Verifies an API key (`POST /api_keys/verify`).
    pub async fn verify_api_key(&self, secret: &str) -> Result<MachineTokenResource, BackendError> {
        self.verify_machine(API_KEYS_VERIFY_PATH, "secret", secret)
            .await
    }

    /// Verifies an opaque M2M token (`POST /m2m_tokens/verify`). Built with
    /// a machine secret key, the client verifies only tokens granted access
    /// to that machine; with the instance secret key, any of the instance's.
    pub async fn verify_m2m_token(
        &self,
        token: &str,
    ) -> Result<MachineTokenResource, BackendError> {
        self.verify_machine(M2M_TOKENS_VERIFY_PATH, "token", token)
            .await
    }

    /// Verifies an opaque OAuth access token
    /// (`POST /oauth_applications/access_tokens/verify`).
    pub async fn verify_oauth_token(
        &self,
        token: &str,
    ) -> Result<MachineTokenResource, BackendError> {
        self.verify_machine(OAUTH_TOKENS_VERIFY_PATH, "access_token", token)
            .await
    }

    async fn verify_machine(
        &self,
        path: &str,
        field: &str,
        token: &str,
    ) -> Result<MachineTokenResource, BackendError> {
        if token.is_empty() {
            return Err(BackendError::InvalidArgument("token is empty".into()));
        }
        // A verification changes nothing: safe to repeat.
        let mut call = Call::post(path.to_owned(), true);
        call.versioned = false;
        call.body = Some(serde_json::json!({ field: token }));
        self.call(call).await
    }
}
