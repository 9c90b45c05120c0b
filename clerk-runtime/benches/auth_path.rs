//! What authentication costs per request, next to what it cannot cost less
//! than (issue 7):
//!
//! - `raw/rsa_verify`: aws-lc-rs RSA-2048 PKCS#1 verify with a pre-parsed key;
//! - `raw/rsa_verify+parse`: the same plus base64url split and serde parse of
//!   header and claims: the floor for any RS256 verifier;
//! - `verify/cold`: our full pipeline on a token it has not seen (PEM key);
//! - `verify/cache_hit`: the same token again;
//! - `policy/*`: `Auth::has` and `Rule::allows` on a v2 token with 50 permissions;
//! - `claims/decode*`: payload JSON to `Auth`, including v2 `fpm` decoding;
//! - `layer/*`: one request through `ClerkLayer`'s service (cached token):
//!   `cookie_plain` without browser sessions, `cookie_sessions` and
//!   `bearer_sessions` with them (the fast path that skips Clerk's decision),
//!   and `anonymous_sessions` (no cookies: the decision runs, signed out).
//!
//! Times are thread CPU time, not wall time: the machine this was written on
//! is shared with builds, and CPU time does not count being preempted. After
//! criterion, an interleaved run prints `cold / raw` side by side
//! (interleaving keeps a busy machine from favouring one side).
//!
//! Run: `cargo bench -p clerk-runtime --bench auth_path`.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aws_lc_rs::signature::ParsedPublicKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clerk_runtime::policy::{FactorLevel, Reverification};
use clerk_runtime::{Auth, Check, DevIssuer, DevSession, Rule, Verifier};
use criterion::Criterion;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use serde::Deserialize;

#[path = "common/raw_floor.rs"]
mod raw_floor;

const NOW: i64 = 1_700_000_000;
/// Distinct tokens for the cold path; cycled, each verified by a verifier
/// that has not seen it.
const POOL: usize = 64;

/// Drives a future that never waits: a PEM-keyed verifier has nothing to
/// await, so polling once with a no-op waker measures the pipeline without
/// an executor's overhead.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a PEM-keyed verification never waits"),
    }
}

/// A Clerk-shaped v2 session token (~900 bytes): org with role and
/// permissions, features, plan, azp, fva.
fn clerk_session(i: usize) -> DevSession {
    DevSession::new(format!("user_2abcdefghijklmnopqrstuvwx{i:03}"))
        .session_id(format!("sess_2abcdefghijklmnopqrstuvwx{i:03}"))
        .azp("https://dashboard.example.com")
        .org("org_2abcdefghijklmnopqrstuvwxyz", "acme-corp", "org:admin")
        .features(["o:dashboard", "o:analytics", "u:beta", "o:data"])
        .permissions([
            "org:data:read",
            "org:data:write",
            "org:dashboard:read",
            "org:analytics:read",
        ])
        .plans(["o:pro"])
        .fva(3, 3)
        .issued_at(NOW)
}

/// A v2 token with 10 org features x 5 actions = 50 permissions.
fn fifty_permissions() -> DevSession {
    let actions = ["read", "write", "create", "delete", "manage"];
    let permissions: Vec<String> = (0..10)
        .flat_map(|f| actions.iter().map(move |a| format!("org:feature{f}:{a}")))
        .collect();
    DevSession::new("user_2abcdefghijklmnopqrstuvwxyz")
        .session_id("sess_2abcdefghijklmnopqrstuvwxyz")
        .org("org_2abcdefghijklmnopqrstuvwxyz", "acme-corp", "org:member")
        .permissions(permissions)
        .fva(3, -1)
        .issued_at(NOW)
}

/// What a hand-written verifier would read from a Clerk token.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawClaims {
    sub: String,
    sid: Option<String>,
    iss: String,
    azp: Option<String>,
    exp: i64,
    iat: i64,
    nbf: Option<i64>,
    v: Option<u8>,
    sts: Option<String>,
    fea: Option<String>,
    pla: Option<String>,
    fva: Option<[i64; 2]>,
    o: Option<serde_json::Value>,
}

fn payload_of(token: &str) -> String {
    let p = token.split('.').nth(1).expect("three parts");
    String::from_utf8(URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("utf-8")
}

struct Fixture {
    issuer: DevIssuer,
    pem: String,
    raw_key: ParsedPublicKey,
    pool: Vec<String>,
    big: String,
}

impl Fixture {
    fn new() -> Self {
        let issuer = DevIssuer::new()
            .expect("dev key")
            .with_issuer("https://clerk.example.com")
            .with_clock(|| NOW);
        let pem = issuer.public_key_pem();
        let raw_key = raw_floor::parse_key(&pem);
        let pool: Vec<String> = (0..POOL).map(|i| issuer.mint(&clerk_session(i))).collect();
        let big = issuer.mint(&fifty_permissions());
        Self {
            issuer,
            pem,
            raw_key,
            pool,
            big,
        }
    }

    /// A verifier as an application configures one (PEM key, issuer),
    /// its key already used once: aws-lc builds the key's Montgomery
    /// context on first use, which a long-running server pays once.
    fn warm_verifier(&self) -> Verifier {
        self.warm_verifier_with_cache(clerk_runtime::verify::VERIFIED_CACHE_CAPACITY)
    }

    /// The same with the token cache sized `capacity` (0: off, every call
    /// runs the whole pipeline).
    fn warm_verifier_with_cache(&self, capacity: usize) -> Verifier {
        let verifier = Verifier::builder()
            .pem(self.pem.clone())
            .issuer(self.issuer.issuer())
            .clock(|| NOW)
            .token_cache_capacity(capacity)
            .build()
            .expect("verifier");
        ready(verifier.verify_at(&self.big, NOW)).expect("valid");
        verifier
    }

    fn auth(&self, token: &str) -> Auth {
        ready(self.warm_verifier().verify_at(token, NOW)).expect("valid")
    }
}

static ANY_OF: [Rule; 2] = [Rule::Role("org:admin"), Rule::All(&ALL_OF)];
static ALL_OF: [Rule; 3] = [
    Rule::Permission("org:feature7:manage"),
    Rule::Org,
    Rule::Fresh(Reverification::new(FactorLevel::SecondFactor, 10)),
];

fn bench(c: &mut Criterion<ThreadCpu>) {
    let fx = Fixture::new();
    let token = &fx.pool[0];
    eprintln!(
        "Clerk-shaped token: {} bytes; 50-permission token: {} bytes",
        token.len(),
        fx.big.len()
    );

    c.bench_function("raw/rsa_verify", |b| {
        let (input, sig) = token.rsplit_once('.').expect("three parts");
        let sig = URL_SAFE_NO_PAD.decode(sig).expect("base64url");
        b.iter(|| fx.raw_key.verify_sig(black_box(input.as_bytes()), &sig))
    });
    c.bench_function("raw/rsa_verify+parse", |b| {
        b.iter(|| {
            raw_floor::verify_and_parse::<RawClaims>(&fx.raw_key, black_box(token)).expect("valid")
        })
    });

    let uncached = fx.warm_verifier_with_cache(0);
    let mut i = 0;
    c.bench_function("verify/cold", |b| {
        b.iter(|| {
            i = (i + 1) % POOL;
            ready(uncached.verify_at(black_box(&fx.pool[i]), NOW)).expect("valid")
        })
    });
    // With the cache on, a new token also pays the lookup miss and the
    // doorkeeper (a fingerprint swapped into its slot); a token seen once is
    // not inserted. A one-entry cache has one doorkeeper slot, so no token of
    // the rotating pool is ever admitted: every call is a first sighting, as
    // under ever-new tokens.
    let small_cache = fx.warm_verifier_with_cache(1);
    let mut i = 0;
    c.bench_function("verify/cold_cache_on", |b| {
        b.iter(|| {
            i = (i + 1) % POOL;
            ready(small_cache.verify_at(black_box(&fx.pool[i]), NOW)).expect("valid")
        })
    });

    let verifier = fx.warm_verifier();
    // Cached on its second verification.
    ready(verifier.verify_at(token, NOW)).expect("valid");
    ready(verifier.verify_at(token, NOW)).expect("valid");
    c.bench_function("verify/cache_hit", |b| {
        b.iter(|| ready(verifier.verify_at(black_box(token), NOW)).expect("valid"))
    });

    let auth = fx.auth(&fx.big);
    assert_eq!(auth.org().map(|o| o.permissions().len()), Some(50));
    c.bench_function("policy/has_permission_50", |b| {
        b.iter(|| black_box(&auth).has(Check::permission(black_box("org:feature9:manage"))))
    });
    c.bench_function("policy/has_permission_50_miss", |b| {
        b.iter(|| black_box(&auth).has(Check::permission(black_box("org:feature9:export"))))
    });
    let rule = Rule::Any(&ANY_OF);
    assert!(rule.allows(&auth));
    c.bench_function("policy/rule_any_all", |b| {
        b.iter(|| black_box(&rule).allows(black_box(&auth)))
    });

    bench_layer(c, &fx, token);

    let small = payload_of(token);
    let big = payload_of(&fx.big);
    c.bench_function("claims/decode_clerk_shaped", |b| {
        b.iter(|| {
            clerk_runtime::verify::decode::__decode_unverified_for_bench(black_box(&small))
                .expect("valid")
        })
    });
    c.bench_function("claims/decode_fpm_50_permissions", |b| {
        b.iter(|| {
            clerk_runtime::verify::decode::__decode_unverified_for_bench(black_box(&big))
                .expect("valid")
        })
    });
    c.bench_function("raw/serde_parse_claims", |b| {
        b.iter(|| serde_json::from_str::<RawClaims>(black_box(&small)).expect("valid"))
    });
}

/// The innermost service: 200, empty body, never waits.
#[derive(Clone)]
struct Ok200;

impl tower_service::Service<http::Request<()>> for Ok200 {
    type Response = http::Response<String>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<()>) -> Self::Future {
        std::future::ready(Ok(http::Response::new(String::new())))
    }
}

/// A document navigation to `/dashboard` with `cookie` and/or `bearer`.
fn page_request(cookie: Option<&str>, bearer: Option<&str>) -> http::Request<()> {
    let mut r = http::Request::builder()
        .uri("http://app.example.com/dashboard")
        .header("host", "app.example.com")
        .header("sec-fetch-dest", "document")
        .header("accept", "text/html");
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    if let Some(t) = bearer {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    r.body(()).expect("request")
}

fn bench_layer(c: &mut Criterion<ThreadCpu>, fx: &Fixture, token: &str) {
    use clerk_runtime::ClerkLayer;
    use clerk_runtime::session::SessionConfig;
    use tower_layer::Layer as _;
    use tower_service::Service as _;

    // The key of the fixture's issuer, clerk.example.com.
    const PK: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
    let verifier = fx.warm_verifier();
    ready(verifier.verify_at(token, NOW)).expect("valid");
    ready(verifier.verify_at(token, NOW)).expect("valid");
    let cookie = format!("__session={token}; __client_uat={}", NOW - 10);
    let mut plain = ClerkLayer::new(verifier.clone()).layer(Ok200);
    let sessions_layer = ClerkLayer::new(verifier).browser_sessions(
        SessionConfig::builder(PK).build().expect("config"),
        None,
        None,
    );
    let mut sessions = sessions_layer.layer(Ok200);
    let status = |r: Result<http::Response<String>, _>| r.map(|r| r.status().as_u16());
    assert_eq!(
        status(ready(sessions.call(page_request(Some(&cookie), None)))),
        Ok(200)
    );
    c.bench_function("layer/cookie_plain", |b| {
        b.iter(|| ready(plain.call(black_box(page_request(Some(&cookie), None)))))
    });
    c.bench_function("layer/cookie_sessions", |b| {
        b.iter(|| ready(sessions.call(black_box(page_request(Some(&cookie), None)))))
    });
    c.bench_function("layer/bearer_sessions", |b| {
        b.iter(|| ready(sessions.call(black_box(page_request(None, Some(token))))))
    });
    c.bench_function("layer/anonymous_sessions", |b| {
        b.iter(|| ready(sessions.call(black_box(page_request(None, None)))))
    });
}

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`): unlike wall
/// time it does not count the time a machine busy with other builds keeps
/// us off the CPU.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant
    // every Linux and macOS kernel supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Criterion measurement on thread CPU time (see [`thread_cpu_time`]).
struct ThreadCpu;

static WALL: WallTime = WallTime;

impl Measurement for ThreadCpu {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_time()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_time().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

/// Interleaved medians of our cold verify and the raw floor, printed as a
/// ratio; on thread CPU time where the OS reports it, wall time otherwise.
fn side_by_side() {
    let fx = Fixture::new();
    const ROUNDS: usize = 61;
    const PER_ROUND: usize = 400;
    let elapsed = |run: &mut dyn FnMut()| {
        let start = thread_cpu_time();
        run();
        (thread_cpu_time() - start) / PER_ROUND as u32
    };
    let verifier = fx.warm_verifier_with_cache(0);
    let (mut ours, mut raw, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let a = elapsed(&mut || {
            for n in 0..PER_ROUND {
                black_box(ready(verifier.verify_at(&fx.pool[n % POOL], NOW)).expect("valid"));
            }
        });
        let b = elapsed(&mut || {
            for n in 0..PER_ROUND {
                black_box(
                    raw_floor::verify_and_parse::<RawClaims>(&fx.raw_key, &fx.pool[n % POOL])
                        .expect("valid"),
                );
            }
        });
        ours.push(a);
        raw.push(b);
        ratios.push(a.as_secs_f64() / b.as_secs_f64());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    ratios.sort_by(f64::total_cmp);
    println!(
        "\nside by side (thread CPU time, {ROUNDS} interleaved rounds of {PER_ROUND}): \
         verify/cold {:?}  raw verify+parse {:?}  median ratio {:.3} (target <= 1.15)",
        median(&mut ours),
        median(&mut raw),
        ratios[ratios.len() / 2]
    );
}

fn main() {
    let mut criterion = Criterion::default()
        .with_measurement(ThreadCpu)
        .configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
    side_by_side();
}
