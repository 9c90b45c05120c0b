//! `doctor token`: verify one token with the app's verifier through
//! `Verifier::diagnose` (the same pipeline a request runs), print each step,
//! the decoded claims, and which routes of the example's table it would pass.

use clerk_runtime::auth::TokenVersion;
use clerk_runtime::config::frontend_api_from_publishable_key;
use clerk_runtime::policy::Verdict;
use clerk_runtime::token::source::{CookieSuffix, TokenSource, token_source};
use clerk_runtime::token::{self, Header};
use clerk_runtime::verify::diagnose::{Diagnosis, KeySource, Outcome, Step};
use clerk_runtime::{Auth, ClerkConfig, ConfigError, Route, Verifier};
use http::{HeaderMap, HeaderValue, header};
use serde_json::{Map, Value};

use crate::explain::{self, Context, relative};
use crate::{Check, Kind, UsageError, failure_detail};

/// `token` options.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The token, `-` for stdin, a cookie string or a `Bearer` header value.
    pub input: String,
    /// `--jwks-url URL`: keys from this URL instead of CLERK_JWT_KEY / CLERK_SECRET_KEY.
    pub jwks_url: Option<String>,
    /// `--issuer ISS`: the expected `iss` instead of the publishable key's.
    pub issuer: Option<String>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, UsageError> {
        let mut input = None;
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| {
                args.next()
                    .cloned()
                    .ok_or_else(|| UsageError::Bad(format!("{flag} needs a value")))
            };
            match arg.as_str() {
                "--jwks-url" => options.jwks_url = Some(value("--jwks-url")?),
                "--issuer" => options.issuer = Some(value("--issuer")?),
                flag if flag.starts_with("--") => {
                    return Err(UsageError::Bad(format!("unknown `token` option `{flag}`")));
                }
                _ if input.is_some() => {
                    return Err(UsageError::Bad(
                        "one token at a time (quote a cookie string)".into(),
                    ));
                }
                _ => input = Some(arg.clone()),
            }
        }
        options.input = input.ok_or_else(|| {
            UsageError::Bad("`token` needs a token, `-` (stdin) or a cookie string".into())
        })?;
        Ok(options)
    }
}

/// The token found in the input, and where.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub token: String,
    pub from: String,
}

/// Finds the token in `input` as the layer finds it in a request
/// (`token_source`): a `Bearer` header value wins, a cookie string yields
/// `__session` (the publishable key's suffixed name first), else the input
/// is the token itself.
pub(crate) fn find_token(input: &str, publishable_key: Option<&str>) -> Result<Found, UsageError> {
    let text = input.trim();
    let text = strip_prefix_ignore_case(text, "cookie:")
        .or_else(|| strip_prefix_ignore_case(text, "authorization:"))
        .unwrap_or(text)
        .trim();
    if text.is_empty() {
        return Err(UsageError::Bad("the input is empty".into()));
    }
    let (name, is_header) = if text.starts_with("Bearer ") {
        (header::AUTHORIZATION, true)
    } else if text.contains("__session") && text.contains('=') {
        (header::COOKIE, false)
    } else {
        return Ok(Found {
            token: text.to_owned(),
            from: format!("the argument, {} bytes", text.len()),
        });
    };
    let value = HeaderValue::from_str(text)
        .map_err(|_| UsageError::Bad("the input has characters a header cannot carry".into()))?;
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    let suffix = publishable_key.map(CookieSuffix::from_publishable_key);
    match token_source(&headers, suffix.as_ref()) {
        TokenSource::Header(token) => Ok(Found {
            token: token.to_owned(),
            from: format!("an Authorization: Bearer value, {} bytes", token.len()),
        }),
        TokenSource::Cookie { token, client_uat } => {
            let suffixed = suffix
                .as_ref()
                .is_some_and(|s| text.contains(&format!("__session_{}=", s.as_str())));
            let uat = match client_uat {
                None => "no __client_uat: the layer treats the browser as signed out".to_owned(),
                Some(0) => "__client_uat=0: the layer treats the browser as signed out".to_owned(),
                Some(t) => format!("__client_uat={t}"),
            };
            Ok(Found {
                token: token.to_owned(),
                from: format!(
                    "the {} cookie, {} bytes; {uat}",
                    if suffixed {
                        "suffixed __session_<suffix>"
                    } else {
                        "__session"
                    },
                    token.len()
                ),
            })
        }
        TokenSource::None if is_header => {
            Err(UsageError::Bad("`Bearer` without a token after it".into()))
        }
        TokenSource::None => Err(UsageError::Bad(
            "no __session cookie with a value in the cookie string".into(),
        )),
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The verifier the app would build, with the doctor's overrides, and what
/// the explanations need to know about it.
struct Setup {
    verifier: Verifier,
    issuer: Option<String>,
    parties: Vec<String>,
    key_source: String,
}

fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn setup(options: &Options, env: &dyn Fn(&str) -> Option<String>) -> Result<Setup, ConfigError> {
    let (builder, issuer, parties) = match &options.jwks_url {
        // The app's own configuration (`ClerkConfig::verifier`), as `ClerkLayer::from_env` builds it.
        None => {
            let config = ClerkConfig::from_lookup(env)?;
            let issuer = options.issuer.clone().or_else(|| config.issuer());
            (
                config.verifier_builder(),
                issuer,
                config.authorized_parties().to_vec(),
            )
        }
        // Keys from the URL; issuer and parties as `ClerkConfig` derives them.
        Some(url) => {
            let issuer = match options.issuer.clone().or_else(|| var(env, "CLERK_ISSUER")) {
                Some(iss) => Some(iss),
                None => var(env, "CLERK_PUBLISHABLE_KEY")
                    .map(|pk| frontend_api_from_publishable_key(&pk))
                    .transpose()?
                    .map(|host| format!("https://{host}")),
            };
            let parties: Vec<String> = var(env, "CLERK_AUTHORIZED_PARTIES")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            let builder = Verifier::builder()
                .jwks_url(url.clone())
                .authorized_parties(parties.clone());
            (builder, issuer, parties)
        }
    };
    let builder = match &issuer {
        Some(iss) => builder.issuer(iss.clone()),
        None => builder,
    };
    let verifier = builder.build()?;
    let key_source = match verifier.key_status().source {
        KeySource::Pem => "the CLERK_JWT_KEY PEM key".to_owned(),
        KeySource::Remote { url } => url,
        other => format!("{other:?}"),
    };
    Ok(Setup {
        verifier,
        issuer,
        parties,
        key_source,
    })
}

pub async fn run(
    options: &Options,
    input: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Check>, UsageError> {
    let found = find_token(input, var(env, "CLERK_PUBLISHABLE_KEY").as_deref())?;
    let mut checks = vec![Check::info("input", found.from.clone())];
    let setup = match setup(options, env) {
        Ok(setup) => setup,
        Err(err) => {
            checks.push(Check::fail(
                "verifier",
                format!(
                    "{}: {err}\nthe app could not start with this configuration either (run `doctor env`; \
                     or pass --jwks-url URL and --issuer ISS)",
                    err.reason()
                ),
            ));
            return Ok(checks);
        }
    };
    checks.push(Check::info(
        "verifier",
        format!(
            "keys from {}; issuer {}; authorized parties {}",
            setup.key_source,
            setup.issuer.as_deref().unwrap_or("not checked"),
            if setup.parties.is_empty() {
                "not checked".to_owned()
            } else {
                setup.parties.join(", ")
            }
        ),
    ));
    let now = clerk_examples::unix_now();
    let diagnosis = setup.verifier.diagnose_at(&found.token, now).await;
    // Read without verifying, to name values in the explanations only.
    let decoded = token::decode(&found.token).ok();
    let header = decoded
        .as_ref()
        .map(|d| d.header.clone())
        .unwrap_or_default();
    let payload: Map<String, Value> = decoded
        .as_ref()
        .and_then(|d| serde_json::from_str(&d.payload).ok())
        .unwrap_or_default();
    checks.extend(step_lines(
        &diagnosis,
        &setup,
        &header,
        &payload,
        found.token.len(),
        now,
    ));
    match &diagnosis.result {
        Ok(auth) => {
            checks.extend(claim_lines(auth, &payload, now));
            checks.extend(policy_lines(auth, clerk_examples::route_table()));
        }
        Err(_) if !payload.is_empty() => checks.push(Check::info(
            "payload",
            format!("as sent, NOT verified: {}", Value::Object(payload.clone())),
        )),
        Err(_) => {}
    }
    Ok(checks)
}

fn str_claim<'a>(payload: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    payload.get(name).and_then(Value::as_str)
}

fn step_lines(
    diagnosis: &Diagnosis,
    setup: &Setup,
    header: &Header,
    payload: &Map<String, Value>,
    len: usize,
    now: i64,
) -> Vec<Check> {
    let cx = Context {
        parties: &setup.parties,
        issuer: setup.issuer.as_deref(),
        token_iss: str_claim(payload, "iss"),
        token_azp: str_claim(payload, "azp"),
        key_source: &setup.key_source,
    };
    diagnosis
        .steps
        .iter()
        .map(|(step, outcome)| {
            let name = step.name();
            match outcome {
                Outcome::Passed => Check::pass(name, passed(*step, &cx, header, payload, len, now)),
                Outcome::Failed(err) => {
                    Check::fail(name, failure_detail(err, &explain::explain(err, &cx)))
                }
                Outcome::NotConfigured => Check::skip(name, not_configured(*step)),
                Outcome::NotRun => {
                    Check::new(name, Kind::NotRun, "not run: an earlier check failed")
                }
            }
        })
        .collect()
}

/// What a passed step checked, with the token's values.
fn passed(
    step: Step,
    cx: &Context<'_>,
    header: &Header,
    payload: &Map<String, Value>,
    len: usize,
    now: i64,
) -> String {
    let time = |name: &str| payload.get(name).and_then(Value::as_i64);
    match step {
        Step::Parse => format!("{len} bytes, three parts, JSON header and payload"),
        Step::Category => {
            let category = token::category(header, str_claim(payload, "sub"));
            format!(
                "{} (cat {}), with a sid",
                category.describe(),
                header.cat.as_deref().unwrap_or("absent")
            )
        }
        Step::Typ => format!("typ {}", header.typ.as_deref().unwrap_or("absent")),
        Step::Alg => "RS256".to_owned(),
        Step::Signature => format!(
            "kid {} found in {}; signature valid",
            header.kid.as_deref().unwrap_or("(none)"),
            cx.key_source
        ),
        Step::ClaimTypes => "claims have the expected JSON types".to_owned(),
        Step::Subject => format!("sub {}", str_claim(payload, "sub").unwrap_or_default()),
        Step::Audience => "aud matches".to_owned(),
        Step::AuthorizedParty => format!(
            "azp {} is an authorized party",
            cx.token_azp.unwrap_or_default()
        ),
        Step::Times => {
            let mut parts = Vec::new();
            if let Some(exp) = time("exp") {
                parts.push(format!("expires {}", relative(exp, now)));
            }
            if let Some(iat) = time("iat") {
                parts.push(format!("issued {}", relative(iat, now)));
            }
            if let (Some(exp), Some(iat)) = (time("exp"), time("iat")) {
                parts.push(format!("lifetime {} s", exp.saturating_sub(iat)));
            }
            parts.join(", ")
        }
        Step::Issuer => format!("iss {}", cx.token_iss.unwrap_or_default()),
        Step::Decode => "claims decode (organization, permissions, features, plans)".to_owned(),
        Step::Revocation => "not revoked (as far as this process knows)".to_owned(),
        other => format!("{other:?} passed"),
    }
}

fn not_configured(step: Step) -> &'static str {
    match step {
        Step::Audience => "no audience configured (session tokens carry none)",
        Step::AuthorizedParty => {
            "CLERK_AUTHORIZED_PARTIES not set: any azp is accepted; set it in production"
        }
        Step::Issuer => "no issuer configured: set CLERK_PUBLISHABLE_KEY or CLERK_ISSUER",
        _ => "not configured",
    }
}

const STANDARD_CLAIMS: &[&str] = &[
    "azp",
    "exp",
    "iat",
    "iss",
    "nbf",
    "sid",
    "sub",
    "jti",
    "v",
    "fea",
    "pla",
    "o",
    "fva",
    "sts",
    "act",
    "org_id",
    "org_slug",
    "org_role",
    "org_permissions",
];

fn list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// The verified session, as `Auth` decoded it.
fn claim_lines(auth: &Auth, payload: &Map<String, Value>, now: i64) -> Vec<Check> {
    let v2 = auth.version() == TokenVersion::V2;
    let mut lines = vec![
        Check::info("claims", "verified; as `Auth` decoded them"),
        Check::info("  user", auth.user_id()),
        Check::info(
            "  session",
            format!(
                "{} ({}, {})",
                auth.session_id().unwrap_or("none"),
                auth.status().as_str(),
                if v2 { "v2 claims" } else { "v1 claims" }
            ),
        ),
    ];
    match auth.org() {
        Some(org) => {
            lines.push(Check::info(
                "  organization",
                format!("{} ({})", org.id(), org.slug().unwrap_or("no slug")),
            ));
            lines.push(Check::info("  role", org.role().unwrap_or("none")));
            lines.push(Check::info(
                "  permissions",
                format!(
                    "{}{}",
                    list(org.permissions().map(str::to_owned)),
                    if v2 {
                        " (decoded from o.per + o.fpm)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        None => lines.push(Check::info(
            "  organization",
            "none active (role and permission checks fail)",
        )),
    }
    lines.push(Check::info(
        "  features",
        list(auth.features().map(|f| f.to_string())),
    ));
    lines.push(Check::info(
        "  plans",
        list(auth.plans().map(|p| p.to_string())),
    ));
    if let Some([first, second]) = auth.factor_verification_age() {
        lines.push(Check::info(
            "  factor age",
            format!("first {first} min, second {second} min (-1: not enrolled)"),
        ));
    }
    if let Some(actor) = auth.actor() {
        lines.push(Check::info(
            "  impersonated",
            format!("by {}", actor.subject().unwrap_or("unknown")),
        ));
    }
    lines.push(Check::info(
        "  azp / iss",
        format!(
            "{} / {}",
            auth.authorized_party().unwrap_or("none"),
            auth.issuer().unwrap_or("none")
        ),
    ));
    lines.push(Check::info(
        "  expires",
        format!(
            "{} ({})",
            auth.expires_at(),
            relative(auth.expires_at(), now)
        ),
    ));
    let custom: Map<String, Value> = payload
        .iter()
        .filter(|(k, _)| !STANDARD_CLAIMS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    lines.push(Check::info(
        "  custom",
        if custom.is_empty() {
            "none".to_owned()
        } else {
            Value::Object(custom).to_string()
        },
    ));
    lines
}

/// Which routes of `table` this session may call (`Policy::evaluate`, as the guard does).
pub(crate) fn policy_lines(auth: &Auth, table: &[Route]) -> Vec<Check> {
    let mut lines = vec![Check::info(
        "routes",
        "the example's route table, as #[protect] decides for this session",
    )];
    lines.extend(table.iter().map(|route| {
        let line = format!("{:<6} {:<24} {}", route.method, route.path, route.policy);
        match route.policy.evaluate(Some(auth)) {
            Verdict::Allowed => Check::new("  route", Kind::Allowed, line),
            Verdict::Forbidden(reason) => {
                Check::new("  route", Kind::Denied, format!("{line}: 403 {reason}"))
            }
            Verdict::SignedOut(reason) => {
                Check::new("  route", Kind::Denied, format!("{line}: 401 {reason}"))
            }
        }
    }));
    lines
}
