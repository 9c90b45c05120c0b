//! The Redis store against a real `redis-server` on 127.0.0.1.
//!
//! Each test starts its own server on a free port, so tests run in parallel
//! and killing one server disturbs no other test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clerk_runtime::ratelimit::redis::{RedisConfig, RedisStore, RedisTime};
use clerk_runtime::ratelimit::{
    FailMode, Limiter, ManualClock, MemoryStore, RateLimit, RateLimitLayer, RateLimitStore,
    RequestKey,
};
use redis::AsyncCommands;
use reqwest::StatusCode;

use crate::app::{get_as, header, router, serve};
use crate::redis_server::RedisServer;
use crate::warnings::Warnings;

/// A restarted server is usually reachable again within a reconnect backoff
/// (max 500 ms); this bounds the wait so a broken recovery fails the test.
const RECOVERY: Duration = Duration::from_secs(15);

fn limit(text: &str) -> RateLimit {
    RateLimit::parse(text).unwrap()
}

async fn store(server: &RedisServer) -> RedisStore {
    RedisStore::connect(RedisConfig::new(server.url()))
        .await
        .unwrap()
}

/// Checks until the store answers again, or panics after [`RECOVERY`].
async fn wait_for_recovery(limiter: &Limiter, key: &str) {
    let deadline = Instant::now() + RECOVERY;
    loop {
        if let Ok(Some(_)) = limiter.check(key, limit("1000/1m")).await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "store did not recover within {RECOVERY:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn redis_store_enforces_the_limit() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = store(&server).await;
    let limit = limit("3/1m");
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let d = store.check("alice", limit, Duration::ZERO).await.unwrap();
        assert!(d.allowed);
        remaining.push(d.remaining);
    }
    assert_eq!(remaining, [2, 1, 0]);
    let refused = store.check("alice", limit, Duration::ZERO).await.unwrap();
    assert!(!refused.allowed);
    assert!(refused.retry_after.unwrap() > Duration::ZERO);
    assert!(
        store
            .check("bob", limit, Duration::ZERO)
            .await
            .unwrap()
            .allowed
    );
}

#[tokio::test]
async fn two_app_instances_sharing_redis_enforce_one_limit() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let instances = [store(&server).await, store(&server).await];
    let limit = limit("10/1m");
    let mut admitted = [0, 0];
    for i in 0..40 {
        if instances[i % 2]
            .check("alice", limit, Duration::ZERO)
            .await
            .unwrap()
            .allowed
        {
            admitted[i % 2] += 1;
        }
    }
    assert_eq!(admitted[0] + admitted[1], 10);
    assert_eq!(admitted, [5, 5]);
}

#[tokio::test]
async fn concurrent_checks_never_oversell_the_last_unit() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store: Arc<dyn RateLimitStore> = Arc::new(store(&server).await);
    let limit = limit("25/1m");
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.check("alice", limit, Duration::ZERO).await })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().allowed {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 25);
}

#[tokio::test]
async fn redis_and_memory_stores_decide_identically() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let redis = RedisStore::connect(RedisConfig::new(server.url()).time(RedisTime::Caller))
        .await
        .unwrap();
    let memory = MemoryStore::new();
    let limit = limit("5/1s");
    let t0 = Duration::from_secs(1_700_000_000);
    // Bursts and gaps across several window edges.
    let mut ms = 0u64;
    let mut outcomes = [0, 0];
    for step in 0..120u64 {
        let gaps = [0, 0, 0, 0, 1, 37, 120, 250, 999, 1_000, 2_100];
        ms += gaps[((step * 7 + step / 3) % 11) as usize];
        let now = t0 + Duration::from_millis(ms);
        let from_redis = redis.check("alice", limit, now).await.unwrap();
        let from_memory = memory.check("alice", limit, now).await.unwrap();
        assert_eq!(from_redis, from_memory, "step {step} at +{ms} ms");
        outcomes[usize::from(from_redis.allowed)] += 1;
    }
    assert!(
        outcomes[0] > 10 && outcomes[1] > 10,
        "{outcomes:?} refused/admitted"
    );
}

#[tokio::test]
async fn keys_are_prefixed_and_expire() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(RedisConfig::new(server.url()).prefix("myapp:rl:"))
        .await
        .unwrap();
    store
        .check("alice", limit("3/10s"), Duration::ZERO)
        .await
        .unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = connection.keys("*").await.unwrap();
    assert_eq!(keys, ["myapp:rl:alice"]);
    let ttl: i64 = connection.pttl("myapp:rl:alice").await.unwrap();
    assert!(ttl > 10_000 && ttl <= 20_000, "ttl {ttl} ms");
}

#[tokio::test]
async fn fail_open_admits_with_a_warning_while_redis_is_down_then_recovers() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let (warnings, _guard) = Warnings::capture();
    let limiter = Limiter::new(Arc::new(store(&server).await)).fail_mode(FailMode::Open);
    let limit = limit("2/1m");
    assert!(limiter.check("alice", limit).await.unwrap().is_some());

    server.kill();
    for _ in 0..5 {
        assert_eq!(limiter.check("alice", limit).await.unwrap(), None);
    }
    assert!(warnings.count() >= 1);

    let _restarted = RedisServer::start_on(server.port()).unwrap();
    wait_for_recovery(&limiter, "probe").await;
    // Counting again (the restarted server is empty: `--save ''`).
    assert!(limiter.check("alice", limit).await.unwrap().is_some());
    assert!(limiter.check("alice", limit).await.unwrap().is_some());
    assert!(limiter.check("alice", limit).await.is_err());
}

#[tokio::test]
async fn fail_closed_answers_503_while_redis_is_down_then_recovers() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let store = Arc::new(store(&server).await);
    let layer = RateLimitLayer::new(store, limit("100/1m"), RequestKey::new())
        .fail_mode(FailMode::Closed)
        .clock(Arc::new(ManualClock::new(Duration::ZERO)));
    let base = serve(router(layer)).await;
    let response = get_as(&base, "/api", Some("alice")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "ratelimit-remaining"), "99");

    server.kill();
    let response = get_as(&base, "/api", Some("alice")).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"error": "unavailable", "reason": "rate-limit-store-unavailable"})
    );

    let _restarted = RedisServer::start_on(server.port()).unwrap();
    let deadline = Instant::now() + RECOVERY;
    loop {
        let response = get_as(&base, "/api", Some("alice")).await;
        if response.status() == StatusCode::OK {
            assert_eq!(header(&response, "ratelimit-limit"), "100");
            break;
        }
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(Instant::now() < deadline, "no recovery within {RECOVERY:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn redis_down_is_an_error_not_a_panic_or_a_hang() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(
        RedisConfig::new(server.url()).command_timeout(Duration::from_millis(200)),
    )
    .await
    .unwrap();
    server.kill();
    let started = Instant::now();
    assert!(
        store
            .check("alice", limit("1/1m"), Duration::ZERO)
            .await
            .is_err()
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn connect_fails_fast_when_redis_is_unreachable() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    server.kill();
    let started = Instant::now();
    let result = RedisStore::connect(RedisConfig::new(url)).await;
    assert!(result.is_err());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn invalid_url_is_a_config_error() {
    let error = RedisStore::connect(RedisConfig::new("not a url"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("invalid Redis URL"), "{error}");
}
