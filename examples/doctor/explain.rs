//! What a verifier failure means and the usual fix, for one `VerifyError`.
//!
//! The reason string is always the runtime's own (`VerifyError::reason`);
//! this module only adds words for a person. Keyed on the error variant, not
//! the reason, because one reason (`token-invalid`) covers several causes.

use clerk_runtime::VerifyError;
use clerk_runtime::verify::DEFAULT_CLOCK_SKEW;

/// What the failure means and what usually fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub means: String,
    pub fix: String,
}

/// What the doctor knows around the failure: the verifier's settings and
/// what the (unverified) token says, to name concrete values.
#[derive(Debug, Default, Clone, Copy)]
pub struct Context<'a> {
    /// `CLERK_AUTHORIZED_PARTIES` as the verifier uses them.
    pub parties: &'a [String],
    /// The issuer the verifier expects.
    pub issuer: Option<&'a str>,
    /// The token's `iss` and `azp`, read without verifying.
    pub token_iss: Option<&'a str>,
    pub token_azp: Option<&'a str>,
    /// Where keys come from, for the key failures.
    pub key_source: &'a str,
}

fn explained(means: impl Into<String>, fix: impl Into<String>) -> Explanation {
    Explanation {
        means: means.into(),
        fix: fix.into(),
    }
}

fn or_absent(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"))
}

/// Seconds as "N s ago" / "in N s".
pub fn relative(t: i64, now: i64) -> String {
    let d = t.saturating_sub(now);
    if d == 0 {
        "just now".to_owned()
    } else if d > 0 {
        format!("in {d} s")
    } else {
        format!("{} s ago", d.unsigned_abs())
    }
}

/// The explanation of `err`.
pub fn explain(err: &VerifyError, cx: &Context<'_>) -> Explanation {
    let skew = DEFAULT_CLOCK_SKEW.as_secs();
    let clock = "if the token is fresh, this machine's clock is off: compare `date -u` with an \
                 NTP source (sleeping laptops, WSL and containers drift)";
    match err {
        VerifyError::TooLarge { len, max } => explained(
            format!(
                "the token is {len} bytes; anything over {max} bytes is refused before it is parsed"
            ),
            "real session tokens are ~1 KiB: check that only the token was pasted (not a whole \
             header or cookie jar), and move large custom claims out of the session token",
        ),
        VerifyError::Malformed("typ must be JWT") => explained(
            "the header's `typ` is set and is not `JWT`",
            "Clerk session tokens carry `typ: JWT`; this token was not issued by Clerk as a session token",
        ),
        VerifyError::Malformed(what) => explained(
            format!("this is not a compact JWT ({what})"),
            "paste the whole token (three base64url parts separated by dots, starting `eyJ`), \
             without quotes or a `Bearer ` prefix cut in half",
        ),
        VerifyError::TypeMismatch(what) => type_mismatch(what),
        VerifyError::UnsupportedAlgorithm(alg) if alg.is_empty() => explained(
            "the header has no `alg`",
            "only RS256 tokens are accepted; this is not a Clerk token",
        ),
        VerifyError::UnsupportedAlgorithm(alg) if alg.eq_ignore_ascii_case("none") => explained(
            "`alg: none`: an unsigned token",
            "unsigned tokens are never accepted; the token was forged or built by a test tool",
        ),
        VerifyError::UnsupportedAlgorithm(alg) => explained(
            format!(
                "`alg: {alg}`, but only RS256 is accepted (decided before any key is looked at)"
            ),
            "Clerk signs session tokens with RS256; an HS256 token is usually a JWT template \
             signed with a custom signing key, or a token of another system",
        ),
        VerifyError::InvalidSignature => explained(
            "the signature does not match the key with the token's kid",
            "the token was altered (a character lost in copying?), or it was signed by another \
             key with the same kid: fetch a fresh token and check that the JWKS is this instance's",
        ),
        VerifyError::VerificationFailed => explained(
            "the key cannot verify (its modulus is outside 2048..=8192 bits)",
            "check the key set with `doctor jwks`; Clerk's keys are RSA-2048",
        ),
        VerifyError::KidMismatch { kid } => explained(
            format!(
                "no key in the key set ({}) has the token's kid {}",
                cx.key_source,
                or_absent(kid.as_deref())
            ),
            "the token comes from another Clerk instance than the keys: the secret or publishable \
             key belongs to a different instance (development vs production, or another \
             application). Compare the kid with `doctor jwks`",
        ),
        VerifyError::JwksUnavailable(why) => jwks_unavailable(why),
        VerifyError::JwksInvalid(why) => explained(
            format!(
                "{} answered, but not with a usable key set ({why})",
                cx.key_source
            ),
            "the URL points at something that is not a JWKS (a web page, a proxy's error page?): \
             the Backend API serves it at `https://api.clerk.com/v1/jwks`, the Frontend API \
             at `/.well-known/jwks.json`",
        ),
        VerifyError::SecretKeyInvalid => explained(
            "the Backend API answered 401: it does not accept the secret key",
            "copy CLERK_SECRET_KEY again from the dashboard (API keys); it may have been rolled, \
             truncated, or belong to another instance than CLERK_API_URL",
        ),
        VerifyError::InvalidSubject => explained(
            "the signed claims have no `sub` string (Clerk: \"Subject claim (sub) is required and must be a string\")",
            "every Clerk session token has `sub: user_...`; this token was not minted as a session",
        ),
        VerifyError::InvalidClaims(why) => explained(
            format!("the signed claims are not what a session token carries ({why})"),
            "a claim has the wrong type or is over a size limit (`fea`, `pla`, `o.per`, `o.fpm` \
             are capped at 4 KiB, organization permissions at 1024): check custom claims of the \
             session token in the dashboard (Sessions, Customize session token)",
        ),
        VerifyError::InvalidAudience => explained(
            "`aud` does not overlap the configured audience",
            "use the JWT template whose `aud` the service expects, or configure the audience the template sets",
        ),
        VerifyError::InvalidAuthorizedParty => {
            let parties = if cx.parties.is_empty() {
                "none".to_owned()
            } else {
                cx.parties.join(", ")
            };
            explained(
                format!(
                    "azp {} is not one of CLERK_AUTHORIZED_PARTIES ({parties})",
                    or_absent(cx.token_azp)
                ),
                "azp is the origin of the page that asked for the token: add that exact origin \
                 (scheme://host[:port], no trailing slash) to CLERK_AUTHORIZED_PARTIES. A token \
                 without azp (from a script or the Backend API) never passes once parties are set",
            )
        }
        VerifyError::Expired { exp, now } => explained(
            format!(
                "the token expired {} (exp {exp}, now {now}, {skew} s of skew tolerated)",
                relative(*exp, *now)
            ),
            format!(
                "session tokens live 60 s: clerk-js refreshes them every ~50 s while a page is \
                 open, so take a fresh one (`await window.Clerk.session.getToken()`, or the \
                 `__session` cookie right after a page load) and retry at once; {clock}"
            ),
        ),
        VerifyError::NotActiveYet { nbf, now } => explained(
            format!(
                "the token is not valid before {nbf}, {} (more than the {skew} s skew)",
                relative(*nbf, *now)
            ),
            format!("Clerk sets nbf 5 s before iat, so a fresh token is valid at once: {clock}"),
        ),
        VerifyError::IatInFuture { iat, now } => explained(
            format!(
                "the token says it was issued {} (more than the {skew} s skew)",
                relative(*iat, *now)
            ),
            clock.to_owned(),
        ),
        VerifyError::InvalidIssuer => explained(
            format!(
                "iss {} is not the expected issuer {}",
                or_absent(cx.token_iss),
                or_absent(cx.issuer)
            ),
            "the token comes from another Clerk instance than CLERK_PUBLISHABLE_KEY names (the \
             expected issuer is https:// plus its Frontend API host), or CLERK_ISSUER is set \
             wrong: use the keys of the instance the frontend signs in with",
        ),
        VerifyError::SessionRevoked => explained(
            "the session or its user was revoked (here or, with the Redis broadcast, on another instance)",
            "sign in again; revoked sessions stay refused for an hour",
        ),
        VerifyError::RevocationsUnavailable => explained(
            "the fail-closed revocation broadcast is out of sync (Redis unreachable)",
            "bring Redis back (REDIS_URL); tokens are refused meanwhile",
        ),
        VerifyError::LifetimeTooLong { lifetime, max } => explained(
            format!(
                "the token lives {} s, longer than the allowed {max} s",
                lifetime.map_or_else(|| "an unknown time (no iat)".to_owned(), |l| l.to_string())
            ),
            "shorten the token lifetime in the dashboard, or raise the maximum of the preset",
        ),
        // `VerifyError` is non-exhaustive: a variant added later still gets its reason printed.
        other => explained(
            other.to_string(),
            "see docs/clerk-semantics.md for the reason string",
        ),
    }
}

fn type_mismatch(what: &str) -> Explanation {
    let fix = match what {
        "a JWT-template token" => {
            "this is a JWT-template token (`getToken({ template })`) used as a session: call \
             `getToken()` without a template for this API, or verify it with a template verifier"
        }
        "a machine token" => {
            "a machine (M2M) token cannot open session routes: send a user's session token, \
             or accept machine tokens on this route"
        }
        "an OAuth access token" => {
            "an OAuth access token (`typ: at+jwt`) is not a session: send the session token"
        }
        "a token without `sid`" => {
            "a token without a session id is not a session token: template tokens minted before \
             categories look like this; use `getToken()` without a template"
        }
        _ => {
            "the token's `cat` is not one of Clerk's session codes (cl_B7d4PD111AAA, or \
             cl_I7d4PD111III): send a session token"
        }
    };
    explained(format!("{what} where a session token is expected"), fix)
}

fn jwks_unavailable(why: &str) -> Explanation {
    let fix = if why.contains("could not connect") {
        "connection refused or no route: the URL is wrong (CLERK_API_URL, a typo in --url), \
         the machine has no egress to Clerk, or Clerk is down (status.clerk.com)"
    } else if why.contains("timed out") {
        "no answer within 5 s: a firewall or proxy drops the traffic, or Clerk is slow (status.clerk.com)"
    } else if why.contains("404") {
        "HTTP 404: the URL has the wrong path; the Backend API base is e.g. https://api.clerk.com \
         (the doctor appends /v1/jwks), the Frontend API serves /.well-known/jwks.json"
    } else if why.contains("no usable RS256 key") {
        "the set has no RSA RS256 signing key: this is not a Clerk instance's key set"
    } else if why.contains("HTTP status 5") {
        "Clerk (or a proxy in front of it) failed: retry, check status.clerk.com; known keys keep \
         verifying for up to 24 h in a running app"
    } else {
        "check the URL and the network path to Clerk"
    };
    explained(format!("the key set could not be fetched ({why})"), fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Failures no doctor run can produce against a fresh session verifier
    // (no audience, no revocations, no lifetime cap): their explanation alone.
    #[test]
    fn an_audience_mismatch_names_the_template() {
        let e = explain(&VerifyError::InvalidAudience, &Context::default());
        assert!(e.fix.contains("JWT template"), "{e:?}");
    }

    #[test]
    fn a_revoked_session_says_sign_in_again() {
        let e = explain(&VerifyError::SessionRevoked, &Context::default());
        assert!(e.fix.contains("sign in again"), "{e:?}");
    }

    #[test]
    fn revocations_unavailable_points_at_redis() {
        let e = explain(&VerifyError::RevocationsUnavailable, &Context::default());
        assert!(e.fix.contains("Redis"), "{e:?}");
    }

    #[test]
    fn a_too_long_lifetime_gives_both_numbers() {
        let e = explain(
            &VerifyError::LifetimeTooLong {
                lifetime: Some(3600),
                max: 60,
            },
            &Context::default(),
        );
        assert!(
            e.means.contains("3600 s") && e.means.contains("60 s"),
            "{e:?}"
        );
    }

    #[test]
    fn a_key_outside_the_rsa_range_points_at_the_key_set() {
        let e = explain(&VerifyError::VerificationFailed, &Context::default());
        assert!(e.fix.contains("doctor jwks"), "{e:?}");
    }

    #[test]
    fn relative_times_read_both_ways() {
        assert_eq!(relative(100, 160), "60 s ago");
        assert_eq!(relative(160, 100), "in 60 s");
        assert_eq!(relative(100, 100), "just now");
    }
}
