//! Cost of one rate-limit check per store.
//!
//! `cargo bench -p clerk-runtime --bench ratelimit -- --quick`
//! The Redis bench starts its own `redis-server` on 127.0.0.1 and is skipped
//! when none is installed.

#[path = "../tests/support/redis_server.rs"]
mod redis_server;

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use clerk_runtime::ratelimit::{Clock, MemoryStore, RateLimit, RateLimitStore, SystemClock};
use criterion::{Criterion, criterion_group, criterion_main};

/// High enough that most checks are admitted, the common case.
const LIMIT: RateLimit = match RateLimit::parse("1000000/1s") {
    Ok(limit) => limit,
    Err(e) => panic!("{}", e.message()),
};

fn limit() -> RateLimit {
    LIMIT
}

/// Polls a future that is ready at once (the memory store's), without a runtime,
/// so the figure is the boxed future's cost and not an executor's.
fn poll_ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("memory store future was not ready"),
    }
}

fn memory(c: &mut Criterion) {
    let store = MemoryStore::new();
    let clock = SystemClock;
    c.bench_function("memory: check_at, one hot key", |b| {
        b.iter(|| store.check_at(black_box("user_2abc"), limit(), clock.now()))
    });

    let keys: Vec<String> = (0..50_000).map(|i| format!("user_{i}")).collect();
    let mut i = 0;
    c.bench_function("memory: check_at, 50k keys round-robin", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            store.check_at(black_box(&keys[i]), limit(), clock.now())
        })
    });

    let dyn_store: Arc<dyn RateLimitStore> = Arc::new(MemoryStore::new());
    c.bench_function("memory: dyn RateLimitStore::check (boxed future)", |b| {
        b.iter(|| poll_ready(dyn_store.check(black_box("user_2abc"), limit(), clock.now())))
    });

    // Contention: 4 threads hammering distinct keys of one store.
    let shared = Arc::new(MemoryStore::new());
    c.bench_function("memory: check_at, 4 threads x 1000 checks", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for t in 0..4 {
                    let (shared, keys) = (&shared, &keys);
                    s.spawn(move || {
                        for n in 0..1000 {
                            shared.check_at(&keys[t * 1000 + n], limit(), Duration::from_secs(1));
                        }
                    });
                }
            })
        })
    });
}

#[cfg(feature = "redis")]
fn redis(c: &mut Criterion) {
    use clerk_runtime::ratelimit::redis::{RedisConfig, RedisStore};

    let Some(server) = redis_server::RedisServer::start() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let store: Arc<dyn RateLimitStore> = Arc::new(
        runtime
            .block_on(RedisStore::connect(RedisConfig::new(server.url())))
            .expect("redis store"),
    );
    c.bench_function("redis: check (EVALSHA, server TIME), sequential", |b| {
        b.iter(|| runtime.block_on(store.check(black_box("user_2abc"), limit(), Duration::ZERO)))
    });
    c.bench_function("redis: 64 concurrent checks (multiplexed)", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let tasks: Vec<_> = (0..64)
                    .map(|i| {
                        let store = store.clone();
                        tokio::spawn(async move {
                            store
                                .check(&format!("user_{i}"), limit(), Duration::ZERO)
                                .await
                        })
                    })
                    .collect();
                for task in tasks {
                    let _ = task.await;
                }
            })
        })
    });
    drop(server);
}

#[cfg(not(feature = "redis"))]
fn redis(_: &mut Criterion) {
    eprintln!("skipping the Redis bench: built without the `redis` feature");
}

criterion_group!(benches, memory, redis);
criterion_main!(benches);
