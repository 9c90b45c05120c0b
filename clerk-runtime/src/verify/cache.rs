//! The verified-token cache: tokens by full text until their `exp`, the
//! doorkeeper that admits a token on its second verification, and the
//! memory of revoked sessions.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::auth::Auth;

use super::REVOKED_SESSIONS_CAPACITY;

/// Hasher of the cache maps. Its per-map random seed is enough here: only
/// verified tokens are ever inserted, so an attacker cannot fill the map
/// with colliding keys.
type CacheHasher = foldhash::fast::RandomState;

/// How many of a token's last bytes its [`TokenKey`] hashes: 64 base64url
/// characters, the last 48 bytes of the signature. A signature is as
/// unpredictable as the hash of what it signs, so two verified tokens share
/// those bytes only by a collision of SHA-256; the whole ~1 KiB token cost
/// ~80 ns a hash, twice per cold request (cache lookup and doorkeeper).
/// Equality still compares the whole token.
const HASHED_TAIL_BYTES: usize = 64;

/// A token and its hash, computed once per request: the cache lookup, the
/// doorkeeper and the insert all use it.
#[derive(Clone, Copy)]
pub(super) struct TokenKey<'t> {
    token: &'t str,
    hash: u64,
}

pub(super) struct CacheEntry {
    pub(super) auth: Auth,
    pub(super) valid_from: i64,
    pub(super) exp: i64,
    pub(super) generation: u64,
}

/// A [`CacheEntry`] under its token, with the token's hash for rehashing.
pub(super) struct Cached {
    token: Arc<str>,
    hash: u64,
    entry: CacheEntry,
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
    pub(super) entries: HashTable<Cached>,
    /// Tokens in insertion order; the map holds no token without a place
    /// here. Eviction pops the oldest, which (all session tokens sharing one
    /// lifetime) is also the closest to its `exp`: O(1) per insert, where a
    /// scan for expired entries touched every entry of a cache that outgrows
    /// the CPU caches, and cost a cold request microseconds.
    order: VecDeque<(u64, Arc<str>)>,
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

    /// `token` with its hash.
    pub(super) fn key<'t>(&self, token: &'t str) -> TokenKey<'t> {
        let tail = &token.as_bytes()[token.len().saturating_sub(HASHED_TAIL_BYTES)..];
        TokenKey {
            token,
            hash: self.fingerprints.hash_one(tail),
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
    pub(super) fn admit(&self, key: &TokenKey<'_>) -> bool {
        if self.seen.is_empty() {
            return false;
        }
        // `| 1`: 0 marks an empty slot.
        let fingerprint = key.hash | 1;
        // `seen.len()` is a power of two.
        let slot = &self.seen[(fingerprint >> 1) as usize & (self.seen.len() - 1)];
        slot.swap(fingerprint, Ordering::Relaxed) == fingerprint
    }

    pub(super) fn get(&self, key: &TokenKey<'_>, now: i64, generation: u64) -> Option<Auth> {
        // A poisoned lock can only come from a panic inside a HashMap
        // operation; the map is still structurally valid.
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let entry = &map
            .entries
            .find(key.hash, |c| *c.token == *key.token)?
            .entry;
        (entry.generation == generation && now < entry.exp && now >= entry.valid_from)
            .then(|| entry.auth.clone())
    }

    pub(super) fn insert(&self, key: &TokenKey<'_>, entry: CacheEntry, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let token: Arc<str> = Arc::from(key.token);
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
            || map.order.front().is_some_and(|(hash, oldest)| {
                map.find(*hash, oldest).is_none_or(|c| c.entry.exp <= now)
            })
        {
            let Some((hash, oldest)) = map.order.pop_front() else {
                break;
            };
            if let Ok(found) = map
                .entries
                .find_entry(hash, |c| Arc::ptr_eq(&c.token, &oldest))
            {
                evicted.push(found.remove().0);
            }
        }
        map.order.push_back((key.hash, Arc::clone(&token)));
        let cached = Cached {
            token,
            hash: key.hash,
            entry,
        };
        match map
            .entries
            .entry(key.hash, |c| *c.token == *key.token, |c| c.hash)
        {
            Entry::Occupied(mut occupied) => {
                evicted.push(std::mem::replace(occupied.get_mut(), cached));
            }
            Entry::Vacant(vacant) => {
                vacant.insert(cached);
            }
        }
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
        map.entries
            .retain(|c| c.entry.auth.session_id() != Some(sid));
        remember_revoked(&mut map.revoked, sid, until, now);
    }

    /// Refuses every token of `user_id` until `until`.
    pub(super) fn invalidate_user(&self, user_id: &str, until: i64, now: i64) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.entries.retain(|c| c.entry.auth.user_id() != user_id);
        remember_revoked(&mut map.revoked_users, user_id, until, now);
    }

    /// Whether `auth`'s session or user is revoked at `now`.
    pub(super) fn is_refused(&self, auth: &Auth, now: i64) -> bool {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.refuses(auth, now)
    }
}

impl CacheMap {
    /// The entry `token` (hashed to `hash`) is cached under, by identity:
    /// `order` holds the very `Arc`s the map does.
    fn find(&self, hash: u64, token: &Arc<str>) -> Option<&Cached> {
        self.entries.find(hash, |c| Arc::ptr_eq(&c.token, token))
    }

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
        let data = AuthData::from_claims(
            RawClaims {
                sub: Some("user_1".into()),
                sid: Some(sid.into()),
                exp: Some(Value::from(exp)),
                ..RawClaims::default()
            },
            0,
        )
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
        cache.insert(&cache.key("t"), entry(100, "s", 0), 10);
        assert!(cache.get(&cache.key("t"), 99, 0).is_some());
        assert!(cache.get(&cache.key("t"), 100, 0).is_none());
    }

    #[test]
    fn cache_misses_after_key_generation_changes() {
        let cache = TokenCache::new(4);
        cache.insert(&cache.key("t"), entry(100, "s", 0), 10);
        assert!(cache.get(&cache.key("t"), 50, 1).is_none());
    }

    #[test]
    fn cache_stays_bounded() {
        let cache = TokenCache::new(2);
        for i in 0..5 {
            cache.insert(&cache.key(&format!("t{i}")), entry(100, "s", 0), 10);
        }
        assert!(cache.map.read().unwrap().entries.len() <= 2);
    }

    #[test]
    fn invalidate_session_drops_its_tokens_only() {
        let cache = TokenCache::new(4);
        cache.insert(&cache.key("a"), entry(100, "s1", 0), 10);
        cache.insert(&cache.key("b"), entry(100, "s2", 0), 10);
        cache.invalidate_session("s1", 1_000, 10);
        assert!(cache.get(&cache.key("a"), 50, 0).is_none());
        assert!(cache.get(&cache.key("b"), 50, 0).is_some());
    }

    #[test]
    fn revoked_session_is_not_cached_again() {
        let cache = TokenCache::new(4);
        cache.invalidate_session("s1", 1_000, 10);
        cache.insert(&cache.key("a"), entry(100, "s1", 0), 10);
        assert!(cache.get(&cache.key("a"), 50, 0).is_none());
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
            cache.insert(&cache.key(&format!("t{i}")), entry(100, "s", 0), 10);
        }
        assert_eq!(cache.map.read().unwrap().entries.len(), 32);
        assert!(cache.get(&cache.key("t0"), 50, 0).is_none());
        assert!(cache.get(&cache.key("t1"), 50, 0).is_some());
        assert!(cache.get(&cache.key("t32"), 50, 0).is_some());
    }

    #[test]
    fn expired_oldest_makes_room_before_the_cache_is_full() {
        let cache = TokenCache::new(32);
        cache.insert(&cache.key("old"), entry(20, "s", 0), 10);
        cache.insert(&cache.key("new"), entry(100, "s", 0), 30);
        let map = cache.map.read().unwrap();
        assert_eq!(map.entries.len(), 1);
        assert_eq!(map.order.len(), 1);
    }

    #[test]
    fn the_same_token_inserted_twice_stays_bounded() {
        let cache = TokenCache::new(2);
        for _ in 0..5 {
            cache.insert(&cache.key("t"), entry(100, "s", 0), 10);
        }
        cache.insert(&cache.key("u"), entry(100, "s", 0), 10);
        {
            let map = cache.map.read().unwrap();
            assert!(map.order.len() <= 2 && map.entries.len() <= 2);
        }
        assert!(cache.get(&cache.key("u"), 50, 0).is_some());
    }

    #[test]
    fn tokens_sharing_the_hashed_tail_are_told_apart_by_their_whole_text() {
        let cache = TokenCache::new(4);
        let tail = "s".repeat(HASHED_TAIL_BYTES);
        let (a, b) = (format!("a.{tail}"), format!("b.{tail}"));
        assert_eq!(cache.key(&a).hash, cache.key(&b).hash);
        cache.insert(&cache.key(&a), entry(100, "s1", 0), 10);
        assert!(cache.get(&cache.key(&b), 50, 0).is_none());
        cache.insert(&cache.key(&b), entry(100, "s2", 0), 10);
        let session = |t: &str| {
            cache
                .get(&cache.key(t), 50, 0)
                .map(|a| a.session_id().map(str::to_owned))
        };
        assert_eq!(session(&a), Some(Some("s1".into())));
        assert_eq!(session(&b), Some(Some("s2".into())));
    }

    #[test]
    fn a_token_is_admitted_on_its_second_verification() {
        let cache = TokenCache::new(4);
        assert!(!cache.admit(&cache.key("t")));
        assert!(cache.admit(&cache.key("t")));
        assert!(cache.admit(&cache.key("t")));
        assert!(!cache.admit(&cache.key("u")));
    }

    #[test]
    fn zero_capacity_admits_nothing() {
        let cache = TokenCache::new(0);
        assert!(!cache.admit(&cache.key("t")));
        assert!(!cache.admit(&cache.key("t")));
    }

    #[test]
    fn zero_capacity_caches_nothing() {
        let cache = TokenCache::new(0);
        cache.insert(&cache.key("t"), entry(100, "s", 0), 10);
        assert!(cache.get(&cache.key("t"), 50, 0).is_none());
    }
}
