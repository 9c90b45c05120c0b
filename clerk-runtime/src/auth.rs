//! The signed-in session as handlers see it, and Clerk's `has()` checks.

/// A verified Clerk session.
///
/// Built once per token by the verifier; cheap to share (`Arc<Auth>`).
#[derive(Debug, Clone)]
pub struct Auth {
    pub(crate) user_id: String,
}

impl Auth {
    /// The user id (`sub`, `user_...`).
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

// TEMPORARY (verifier branch): minimal constructor so the verifier compiles
// before the `claims` branch lands. The `claims` branch's
// `Auth::from_claims(raw, payload) -> Result<Auth, ClaimsError>` replaces
// this whole block on merge.
impl Auth {
    #[allow(clippy::boxed_local)] // contract signature shared with the claims branch
    pub(crate) fn from_claims(
        raw: crate::claims::RawClaims,
        _payload: Box<str>,
    ) -> Result<Auth, std::convert::Infallible> {
        let user_id = match raw.sub {
            Some(serde_json::Value::String(sub)) => sub,
            _ => String::new(),
        };
        Ok(Auth { user_id })
    }
}
