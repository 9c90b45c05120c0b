//! Minting session and JWT-template tokens.

use serde::Deserialize;

use super::client::Call;
use super::path::segment;
use super::{BackendClient, BackendError};

/// `{"object":"token","jwt":"..."}`
#[derive(Deserialize)]
struct TokenBody {
    jwt: String,
}

impl BackendClient {
    /// Mints a fresh session token for `session_id`
    /// (`POST /v1/sessions/{id}/tokens`).
    pub async fn create_session_token(&self, session_id: &str) -> Result<String, BackendError> {
        let id = segment("session id", session_id)?;
        self.mint(Call::post(format!("/sessions/{id}/tokens"), false), None)
            .await
    }

    /// Mints a token from the JWT template `template` for `session_id`
    /// (`POST /v1/sessions/{id}/tokens/{template}`), living
    /// `expires_in_seconds` if given (Clerk's default is the template's
    /// lifetime, 60 s unless configured).
    pub async fn create_template_token(
        &self,
        session_id: &str,
        template: &str,
        expires_in_seconds: Option<u32>,
    ) -> Result<String, BackendError> {
        let id = segment("session id", session_id)?;
        let template = segment("template name", template)?;
        if expires_in_seconds == Some(0) {
            return Err(BackendError::InvalidArgument(
                "expires_in_seconds must be at least 1".into(),
            ));
        }
        self.mint(
            Call::post(format!("/sessions/{id}/tokens/{template}"), false),
            expires_in_seconds,
        )
        .await
    }

    async fn mint(
        &self,
        mut call: Call<'_>,
        expires_in_seconds: Option<u32>,
    ) -> Result<String, BackendError> {
        // Like @clerk/backend: no body unless a lifetime is requested.
        call.body = expires_in_seconds.map(|s| serde_json::json!({ "expires_in_seconds": s }));
        let body: TokenBody = self.call(call).await?;
        Ok(body.jwt)
    }
}

/// `{"directives":["<Set-Cookie>", ...]}`
#[derive(Deserialize)]
struct HandshakePayload {
    directives: Vec<String>,
}

impl BackendClient {
    /// Exchanges a handshake nonce for its Set-Cookie directives
    /// (`GET /v1/clients/handshake_payload?nonce=…`), as Clerk's SDK does
    /// when the Frontend API sends a browser back with
    /// `__clerk_handshake_nonce`.
    pub async fn handshake_payload(&self, nonce: &str) -> Result<Vec<String>, BackendError> {
        if nonce.is_empty() {
            return Err(BackendError::InvalidArgument("nonce is empty".into()));
        }
        let mut call = Call::get("/clients/handshake_payload".to_owned());
        call.query.push(("nonce", nonce.to_owned()));
        Ok(self.call::<HandshakePayload>(call).await?.directives)
    }
}
