//! The verified-token cache: tokens by full text until their `exp`, the
//! doorkeeper that admits a token on its second verification, and the
//! memory of revoked sessions.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::auth::Auth;

use super::REVOKED_SESSIONS_CAPACITY;

/// Hasher of the cache maps. Keys are whole ~1 KiB tokens: SipHash spends
/// ~0.3 µs on one, foldhash ~20 ns (`verify/cache_hit` bench). Its per-map
/// random seed is enough here: only verified tokens are ever inserted, so an
/// attacker cannot fill the map with colliding keys.
type CacheHasher = foldhash::fast::RandomState;

pub(super) struct CacheEntry {
    pub(super) auth: Auth,
    pub(super) valid_from: i64,
    pub(super) exp: i64,
    pub(super) generation: u64,
}

/// Verified tokens by full token text. Bounded; dropped whole when the key
/// set changes (rotation) so a removed key stops working at once.
pub(super) struct TokenCache {
    capacity: usize,
    pub(super) map: RwLock<CacheMap>,
    /// The doorkeeper of [`TokenCache::admit`]: fingerprints of tokens
    /// verified once, direct-mapped, a slot per expected entry.
    seen: Box<[AtomicU64]>,
    fingerprints: CacheHasher,
}

#[derive(Default)]
pub(super) struct CacheMap {
    generation: u64,
    pub(super) entries: HashMap<Arc<str>, CacheEntry, CacheHasher>,
    /// Tokens in insertion order; the map holds no token without a place
    /// here. Eviction pops the oldest, which (all session tokens sharing one
    /// lifetime) is also the closest to its `exp`: O(1) per insert, where a
    /// scan for expired entries touched every entry of a cache that outgrows
    /// the CPU caches, and cost a cold request microseconds.
    order: VecDeque<Arc<str>>,
    /// Revoked session ids and until when they are refused. Kept across
    /// key rotations: a revoked session stays revoked whatever key signed it.
    revoked: HashMap<Box<str>, i64, CacheHasher>,
    /// Revoked (deleted) users, likewise.
    revoked_users: HashMap<Box<str>, i64, CacheHasher>,
}

impl TokenCache {
    pub(super) fn new(capacity: usize) -> Self {
        let slots = if capacity == 0 {
            0
        } else {
            capacity.next_power_of_two()
        };
        Self {
            capacity,
            map: RwLock::new(CacheMap::default()),
            seen: (0..slots).map(|_| AtomicU64::new(0)).collect(),
            fingerprints: CacheHasher::default(),
        }
    }

    /// Whether a token just verified should be cached: only when it was
    /// verified before (its fingerprint is still in its slot). Caching a
    /// token that never comes back costs the request microseconds (an entry
    /// of a few KiB out of a cache bigger than the CPU's, and the eviction of
    /// another) and buys nothing; with ever-new tokens that was 10% of a
    /// cold request's time. A fingerprint collision only admits a
    /// verified token early, so the fingerprint needs no secrecy; the slots
    /// are atomics, so this takes no lock.
    pub(super) fn admit(&self, token: &str) -> bool {
        if self.seen.is_empty() {
            return false;
        }
        // `| 1`: 0 marks an empty slot.
        let fingerprint = self.fingerprints.hash_one(token) | 1;
        // `seen.len()` is a power of two.
        let slot = &self.seen[(fingerprint >> 1) as usize & (self.seen.len() - 1)];
        slot.swap(fingerprint, Ordering::Relaxed) == fingerprint
    }

    pub(super) fn get(&self, token: &str, now: i64, generation: u64) -> Option<Auth> {
        // A poisoned lock can only come from a panic inside a HashMap
        // operation; the map is still structurally valid.
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let entry = map.entries.get(token)?;
        (entry.generation == generation && now < entry.exp && now >= entry.valid_from)
            .then(|| entry.auth.clone())
    }

    pub(super) fn insert(&self, token: &str, entry: CacheEntry, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let key: Arc<str> = Arc::from(token);
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        // Checked again under the write lock: a revocation that raced this
        // verification must not leave its token cached.
        if map.refuses(&entry.auth, now) {
            return;
        }
        let mut evicted = Vec::new();
        if map.generation != entry.generation {
            evicted.extend(map.entries.drain());
            map.order.clear();
            map.generation = entry.generation;
        }
        // Full: the oldest goes. Not full: an expired oldest goes anyway, so
        // a quiet cache shrinks back instead of holding dead tokens.
        while map.order.len() >= self.capacity
            || map
                .order
                .front()
                .is_some_and(|oldest| map.entries.get(oldest).is_none_or(|e| e.exp <= now))
        {
            let Some(oldest) = map.order.pop_front() else {
                break;
            };
            evicted.extend(map.entries.remove_entry(&oldest));
        }
        map.order.push_back(Arc::clone(&key));
        evicted.extend(map.entries.insert(key.clone(), entry).map(|e| (key, e)));
        drop(map);
        // Freed after the lock: other requests need not wait for the allocator.
        drop(evicted);
    }

    #[cfg(test)]
    pub(super) fn is_revoked(&self, sid: &str, now: i64) -> bool {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        !map.revoked.is_empty() && map.revoked.get(sid).is_some_and(|until| now < *until)
    }

    pub(super) fn invalidate_session(&self, sid: &str, until: i64, now: i64) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        // Their places in `order` stay until popped; removing an absent
        // key then is a no-op.
        map.entries.retain(|_, e| e.auth.session_id() != Some(sid));
        remember_revoked(&mut map.revoked, sid, until, now);
    }

    /// Refuses every token of `user_id` until `until`.
    pub(super) fn invalidate_user(&self, user_id: &str, until: i64, now: i64) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.entries.retain(|_, e| e.auth.user_id() != user_id);
        remember_revoked(&mut map.revoked_users, user_id, until, now);
    }

    /// Whether `auth`'s session or user is revoked at `now`.
    pub(super) fn is_refused(&self, auth: &Auth, now: i64) -> bool {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.refuses(auth, now)
    }
}

impl CacheMap {
    fn refuses(&self, auth: &Auth, now: i64) -> bool {
        let live = |revoked: &HashMap<Box<str>, i64, CacheHasher>, id: &str| {
            !revoked.is_empty() && revoked.get(id).is_some_and(|until| now < *until)
        };
        auth.session_id()
            .is_some_and(|sid| live(&self.revoked, sid))
            || live(&self.revoked_users, auth.user_id())
    }
}

/// Remembers `id` as revoked until `until` (the later deadline if it already
/// is), within [`REVOKED_SESSIONS_CAPACITY`]: when full, the expired go, then
/// the one closest to its deadline.
fn remember_revoked(
    revoked: &mut HashMap<Box<str>, i64, CacheHasher>,
    id: &str,
    until: i64,
    now: i64,
) {
    if let Some(deadline) = revoked.get_mut(id) {
        *deadline = (*deadline).max(until);
        return;
    }
    if revoked.len() >= REVOKED_SESSIONS_CAPACITY {
        revoked.retain(|_, deadline| *deadline > now);
        if revoked.len() >= REVOKED_SESSIONS_CAPACITY {
            let soonest = revoked
                .iter()
                .min_by_key(|(_, deadline)| **deadline)
                .map(|(id, _)| id.clone());
            if let Some(soonest) = soonest {
                revoked.remove(&soonest);
            }
        }
    }
    revoked.insert(Box::from(id), until);
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::auth::AuthData;
    use crate::verify::decode::RawClaims;

    fn entry(exp: i64, sid: &str, generation: u64) -> CacheEntry {
        let data = AuthData::from_claims(RawClaims {
            sub: Some(Value::from("user_1")),
            sid: Some(sid.into()),
            exp: Some(Value::from(exp)),
            ..RawClaims::default()
        })
        .unwrap();
        CacheEntry {
            auth: Auth::new(data, "{}".into()),
            valid_from: 0,
            exp,
            generation,
        }
    }

    #[test]
    fn cached_entry_expires_at_token_exp() {
        let cache = TokenCache::new(4);
        cache.insert("t", entry(100, "s", 0), 10);
        assert!(cache.get("t", 99, 0).is_some());
        assert!(cache.get("t", 100, 0).is_none());
    }

    #[test]
    fn cache_misses_after_key_generation_changes() {
        let cache = TokenCache::new(4);
        cache.insert("t", entry(100, "s", 0), 10);
        assert!(cache.get("t", 50, 1).is_none());
    }

    #[test]
    fn cache_stays_bounded() {
        let cache = TokenCache::new(2);
        for i in 0..5 {
            cache.insert(&format!("t{i}"), entry(100, "s", 0), 10);
        }
        assert!(cache.map.read().unwrap().entries.len() <= 2);
    }

    #[test]
    fn invalidate_session_drops_its_tokens_only() {
        let cache = TokenCache::new(4);
        cache.insert("a", entry(100, "s1", 0), 10);
        cache.insert("b", entry(100, "s2", 0), 10);
        cache.invalidate_session("s1", 1_000, 10);
        assert!(cache.get("a", 50, 0).is_none());
        assert!(cache.get("b", 50, 0).is_some());
    }

    #[test]
    fn revoked_session_is_not_cached_again() {
        let cache = TokenCache::new(4);
        cache.invalidate_session("s1", 1_000, 10);
        cache.insert("a", entry(100, "s1", 0), 10);
        assert!(cache.get("a", 50, 0).is_none());
        assert!(cache.is_revoked("s1", 999));
        assert!(!cache.is_revoked("s1", 1_000));
    }

    #[test]
    fn revoked_sessions_stay_bounded() {
        let cache = TokenCache::new(4);
        for i in 0..=REVOKED_SESSIONS_CAPACITY {
            cache.invalidate_session(&format!("s{i}"), 1_000 + i as i64, 10);
        }
        let map = cache.map.read().unwrap();
        assert_eq!(map.revoked.len(), REVOKED_SESSIONS_CAPACITY);
        // The one closest to its deadline made room for the newest.
        assert!(!map.revoked.contains_key("s0"));
        assert!(
            map.revoked
                .contains_key(&*format!("s{REVOKED_SESSIONS_CAPACITY}"))
        );
    }

    #[test]
    fn full_cache_of_live_tokens_evicts_the_oldest() {
        let cache = TokenCache::new(32);
        for i in 0..33 {
            cache.insert(&format!("t{i}"), entry(100, "s", 0), 10);
        }
        assert_eq!(cache.map.read().unwrap().entries.len(), 32);
        assert!(cache.get("t0", 50, 0).is_none());
        assert!(cache.get("t1", 50, 0).is_some());
        assert!(cache.get("t32", 50, 0).is_some());
    }

    #[test]
    fn expired_oldest_makes_room_before_the_cache_is_full() {
        let cache = TokenCache::new(32);
        cache.insert("old", entry(20, "s", 0), 10);
        cache.insert("new", entry(100, "s", 0), 30);
        let map = cache.map.read().unwrap();
        assert_eq!(map.entries.len(), 1);
        assert_eq!(map.order.len(), 1);
    }

    #[test]
    fn the_same_token_inserted_twice_stays_bounded() {
        let cache = TokenCache::new(2);
        for _ in 0..5 {
            cache.insert("t", entry(100, "s", 0), 10);
        }
        cache.insert("u", entry(100, "s", 0), 10);
        let map = cache.map.read().unwrap();
        assert!(map.order.len() <= 2 && map.entries.len() <= 2);
        assert!(map.entries.contains_key("u"));
    }

    #[test]
    fn a_token_is_admitted_on_its_second_verification() {
        let cache = TokenCache::new(4);
        assert!(!cache.admit("t"));
        assert!(cache.admit("t"));
        assert!(cache.admit("t"));
        assert!(!cache.admit("u"));
    }

    #[test]
    fn zero_capacity_admits_nothing() {
        let cache = TokenCache::new(0);
        assert!(!cache.admit("t"));
        assert!(!cache.admit("t"));
    }

    #[test]
    fn zero_capacity_caches_nothing() {
        let cache = TokenCache::new(0);
        cache.insert("t", entry(100, "s", 0), 10);
        assert!(cache.get("t", 50, 0).is_none());
    }
}
