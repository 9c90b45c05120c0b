//! Differential tests against Clerk's own server SDK.
//!
//! `tests/oracle/oracle.mjs` runs `verifyToken` from `@clerk/backend` and
//! `has()` from `@clerk/shared` (networkless, with the dev issuer's PEM key)
//! over the same tokens and checks as clerk-runtime, and the verdicts must
//! agree. Where we differ on purpose the case is listed in
//! [`KNOWN_DIFFERENCES`] with both answers, so the list stays true.
//!
//! `.ci/run` installs the oracle (`npm ci` in tests/oracle); locally the tests
//! skip with a message when it is missing, in CI they fail.

use std::time::Duration;

use clerk_runtime::TokenKind;
use clerk_runtime::auth::Check;
use clerk_runtime::dev::{DevIssuer, DevSession};
use clerk_runtime::policy::{FactorLevel, Reverification};
use clerk_runtime::verify::Verifier;
use clerk_tests::clerk_oracle::{clerk_verdicts, oracle_dir};
use serde_json::{Value, json};

/// Cases where we answer differently from Clerk's SDK on purpose:
/// (case id, Clerk's verdict, ours, why).
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "template-verify-cat-session",
        "ok",
        "token-type-mismatch",
        "a template verifier refuses session tokens; Clerk's verifyToken accepts every class but M2M",
    ),
    (
        "template-verify-cat-dev-session",
        "ok",
        "token-type-mismatch",
        "the dev issuer's session token carries the session code: refused as a template",
    ),
    (
        "template-verify-cat-m2m",
        "token-invalid",
        "token-type-mismatch",
        "same refusal; we name it a type mismatch as authenticateRequest does for session tokens",
    ),
    (
        "template-verify-cat-unknown",
        "ok",
        "token-type-mismatch",
        "a template verifier accepts only the template code, the ignore code and no `cat`",
    ),
    (
        "rs384-header",
        "token-verification-failed",
        "token-invalid-algorithm",
        "we accept RS256 only and decide on the header before touching a key",
    ),
];

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// A small deterministic PRNG (xorshift64*), so a failing case reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn subset<'a>(&mut self, items: &[&'a str]) -> Vec<&'a str> {
        items
            .iter()
            .copied()
            .filter(|_| self.next().is_multiple_of(2))
            .collect()
    }
}

const FEATURES: &[&str] = &[
    "o:dashboard",
    "o:impersonation",
    "u:beta",
    "uo:support-chat",
    "ou:reports",
    "o:billing",
];
const ORG_FEATURES: &[&str] = &[
    "dashboard",
    "impersonation",
    "support-chat",
    "reports",
    "billing",
];
const ACTIONS: &[&str] = &["read", "manage", "write", "delete"];
const ROLES: &[&str] = &[
    "admin",
    "org:admin",
    "org:member",
    "basic_member",
    "org:org:admin",
];
const PLANS: &[&str] = &["u:free", "o:pro", "ou:team", "u:pro"];
const ROLE_CHECKS: &[&str] = &[
    "org:admin",
    "admin",
    "org:member",
    "member",
    "org:basic_member",
];
const FEATURE_CHECKS: &[&str] = &[
    "dashboard",
    "o:dashboard",
    "org:dashboard",
    "organization:reports",
    "u:beta",
    "user:beta",
    "beta",
    "x:beta",
    "support-chat",
    "u:support-chat",
];
const PLAN_CHECKS: &[&str] = &[
    "free", "u:free", "o:pro", "org:pro", "user:pro", "team", "o:team",
];
const PRESETS: &[&str] = &["strict_mfa", "strict", "moderate", "lax"];

/// One `has()` question, as Clerk's SDK takes it and as we ask it.
fn random_check(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => json!({ "role": rng.pick(ROLE_CHECKS) }),
        1 => {
            let p = match rng.below(6) {
                0 => "org:sys_profile:manage".to_string(),
                1 => format!("{}:{}", rng.pick(ORG_FEATURES), rng.pick(ACTIONS)),
                _ => format!("org:{}:{}", rng.pick(ORG_FEATURES), rng.pick(ACTIONS)),
            };
            json!({ "permission": p })
        }
        2 => json!({ "feature": rng.pick(FEATURE_CHECKS) }),
        3 => json!({ "plan": rng.pick(PLAN_CHECKS) }),
        _ => {
            if rng.below(2) == 0 {
                json!({ "reverification": rng.pick(PRESETS) })
            } else {
                let level = rng.pick(&["first_factor", "second_factor", "multi_factor"]);
                let after = [0_u32, 1, 5, 10, 60, 600][rng.below(6)];
                json!({ "reverification": { "level": level, "afterMinutes": after } })
            }
        }
    }
}

fn our_has(auth: &clerk_runtime::Auth, check: &Value) -> bool {
    let text = |k: &str| check.get(k).and_then(Value::as_str);
    if let Some(role) = text("role") {
        return auth.has(Check::role(role));
    }
    if let Some(p) = text("permission") {
        return auth.has(Check::permission(p));
    }
    if let Some(f) = text("feature") {
        return auth.has(Check::feature(f));
    }
    if let Some(p) = text("plan") {
        return auth.has(Check::plan(p));
    }
    let rev = &check["reverification"];
    let config = match rev.as_str() {
        Some(preset) => Reverification::preset(preset).expect("known preset"),
        None => {
            let level = match rev["level"].as_str() {
                Some("first_factor") => FactorLevel::FirstFactor,
                Some("second_factor") => FactorLevel::SecondFactor,
                _ => FactorLevel::MultiFactor,
            };
            let after = rev["afterMinutes"].as_u64().expect("minutes") as u32;
            Reverification::new(level, after)
        }
    };
    auth.has(Check::reverification(config))
}

/// A random session: organization or not, v1 or v2, features, plans, factor ages.
fn random_session(rng: &mut Rng, n: usize) -> DevSession {
    let mut s = DevSession::new(format!("user_{n}")).issued_at(T0);
    if rng.below(4) != 0 {
        let perms: Vec<String> = (0..rng.below(6))
            .map(|_| format!("org:{}:{}", rng.pick(ORG_FEATURES), rng.pick(ACTIONS)))
            .collect();
        s = s
            .org(format!("org_{n}"), format!("acme-{n}"), rng.pick(ROLES))
            .permissions(perms);
    }
    s = s.features(rng.subset(FEATURES)).plans(rng.subset(PLANS));
    if rng.below(3) != 0 {
        let age =
            |rng: &mut Rng| [-1_i64, 0, 3, 9, 10, 11, 59, 60, 61, 1439, 1440, 2000][rng.below(12)];
        s = s.fva(age(rng), age(rng));
    }
    if rng.below(5) == 0 {
        s = s.status("pending");
    }
    s
}

fn compare(ours: Result<&clerk_runtime::Auth, &str>, clerk: &Value, checks: &[Value], id: &str) {
    match ours {
        Err(reason) => {
            assert_eq!(clerk["ok"], false, "{id}: Clerk accepts, we say {reason}");
            assert_eq!(clerk["reason"], reason, "{id}: different reasons");
        }
        Ok(auth) => {
            assert_eq!(
                clerk["ok"], true,
                "{id}: Clerk says {}, we accept",
                clerk["reason"]
            );
            assert_eq!(clerk["userId"], auth.user_id(), "{id}: user id");
            assert_eq!(clerk["orgId"].as_str(), auth.org_id(), "{id}: org id");
            assert_eq!(clerk["orgRole"].as_str(), auth.org_role(), "{id}: org role");
            let mut theirs: Vec<&str> = clerk["orgPermissions"]
                .as_array()
                .expect("permissions array")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let mut mine: Vec<&str> = auth
                .org()
                .map(|o| o.permissions().collect())
                .unwrap_or_default();
            theirs.sort_unstable();
            mine.sort_unstable();
            assert_eq!(theirs, mine, "{id}: permissions");
            for (i, check) in checks.iter().enumerate() {
                assert_eq!(
                    clerk["has"][i].as_bool(),
                    Some(our_has(auth, check)),
                    "{id}: has({check})"
                );
            }
        }
    }
}

#[tokio::test]
async fn claims_and_has_agree_with_clerk_sdk_on_random_sessions() {
    let Some(dir) = oracle_dir() else { return };
    let issuer = DevIssuer::new().expect("dev issuer");
    let verifier = issuer.verifier().expect("verifier");
    let mut rng = Rng(0x5eed_c1e4_2026_0001);
    let mut cases = Vec::new();
    let mut tokens = Vec::new();
    for n in 0..400 {
        let session = random_session(&mut rng, n);
        let token = if rng.below(4) == 0 {
            issuer.mint_v1(&session)
        } else {
            issuer.mint(&session)
        };
        let checks: Vec<Value> = (0..8).map(|_| random_check(&mut rng)).collect();
        cases.push(json!({
            "id": format!("random-{n}"),
            "token": token,
            "jwtKey": issuer.public_key_pem(),
            "nowMs": (T0 + 10) * 1000,
            "checks": checks,
        }));
        tokens.push((token, checks));
    }
    let verdicts = clerk_verdicts(&dir, "oracle.mjs", &cases);
    for (((token, checks), clerk), case) in tokens.iter().zip(&verdicts).zip(&cases) {
        let ours = verifier.verify_at(token, T0 + 10).await;
        let id = case["id"].as_str().expect("id");
        compare(ours.as_ref().map_err(|e| e.reason()), clerk, checks, id);
    }
}

#[tokio::test]
async fn time_checks_agree_with_clerk_sdk_at_every_edge() {
    let Some(dir) = oracle_dir() else { return };
    let issuer = DevIssuer::new().expect("dev issuer");
    let verifier = issuer.verifier().expect("verifier");
    let token = issuer.mint(
        &DevSession::new("user_time")
            .issued_at(T0)
            .lifetime(Duration::from_secs(60)),
    );
    // iat = T0, nbf = T0 - 5, exp = T0 + 60, default skew 5 s on both sides.
    let offsets = [
        -12_i64, -11, -10, -9, -6, -5, -4, 0, 30, 59, 60, 64, 65, 66, 90,
    ];
    let cases: Vec<Value> = offsets
        .iter()
        .map(|o| {
            json!({ "id": format!("now{o:+}"), "token": token, "jwtKey": issuer.public_key_pem(),
                    "nowMs": (T0 + o) * 1000, "checks": [] })
        })
        .collect();
    let verdicts = clerk_verdicts(&dir, "oracle.mjs", &cases);
    for ((o, clerk), case) in offsets.iter().zip(&verdicts).zip(&cases) {
        let ours = verifier.verify_at(&token, T0 + o).await;
        let id = case["id"].as_str().expect("id");
        compare(ours.as_ref().map_err(|e| e.reason()), clerk, &[], id);
    }
}

#[tokio::test]
async fn rejections_agree_with_clerk_sdk() {
    let Some(dir) = oracle_dir() else { return };
    let issuer = DevIssuer::new().expect("dev issuer");
    let other = DevIssuer::new().expect("second issuer");
    let now = issuer.now();
    let good = issuer.mint(&DevSession::new("user_ok").azp("https://app.example.com"));
    let (head, rest) = good.split_once('.').expect("three parts");
    let (payload, sig) = rest.split_once('.').expect("three parts");
    let body = |claims: &Value| {
        let mut c = claims.clone();
        c["iat"] = json!(now);
        c["nbf"] = json!(now - 5);
        c["exp"] = json!(now + 60);
        c.to_string()
    };
    let session_claims =
        json!({ "sub": "user_raw", "sid": "sess_raw", "iss": issuer.issuer(), "v": 2 });
    let header = |alg: &str| json!({ "alg": alg, "kid": issuer.kid(), "typ": "JWT" }).to_string();
    let mut tampered_sig = sig.to_string();
    tampered_sig.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
    let plain = DevSession::new("user_plain");
    let cases: Vec<(&str, String, Option<Vec<&str>>)> = vec![
        ("valid", good.clone(), None),
        (
            "azp-allowed",
            good.clone(),
            Some(vec!["https://app.example.com"]),
        ),
        (
            "azp-not-allowed",
            good.clone(),
            Some(vec!["https://other.example.com"]),
        ),
        (
            "azp-missing",
            issuer.mint(&plain),
            Some(vec!["https://app.example.com"]),
        ),
        ("wrong-key", other.mint(&plain), None),
        (
            "tampered-signature",
            format!("{head}.{payload}.{tampered_sig}"),
            None,
        ),
        (
            "tampered-payload",
            format!(
                "{head}.{}.{sig}",
                issuer.mint(&plain).split('.').nth(1).expect("payload")
            ),
            None,
        ),
        (
            "alg-none",
            format!(
                "{}.{payload}.",
                b64(&json!({"alg":"none","typ":"JWT"}).to_string())
            ),
            None,
        ),
        (
            "alg-hs256",
            issuer.mint_raw(&header("HS256"), &body(&session_claims)),
            None,
        ),
        (
            "rs384-header",
            issuer.mint_raw(&header("RS384"), &body(&session_claims)),
            None,
        ),
        ("two-parts", format!("{head}.{payload}"), None),
        (
            "not-json",
            format!("{}.{}.{sig}", b64("nope"), b64("{}")),
            None,
        ),
    ];
    let oracle_cases: Vec<Value> = cases
        .iter()
        .map(|(id, token, parties)| {
            json!({ "id": id, "token": token, "jwtKey": issuer.public_key_pem(),
                    "nowMs": (now + 1) * 1000, "authorizedParties": parties, "checks": [] })
        })
        .collect();
    let verdicts = clerk_verdicts(&dir, "oracle.mjs", &oracle_cases);
    for ((id, token, parties), clerk) in cases.iter().zip(&verdicts) {
        let mut builder = Verifier::builder()
            .pem(issuer.public_key_pem())
            .clock(move || now + 1);
        if let Some(parties) = parties {
            builder = builder.authorized_parties(parties.iter().copied());
        }
        let verifier = builder.build().expect("verifier");
        let ours = verifier.verify_at(token, now + 1).await;
        compare_or_pinned(ours.as_ref().map_err(|e| e.reason()), clerk, id);
    }
}

/// [`compare`] without checks, unless `id` is a pinned difference: then both
/// answers must still be the pinned ones.
fn compare_or_pinned(ours: Result<&clerk_runtime::Auth, &str>, clerk: &Value, id: &str) {
    let Some((_, theirs, mine, why)) = KNOWN_DIFFERENCES.iter().find(|d| d.0 == id) else {
        return compare(ours, clerk, &[], id);
    };
    let clerk_said = if clerk["ok"] == true {
        "ok"
    } else {
        clerk["reason"].as_str().unwrap_or("?")
    };
    assert_eq!(clerk_said, *theirs, "{id}: Clerk's answer changed ({why})");
    assert_eq!(ours.err(), Some(*mine), "{id}: ours changed ({why})");
}

/// Clerk's category codes (and an unknown one, and none) on a session's
/// claims: as a session token, against `authenticateRequest`'s header path,
/// and as a template token, against `verifyToken`.
#[tokio::test]
async fn categories_agree_with_clerk_sdk() {
    let Some(dir) = oracle_dir() else { return };
    let issuer = DevIssuer::new().expect("dev issuer");
    let now = issuer.now();
    let claims = json!({
        "sub": "user_cat", "sid": "sess_cat", "iss": issuer.issuer(), "v": 2,
        "iat": now, "nbf": now - 5, "exp": now + 60,
    })
    .to_string();
    let codes = [
        ("session", Some("cl_B7d4PD111AAA")),
        ("template", Some("cl_B7d4PD222AAA")),
        ("m2m", Some("cl_B7d4PD333AAA")),
        ("ignore", Some("cl_I7d4PD111III")),
        ("unknown", Some("cl_B7d4PD999AAA")),
        ("none", None),
    ];
    let mut tokens: Vec<(String, String)> = codes
        .iter()
        .map(|(name, cat)| {
            let mut header = json!({ "alg": "RS256", "kid": issuer.kid(), "typ": "JWT" });
            if let Some(cat) = cat {
                header["cat"] = json!(cat);
            }
            (
                name.to_string(),
                issuer.mint_raw(&header.to_string(), &claims),
            )
        })
        .collect();
    // What the dev issuer mints, with its own codes.
    tokens.push((
        "dev-session".into(),
        issuer.mint(&DevSession::new("user_cat")),
    ));
    let dev_template = issuer.mint_template(
        "supabase",
        json!({"aud": "authenticated"}),
        Duration::from_secs(60),
    );
    tokens.push(("dev-template".into(), dev_template));
    let mut cases = Vec::new();
    for (name, token) in &tokens {
        for mode in ["request", "verify"] {
            let id = match mode {
                "request" => format!("session-cat-{name}"),
                _ => format!("template-verify-cat-{name}"),
            };
            cases.push(
                json!({ "id": id, "token": token, "jwtKey": issuer.public_key_pem(),
                               "nowMs": (now + 1) * 1000, "mode": mode, "checks": [] }),
            );
        }
    }
    let verdicts = clerk_verdicts(&dir, "oracle.mjs", &cases);
    let session = Verifier::builder()
        .pem(issuer.public_key_pem())
        .build()
        .expect("verifier");
    let template = Verifier::builder()
        .pem(issuer.public_key_pem())
        .kind(TokenKind::Template)
        .build()
        .expect("template verifier");
    for (case, clerk) in cases.iter().zip(&verdicts) {
        let id = case["id"].as_str().expect("id");
        let token = case["token"].as_str().expect("token");
        let verifier = if case["mode"] == "request" {
            &session
        } else {
            &template
        };
        let ours = verifier.verify_at(token, now + 1).await;
        compare_or_pinned(ours.as_ref().map_err(|e| e.reason()), clerk, id);
    }
}

fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
