//! Where "now" comes from, so tests move time instead of sleeping: one
//! wall clock ([`Clock`]) for the verifier (unix seconds), the dev issuer and
//! the rate limiter, and the monotonic clock type of the JWKS cache, whose
//! ages must not jump with the wall clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of the current time, as time since the UNIX epoch.
///
/// Wall-clock time (not `Instant`) because the Redis store may compare times
/// taken on different machines.
pub trait Clock: Send + Sync + 'static {
    /// The current time since the UNIX epoch.
    fn now(&self) -> Duration;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        // A clock set before 1970 is a broken host; counting from 0 keeps the
        // limiter working (windows still advance) instead of failing requests.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

/// A clock that only moves when told to: for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicU64,
}

impl ManualClock {
    /// A clock reading `now` (since the UNIX epoch), in whole milliseconds.
    pub fn new(now: Duration) -> Self {
        Self {
            millis: AtomicU64::new(millis(now)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: Duration) {
        self.millis.store(millis(now), Ordering::SeqCst);
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.millis.fetch_add(millis(by), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }
}

/// A clock given as a closure returning unix seconds (what the builders'
/// `clock(|| ...)` methods take).
pub struct UnixSeconds<F>(pub F);

impl<F: Fn() -> i64 + Send + Sync + 'static> Clock for UnixSeconds<F> {
    fn now(&self) -> Duration {
        Duration::from_secs(u64::try_from((self.0)()).unwrap_or(0))
    }
}

/// `clock`'s time in whole unix seconds, as JWT claims count.
pub fn unix_seconds(clock: &dyn Clock) -> i64 {
    i64::try_from(clock.now().as_secs()).unwrap_or(i64::MAX)
}

/// The current unix time in seconds, from the system clock.
pub fn system_now() -> i64 {
    unix_seconds(&SystemClock)
}

/// A shared wall clock.
pub type SharedClock = Arc<dyn Clock>;

/// The monotonic clock of the JWKS cache (default `Instant::now`).
pub type MonotonicClock = Arc<dyn Fn() -> Instant + Send + Sync>;

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Duration::from_secs(100));
        assert_eq!(clock.now(), Duration::from_secs(100));
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now(), Duration::from_millis(101_500));
        clock.set(Duration::from_secs(5));
        assert_eq!(clock.now(), Duration::from_secs(5));
    }
}
