//! `doctor jwks`: fetch the key set the way the app's verifier does
//! (`Verifier::refresh_keys`) and show what its cache holds.

use std::time::Duration;

use clerk_runtime::Verifier;
use clerk_runtime::config::{DEFAULT_API_URL, frontend_api_from_publishable_key};
use clerk_runtime::verify::diagnose::{CacheState, KeySource, KeyStatus};
use clerk_runtime::verify::keys::JwksSource;

use crate::explain::{self, Context};
use crate::{Check, UsageError, failure_detail, redact};

/// `jwks` options.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `--url URL`: fetch this public JWKS URL.
    pub url: Option<String>,
    /// `--frontend`: the Frontend API of the publishable key, even with a secret key.
    pub frontend: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, UsageError> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--url" => {
                    let url = args
                        .next()
                        .ok_or_else(|| UsageError::Bad("--url needs a URL".into()))?;
                    options.url = Some(url.clone());
                }
                "--frontend" => options.frontend = true,
                other => {
                    return Err(UsageError::Bad(format!("unknown `jwks` option `{other}`")));
                }
            }
        }
        if options.url.is_some() && options.frontend {
            return Err(UsageError::Bad(
                "--url and --frontend name two sources: pass one".into(),
            ));
        }
        Ok(options)
    }
}

/// Where the keys come from, and how to say so without the secret.
pub(crate) fn source(
    options: &Options,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(JwksSource, String), Check> {
    let var = |name: &str| {
        env(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(url) = &options.url {
        return Ok((JwksSource::Url(url.clone()), url.clone()));
    }
    let secret = var("CLERK_SECRET_KEY").filter(|_| !options.frontend);
    if let Some(secret_key) = secret {
        let api_url = var("CLERK_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let source = JwksSource::BackendApi {
            api_url,
            secret_key: secret_key.clone(),
        };
        let described = format!(
            "Backend API {} with CLERK_SECRET_KEY {}",
            source.url(),
            redact(&secret_key)
        );
        return Ok((source, described));
    }
    match var("CLERK_PUBLISHABLE_KEY") {
        Some(pk) => match frontend_api_from_publishable_key(&pk) {
            Ok(host) => {
                let source = JwksSource::frontend_api(&host);
                let described = format!("Frontend API {}", source.url());
                Ok((source, described))
            }
            Err(err) => Err(Check::fail("source", format!("{err} (run `doctor env`)"))),
        },
        None if options.frontend => Err(Check::fail(
            "source",
            "--frontend needs CLERK_PUBLISHABLE_KEY (its Frontend API serves the key set)",
        )),
        None => Err(Check::fail(
            "source",
            "no key source: set CLERK_SECRET_KEY (Backend API) or CLERK_PUBLISHABLE_KEY \
             (Frontend API), or pass --url",
        )),
    }
}

pub async fn run(options: &Options, env: &dyn Fn(&str) -> Option<String>) -> Vec<Check> {
    let (source, described) = match source(options, env) {
        Ok(found) => found,
        Err(check) => return vec![check],
    };
    let mut checks = vec![Check::info("source", described.clone())];
    let verifier = match Verifier::builder().jwks_source(source).build() {
        Ok(verifier) => verifier,
        Err(err) => {
            checks.push(Check::fail("source", err.to_string()));
            return checks;
        }
    };
    match verifier.refresh_keys().await {
        Ok(status) => {
            checks.push(Check::pass(
                "fetch",
                format!("{} usable key(s)", status.keys.len()),
            ));
            checks.extend(key_lines(&status));
            checks.push(Check::info("cache", cache_line(&status)));
        }
        Err(err) => {
            let cx = Context {
                key_source: &described,
                ..Context::default()
            };
            checks.push(Check::fail(
                "fetch",
                failure_detail(&err, &explain::explain(&err, &cx)),
            ));
        }
    }
    checks
}

/// One line a key: kid, algorithm, modulus size.
pub(crate) fn key_lines(status: &KeyStatus) -> Vec<Check> {
    status
        .keys
        .iter()
        .map(|key| {
            let name = match (&status.source, key.kid.as_deref()) {
                (KeySource::Pem, _) => "key (PEM)".to_owned(),
                (_, Some(kid)) => format!("key {kid}"),
                (_, None) => "key (no kid)".to_owned(),
            };
            let detail = format!("{}, {}-bit modulus", key.algorithm, key.modulus_bits);
            if key.usable {
                Check::pass(name, detail)
            } else {
                Check::fail(
                    name,
                    format!("{detail}: outside 2048..=8192 bits, cannot verify"),
                )
            }
        })
        .collect()
}

fn secs(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{} h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// The key cache's state in words: age, freshness, what happens next.
pub(crate) fn cache_line(status: &KeyStatus) -> String {
    let age = status.fetched_ago.map_or_else(
        || "never fetched".to_owned(),
        |d| format!("fetched {} ago", secs(d)),
    );
    let Some(policy) = status.policy else {
        return "PEM key: nothing fetched, nothing expires".to_owned();
    };
    let state = match status.cache {
        CacheState::Fresh { refresh_in } => format!("fresh, refetched in {}", secs(refresh_in)),
        CacheState::Stale => "stale: the next lookup refetches".to_owned(),
        CacheState::TooStale => "too stale: no longer verifies until a fetch succeeds".to_owned(),
        CacheState::Empty => "empty".to_owned(),
        _ => format!("{:?}", status.cache),
    };
    format!(
        "{age}, {state} (TTL {}; an unknown kid refetches at most once per {}; \
         known keys keep verifying for {} while Clerk is unreachable); {} fetch(es)",
        secs(policy.ttl),
        secs(policy.unknown_kid_cooldown),
        secs(policy.max_stale),
        status.fetches
    )
}
