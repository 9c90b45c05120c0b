//! Verification cost: cached hit, full pipeline (PEM key), and token decoding.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

use clerk_runtime::{DevIssuer, DevSession, token};

const NOW: i64 = 1_700_000_000;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let issuer = DevIssuer::new().expect("dev key").with_clock(|| NOW);
    let token = issuer.mint(
        &DevSession::new("user_1")
            .org("org_1", "acme", "org:admin")
            .features(["o:data"])
            .permissions(["org:data:read", "org:data:write"]),
    );

    let verifier = issuer.verifier().expect("verifier");
    rt.block_on(verifier.verify_at(&token, NOW)).expect("valid");
    c.bench_function("verify/cached", |b| {
        b.iter(|| rt.block_on(verifier.verify_at(&token, NOW)))
    });

    c.bench_function("verify/uncached", |b| {
        b.iter_batched(
            || issuer.verifier().expect("verifier"),
            |fresh| rt.block_on(fresh.verify_at(&token, NOW)),
            BatchSize::SmallInput,
        )
    });

    c.bench_function("token/decode", |b| b.iter(|| token::decode(&token)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
