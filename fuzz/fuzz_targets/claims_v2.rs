//! v2 claims decoding (`fea`, `per`, `fpm`, `rol`, `pla`) → `Auth`, reached
//! the way production reaches it: a token signed by the dev issuer
//! (`DevIssuer::mint_raw`) and verified with `verify_at`. The decoder is
//! crate-private, so signing is the entry point.
//!
//! Oracle: every decoded permission is `org:<org feature>:<action>` and
//! `has()` agrees with the decoded list; role checks accept the role with
//! or without extra `org:` prefixes.
#![no_main]

use arbitrary::Arbitrary;
use clerk_fuzz::{NOW, fixture};
use clerk_runtime::Check;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

#[derive(Arbitrary, Debug)]
struct Input {
    fea: Option<String>,
    pla: Option<String>,
    rol: Option<String>,
    per: Option<String>,
    fpm: Option<String>,
    /// Probes for `has()`.
    probes: Vec<String>,
}

fuzz_target!(|input: Input| {
    let fx = fixture();
    let payload = json!({
        "sub": "user_fuzz", "sid": "sess_fuzz", "iss": fx.issuer.issuer(),
        "iat": NOW - 10, "nbf": NOW - 15, "exp": NOW + 50, "v": 2,
        "fea": input.fea, "pla": input.pla,
        "o": {"id": "org_fuzz", "slg": "fuzz", "rol": input.rol, "per": input.per, "fpm": input.fpm},
    });
    let header = json!({"alg": "RS256", "kid": fx.issuer.kid(), "typ": "JWT"}).to_string();
    let token = fx.issuer.mint_raw(&header, &payload.to_string());
    let auth = match fx.runtime.block_on(fx.verifier.verify_at(&token, NOW)) {
        Ok(auth) => auth,
        Err(err) => {
            // Only the size and claim limits may refuse a genuine token.
            assert!(
                matches!(err.reason(), "token-too-large" | "token-invalid"),
                "genuine token refused: {err}"
            );
            return;
        }
    };
    let org = auth.org().expect("`o` with an id is an organization");
    let actions: Vec<&str> = input
        .per
        .as_deref()
        .map(|p| p.split(',').map(str::trim).collect())
        .unwrap_or_default();
    for permission in org.permissions() {
        let rest = permission.strip_prefix("org:").expect("org: prefix");
        assert!(
            actions.iter().any(|a| rest.ends_with(&format!(":{a}"))),
            "{permission:?} names no action of {:?}",
            input.per
        );
        assert!(auth.has(Check::Permission(permission)), "{permission:?}");
    }
    if let Some(role) = org.role() {
        assert!(role.starts_with("org:"));
        assert!(auth.has(Check::Role(role)));
        let doubled = format!("org:{role}");
        assert!(auth.has(Check::Role(&doubled)), "org: runs are normalised");
    }
    for probe in &input.probes {
        let _ = auth.has(Check::Permission(probe));
        let _ = auth.has(Check::Role(probe));
        let _ = auth.has(Check::Feature(probe));
        let _ = auth.has(Check::Plan(probe));
    }
});
