//! Arbitrary bytes as a `Cookie` header (`__session` and an arbitrary
//! `__client_uat`, plus whatever else the input holds), through the real
//! `ClerkLayer` service and through `token_source` + `verify_at`.
//!
//! Oracle: only the minted token verifies, and the layer never says
//! signed-in for a cookie without a positive `__client_uat` at or before the
//! token's `iat`.
#![no_main]

use std::convert::Infallible;

use arbitrary::Arbitrary;
use clerk_fuzz::{NOW, fixture};
use clerk_runtime::token::source::{TokenSource, token_source};
use clerk_runtime::{AuthState, ClerkLayer};
use http::{HeaderMap, HeaderValue, Request, header::COOKIE};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use tower_layer::Layer;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// Use the minted token as the session cookie (tampered by `flips`).
    genuine: bool,
    flips: Vec<(u16, u8)>,
    session: &'a [u8],
    client_uat: &'a [u8],
    /// Extra raw cookie text before and after ours.
    before: &'a [u8],
    after: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let fx = fixture();
    let session: Vec<u8> = if input.genuine {
        let mut token = fx.valid_token.clone().into_bytes();
        for (pos, bits) in &input.flips {
            let pos = usize::from(*pos) % token.len();
            token[pos] ^= bits;
        }
        token
    } else {
        input.session.to_vec()
    };
    let mut cookie = input.before.to_vec();
    cookie.extend_from_slice(b"; __session=");
    cookie.extend_from_slice(&session);
    cookie.extend_from_slice(b"; __client_uat=");
    cookie.extend_from_slice(input.client_uat);
    cookie.extend_from_slice(b"; ");
    cookie.extend_from_slice(input.after);
    let Ok(value) = HeaderValue::from_bytes(&cookie) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, value.clone());

    // The pure path.
    if let TokenSource::Cookie { token, .. } = token_source(&headers, None) {
        if let Ok(auth) = fx.runtime.block_on(fx.verifier.verify_at(token, NOW)) {
            assert_eq!(
                token, fx.valid_token,
                "a cookie token we did not mint verified"
            );
            assert_eq!(auth.user_id(), "user_fuzz");
        }
    }

    // The layer, as a request sees it.
    let service = ClerkLayer::new(fx.verifier.clone()).layer(tower::service_fn(
        |req: Request<()>| async move {
            let state = req.extensions().get::<AuthState>().cloned();
            Ok::<_, Infallible>(http::Response::new(state))
        },
    ));
    let request = Request::builder()
        .header(COOKIE, value)
        .body(())
        .expect("valid request");
    let state = fx
        .runtime
        .block_on(async move { service.oneshot(request).await })
        .expect("infallible")
        .into_body()
        .expect("the layer always stores an AuthState");
    if let AuthState::SignedIn(auth) = &state {
        let (token, uat) = match token_source(&headers, None) {
            TokenSource::Cookie { token, client_uat } => (token, client_uat),
            other => panic!("signed in without a cookie token: {other:?}"),
        };
        assert_eq!(token, fx.valid_token);
        let uat = uat.expect("signed in without __client_uat");
        assert!(uat > 0, "signed in with __client_uat {uat}");
        assert!(auth.issued_at().is_some_and(|iat| iat >= uat));
    }
});
