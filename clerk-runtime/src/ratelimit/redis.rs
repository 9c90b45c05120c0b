//! The Redis store: one limit shared by every app instance (cargo feature
//! `redis`: `clerk-runtime = { version = "0.1", features = ["redis"] }`).
//!
//! Each check is one `EVALSHA` of a Lua script (loaded again with `EVAL`/
//! `SCRIPT LOAD` after a Redis restart empties the script cache), so reading the
//! counts, deciding and counting happen atomically on the server. The script
//! repeats the admission rule of the memory store exactly; the rest of the
//! decision (remaining, reset, retry) is computed here by the same code the
//! memory store uses, so both stores answer the same for the same history.
//!
//! Connection: one [`ConnectionManager`] per store. It multiplexes every
//! concurrent check over a single connection (requests are pipelined, replies
//! matched in order), which for short scripts is faster than a pool: no
//! checkout, no lock, one socket. It also reconnects by itself after Redis goes
//! away. A pool (bb8/deadpool) only pays off for blocking commands or huge
//! replies, which a rate limiter never sends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Script};

use super::window::{self, Counts};
use super::{CheckFuture, Decision, RateLimit, RateLimitStore, StoreError};

/// Default key prefix.
pub const DEFAULT_PREFIX: &str = "clerk:ratelimit:";

/// Default bound on one connection attempt. Redis on the same network accepts
/// within a millisecond; waiting longer only holds requests during an outage.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// Default bound on one whole check (including waiting for a reconnect): a
/// request should not wait on its rate limit longer than this.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_millis(250);

/// Connection attempts per reconnect cycle after the first; a failed cycle is
/// retried on the next check, so a long outage costs one attempt per check burst.
const RECONNECT_RETRIES: usize = 2;

/// The sliding-window counter, atomically. Returns {allowed, prev, curr, elapsed}.
///
/// State per key: a hash {w = window ms, i = window index, c = current count,
/// p = previous count}, expiring once it can no longer affect a decision.
/// Numbers are Lua doubles; `RateLimit`'s bounds keep every product below 2^53.
const SCRIPT: &str = r#"
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now
if ARGV[3] == '' then
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[3])
end
local index = math.floor(now / window)
local elapsed = now - index * window
local s = redis.call('HMGET', KEYS[1], 'w', 'i', 'c', 'p')
local prev, curr = 0, 0
if tonumber(s[1]) == window then
  local stored = tonumber(s[2])
  if stored == index then
    curr = tonumber(s[3]) or 0
    prev = tonumber(s[4]) or 0
  elseif stored == index - 1 then
    prev = tonumber(s[3]) or 0
  end
end
if prev * (window - elapsed) + (curr + 1) * window <= limit * window then
  curr = curr + 1
  redis.call('HSET', KEYS[1], 'w', window, 'i', index, 'c', curr, 'p', prev)
  redis.call('PEXPIRE', KEYS[1], 2 * window - elapsed)
  return {1, prev, curr, elapsed}
end
return {0, prev, curr, elapsed}
"#;

/// Which clock decides the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedisTime {
    /// Redis `TIME`, read inside the script: every app instance uses the same
    /// clock, whatever their own clocks say. The default.
    #[default]
    Server,
    /// The `now` passed to [`RateLimitStore::check`]: deterministic tests, or
    /// hosts whose clocks are known to agree.
    Caller,
}

/// Settings of a [`RedisStore`].
#[derive(Debug, Clone)]
pub struct RedisConfig {
    url: String,
    prefix: String,
    connect_timeout: Duration,
    command_timeout: Duration,
    time: RedisTime,
}

impl RedisConfig {
    /// Settings for the Redis at `url` (`redis://host:port/db`, or
    /// `rediss://` with a TLS feature of the `redis` crate).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            time: RedisTime::default(),
        }
    }

    /// Prefix of every key this store writes (default [`DEFAULT_PREFIX`]), so
    /// several apps can share one Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Bound on one connection attempt (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on one check (default [`DEFAULT_COMMAND_TIMEOUT`]).
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// Which clock decides windows (default [`RedisTime::Server`]).
    pub fn time(mut self, time: RedisTime) -> Self {
        self.time = time;
        self
    }
}

/// Rate-limit store in Redis, shared by every app instance that points at it.
///
/// Failures (Redis down, timeouts) come back as [`StoreError`]; the
/// [`Limiter`](super::Limiter) applies the [`FailMode`](super::FailMode). The
/// connection is re-established in the background, so checks succeed again as
/// soon as Redis is back, without restarting the app.
pub struct RedisStore {
    connection: ConnectionManager,
    script: Script,
    prefix: String,
    command_timeout: Duration,
    time: RedisTime,
    healthy: AtomicBool,
}

impl RedisStore {
    /// Connects to Redis; fails if it cannot be reached now, so a
    /// misconfigured URL shows at startup rather than on the first request.
    pub async fn connect(config: RedisConfig) -> Result<Self, StoreError> {
        let client = Client::open(config.url.as_str())
            .map_err(|e| StoreError::Config(format!("invalid Redis URL: {e}")))?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.command_timeout))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let bound = config.connect_timeout * (RECONNECT_RETRIES as u32 + 2);
        let connection = match tokio::time::timeout(
            bound,
            ConnectionManager::new_with_config(client, manager_config),
        )
        .await
        {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => return Err(StoreError::Unavailable(Box::new(e))),
            Err(_) => return Err(StoreError::Timeout(bound)),
        };
        Ok(Self {
            connection,
            script: Script::new(SCRIPT),
            prefix: config.prefix,
            command_timeout: config.command_timeout,
            time: config.time,
            healthy: AtomicBool::new(true),
        })
    }

    async fn run(
        &self,
        key: &str,
        limit: RateLimit,
        now: Duration,
    ) -> Result<Decision, StoreError> {
        let mut invocation = self.script.prepare_invoke();
        let mut full_key = String::with_capacity(self.prefix.len() + key.len());
        full_key.push_str(&self.prefix);
        full_key.push_str(key);
        invocation
            .key(full_key)
            .arg(limit.requests())
            .arg(limit.window_ms());
        match self.time {
            RedisTime::Server => invocation.arg(""),
            RedisTime::Caller => invocation.arg(u64::try_from(now.as_millis()).unwrap_or(u64::MAX)),
        };
        // The manager is a cheap handle to the shared multiplexed connection.
        let mut connection = self.connection.clone();
        let reply = tokio::time::timeout(
            self.command_timeout,
            invocation.invoke_async::<Vec<i64>>(&mut connection),
        )
        .await
        .map_err(|_| StoreError::Timeout(self.command_timeout))?
        .map_err(|e| self.error(e))?;
        let &[allowed, prev, curr, elapsed] = reply.as_slice() else {
            return Err(StoreError::Protocol(format!(
                "expected 4 integers from the rate-limit script, got {reply:?}"
            )));
        };
        let (Ok(prev), Ok(curr), Ok(elapsed)) = (
            u64::try_from(prev),
            u64::try_from(curr),
            u64::try_from(elapsed),
        ) else {
            return Err(StoreError::Protocol(format!(
                "negative number from the rate-limit script: {reply:?}"
            )));
        };
        if elapsed >= limit.window_ms() {
            return Err(StoreError::Protocol(format!(
                "rate-limit script placed now outside the window: {reply:?}"
            )));
        }
        Ok(window::decide(
            limit,
            Counts { prev, curr },
            elapsed,
            allowed == 1,
        ))
    }

    fn error(&self, error: RedisError) -> StoreError {
        if error.is_timeout() {
            StoreError::Timeout(self.command_timeout)
        } else {
            StoreError::Unavailable(Box::new(error))
        }
    }

    fn record(&self, ok: bool) {
        let was = self.healthy.swap(ok, Ordering::Relaxed);
        if was && !ok {
            tracing::warn!("Redis rate-limit store unreachable; reconnecting in the background");
        } else if !was && ok {
            tracing::info!("Redis rate-limit store reachable again");
        }
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("command_timeout", &self.command_timeout)
            .field("time", &self.time)
            .finish_non_exhaustive()
    }
}

impl RateLimitStore for RedisStore {
    fn check<'a>(&'a self, key: &'a str, limit: RateLimit, now: Duration) -> CheckFuture<'a> {
        Box::pin(async move {
            let result = self.run(key, limit, now).await;
            self.record(result.is_ok());
            result
        })
    }
}
