//! The `"10/10s"` grammar and its limits: std only, no crate paths.
//!
//! One grammar for both crates: `clerk-macros` rejects a malformed
//! `#[protect(rate_limit = ..)]` literal with its message, at the literal,
//! during expansion, and the runtime's `RateLimit` parses with it too.

use std::fmt;

/// Most requests one window may allow.
///
/// The Redis script does its arithmetic in Lua numbers (IEEE doubles, exact up
/// to 2^53). `requests * window_ms` must stay exact, and 2^20 requests times a
/// 2^30 ms window stays below 2^51. A per-user limit above a million requests
/// per window is not a rate limit anyone means to write.
pub const MAX_REQUESTS: u32 = 1_000_000;

/// Longest window in milliseconds: 7 days (under 2^30 ms, see [`MAX_REQUESTS`]).
pub const MAX_WINDOW_MS: u64 = 7 * 24 * 60 * 60 * 1000;

/// Why a rate-limit literal was refused; the message says what to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitParseError {
    /// Nothing was written.
    Empty,
    /// No `/` between the request count and the window.
    MissingSlash,
    /// The part before `/` is not a whole number.
    InvalidRequests,
    /// `0/...`: a limit that blocks everything is a mistake, not a policy.
    ZeroRequests,
    /// More than [`MAX_REQUESTS`] requests.
    TooManyRequests,
    /// The window does not start with a whole number.
    InvalidWindow,
    /// The window number has no unit.
    MissingUnit,
    /// The unit is not one of `ms`, `s`, `m`, `h`.
    UnknownUnit,
    /// A zero-length window.
    ZeroWindow,
    /// A window longer than 7 days.
    WindowTooLong,
    /// A window that is not a whole number of milliseconds (only from `RateLimit::new`).
    SubMillisecondWindow,
}

impl RateLimitParseError {
    /// The error text, usable in `const` panics (`panic!("{}", e.message())`).
    pub const fn message(&self) -> &'static str {
        match self {
            Self::Empty => {
                "empty rate limit: write requests/window, e.g. \"10/10s\" for 10 requests per 10 seconds"
            }
            Self::MissingSlash => {
                "rate limit needs a `/` between requests and window: write e.g. \"10/10s\""
            }
            Self::InvalidRequests => {
                "the request count before `/` must be a whole number: write e.g. \"10/10s\""
            }
            Self::ZeroRequests => {
                "a limit of 0 requests would reject every request: write at least 1, e.g. \"1/10s\""
            }
            Self::TooManyRequests => "at most 1000000 requests per window are supported",
            Self::InvalidWindow => {
                "the window after `/` must be a whole number and a unit (ms, s, m, h): write e.g. \"10/10s\""
            }
            Self::MissingUnit => "the window needs a unit (ms, s, m or h): write e.g. \"10/10s\"",
            Self::UnknownUnit => {
                "unknown window unit: use ms, s, m or h, e.g. \"10/500ms\", \"10/10s\", \"100/1m\", \"1000/1h\""
            }
            Self::ZeroWindow => "the window must be longer than 0: write e.g. \"10/10s\"",
            Self::WindowTooLong => "the window must be at most 168h (7 days)",
            Self::SubMillisecondWindow => "the window must be a whole number of milliseconds",
        }
    }
}

impl fmt::Display for RateLimitParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for RateLimitParseError {}

/// Reads a run of ASCII digits starting at `start`; `None` on overflow.
/// Returns the value and the index after the last digit.
const fn digits(bytes: &[u8], start: usize, end: usize) -> (Option<u64>, usize) {
    let mut i = start;
    let mut value: u64 = 0;
    let mut overflow = false;
    while i < end && bytes[i].is_ascii_digit() {
        let digit = (bytes[i] - b'0') as u64;
        match value.checked_mul(10) {
            Some(v) => match v.checked_add(digit) {
                Some(v) => value = v,
                None => overflow = true,
            },
            None => overflow = true,
        }
        i += 1;
    }
    if overflow {
        (None, i)
    } else {
        (Some(value), i)
    }
}

/// Parses `"<requests>/<number><unit>"`, unit one of `ms`, `s`, `m`, `h`,
/// into `(requests, window_ms)`, both within their limits.
///
/// Strict on purpose: no spaces, no implicit `1` (`"10/s"`), no fractions.
/// One spelling per limit keeps route tables greppable.
pub const fn parse_parts(text: &str) -> Result<(u32, u64), RateLimitParseError> {
    let bytes = text.as_bytes();
    let len = bytes.len();
    if len == 0 {
        return Err(RateLimitParseError::Empty);
    }
    let mut slash = 0;
    while slash < len && bytes[slash] != b'/' {
        slash += 1;
    }
    if slash == len {
        return Err(RateLimitParseError::MissingSlash);
    }
    let requests = match digits(bytes, 0, slash) {
        (_, end) if end != slash || slash == 0 => {
            return Err(RateLimitParseError::InvalidRequests);
        }
        (None, _) => return Err(RateLimitParseError::TooManyRequests),
        (Some(0), _) => return Err(RateLimitParseError::ZeroRequests),
        (Some(n), _) if n > MAX_REQUESTS as u64 => {
            return Err(RateLimitParseError::TooManyRequests);
        }
        (Some(n), _) => n as u32,
    };
    let (amount, unit_start) = digits(bytes, slash + 1, len);
    if unit_start == slash + 1 {
        return Err(RateLimitParseError::InvalidWindow);
    }
    if unit_start == len {
        return Err(RateLimitParseError::MissingUnit);
    }
    let mut i = unit_start;
    while i < len {
        if !bytes[i].is_ascii_alphabetic() {
            return Err(RateLimitParseError::InvalidWindow);
        }
        i += 1;
    }
    let unit_ms: u64 = match (len - unit_start, bytes[unit_start]) {
        (2, b'm') if bytes[unit_start + 1] == b's' => 1,
        (1, b's') => 1_000,
        (1, b'm') => 60_000,
        (1, b'h') => 3_600_000,
        _ => return Err(RateLimitParseError::UnknownUnit),
    };
    let window_ms = match amount {
        None => return Err(RateLimitParseError::WindowTooLong),
        Some(0) => return Err(RateLimitParseError::ZeroWindow),
        Some(amount) => match amount.checked_mul(unit_ms) {
            Some(ms) if ms <= MAX_WINDOW_MS => ms,
            _ => return Err(RateLimitParseError::WindowTooLong),
        },
    };
    Ok((requests, window_ms))
}
