//! Arbitrary bytes as `Authorization: Bearer <bytes>` through
//! `source::token_source` and `Verifier::verify_at` (PEM key).
//!
//! Oracle: nothing but the one token the issuer minted verifies. The first
//! byte picks the mode: raw bytes, or the valid token with the input's bytes
//! XOR-ed in at input-chosen positions (a tampered genuine token).
#![no_main]

use clerk_fuzz::{NOW, fixture};
use clerk_runtime::token::source::{TokenSource, token_source};
use http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fx = fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let token_bytes: Vec<u8> = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let mut token = fx.valid_token.clone().into_bytes();
        for pair in rest.chunks_exact(3) {
            let pos = usize::from(u16::from_le_bytes([pair[0], pair[1]])) % token.len();
            token[pos] ^= pair[2];
        }
        token
    };
    let mut value = b"Bearer ".to_vec();
    value.extend_from_slice(&token_bytes);
    let Ok(value) = HeaderValue::from_bytes(&value) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, value);
    let token = match token_source(&headers, None) {
        TokenSource::Header(token) => token,
        TokenSource::None => return,
        TokenSource::Cookie { .. } => panic!("a Bearer header never reads as a cookie"),
    };
    let result = fx.runtime.block_on(fx.verifier.verify_at(token, NOW));
    match result {
        Ok(auth) => {
            assert_eq!(token, fx.valid_token, "a token we did not mint verified");
            assert_eq!(auth.user_id(), "user_fuzz");
        }
        Err(err) => {
            // Every failure maps to a stable reason string.
            assert!(!err.reason().is_empty());
        }
    }
});
