//! Replay protection: message ids seen recently, bounded.
//!
//! A captured delivery stays valid for [`TOLERANCE_SECS`] after its
//! timestamp; after that the timestamp check refuses it. So an id needs
//! remembering only until `timestamp + TOLERANCE_SECS`, which keeps the
//! memory to the deliveries of ten minutes at most.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::signature::TOLERANCE_SECS;

/// Default number of message ids remembered: ten minutes of deliveries at
/// more than 15 a second, ~100 bytes each (~1 MiB). Only signed deliveries
/// are recorded, so no outsider can fill it.
pub const DEFAULT_REPLAY_CAPACITY: usize = 10_000;

/// Ids of verified deliveries and until when each is remembered.
#[derive(Debug)]
pub(crate) struct ReplayGuard {
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    until: HashMap<Box<str>, i64>,
    /// Ids in arrival order, for eviction.
    order: VecDeque<Box<str>>,
}

impl ReplayGuard {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Records `id` (signed at `timestamp`) and says whether it is new. A
    /// capacity of 0 turns the check off.
    pub(crate) fn first_time(&self, id: &str, timestamp: i64, now: i64) -> bool {
        if self.capacity == 0 {
            return true;
        }
        // A panic while holding the lock leaves maps that are still valid.
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.until.get(id).is_some_and(|until| now <= *until) {
            return false;
        }
        // Oldest first: expired ones go, and the oldest live one when full.
        while let Some(oldest) = seen.order.front() {
            let expired = seen.until.get(oldest).is_none_or(|until| *until < now);
            if !expired && seen.order.len() < self.capacity {
                break;
            }
            if let Some(oldest) = seen.order.pop_front() {
                seen.until.remove(&oldest);
            }
        }
        let id: Box<str> = id.into();
        if seen
            .until
            .insert(id.clone(), timestamp.saturating_add(TOLERANCE_SECS))
            .is_none()
        {
            seen.order.push_back(id);
        }
        true
    }

    /// Forgets `id`, so a retry of that delivery is accepted.
    pub(crate) fn forget(&self, id: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.until.remove(id).is_some() {
            // Rare (a failed handler), so a scan is fine; it keeps `order`
            // free of duplicates when the id comes back.
            seen.order.retain(|seen_id| &**seen_id != id);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.seen.lock().unwrap().until.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_delivery_of_an_id_is_refused() {
        let guard = ReplayGuard::new(10);
        assert!(guard.first_time("msg_1", 100, 100));
        assert!(!guard.first_time("msg_1", 100, 200));
        assert!(guard.first_time("msg_2", 100, 200));
    }

    #[test]
    fn an_id_is_forgotten_once_its_timestamp_is_out_of_tolerance() {
        let guard = ReplayGuard::new(10);
        assert!(guard.first_time("msg_1", 100, 100));
        assert!(!guard.first_time("msg_1", 100, 100 + TOLERANCE_SECS));
        assert!(guard.first_time("msg_1", 100, 101 + TOLERANCE_SECS));
    }

    #[test]
    fn memory_stays_bounded() {
        let guard = ReplayGuard::new(3);
        for i in 0..10 {
            assert!(guard.first_time(&format!("msg_{i}"), 100, 100));
        }
        assert_eq!(guard.len(), 3);
        // The newest are the ones remembered.
        assert!(!guard.first_time("msg_9", 100, 100));
    }

    #[test]
    fn expired_ids_make_room() {
        let guard = ReplayGuard::new(100);
        assert!(guard.first_time("old", 0, 0));
        assert!(guard.first_time("new", 1_000, 1_000));
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn a_forgotten_id_is_accepted_again() {
        let guard = ReplayGuard::new(10);
        assert!(guard.first_time("msg_1", 100, 100));
        guard.forget("msg_1");
        assert!(guard.first_time("msg_1", 100, 100));
        assert!(!guard.first_time("msg_1", 100, 100));
    }

    #[test]
    fn zero_capacity_turns_the_check_off() {
        let guard = ReplayGuard::new(0);
        assert!(guard.first_time("msg_1", 100, 100));
        assert!(guard.first_time("msg_1", 100, 100));
    }
}
