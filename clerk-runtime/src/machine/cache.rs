//! Answers of the Backend API for opaque machine tokens, kept briefly:
//! keyed by the token's SHA-256 (the map never holds a secret), bounded,
//! and single-flight, so a burst of one API key costs one call.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::auth::MachineAuth;
use super::error::MachineError;
use crate::time::MonotonicClock;

type Answer = Result<MachineAuth, MachineError>;

struct Entry {
    cell: Arc<OnceCell<Answer>>,
    created: Instant,
}

pub(super) struct OpaqueCache {
    entries: Mutex<HashMap<[u8; 32], Entry>>,
    ttl: Duration,
    capacity: usize,
    clock: MonotonicClock,
}

impl OpaqueCache {
    pub(super) fn new(ttl: Duration, capacity: usize, clock: MonotonicClock) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
            capacity: capacity.max(1),
            clock,
        }
    }

    /// The answer for `token`: a fresh cached one, the one of a call in
    /// flight, or `fetch`'s. Answers saying the token could not be judged
    /// (Clerk down) are shared with the callers waiting on that call, then
    /// dropped, so the next request asks again.
    pub(super) async fn get_or_fetch<F>(&self, token: &str, fetch: F) -> Answer
    where
        F: Future<Output = Answer>,
    {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cell = self.cell(key);
        let answer = cell.get_or_init(|| fetch).await.clone();
        if answer.as_ref().is_err_and(MachineError::is_unavailable) {
            let mut entries = self.lock();
            if entries
                .get(&key)
                .is_some_and(|e| Arc::ptr_eq(&e.cell, &cell))
            {
                entries.remove(&key);
            }
        }
        answer
    }

    fn cell(&self, key: [u8; 32]) -> Arc<OnceCell<Answer>> {
        let now = (self.clock)();
        let mut entries = self.lock();
        if let Some(entry) = entries.get(&key)
            && now.saturating_duration_since(entry.created) < self.ttl
        {
            return Arc::clone(&entry.cell);
        }
        if entries.len() >= self.capacity {
            let ttl = self.ttl;
            entries.retain(|_, e| now.saturating_duration_since(e.created) < ttl);
            if entries.len() >= self.capacity {
                // Still full of fresh answers: start over rather than grow.
                // A flood of distinct tokens costs one call each anyway.
                entries.clear();
            }
        }
        let cell = Arc::new(OnceCell::new());
        entries.insert(
            key,
            Entry {
                cell: Arc::clone(&cell),
                created: now,
            },
        );
        cell
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
