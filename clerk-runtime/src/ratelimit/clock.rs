//! Where "now" comes from, so tests move time instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
