//! `RateLimit`: how many requests a key may make per sliding window, and its
//! `"10/10s"` notation.
//!
//! Parsing is a `const fn` so generated code can validate a literal inside a
//! `const` item: a typo then fails the build instead of the first request.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

pub use super::grammar::{MAX_REQUESTS, RateLimitParseError};
use super::grammar::{MAX_WINDOW_MS, parse_parts};

/// Longest window: 7 days (under 2^30 ms, see [`MAX_REQUESTS`]).
pub const MAX_WINDOW: Duration = Duration::from_millis(MAX_WINDOW_MS);

/// A sliding-window rate limit: at most `requests` per `window`.
///
/// Built with [`RateLimit::parse`] (`"10/10s"`, units `ms`, `s`, `m`, `h`) or
/// [`RateLimit::new`]; both are `const fn` and enforce the same rules, so
/// every value of this type is valid: at least one request, a window of at
/// least 1 ms and at most [`MAX_WINDOW`], whole milliseconds.
///
/// ```
/// use clerk_runtime::ratelimit::RateLimit;
///
/// const LIMIT: RateLimit = match RateLimit::parse("10/10s") {
///     Ok(limit) => limit,
///     Err(e) => panic!("{}", e.message()),
/// };
/// assert_eq!(LIMIT.requests(), 10);
/// assert_eq!(LIMIT.to_string(), "10/10s");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    requests: u32,
    window: Duration,
}

impl RateLimit {
    /// A limit of `requests` per `window`, validated like [`RateLimit::parse`].
    // `is_multiple_of` needs rustc 1.87; the workspace MSRV is 1.85.
    #[allow(clippy::manual_is_multiple_of)]
    pub const fn new(requests: u32, window: Duration) -> Result<Self, RateLimitParseError> {
        if requests == 0 {
            return Err(RateLimitParseError::ZeroRequests);
        }
        if requests > MAX_REQUESTS {
            return Err(RateLimitParseError::TooManyRequests);
        }
        if window.is_zero() {
            return Err(RateLimitParseError::ZeroWindow);
        }
        if window.subsec_nanos() % 1_000_000 != 0 {
            return Err(RateLimitParseError::SubMillisecondWindow);
        }
        if window.as_secs() > MAX_WINDOW.as_secs()
            || (window.as_secs() == MAX_WINDOW.as_secs() && window.subsec_nanos() > 0)
        {
            return Err(RateLimitParseError::WindowTooLong);
        }
        Ok(Self { requests, window })
    }

    /// Parses `"<requests>/<number><unit>"`, unit one of `ms`, `s`, `m`, `h`.
    ///
    /// Strict on purpose: no spaces, no implicit `1` (`"10/s"`), no fractions.
    /// One spelling per limit keeps route tables greppable.
    pub const fn parse(text: &str) -> Result<Self, RateLimitParseError> {
        match parse_parts(text) {
            Ok((requests, window_ms)) => Ok(Self {
                requests,
                window: Duration::from_millis(window_ms),
            }),
            Err(e) => Err(e),
        }
    }

    /// Requests allowed per window.
    pub const fn requests(&self) -> u32 {
        self.requests
    }

    /// Length of the sliding window.
    pub const fn window(&self) -> Duration {
        self.window
    }

    /// Length of the window in milliseconds (never 0).
    pub const fn window_ms(&self) -> u64 {
        // Lossless: the window is at most MAX_WINDOW, far below u64::MAX ms.
        self.window.as_millis() as u64
    }
}

impl fmt::Display for RateLimit {
    /// Writes the largest unit that divides the window evenly: `10/60s` shows as `10/1m`.
    // `is_multiple_of` needs rustc 1.87; the workspace MSRV is 1.85.
    #[allow(clippy::manual_is_multiple_of)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.window_ms();
        let (amount, unit) = if ms % 3_600_000 == 0 {
            (ms / 3_600_000, "h")
        } else if ms % 60_000 == 0 {
            (ms / 60_000, "m")
        } else if ms % 1_000 == 0 {
            (ms / 1_000, "s")
        } else {
            (ms, "ms")
        };
        write!(f, "{}/{amount}{unit}", self.requests)
    }
}

impl serde::Serialize for RateLimit {
    /// As its text (`"10/10s"`), the way it is declared and displayed.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for RateLimit {
    type Err = RateLimitParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (u32, u64) {
        let limit = RateLimit::parse(text).expect(text);
        (limit.requests(), limit.window_ms())
    }

    fn err(text: &str) -> RateLimitParseError {
        RateLimit::parse(text).expect_err(text)
    }

    #[test]
    fn parses_every_unit() {
        assert_eq!(ok("10/500ms"), (10, 500));
        assert_eq!(ok("10/10s"), (10, 10_000));
        assert_eq!(ok("100/2m"), (100, 120_000));
        assert_eq!(ok("1000/1h"), (1000, 3_600_000));
    }

    #[test]
    fn parse_works_in_const_context() {
        const LIMIT: RateLimit = match RateLimit::parse("5/1m") {
            Ok(limit) => limit,
            Err(e) => panic!("{}", e.message()),
        };
        assert_eq!(LIMIT.window(), Duration::from_secs(60));
    }

    #[test]
    fn display_round_trips_and_normalises_units() {
        for text in [
            "10/10s",
            "1/1ms",
            "3/1500ms",
            "100/1m",
            "7/168h",
            "1000000/90s",
        ] {
            assert_eq!(RateLimit::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(RateLimit::parse("10/60s").unwrap().to_string(), "10/1m");
        assert_eq!(RateLimit::parse("10/1000ms").unwrap().to_string(), "10/1s");
        assert_eq!(RateLimit::parse("10/120m").unwrap().to_string(), "10/2h");
    }

    #[test]
    fn serializes_as_its_text() {
        let limit = RateLimit::parse("10/60s").unwrap();
        assert_eq!(serde_json::to_value(limit).unwrap(), "10/1m");
    }

    #[test]
    fn zero_requests_is_rejected() {
        assert_eq!(err("0/10s"), RateLimitParseError::ZeroRequests);
    }

    #[test]
    fn zero_window_is_rejected() {
        assert_eq!(err("10/0s"), RateLimitParseError::ZeroWindow);
        assert_eq!(err("10/0ms"), RateLimitParseError::ZeroWindow);
    }

    #[test]
    fn overflowing_numbers_are_rejected() {
        assert_eq!(err("1000001/1s"), RateLimitParseError::TooManyRequests);
        assert_eq!(err("4294967296/1s"), RateLimitParseError::TooManyRequests);
        assert_eq!(
            err("99999999999999999999999/1s"),
            RateLimitParseError::TooManyRequests
        );
        assert_eq!(err("1/169h"), RateLimitParseError::WindowTooLong);
        assert_eq!(
            err("1/5124095576030432h"),
            RateLimitParseError::WindowTooLong
        );
        assert_eq!(
            err("1/99999999999999999999999s"),
            RateLimitParseError::WindowTooLong
        );
    }

    #[test]
    fn garbage_is_rejected_with_a_hint() {
        assert_eq!(err(""), RateLimitParseError::Empty);
        assert_eq!(err("10"), RateLimitParseError::MissingSlash);
        assert_eq!(err("/10s"), RateLimitParseError::InvalidRequests);
        assert_eq!(err("ten/10s"), RateLimitParseError::InvalidRequests);
        assert_eq!(err("-1/10s"), RateLimitParseError::InvalidRequests);
        assert_eq!(err(" 10/10s"), RateLimitParseError::InvalidRequests);
        assert_eq!(err("10/"), RateLimitParseError::InvalidWindow);
        assert_eq!(err("10/s"), RateLimitParseError::InvalidWindow);
        assert_eq!(err("10/1.5s"), RateLimitParseError::InvalidWindow);
        assert_eq!(err("10/10s "), RateLimitParseError::InvalidWindow);
        assert_eq!(err("10/10"), RateLimitParseError::MissingUnit);
        assert_eq!(err("10/10d"), RateLimitParseError::UnknownUnit);
        assert_eq!(err("10/10sec"), RateLimitParseError::UnknownUnit);
        assert_eq!(err("10/10s/1"), RateLimitParseError::InvalidWindow);
        assert!(err("10").to_string().contains("\"10/10s\""));
    }

    #[test]
    fn new_applies_the_same_rules() {
        assert_eq!(
            RateLimit::new(10, Duration::from_secs(10)),
            RateLimit::parse("10/10s")
        );
        assert_eq!(
            RateLimit::new(0, Duration::from_secs(1)),
            Err(RateLimitParseError::ZeroRequests)
        );
        assert_eq!(
            RateLimit::new(1, Duration::ZERO),
            Err(RateLimitParseError::ZeroWindow)
        );
        assert_eq!(
            RateLimit::new(1, Duration::from_micros(1500)),
            Err(RateLimitParseError::SubMillisecondWindow)
        );
        assert_eq!(
            RateLimit::new(1, MAX_WINDOW + Duration::from_millis(1)),
            Err(RateLimitParseError::WindowTooLong)
        );
        assert!(RateLimit::new(1, MAX_WINDOW).is_ok());
    }
}
