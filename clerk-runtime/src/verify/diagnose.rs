//! Why a token passes or fails, step by step, and what the key cache holds:
//! for tools (the example's `doctor`), never for the request path.
//!
//! [`Verifier::diagnose`] runs the same pipeline as [`Verifier::verify`]
//! (`pipeline.rs`, told of each step through a trace), so the step it names
//! is the step a request fails at, with the same [`VerifyError`] and
//! [`VerifyError::reason`]. [`Verifier::key_status`] and
//! [`Verifier::refresh_keys`] show the JWKS cache: key ids, modulus sizes,
//! how long ago the set was fetched, the last fetch error.

use std::time::Duration;

use crate::auth::Auth;
use crate::error::VerifyError;

use super::keys::{CachePolicy, VerifyingKey};
use super::pipeline::Trace;
use super::{Keys, Verifier};

/// One check of the verification pipeline, in the order it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Size limit, three base64url parts, JSON object header and payload.
    Parse,
    /// Clerk's `cat` code, OAuth `typ`, machine `sub`, and a `sid` for sessions.
    Category,
    /// `typ`, if present, is `JWT`.
    Typ,
    /// `alg` is RS256.
    Alg,
    /// The key for `kid` (JWKS fetch and cache, or the PEM key) and the signature.
    Signature,
    /// The signed claims have the expected JSON types.
    ClaimTypes,
    /// `sub` is a string.
    Subject,
    /// `aud` overlaps the configured audience (when one is configured).
    Audience,
    /// `azp` is one of the authorized parties (when some are configured).
    AuthorizedParty,
    /// `exp` (required), `nbf`, `iat`, with the clock skew.
    Times,
    /// `iss` equals the configured issuer (when one is configured).
    Issuer,
    /// The claims decode into [`Auth`] (organization, v2 permission masks, limits).
    Decode,
    /// The session or user is not revoked, and revocations are in sync.
    Revocation,
}

impl Step {
    /// Every step, in pipeline order.
    pub const ALL: [Step; 13] = [
        Step::Parse,
        Step::Category,
        Step::Typ,
        Step::Alg,
        Step::Signature,
        Step::ClaimTypes,
        Step::Subject,
        Step::Audience,
        Step::AuthorizedParty,
        Step::Times,
        Step::Issuer,
        Step::Decode,
        Step::Revocation,
    ];

    /// A short name for printing (`parse`, `key+signature`, `azp`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Step::Parse => "parse",
            Step::Category => "category",
            Step::Typ => "typ",
            Step::Alg => "alg",
            Step::Signature => "key+signature",
            Step::ClaimTypes => "claim types",
            Step::Subject => "sub",
            Step::Audience => "aud",
            Step::AuthorizedParty => "azp",
            Step::Times => "times",
            Step::Issuer => "iss",
            Step::Decode => "decode",
            Step::Revocation => "revocation",
        }
    }
}

/// What happened at one [`Step`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The check ran and passed.
    Passed,
    /// The check ran and refused the token: the error [`Verifier::verify`] returns.
    Failed(VerifyError),
    /// The verifier is not configured for this check (no audience,
    /// authorized parties or issuer), so it is not enforced.
    NotConfigured,
    /// An earlier step failed, so this one did not run.
    NotRun,
}

/// The outcome of every step for one token, and the result.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Diagnosis {
    /// Every [`Step`] in order ([`Step::ALL`]) with its outcome.
    pub steps: Vec<(Step, Outcome)>,
    /// The session, or the error of the failed step.
    pub result: Result<Auth, VerifyError>,
}

impl Diagnosis {
    /// The step that refused the token, with its error.
    pub fn failure(&self) -> Option<(Step, &VerifyError)> {
        self.steps.iter().find_map(|(step, outcome)| match outcome {
            Outcome::Failed(err) => Some((*step, err)),
            _ => None,
        })
    }
}

/// Records which steps the pipeline entered or skipped.
#[derive(Default)]
struct Recorder {
    entered: Vec<Step>,
    skipped: Vec<Step>,
}

impl Trace for Recorder {
    fn enter(&mut self, step: Step) {
        self.entered.push(step);
    }
    fn skip(&mut self, step: Step) {
        self.skipped.push(step);
    }
}

impl Recorder {
    fn outcomes(&self, error: Option<&VerifyError>) -> Vec<(Step, Outcome)> {
        let failed = error.and_then(|_| self.entered.last().copied());
        Step::ALL
            .iter()
            .map(|&step| {
                let outcome = if Some(step) == failed {
                    // `failed` is only set when there is an error.
                    Outcome::Failed(error.cloned().unwrap_or(VerifyError::VerificationFailed))
                } else if self.entered.contains(&step) {
                    Outcome::Passed
                } else if self.skipped.contains(&step) {
                    Outcome::NotConfigured
                } else {
                    Outcome::NotRun
                };
                (step, outcome)
            })
            .collect()
    }
}

impl Verifier {
    /// Verify `token` as [`Verifier::verify`] does and report every step
    /// ([`Diagnosis`]), against the verifier's clock.
    ///
    /// The verified-token cache is bypassed (every check runs) and left
    /// untouched; the key cache is used and filled as for a request. One
    /// difference in order: a fail-closed revocation broadcast that is out
    /// of sync is reported at [`Step::Revocation`], after the other checks,
    /// where [`Verifier::verify`] refuses before them.
    ///
    /// ```
    /// # async fn run() -> Result<(), clerk_runtime::ConfigError> {
    /// use clerk_runtime::dev::{DevIssuer, DevSession};
    /// use clerk_runtime::verify::diagnose::{Outcome, Step};
    /// let issuer = DevIssuer::new()?;
    /// let verifier = issuer.verifier()?;
    /// let diagnosis = verifier.diagnose("not.a.jwt").await;
    /// assert_eq!(diagnosis.failure().map(|(step, e)| (step, e.reason())), Some((Step::Parse, "token-invalid")));
    /// let diagnosis = verifier.diagnose(&issuer.mint(&DevSession::new("user_1"))).await;
    /// assert!(diagnosis.result.is_ok());
    /// assert_eq!(diagnosis.steps[0], (Step::Parse, Outcome::Passed));
    /// # Ok(()) }
    /// ```
    pub async fn diagnose(&self, token: &str) -> Diagnosis {
        self.diagnose_at(token, self.now()).await
    }

    /// [`Verifier::diagnose`] as of `now` (unix seconds).
    pub async fn diagnose_at(&self, token: &str, now: i64) -> Diagnosis {
        let mut recorder = Recorder::default();
        let result = match self.run_checks(token, now, &mut recorder).await {
            Err(err) => Err(err),
            Ok(verified) => {
                recorder.enter(Step::Revocation);
                if self
                    .inner
                    .revocations_unavailable
                    .load(std::sync::atomic::Ordering::Relaxed)
                {
                    Err(VerifyError::RevocationsUnavailable)
                } else if self.inner.cache.is_refused(&verified.auth, now) {
                    Err(VerifyError::SessionRevoked)
                } else {
                    Ok(verified.auth)
                }
            }
        };
        Diagnosis {
            steps: recorder.outcomes(result.as_ref().err()),
            result,
        }
    }

    /// The key source and cache as they stand, without fetching.
    pub fn key_status(&self) -> KeyStatus {
        match &self.inner.keys {
            Keys::Static(key) => KeyStatus {
                source: KeySource::Pem,
                keys: vec![KeyInfo::of(key)],
                cache: CacheState::Static,
                fetched_ago: None,
                last_attempt_ago: None,
                last_error: None,
                fetches: 0,
                policy: None,
            },
            Keys::Remote(remote) => {
                let view = remote.view();
                let ago = |t: Option<std::time::Instant>| {
                    t.map(|t| view.now.saturating_duration_since(t))
                };
                let fetched_ago = ago(view.fetched_at);
                let cache = match fetched_ago {
                    None => CacheState::Empty,
                    Some(age) if age >= view.policy.max_stale => CacheState::TooStale,
                    Some(age) if age < view.policy.ttl => CacheState::Fresh {
                        refresh_in: view.policy.ttl - age,
                    },
                    Some(_) => CacheState::Stale,
                };
                KeyStatus {
                    source: KeySource::Remote { url: view.url },
                    keys: view.keys.iter().map(|k| KeyInfo::of(k)).collect(),
                    cache,
                    fetched_ago,
                    last_attempt_ago: ago(view.last_attempt),
                    last_error: view.last_error,
                    fetches: view.fetches,
                    policy: Some(view.policy),
                }
            }
        }
    }

    /// Fetch the key set now, whatever the cache's TTL and unknown-kid
    /// cooldown say, and report the cache afterwards; the fetch's error
    /// (`secret-key-invalid` for a 401, `jwk-remote-failed-to-load` for a
    /// connection failure or a non-2xx answer, `jwk-remote-invalid` for a
    /// broken document) if it failed. One request per call, so not for a
    /// request path. A PEM verifier fetches nothing and reports its key.
    pub async fn refresh_keys(&self) -> Result<KeyStatus, VerifyError> {
        if let Keys::Remote(remote) = &self.inner.keys {
            remote.refresh_now().await?;
        }
        Ok(self.key_status())
    }
}

/// Where a verifier's keys come from, as [`KeyStatus`] reports it (no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// A PEM public key (`CLERK_JWT_KEY`): networkless, `kid` ignored.
    Pem,
    /// A JWKS fetched from `url` (the Backend API's `/v1/jwks` or a public URL).
    Remote {
        /// The URL fetched; the secret key is sent in a header, never in it.
        url: String,
    },
}

/// One usable key of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyInfo {
    /// The key id (`ins_...` for Clerk), if the JWK had one.
    pub kid: Option<String>,
    /// The algorithm the key verifies: always RS256, the only one accepted.
    pub algorithm: &'static str,
    /// Size of the RSA modulus in bits.
    pub modulus_bits: u32,
    /// Whether the size is within 2048..=8192 bits, so the key can verify.
    pub usable: bool,
}

impl KeyInfo {
    fn of(key: &VerifyingKey) -> Self {
        let bits = key.modulus_bits();
        Self {
            kid: key.kid().map(str::to_owned),
            algorithm: crate::token::ALG_RS256,
            modulus_bits: bits,
            usable: (2048..=8192).contains(&bits),
        }
    }
}

/// The state of the JWKS cache ([`CachePolicy`] gives the durations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheState {
    /// A PEM key: nothing to fetch or expire.
    Static,
    /// No key set was ever fetched successfully.
    Empty,
    /// Within the TTL: served without fetching.
    Fresh {
        /// Time left until a lookup refetches.
        refresh_in: Duration,
    },
    /// Past the TTL: the next lookup refetches; served meanwhile while Clerk fails.
    Stale,
    /// Past [`CachePolicy::max_stale`]: the keys no longer verify until a fetch succeeds.
    TooStale,
}

/// What a verifier's key source holds ([`Verifier::key_status`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KeyStatus {
    /// Where the keys come from.
    pub source: KeySource,
    /// The usable keys (RS256 RSA keys that imported), in document order.
    pub keys: Vec<KeyInfo>,
    /// Fresh, stale, ...
    pub cache: CacheState,
    /// Time since the last successful fetch (`None`: never, or a PEM key).
    pub fetched_ago: Option<Duration>,
    /// Time since the last fetch attempt, successful or not.
    pub last_attempt_ago: Option<Duration>,
    /// The error of the last attempt, when it failed.
    pub last_error: Option<VerifyError>,
    /// Fetch attempts so far.
    pub fetches: u64,
    /// The cache timing (`None` for a PEM key).
    pub policy: Option<CachePolicy>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::{DevIssuer, DevSession};

    #[tokio::test]
    async fn a_diagnosis_fails_where_and_as_verify_fails() {
        let issuer = DevIssuer::new().unwrap();
        let verifier = issuer.verifier().unwrap();
        let now = issuer.now();
        let other = DevIssuer::new()
            .unwrap()
            .with_issuer("https://other.example");
        let cases = [
            ("x".repeat(crate::token::MAX_TOKEN_BYTES + 1), Step::Parse),
            ("a.b".to_owned(), Step::Parse),
            (
                issuer.mint_template("t", serde_json::json!({}), Duration::from_secs(60)),
                Step::Category,
            ),
            (
                issuer.mint(&DevSession::new("u").issued_at(now - 600)),
                Step::Times,
            ),
            (other.mint(&DevSession::new("u")), Step::Signature),
        ];
        for (token, step) in cases {
            let diagnosis = verifier.diagnose_at(&token, now).await;
            let expected = verifier.verify_at(&token, now).await.unwrap_err();
            assert_eq!(diagnosis.failure(), Some((step, &expected)), "{step:?}");
            assert_eq!(diagnosis.result.as_ref().unwrap_err(), &expected);
            let failed = Step::ALL.iter().position(|s| *s == step).unwrap();
            for (later, outcome) in &diagnosis.steps[failed + 1..] {
                assert_eq!(outcome, &Outcome::NotRun, "{later:?} after {step:?}");
            }
        }
    }

    #[tokio::test]
    async fn unconfigured_checks_are_reported_as_such_and_revocation_runs_last() {
        let issuer = DevIssuer::new().unwrap();
        let verifier = Verifier::from_pem(&issuer.public_key_pem()).unwrap();
        let token = issuer.mint(&DevSession::new("user_1"));
        let diagnosis = verifier.diagnose(&token).await;
        assert!(diagnosis.result.is_ok());
        let outcome = |step| {
            diagnosis
                .steps
                .iter()
                .find(|(s, _)| *s == step)
                .unwrap()
                .1
                .clone()
        };
        for step in [Step::Audience, Step::AuthorizedParty, Step::Issuer] {
            assert_eq!(outcome(step), Outcome::NotConfigured, "{step:?}");
        }
        assert_eq!(outcome(Step::Signature), Outcome::Passed);
        verifier.revoke_session("sess_dev_user_1");
        let revoked = verifier.diagnose(&token).await;
        assert_eq!(
            revoked.failure(),
            Some((Step::Revocation, &VerifyError::SessionRevoked))
        );
    }

    #[test]
    fn a_pem_verifier_reports_its_one_key_and_no_cache() {
        let issuer = DevIssuer::new().unwrap();
        let status = issuer.verifier().unwrap().key_status();
        assert_eq!(status.source, KeySource::Pem);
        assert_eq!(status.cache, CacheState::Static);
        assert_eq!(status.keys.len(), 1);
        assert_eq!(status.keys[0].modulus_bits, 2048);
        assert!(status.keys[0].usable);
    }

    #[tokio::test]
    async fn refresh_keys_fetches_and_reports_age_and_kids() {
        let issuer = DevIssuer::new().unwrap();
        let server = issuer
            .serve(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let verifier = Verifier::from_jwks_url(&server.jwks_url()).unwrap();
        assert_eq!(verifier.key_status().cache, CacheState::Empty);
        let status = verifier.refresh_keys().await.unwrap();
        assert_eq!(status.keys[0].kid.as_deref(), Some(issuer.kid()));
        assert!(matches!(status.cache, CacheState::Fresh { .. }));
        assert_eq!(status.fetches, 1);
        assert!(
            status
                .fetched_ago
                .is_some_and(|d| d < Duration::from_secs(5))
        );
        server.shutdown().await;
        // Down now: the fetch fails, the keys fetched before stay (served stale).
        let err = verifier.refresh_keys().await.unwrap_err();
        assert_eq!(err.reason(), crate::reason::JWK_REMOTE_FAILED_TO_LOAD);
        let after = verifier.key_status();
        assert_eq!(after.keys.len(), 1);
        assert_eq!(after.last_error, Some(err));
        assert_eq!(after.fetches, 2);
    }
}
