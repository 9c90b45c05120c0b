//! JWKS response parsing: `KeySet::from_jwks_json` on arbitrary bytes.
//!
//! Oracle: a parsed set never holds more than `MAX_JWKS_KEYS` keys, every
//! key is findable by its kid, and no key of a fuzzed set verifies the
//! minted token unless it is the issuer's own key (the seed carries it).
#![no_main]

use clerk_fuzz::fixture;
use clerk_runtime::verify::keys::{KeySet, MAX_JWKS_KEYS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(set) = KeySet::from_jwks_json(data) else {
        return;
    };
    assert!(set.len() <= MAX_JWKS_KEYS);
    let fx = fixture();
    let (signing_input, signature) = fx
        .valid_token
        .rsplit_once('.')
        .expect("a minted token has three parts");
    let signature = base64_url_decode(signature);
    let own_n = fx.issuer.jwk()["n"].as_str().map(str::to_owned);
    let text = String::from_utf8_lossy(data);
    for kid in [Some(fx.issuer.kid()), Some(""), None] {
        if let Some(key) = set.get(kid) {
            assert_eq!(key.kid(), kid);
            if key.verify(signing_input.as_bytes(), &signature).is_ok() {
                // Only the issuer's modulus can verify its signature.
                let own_n = own_n.as_deref().expect("issuer JWK has n");
                assert!(text.contains(own_n), "a foreign key verified the token");
            }
        }
    }
});

fn base64_url_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
