//! Revocations: what the verifier refuses before a token's `exp`, and how a
//! revocation made on one app instance reaches every other one.
//!
//! A [`Revocation`] names a session (`sess_...`) or a user (`user_...`).
//! [`Verifier::revoke`](crate::Verifier::revoke) (and its shorthands
//! `revoke_session`, `revoke_user`) applies one at once: the next request
//! carrying such a token gets `401 session-revoked`, cached or not. Every
//! local revocation goes through it: the
//! [`Sessions`](crate::Sessions) extractor, a
//! [`BackendClient`](crate::backend::BackendClient) whose `on_session_revoked`
//! hook calls `revoke_session`, and a verified Clerk webhook
//! ([`WebhookEvent::revocation`](crate::webhook::WebhookEvent::revocation)).
//!
//! Several instances: connect a [`redis::Revocations`] hub to each
//! instance's verifier. It publishes every local revocation on a Redis
//! pub/sub channel, applies what the others publish, and on every
//! (re)connect catches up from a short-lived sorted set, so an instance that
//! was away still refuses what was revoked meanwhile.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use clerk_runtime::ClerkLayer;
//! use clerk_runtime::revocation::redis::{RevocationConfig, Revocations};
//!
//! let layer = ClerkLayer::from_env()?;
//! // Keep the hub alive as long as the app: dropping it disconnects.
//! let _revocations =
//!     Revocations::connect(RevocationConfig::new("redis://127.0.0.1/"), layer.verifier().clone())
//!         .await?;
//! # Ok(()) }
//! ```

#[cfg(feature = "redis")]
pub mod redis;

pub use crate::verify::revoke::Revocation;

/// What the verifier does while the revocation hub cannot hear the other
/// instances (Redis unreachable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailMode {
    /// Keep accepting tokens: revocations made here still apply at once,
    /// those made elsewhere arrive when Redis is back (the catch-up set), so
    /// a session revoked on another instance may live on here until then or
    /// until its token expires (60 s). Logged. The default.
    #[default]
    Open,
    /// Refuse every token (`401 revocations-unavailable`) until the hub is
    /// back in sync: no revoked session slips through, but an outage of
    /// Redis signs everyone out of this instance for its duration.
    Closed,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn kind_and_id_round_trip() {
        for revocation in [
            Revocation::Session("sess_1".into()),
            Revocation::User("user_1".into()),
        ] {
            let back = Revocation::from_parts(revocation.kind(), revocation.id());
            assert_eq!(back, Some(revocation));
        }
        assert_eq!(Revocation::from_parts("org", "org_1"), None);
    }

    #[tokio::test]
    async fn revoke_user_refuses_every_token_of_that_user_only() {
        let issuer = crate::dev::DevIssuer::new().unwrap();
        let verifier = issuer.verifier().unwrap();
        let now = issuer.now();
        let gone = issuer.mint(&crate::dev::DevSession::new("user_gone"));
        let other = issuer.mint(&crate::dev::DevSession::new("user_stays"));
        // Twice: the second verification caches the token.
        for _ in 0..2 {
            verifier.verify_at(&gone, now).await.unwrap();
        }
        verifier.revoke_user("user_gone");
        assert_eq!(
            verifier.verify_at(&gone, now).await.unwrap_err(),
            crate::VerifyError::SessionRevoked
        );
        verifier.verify_at(&other, now).await.unwrap();
    }

    #[tokio::test]
    async fn local_revocations_reach_the_listener_and_applied_ones_do_not() {
        let issuer = crate::dev::DevIssuer::new().unwrap();
        let verifier = issuer.verifier().unwrap();
        let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = heard.clone();
        verifier.set_revocation_listener(Some(Arc::new(move |r: &Revocation, _| {
            sink.lock().unwrap().push(r.clone());
        })));
        verifier.revoke_session("sess_local");
        verifier.apply_revocation(&Revocation::Session("sess_remote".into()), verifier.now());
        assert_eq!(
            *heard.lock().unwrap(),
            [Revocation::Session("sess_local".into())]
        );
    }

    #[tokio::test]
    async fn unavailable_revocations_refuse_every_token_until_cleared() {
        let issuer = crate::dev::DevIssuer::new().unwrap();
        let verifier = issuer.verifier().unwrap();
        let token = issuer.mint(&crate::dev::DevSession::new("user_1"));
        verifier.set_revocations_unavailable(true);
        assert_eq!(
            verifier.verify(&token).await.unwrap_err().reason(),
            "revocations-unavailable"
        );
        verifier.set_revocations_unavailable(false);
        verifier.verify(&token).await.unwrap();
    }
}
