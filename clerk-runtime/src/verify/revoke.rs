//! What the verifier refuses before a token's `exp`: a [`Revocation`], and
//! the listener a revocation broadcast installs
//! ([`revocation`](crate::revocation)).

use std::sync::Arc;

/// Tokens to refuse before their `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Revocation {
    /// Every token of this session id (`sess_...`): signed out, revoked,
    /// ended or removed.
    Session(String),
    /// Every token of this user id (`user_...`): the user was deleted.
    User(String),
}

impl Revocation {
    /// The revoked session or user id.
    pub fn id(&self) -> &str {
        match self {
            Self::Session(id) | Self::User(id) => id,
        }
    }

    /// `"session"` or `"user"`: the kind as written on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Session(_) => "session",
            Self::User(_) => "user",
        }
    }

    /// The revocation of `kind` ([`Revocation::kind`]) and `id`, if `kind`
    /// is known.
    pub fn from_parts(kind: &str, id: &str) -> Option<Self> {
        match kind {
            "session" => Some(Self::Session(id.to_owned())),
            "user" => Some(Self::User(id.to_owned())),
            _ => None,
        }
    }
}

impl std::fmt::Display for Revocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind(), self.id())
    }
}

/// Told of every revocation made on this instance, with the time it was made
/// (unix seconds). Runs inline in `Verifier::revoke`, so it only queues.
pub(crate) type RevocationListener = Arc<dyn Fn(&Revocation, i64) + Send + Sync>;
