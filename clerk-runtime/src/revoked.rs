//! Sessions revoked through this process: their tokens are refused at once,
//! before their (short) expiry.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// How long a revocation is remembered. Clerk session tokens live 60 s and
/// the dev issuer's browser cookies 1 h; a day outlives every token of a
/// revoked session, after which the entry is dropped.
pub const REVOKED_RETENTION_SECS: i64 = 24 * 60 * 60;

/// At most this many revocations are remembered; past it the oldest half is
/// dropped (tokens of those sessions expire on their own within 60 s anyway).
pub const REVOKED_CAPACITY: usize = 65_536;

/// A bounded set of revoked session ids, each with the time it may be forgotten.
#[derive(Default)]
pub(crate) struct RevokedSessions {
    // Lets the verification path skip the lock while nothing was ever revoked.
    any: AtomicBool,
    until: RwLock<HashMap<Box<str>, i64>>,
}

impl RevokedSessions {
    pub(crate) fn revoke(&self, sid: &str, now: i64) {
        // A poisoned lock only follows a panic inside a HashMap operation; the
        // map is still structurally valid.
        let mut map = self.until.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= REVOKED_CAPACITY {
            map.retain(|_, until| *until > now);
            if map.len() >= REVOKED_CAPACITY {
                let mut untils: Vec<i64> = map.values().copied().collect();
                let (_, median, _) = untils.select_nth_unstable(REVOKED_CAPACITY / 2);
                let median = *median;
                map.retain(|_, until| *until > median);
            }
        }
        map.insert(Box::from(sid), now.saturating_add(REVOKED_RETENTION_SECS));
        self.any.store(true, Ordering::Release);
    }

    pub(crate) fn is_revoked(&self, sid: &str, now: i64) -> bool {
        if !self.any.load(Ordering::Acquire) {
            return false;
        }
        let map = self.until.read().unwrap_or_else(|e| e.into_inner());
        map.get(sid).is_some_and(|until| now < *until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoked_session_is_refused_until_retention_ends() {
        let revoked = RevokedSessions::default();
        revoked.revoke("sess_1", 100);
        assert!(revoked.is_revoked("sess_1", 101));
        assert!(!revoked.is_revoked("sess_2", 101));
        assert!(!revoked.is_revoked("sess_1", 100 + REVOKED_RETENTION_SECS));
    }

    #[test]
    fn memory_stays_bounded_past_capacity() {
        let revoked = RevokedSessions::default();
        for i in 0..REVOKED_CAPACITY + 10 {
            revoked.revoke(&format!("sess_{i}"), i as i64);
        }
        let len = revoked.until.read().unwrap().len();
        assert!(len <= REVOKED_CAPACITY, "{len} entries");
        assert!(revoked.is_revoked(&format!("sess_{}", REVOKED_CAPACITY + 9), 0));
    }
}
