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
