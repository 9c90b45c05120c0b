//! Shared fixtures of the fuzz targets: one dev issuer (fixed clock), a PEM
//! verifier for it, one valid token, and a single-threaded runtime.

use std::sync::OnceLock;

use clerk_runtime::{DevIssuer, DevSession, Verifier};

pub mod catalog;

/// The verification clock of every target (unix seconds).
pub const NOW: i64 = 1_900_000_000;

/// Everything a target needs, built once per process.
pub struct Fixture {
    /// Signs tokens (its key is random per process, so valid tokens are minted, never stored).
    pub issuer: DevIssuer,
    /// PEM verifier for `issuer`, issuer checked, clock at [`NOW`].
    pub verifier: Verifier,
    /// A valid v2 token of `issuer` at [`NOW`].
    pub valid_token: String,
    /// Runs the verifier's futures.
    pub runtime: tokio::runtime::Runtime,
}

/// The process-wide fixture.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let issuer = DevIssuer::new()
            .expect("RSA key generation")
            .with_clock(|| NOW);
        let verifier = issuer.verifier().expect("PEM verifier");
        let valid_token = issuer.mint(
            &DevSession::new("user_fuzz")
                .session_id("sess_fuzz")
                .issued_at(NOW - 10),
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime");
        Fixture {
            issuer,
            verifier,
            valid_token,
            runtime,
        }
    })
}
