//! Property tests of the signature boundary: a token changed in any one
//! byte is refused, and a token never verifies under a key other than the
//! one that signed it (even when both keys share a `kid`).

use std::sync::OnceLock;

use clerk_runtime::{DevIssuer, DevSession, Verifier};
use proptest::prelude::*;

const NOW: i64 = 1_850_000_000;
const KEYS: usize = 3;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    /// Same `kid` on every issuer: only the key itself may tell them apart.
    issuers: Vec<DevIssuer>,
    verifiers: Vec<Verifier>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let issuers: Vec<DevIssuer> = (0..KEYS)
            .map(|_| {
                DevIssuer::new()
                    .expect("dev issuer")
                    .with_kid("ins_shared")
                    .with_clock(|| NOW)
            })
            .collect();
        let verifiers = issuers
            .iter()
            .map(|i| i.verifier().expect("verifier"))
            .collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        Fixture {
            runtime,
            issuers,
            verifiers,
        }
    })
}

/// A session and whether to mint it as a v1 token.
fn session() -> impl Strategy<Value = (DevSession, bool)> {
    ("[a-zA-Z0-9_]{1,20}", "[a-z0-9_]{0,12}", any::<bool>()).prop_map(|(user, org, v1)| {
        let session = DevSession::new(format!("user_{user}")).session_id(format!("sess_{user}"));
        let session = if org.is_empty() {
            session
        } else {
            session.org(format!("org_{org}"), org.clone(), "org:admin")
        };
        (session, v1)
    })
}

fn mint(issuer: &DevIssuer, (session, v1): &(DevSession, bool)) -> String {
    if *v1 {
        issuer.mint_v1(session)
    } else {
        issuer.mint(session)
    }
}

fn verifies(verifier: &Verifier, token: &str) -> bool {
    fixture()
        .runtime
        .block_on(verifier.verify_at(token, NOW))
        .is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_token_changed_in_one_byte_is_refused(
        session in session(),
        signer in 0..KEYS,
        position in any::<prop::sample::Index>(),
        replacement in 0x21u8..0x7f,
    ) {
        let fx = fixture();
        let token = mint(&fx.issuers[signer], &session);
        prop_assert!(verifies(&fx.verifiers[signer], &token), "the untouched token verifies");
        let mut bytes = token.clone().into_bytes();
        let i = position.index(bytes.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let tampered = String::from_utf8(bytes).expect("ASCII stays UTF-8");
        prop_assert!(!verifies(&fx.verifiers[signer], &tampered), "byte {i} -> {:?}", replacement as char);
    }

    #[test]
    fn a_token_verifies_only_under_the_key_that_signed_it(
        session in session(),
        signer in 0..KEYS,
        other in 1..KEYS,
    ) {
        let fx = fixture();
        let token = mint(&fx.issuers[signer], &session);
        let verifier = (signer + other) % KEYS;
        prop_assert!(verifies(&fx.verifiers[signer], &token));
        prop_assert!(!verifies(&fx.verifiers[verifier], &token));
    }
}
