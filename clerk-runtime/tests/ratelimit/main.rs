//! Rate limiting end to end: through an axum app on 127.0.0.1, and against a
//! real `redis-server` (skipped, with a message, when none is installed).

#[path = "../support/redis_server.rs"]
mod redis_server;

mod app;
mod http;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod warnings;
