//! The revocation broadcast over Redis: every instance hears every
//! revocation within a pub/sub round trip, and one that was away catches up
//! (cargo feature `redis`).
//!
//! Per hub, two connections to Redis:
//!
//! - a [`ConnectionManager`] (as the rate-limit store uses; it reconnects by
//!   itself) that publishes: one `MULTI` of `ZADD` into the catch-up set,
//!   two trims and an `EXPIRE` of it, and `PUBLISH` on the channel;
//! - a dedicated pub/sub connection subscribed to the channel. After every
//!   (re)subscription the hub reads the catch-up set (subscribe first, then
//!   read, so no revocation falls between the two) and only then counts as
//!   in sync.
//!
//! The catch-up set (`<prefix>recent`) is a sorted set of `kind:id` members
//! scored by the revocation's unix time, trimmed to
//! [`REVOKED_SESSION_MEMORY`] and [`REVOKED_SESSIONS_CAPACITY`] entries:
//! Clerk session tokens live 60 s, so a revocation older than that can only
//! matter for long custom lifetimes, which the hour covers.
//!
//! Nothing here is on a request's path: revoking only queues the
//! publication (bounded, [`QUEUE_CAPACITY`]) and a Redis outage is logged
//! and retried in the background. Whether tokens are accepted meanwhile is
//! the [`FailMode`].

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub};
use redis::{Client, RedisError};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{FailMode, Revocation};
use crate::verify::{REVOKED_SESSION_MEMORY, REVOKED_SESSIONS_CAPACITY, Verifier};

/// Default prefix of the channel and the catch-up set.
pub const DEFAULT_PREFIX: &str = "clerk:revocation:";

/// Default bound on one connection attempt: Redis on the same network
/// accepts within a millisecond (as the rate-limit store's).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// Default bound on one command (publish, catch-up read, ping). Off the
/// request path, so it may be longer than the rate-limit store's.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

/// Revocations waiting to be published (a session id and a time each): a
/// burst of sign-outs larger than this during a Redis outage loses the
/// oldest, which stay applied on this instance. Logged.
pub const QUEUE_CAPACITY: usize = 1024;

/// How often the subscriber pings Redis: a connection that died without a
/// reset (a host gone, a partition) is noticed within this plus the command
/// timeout, instead of never.
pub const PING_INTERVAL: Duration = Duration::from_secs(1);

/// First and longest wait between reconnect attempts of the subscriber and
/// retries of the publisher.
const RETRY_MIN: Duration = Duration::from_millis(50);
const RETRY_MAX: Duration = Duration::from_millis(500);

/// Longest id accepted from Redis: Clerk ids are ~32 bytes; anything much
/// longer is not one of ours and is ignored rather than remembered.
const MAX_ID_BYTES: usize = 256;

/// Settings of a [`Revocations`] hub.
#[derive(Debug, Clone)]
pub struct RevocationConfig {
    url: String,
    prefix: String,
    fail_mode: FailMode,
    connect_timeout: Duration,
    command_timeout: Duration,
}

impl RevocationConfig {
    /// Settings for the Redis at `url` (`redis://host:port/db`).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            fail_mode: FailMode::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// Prefix of the channel and catch-up set (default [`DEFAULT_PREFIX`]).
    /// Instances that share revocations must share the prefix; apps that
    /// share a Redis but not their sessions need different ones.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// What the verifier does while out of sync (default [`FailMode::Open`]).
    pub fn fail_mode(mut self, mode: FailMode) -> Self {
        self.fail_mode = mode;
        self
    }

    /// Bound on one connection attempt (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bound on one command (default [`DEFAULT_COMMAND_TIMEOUT`]).
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    fn channel(&self) -> String {
        format!("{}events", self.prefix)
    }

    fn set_key(&self) -> String {
        format!("{}recent", self.prefix)
    }
}

/// Why a [`Revocations`] hub could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The URL or prefix is unusable.
    #[error("invalid revocation broadcast configuration: {0}")]
    Config(String),
    /// Redis could not be reached or refused a command at startup.
    #[error("Redis for the revocation broadcast is unavailable: {0}")]
    Unavailable(#[source] RedisError),
    /// Redis did not answer within the configured timeout at startup.
    #[error(
        "Redis for the revocation broadcast did not answer within {0:?}; check that it is running"
    )]
    Timeout(Duration),
}

/// One revocation on the channel.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    kind: String,
    id: String,
    /// When it was revoked, unix seconds.
    at: i64,
    /// The publishing hub, so it can skip its own messages.
    origin: u64,
}

/// A running revocation broadcast for one verifier (one app instance).
///
/// Keep it for the app's lifetime: dropping it (or [`Revocations::shutdown`])
/// stops both background tasks and detaches it from the verifier, which then
/// applies local revocations only.
pub struct Revocations {
    verifier: Verifier,
    state: Arc<State>,
    tasks: [JoinHandle<()>; 2],
}

impl std::fmt::Debug for Revocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revocations")
            .field("in_sync", &self.is_in_sync())
            .field("received", &self.received())
            .field("published", &self.published())
            .finish_non_exhaustive()
    }
}

struct State {
    origin: u64,
    in_sync: AtomicBool,
    received: AtomicU64,
    published: AtomicU64,
    fail_mode: FailMode,
}

impl State {
    /// Records the sync state, logs changes and applies the fail mode.
    fn set_in_sync(&self, verifier: &Verifier, in_sync: bool) {
        let was = self.in_sync.swap(in_sync, Ordering::AcqRel);
        if self.fail_mode == FailMode::Closed {
            verifier.set_revocations_unavailable(!in_sync);
        }
        match (was, in_sync) {
            (true, false) => tracing::warn!(
                fail_mode = ?self.fail_mode,
                "clerk: revocation broadcast lost Redis; reconnecting in the background"
            ),
            (false, true) => tracing::info!("clerk: revocation broadcast back in sync"),
            _ => {}
        }
    }
}

impl Revocations {
    /// Connects `verifier` to the broadcast: subscribes, applies the
    /// revocations of the catch-up set, then publishes every revocation made
    /// through `verifier` and applies every one published by other
    /// instances.
    ///
    /// Fails when Redis cannot be reached now, so a wrong URL shows at
    /// startup; once running, outages are survived (see [`FailMode`]).
    pub async fn connect(
        config: RevocationConfig,
        verifier: Verifier,
    ) -> Result<Self, RevocationError> {
        if config.prefix.is_empty() {
            return Err(RevocationError::Config("the prefix is empty".into()));
        }
        // The URL may carry a password: the error names the problem only.
        let client = Client::open(config.url.as_str())
            .map_err(|e| RevocationError::Config(format!("invalid Redis URL ({:?})", e.kind())))?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.command_timeout))
            .set_number_of_retries(2)
            .set_min_delay(RETRY_MIN)
            .set_max_delay(RETRY_MAX);
        let bound = config.connect_timeout * 4;
        let manager = match tokio::time::timeout(
            bound,
            ConnectionManager::new_with_config(client.clone(), manager_config),
        )
        .await
        {
            Ok(Ok(manager)) => manager,
            Ok(Err(e)) => return Err(RevocationError::Unavailable(e)),
            Err(_) => return Err(RevocationError::Timeout(bound)),
        };
        let link = Link {
            client,
            manager,
            config: Arc::new(config),
        };
        let pubsub = link.subscribe_and_catch_up(&verifier).await?;
        let state = Arc::new(State {
            origin: new_origin(),
            in_sync: AtomicBool::new(true),
            received: AtomicU64::new(0),
            published: AtomicU64::new(0),
            fail_mode: link.config.fail_mode,
        });
        verifier.set_revocations_unavailable(false);

        let (queue, outgoing) = mpsc::channel::<(Revocation, i64)>(QUEUE_CAPACITY);
        verifier.set_revocation_listener(Some(Arc::new(move |revocation: &Revocation, at| {
            if queue.try_send((revocation.clone(), at)).is_err() {
                tracing::warn!(
                    capacity = QUEUE_CAPACITY,
                    "clerk: revocation broadcast queue full; a revocation stays on this instance only"
                );
            }
        })));
        let publisher = tokio::spawn(publish_loop(link.clone(), state.clone(), outgoing));
        let subscriber = tokio::spawn(subscribe_loop(
            link,
            state.clone(),
            verifier.clone(),
            pubsub,
        ));
        Ok(Self {
            verifier,
            state,
            tasks: [publisher, subscriber],
        })
    }

    /// Whether the hub is subscribed and caught up right now.
    pub fn is_in_sync(&self) -> bool {
        self.state.in_sync.load(Ordering::Acquire)
    }

    /// Revocations received from other instances and applied so far
    /// (catch-up included).
    pub fn received(&self) -> u64 {
        self.state.received.load(Ordering::Relaxed)
    }

    /// Revocations of this instance published so far.
    pub fn published(&self) -> u64 {
        self.state.published.load(Ordering::Relaxed)
    }

    /// Stops the hub (same as dropping it).
    pub fn shutdown(self) {}
}

impl Drop for Revocations {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        self.verifier.set_revocation_listener(None);
        self.verifier.set_revocations_unavailable(false);
    }
}

/// What both tasks need to talk to Redis.
#[derive(Clone)]
struct Link {
    client: Client,
    manager: ConnectionManager,
    config: Arc<RevocationConfig>,
}

impl Link {
    /// A subscribed pub/sub connection, after applying the catch-up set.
    async fn subscribe_and_catch_up(&self, verifier: &Verifier) -> Result<PubSub, RevocationError> {
        let timeout = self.config.connect_timeout + self.config.command_timeout;
        let pubsub = self
            .bounded(timeout, async {
                let mut pubsub = self.client.get_async_pubsub().await?;
                pubsub.subscribe(self.config.channel()).await?;
                Ok(pubsub)
            })
            .await?;
        // Messages arriving during the read wait in the connection and are
        // applied by the loop; one applied twice is harmless.
        self.catch_up(verifier).await?;
        Ok(pubsub)
    }

    /// Applies every revocation of the catch-up set still within memory.
    async fn catch_up(&self, verifier: &Verifier) -> Result<usize, RevocationError> {
        let memory = memory_secs();
        let since = verifier.now().saturating_sub(memory);
        let mut manager = self.manager.clone();
        let entries: Vec<(String, i64)> = self
            .bounded(
                self.config.command_timeout,
                redis::cmd("ZRANGEBYSCORE")
                    .arg(self.config.set_key())
                    .arg(since)
                    .arg("+inf")
                    .arg("WITHSCORES")
                    .arg("LIMIT")
                    .arg(0)
                    .arg(REVOKED_SESSIONS_CAPACITY)
                    .query_async(&mut manager),
            )
            .await?;
        let mut applied = 0;
        for (member, at) in entries {
            let Some((kind, id)) = member.split_once(':') else {
                continue;
            };
            if let Some(revocation) = accept(kind, id) {
                verifier.apply_revocation(&revocation, at);
                applied += 1;
            }
        }
        Ok(applied)
    }

    /// Publishes one revocation: into the catch-up set, then on the channel.
    async fn publish(
        &self,
        revocation: &Revocation,
        at: i64,
        origin: u64,
    ) -> Result<(), RevocationError> {
        let message = Message {
            kind: revocation.kind().to_owned(),
            id: revocation.id().to_owned(),
            at,
            origin,
        };
        // Serializing two strings and two integers cannot fail.
        let payload = serde_json::to_string(&message).unwrap_or_default();
        let key = self.config.set_key();
        let memory = memory_secs();
        let capacity = isize::try_from(REVOKED_SESSIONS_CAPACITY).unwrap_or(isize::MAX);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("ZADD")
            .arg(&key)
            .arg(at)
            .arg(revocation.to_string())
            .ignore()
            .cmd("ZREMRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg(format!("({}", at.saturating_sub(memory)))
            .ignore()
            .cmd("ZREMRANGEBYRANK")
            .arg(&key)
            .arg(0)
            .arg(-capacity - 1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(memory)
            .ignore()
            .cmd("PUBLISH")
            .arg(self.config.channel())
            .arg(payload)
            .ignore();
        let mut manager = self.manager.clone();
        self.bounded(
            self.config.command_timeout,
            pipe.query_async::<()>(&mut manager),
        )
        .await
    }

    async fn bounded<T>(
        &self,
        timeout: Duration,
        future: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, RevocationError> {
        match tokio::time::timeout(timeout, future).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(RevocationError::Unavailable(e)),
            Err(_) => Err(RevocationError::Timeout(timeout)),
        }
    }
}

/// An id for this hub, distinct from every other hub's (also in one process).
fn new_origin() -> u64 {
    static HUBS: AtomicU64 = AtomicU64::new(0);
    let n = HUBS.fetch_add(1, Ordering::Relaxed);
    foldhash::fast::RandomState::default().hash_one((std::process::id(), n))
}

fn memory_secs() -> i64 {
    i64::try_from(REVOKED_SESSION_MEMORY.as_secs()).unwrap_or(i64::MAX)
}

/// A revocation read from Redis, if it is well formed.
fn accept(kind: &str, id: &str) -> Option<Revocation> {
    if id.is_empty() || id.len() > MAX_ID_BYTES {
        return None;
    }
    Revocation::from_parts(kind, id)
}

/// Publishes queued revocations in order; on failure keeps them (bounded)
/// and retries with backoff until Redis is back.
async fn publish_loop(
    link: Link,
    state: Arc<State>,
    mut outgoing: mpsc::Receiver<(Revocation, i64)>,
) {
    let mut pending: VecDeque<(Revocation, i64)> = VecDeque::new();
    let mut delay = RETRY_MIN;
    loop {
        if pending.is_empty() {
            match outgoing.recv().await {
                Some(item) => pending.push_back(item),
                None => return,
            }
        }
        while let Ok(item) = outgoing.try_recv() {
            if pending.len() >= QUEUE_CAPACITY {
                pending.pop_front();
                tracing::warn!(
                    "clerk: revocation broadcast backlog full; the oldest stays on this instance only"
                );
            }
            pending.push_back(item);
        }
        while let Some((revocation, at)) = pending.front() {
            match link.publish(revocation, *at, state.origin).await {
                Ok(()) => {
                    pending.pop_front();
                    state.published.fetch_add(1, Ordering::Relaxed);
                    delay = RETRY_MIN;
                }
                Err(error) => {
                    tracing::warn!(
                        %error,
                        backlog = pending.len(),
                        "clerk: could not publish a revocation; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(RETRY_MAX);
                    break;
                }
            }
        }
    }
}

/// Applies what other instances publish; resubscribes and catches up after
/// every lost connection.
async fn subscribe_loop(link: Link, state: Arc<State>, verifier: Verifier, first: PubSub) {
    let mut pubsub = Some(first);
    let mut delay = RETRY_MIN;
    loop {
        let connection = match pubsub.take() {
            Some(connection) => connection,
            None => match link.subscribe_and_catch_up(&verifier).await {
                Ok(connection) => {
                    state.set_in_sync(&verifier, true);
                    delay = RETRY_MIN;
                    connection
                }
                Err(error) => {
                    tracing::debug!(%error, "clerk: revocation broadcast reconnect failed");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(RETRY_MAX);
                    continue;
                }
            },
        };
        listen(&link, &state, &verifier, connection).await;
        state.set_in_sync(&verifier, false);
    }
}

/// Applies messages until the connection ends or stops answering pings.
async fn listen(link: &Link, state: &State, verifier: &Verifier, pubsub: PubSub) {
    let (mut sink, mut stream) = pubsub.split();
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            message = stream.next() => {
                let Some(message) = message else { return };
                let Ok(message) = serde_json::from_slice::<Message>(message.get_payload_bytes()) else {
                    tracing::debug!("clerk: ignoring a malformed revocation message");
                    continue;
                };
                if message.origin == state.origin {
                    continue;
                }
                if let Some(revocation) = accept(&message.kind, &message.id) {
                    verifier.apply_revocation(&revocation, message.at);
                    state.received.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ = ping.tick() => {
                let answered = tokio::time::timeout(
                    link.config.command_timeout,
                    sink.ping::<redis::Value>(),
                )
                .await;
                if !matches!(answered, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_redis_are_bounded() {
        assert_eq!(
            accept("session", "sess_1"),
            Some(Revocation::Session("sess_1".into()))
        );
        assert_eq!(accept("session", ""), None);
        assert_eq!(accept("session", &"x".repeat(MAX_ID_BYTES + 1)), None);
        assert_eq!(accept("token", "t"), None);
    }

    #[test]
    fn channel_and_set_share_the_prefix() {
        let config = RevocationConfig::new("redis://127.0.0.1/").prefix("app:");
        assert_eq!(config.channel(), "app:events");
        assert_eq!(config.set_key(), "app:recent");
    }

    #[tokio::test]
    async fn an_unreachable_redis_fails_at_startup() {
        let issuer = crate::dev::DevIssuer::new().unwrap();
        // Port 1 on loopback: nothing listens there.
        let config = RevocationConfig::new("redis://127.0.0.1:1/")
            .connect_timeout(Duration::from_millis(100));
        let error = Revocations::connect(config, issuer.verifier().unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                RevocationError::Unavailable(_) | RevocationError::Timeout(_)
            ),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_bad_url_is_a_config_error() {
        let issuer = crate::dev::DevIssuer::new().unwrap();
        let error = Revocations::connect(
            RevocationConfig::new("http://nope"),
            issuer.verifier().unwrap(),
        )
        .await
        .unwrap_err();
        assert!(matches!(error, RevocationError::Config(_)), "{error}");
    }
}
