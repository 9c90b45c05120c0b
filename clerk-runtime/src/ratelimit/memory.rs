//! The in-process store: sharded hash maps of sliding-window counters.
//!
//! Why not `governor`: it implements GCRA, which after a burst admits one
//! request every `window / requests` (a leaky bucket), not "N in any window";
//! its keyed limiter has one quota per limiter where we want per-route limits
//! on one store; and the Redis store must make the same decisions, which is
//! simplest when both run [`super::window`].

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::window::{self, Counts, Position};
use super::{CheckFuture, Decision, RateLimit, RateLimitStore};

/// In-process rate-limit store, the default.
///
/// Counts are exact within one process; with several app instances each
/// instance enforces the limit on its own share of traffic: use
/// [`RedisStore`](super::redis::RedisStore) to enforce one limit across them.
///
/// Memory is bounded: at most `max_keys` keys (default [`MemoryStore::DEFAULT_MAX_KEYS`]).
/// Idle keys (no longer counting in any window) are swept from each shard once
/// per sweep interval, amortised over the checks that land on it, and when a
/// full shard needs room. If a shard is still full, the key whose counts would
/// expire soonest is evicted (it has the least history to lose).
pub struct MemoryStore {
    shards: Box<[Shard]>,
    hasher: RandomState,
    keys_per_shard: usize,
    sweep_interval_ms: u64,
    evictions: AtomicU64,
}

/// Builder for [`MemoryStore`].
#[derive(Debug, Clone)]
pub struct MemoryStoreBuilder {
    max_keys: usize,
    shards: usize,
    sweep_interval: Duration,
}

// Cache-line aligned so two shards' locks never share a line.
#[repr(align(64))]
struct Shard(Mutex<ShardState>);

#[derive(Default)]
struct ShardState {
    entries: HashMap<Box<str>, Entry>,
    next_sweep_ms: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    window_ms: u64,
    index: u64,
    prev: u32,
    curr: u32,
    /// From this time on, the entry no longer affects any decision.
    idle_at_ms: u64,
}

impl MemoryStoreBuilder {
    /// Most keys kept at once (at least 1). The shard count is lowered to fit.
    pub fn max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys.max(1);
        self
    }

    /// Number of independently locked shards (rounded up to a power of two).
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = shards.max(1);
        self
    }

    /// How often a shard drops idle keys.
    pub fn sweep_interval(mut self, interval: Duration) -> Self {
        self.sweep_interval = interval;
        self
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStore {
        let shards = self
            .shards
            .min(self.max_keys)
            .checked_next_power_of_two()
            .unwrap_or(MemoryStore::DEFAULT_SHARDS);
        // Keep shards * keys_per_shard <= max_keys.
        let shards = if shards > self.max_keys {
            shards / 2
        } else {
            shards
        }
        .max(1);
        MemoryStore {
            shards: (0..shards)
                .map(|_| Shard(Mutex::new(ShardState::default())))
                .collect(),
            hasher: RandomState::new(),
            keys_per_shard: (self.max_keys / shards).max(1),
            sweep_interval_ms: millis(self.sweep_interval),
            evictions: AtomicU64::new(0),
        }
    }
}

impl Default for MemoryStoreBuilder {
    fn default() -> Self {
        Self {
            max_keys: MemoryStore::DEFAULT_MAX_KEYS,
            shards: MemoryStore::DEFAULT_SHARDS,
            sweep_interval: MemoryStore::DEFAULT_SWEEP_INTERVAL,
        }
    }
}

impl MemoryStore {
    /// Default key capacity: about 100 bytes a key, so ~10 MB when full.
    pub const DEFAULT_MAX_KEYS: usize = 100_000;

    /// Default shard count: well above the core count of a typical app host,
    /// so two requests rarely wait on the same lock; 64 empty maps cost ~4 KB.
    pub const DEFAULT_SHARDS: usize = 64;

    /// How often each shard drops the keys whose windows have passed.
    pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(60);

    /// A store with the default capacity, shards and sweep interval.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configures capacity, sharding and sweeping.
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder::default()
    }

    /// Counts one request for `key` at `now` (since the UNIX epoch) if `limit`
    /// allows it. The synchronous core of [`RateLimitStore::check`].
    pub fn check_at(&self, key: &str, limit: RateLimit, now: Duration) -> Decision {
        let now_ms = millis(now);
        let window_ms = limit.window_ms();
        let at = Position::of(now_ms, window_ms);
        let shard = self.shard(key);
        let mut state = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
        if now_ms >= state.next_sweep_ms {
            state.sweep(now_ms);
            state.next_sweep_ms = now_ms.saturating_add(self.sweep_interval_ms);
        }
        let counts = match state.entries.get(key) {
            // A key reused with another window length starts over.
            Some(e) if e.window_ms == window_ms => {
                Counts::roll(e.index, e.prev.into(), e.curr.into(), at.index)
            }
            _ => Counts::default(),
        };
        let allowed = window::admits(limit, counts, at.elapsed);
        if !allowed {
            return window::decide(limit, counts, at.elapsed, false);
        }
        let counts = Counts {
            prev: counts.prev,
            curr: counts.curr + 1,
        };
        let entry = Entry {
            window_ms,
            index: at.index,
            // Lossless: counts never exceed the limit, itself <= MAX_REQUESTS.
            prev: counts.prev as u32,
            curr: counts.curr as u32,
            idle_at_ms: (at.index + 2).saturating_mul(window_ms),
        };
        if let Some(slot) = state.entries.get_mut(key) {
            *slot = entry;
        } else {
            if state.entries.len() >= self.keys_per_shard {
                state.sweep(now_ms);
                if state.entries.len() >= self.keys_per_shard && state.evict_one() {
                    self.evictions.fetch_add(1, Ordering::Relaxed);
                }
            }
            state.entries.insert(key.into(), entry);
        }
        window::decide(limit, counts, at.elapsed, true)
    }

    /// Keys currently held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.0.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entries
                    .len()
            })
            .sum()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most keys this store holds at once.
    pub fn capacity(&self) -> usize {
        self.keys_per_shard * self.shards.len()
    }

    /// Live keys evicted to make room so far. Non-zero means the capacity is
    /// too small for the traffic: evicted keys lose their counts.
    pub fn evictions(&self) -> u64 {
        self.evictions.load(Ordering::Relaxed)
    }

    fn shard(&self, key: &str) -> &Shard {
        let hash = self.hasher.hash_one(key);
        // The shard count is a power of two; the high bits are independent of
        // the low bits the shard's own map uses for its buckets.
        let index = (hash >> 32) as usize & (self.shards.len() - 1);
        &self.shards[index]
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("shards", &self.shards.len())
            .field("capacity", &self.capacity())
            .field("evictions", &self.evictions())
            .finish_non_exhaustive()
    }
}

impl RateLimitStore for MemoryStore {
    fn check<'a>(&'a self, key: &'a str, limit: RateLimit, now: Duration) -> CheckFuture<'a> {
        Box::pin(std::future::ready(Ok(self.check_at(key, limit, now))))
    }
}

impl ShardState {
    fn sweep(&mut self, now_ms: u64) {
        self.entries.retain(|_, e| e.idle_at_ms > now_ms);
    }

    fn evict_one(&mut self) -> bool {
        let victim = self
            .entries
            .iter()
            .min_by_key(|(_, e)| e.idle_at_ms)
            .map(|(k, _)| k.clone());
        match victim {
            Some(key) => self.entries.remove(&key).is_some(),
            None => false,
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Duration = Duration::from_secs(1_700_000_000);

    fn limit(text: &str) -> RateLimit {
        RateLimit::parse(text).unwrap()
    }

    fn at(ms: u64) -> Duration {
        T0 + Duration::from_millis(ms)
    }

    #[test]
    fn admits_up_to_the_limit_then_refuses() {
        let store = MemoryStore::new();
        let limit = limit("3/10s");
        let remaining: Vec<_> = (0..3)
            .map(|_| store.check_at("u", limit, at(0)))
            .map(|d| (d.allowed, d.remaining))
            .collect();
        assert_eq!(remaining, [(true, 2), (true, 1), (true, 0)]);
        let refused = store.check_at("u", limit, at(0));
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert!(refused.retry_after.is_some());
    }

    #[test]
    fn concurrent_checks_never_oversell_a_key() {
        let store = MemoryStore::new();
        let limit = limit("100/10s");
        let admitted: usize = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        (0..100)
                            .filter(|_| store.check_at("u", limit, at(0)).allowed)
                            .count()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).sum()
        });
        assert_eq!(admitted, 100);
    }

    #[test]
    fn keys_are_counted_separately() {
        let store = MemoryStore::new();
        let limit = limit("1/10s");
        assert!(store.check_at("alice", limit, at(0)).allowed);
        assert!(store.check_at("bob", limit, at(0)).allowed);
        assert!(!store.check_at("alice", limit, at(0)).allowed);
    }

    #[test]
    fn a_full_window_later_the_quota_is_back() {
        let store = MemoryStore::new();
        let limit = limit("2/10s");
        // T0 is a multiple of 10 s, so this burst fills one fixed window exactly.
        assert!(store.check_at("u", limit, at(0)).allowed);
        assert!(store.check_at("u", limit, at(0)).allowed);
        assert!(!store.check_at("u", limit, at(9_999)).allowed);
        // At 10 s the burst still weighs fully (previous window overlaps all).
        assert!(!store.check_at("u", limit, at(10_000)).allowed);
        // Its weight falls linearly: 2 * (10 - e) / 10 <= 1 from e = 5 s.
        assert!(!store.check_at("u", limit, at(14_999)).allowed);
        assert!(store.check_at("u", limit, at(15_000)).allowed);
    }

    #[test]
    fn window_is_sliding_not_fixed() {
        // A fixed window would reset at 10 s and admit 10 more at once.
        let store = MemoryStore::new();
        let limit = limit("10/10s");
        for _ in 0..10 {
            assert!(store.check_at("u", limit, at(9_000)).allowed);
        }
        let admitted_right_after_edge = (0..10)
            .filter(|_| store.check_at("u", limit, at(10_001)).allowed)
            .count();
        assert_eq!(admitted_right_after_edge, 0);
    }

    #[test]
    fn refused_requests_are_not_counted() {
        let store = MemoryStore::new();
        let limit = limit("1/10s");
        assert!(store.check_at("u", limit, at(0)).allowed);
        for ms in (1..20_000).step_by(100) {
            store.check_at("u", limit, at(ms));
        }
        // Only the first request counts: it is gone after two windows.
        assert!(store.check_at("u", limit, at(20_000)).allowed);
    }

    #[test]
    fn retry_after_points_at_the_first_admitted_moment() {
        let store = MemoryStore::new();
        let limit = limit("2/10s");
        store.check_at("u", limit, at(0));
        store.check_at("u", limit, at(0));
        let refused = store.check_at("u", limit, at(3_000));
        let wait = refused.retry_after.unwrap();
        assert_eq!(wait, Duration::from_millis(12_000));
        let just_before = at(3_000) + wait - Duration::from_millis(1);
        assert!(!store.check_at("u", limit, just_before).allowed);
        assert!(store.check_at("u", limit, at(3_000) + wait).allowed);
    }

    #[test]
    fn decision_reports_limit_remaining_and_reset() {
        let store = MemoryStore::new();
        let limit = limit("10/10s");
        let d = store.check_at("u", limit, at(4_000));
        assert_eq!(
            d,
            Decision {
                allowed: true,
                limit,
                remaining: 9,
                reset_after: Duration::from_millis(16_000),
                retry_after: None,
            }
        );
    }

    #[test]
    fn changing_the_window_for_a_key_starts_over() {
        let store = MemoryStore::new();
        assert!(store.check_at("u", limit("1/10s"), at(0)).allowed);
        assert!(store.check_at("u", limit("1/1m"), at(1)).allowed);
    }

    #[test]
    fn idle_keys_are_swept_after_their_windows_pass() {
        let store = MemoryStore::builder()
            .shards(1)
            .sweep_interval(Duration::from_secs(1))
            .build();
        let limit = limit("5/10s");
        for i in 0..100 {
            store.check_at(&format!("user-{i}"), limit, at(0));
        }
        assert_eq!(store.len(), 100);
        // Still counting in the next window: kept.
        store.check_at("other", limit, at(19_999));
        assert_eq!(store.len(), 101);
        // Two windows on, the burst no longer counts: swept on the next check.
        store.check_at("other", limit, at(21_000));
        assert_eq!(store.len(), 1);
        assert_eq!(store.evictions(), 0);
    }

    #[test]
    fn key_count_never_exceeds_capacity() {
        let store = MemoryStore::builder().max_keys(100).shards(8).build();
        assert!(store.capacity() <= 100);
        let limit = limit("5/10s");
        for i in 0..10_000 {
            store.check_at(&format!("user-{i}"), limit, at(0));
            assert!(store.len() <= store.capacity());
        }
        assert!(store.evictions() >= 10_000 - 100);
    }

    #[test]
    fn a_full_shard_evicts_the_key_expiring_soonest() {
        let store = MemoryStore::builder().max_keys(2).shards(1).build();
        let limit = limit("5/10s");
        store.check_at("old", limit, at(0));
        store.check_at("recent", limit, at(10_000));
        store.check_at("new", limit, at(10_001));
        assert_eq!(store.len(), 2);
        // "recent" kept its count.
        assert_eq!(store.check_at("recent", limit, at(10_002)).remaining, 3);
        assert_eq!(store.evictions(), 1);
    }

    #[test]
    fn shard_count_never_exceeds_max_keys() {
        let store = MemoryStore::builder().max_keys(3).shards(64).build();
        assert!(store.capacity() <= 3);
        assert!(store.capacity() >= 1);
    }
}
