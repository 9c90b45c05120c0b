//! `cargo run --example doctor -- <env | routes | jwks | token>`: checks a
//! deployment's Clerk setup, its key set, one token, and the example's route
//! table, like Clerk's `test-sessions.sh`.
//!
//! Exit codes: 0 every check passed, 1 a check failed (a variable, the key
//! fetch, the token), 2 usage (unknown command or option, no token in the
//! input). Colour only when stdout is a terminal; secrets never printed in full.

#[cfg(test)]
mod cli_tests;
mod explain;
mod jwks;
mod token;

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use clerk_runtime::session::SessionConfig;
use clerk_runtime::{Policy, Route};

/// How a check ended, for its mark and the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pass,
    Fail,
    /// Not checked: not configured; not a failure.
    Skip,
    /// Not run because an earlier check failed (that one fails the run).
    NotRun,
    /// A line of information under a heading.
    Info,
    /// A route the token's session may call (`token`); not a check.
    Allowed,
    /// A route it may not call; not a failure of the doctor run.
    Denied,
}

/// The outcome of one check, for printing and the exit code. `detail` may
/// hold several lines; the ones after the first are printed indented.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Check {
    name: String,
    kind: Kind,
    detail: String,
}

impl Check {
    fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(name, Kind::Pass, detail)
    }
    fn fail(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(name, Kind::Fail, detail)
    }
    fn skip(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(name, Kind::Skip, detail)
    }
    fn info(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(name, Kind::Info, detail)
    }
    fn new(name: impl Into<String>, kind: Kind, detail: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            kind,
            detail: detail.into(),
        }
    }
    /// Whether the check does not fail the run.
    fn ok(&self) -> bool {
        self.kind != Kind::Fail
    }
}

/// A failure as printed: the runtime's reason string and message, then
/// what it means and the usual fix, wrapped for a terminal.
fn failure_detail(err: &clerk_runtime::VerifyError, explanation: &explain::Explanation) -> String {
    let mut detail = format!("{}: {err}", err.reason());
    for (label, text) in [
        ("means: ", &explanation.means),
        ("fix:   ", &explanation.fix),
    ] {
        for (i, line) in wrap(text, 88).iter().enumerate() {
            detail.push('\n');
            detail.push_str(if i == 0 { label } else { "       " });
            detail.push_str(line);
        }
    }
    detail
}

/// Greedy word wrap at `width` columns.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Path prefixes a user almost always means to protect.
const SENSITIVE_PREFIXES: &[&str] = &[
    "/admin",
    "/api/admin",
    "/settings",
    "/dashboard",
    "/account",
    "/billing",
];

/// The first 8 characters and the length: enough to tell two keys apart.
fn redact(secret: &str) -> String {
    let shown: String = secret.chars().take(8).collect();
    format!("{shown}… ({} chars)", secret.chars().count())
}

fn instance_of(key: &str, prefixes: [&'static str; 2]) -> Option<&'static str> {
    if key.starts_with(prefixes[0]) {
        Some("test")
    } else if key.starts_with(prefixes[1]) {
        Some("live")
    } else {
        None
    }
}

/// Checks the `CLERK_*` variables read through `lookup`.
fn check_env(lookup: impl Fn(&str) -> Option<String>) -> Vec<Check> {
    let var = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut checks = Vec::new();
    let pk = var("CLERK_PUBLISHABLE_KEY");
    let sk = var("CLERK_SECRET_KEY");
    let jwt_key = var("CLERK_JWT_KEY");
    let pk_instance = match &pk {
        None => {
            checks.push(Check::fail(
                "CLERK_PUBLISHABLE_KEY",
                "missing: copy it from the dashboard's API keys page",
            ));
            None
        }
        Some(pk) => match (
            instance_of(pk, ["pk_test_", "pk_live_"]),
            SessionConfig::builder(pk.clone()).build(),
        ) {
            (Some(instance), Ok(config)) => {
                checks.push(Check::pass(
                    "CLERK_PUBLISHABLE_KEY",
                    format!(
                        "{instance} instance, Frontend API https://{}",
                        config.key_frontend_api()
                    ),
                ));
                Some(instance)
            }
            (None, _) => {
                checks.push(Check::fail(
                    "CLERK_PUBLISHABLE_KEY",
                    "does not start with pk_test_ or pk_live_",
                ));
                None
            }
            (Some(_), Err(err)) => {
                checks.push(Check::fail(
                    "CLERK_PUBLISHABLE_KEY",
                    format!("not a Clerk publishable key: {err}"),
                ));
                None
            }
        },
    };
    match &sk {
        None if jwt_key.is_none() => checks.push(Check::fail(
            "CLERK_SECRET_KEY",
            "missing, and no CLERK_JWT_KEY either: tokens cannot be verified",
        )),
        None => checks.push(Check::pass("CLERK_SECRET_KEY", "not set; CLERK_JWT_KEY verifies without the network")),
        Some(sk) => match instance_of(sk, ["sk_test_", "sk_live_"]) {
            None => checks.push(Check::fail("CLERK_SECRET_KEY", format!("{} does not start with sk_test_ or sk_live_", redact(sk)))),
            Some(instance) if pk_instance.is_some_and(|pk| pk != instance) => checks.push(Check::fail(
                "CLERK_SECRET_KEY",
                format!(
                    "{} is a {instance} key but the publishable key is {}: both must come from the same instance",
                    redact(sk),
                    pk_instance.unwrap_or_default()
                ),
            )),
            Some(instance) => checks.push(Check::pass("CLERK_SECRET_KEY", format!("{}, {instance} instance", redact(sk)))),
        },
    }
    if let Some(pem) = &jwt_key {
        let ok =
            pem.contains("-----BEGIN PUBLIC KEY-----") && pem.contains("-----END PUBLIC KEY-----");
        checks.push(if ok {
            Check::pass("CLERK_JWT_KEY", "a PEM public key")
        } else {
            Check::fail("CLERK_JWT_KEY", "not a PEM public key (-----BEGIN PUBLIC KEY-----): copy the PEM from the dashboard")
        });
    }
    match var("CLERK_AUTHORIZED_PARTIES") {
        None => checks.push(Check::fail(
            "CLERK_AUTHORIZED_PARTIES",
            "missing: list your app's origins (comma separated) so azp is checked",
        )),
        Some(parties) => {
            let bad: Vec<&str> = parties
                .split(',')
                .map(str::trim)
                .filter(|p| !is_origin(p))
                .collect();
            checks.push(if bad.is_empty() {
                Check::pass("CLERK_AUTHORIZED_PARTIES", parties.clone())
            } else {
                Check::fail(
                    "CLERK_AUTHORIZED_PARTIES",
                    format!(
                        "not origins (scheme://host[:port], no path or trailing slash): {}",
                        bad.join(", ")
                    ),
                )
            });
        }
    }
    checks
}

/// `scheme://host[:port]` and nothing else, as `azp` carries it.
fn is_origin(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' '])
        && rest.split(':').next().is_some_and(|host| !host.is_empty())
}

/// One check per route: a public route under a sensitive prefix fails.
fn check_routes(table: &[Route]) -> Vec<Check> {
    table
        .iter()
        .map(|route| {
            let line = format!(
                "{:<6} {:<24} {}  ({})",
                route.method, route.path, route.policy, route.handler
            );
            let sensitive = SENSITIVE_PREFIXES
                .iter()
                .any(|p| route.path == *p || route.path.starts_with(&format!("{p}/")));
            match route.policy {
                Policy::Public(_) if sensitive => Check::fail(
                    "route",
                    format!("{line}: public, but its path usually wants #[protect]"),
                ),
                _ => Check::pass("route", line),
            }
        })
        .collect()
}

/// Writes `checks`, one a line (continuation lines indented under the detail).
fn print(out: &mut dyn Write, checks: &[Check], colour: bool) -> std::io::Result<()> {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for check in checks {
        let mark = match (check.kind, colour) {
            (Kind::Pass, true) => "\x1b[32mok  \x1b[0m",
            (Kind::Fail, true) => "\x1b[31mFAIL\x1b[0m",
            (Kind::Skip, true) => "\x1b[33mskip\x1b[0m",
            (Kind::Pass, false) => "ok  ",
            (Kind::Fail, false) => "FAIL",
            (Kind::Skip, false) => "skip",
            (Kind::Allowed, true) => "\x1b[32myes \x1b[0m",
            (Kind::Denied, true) => "\x1b[33mno  \x1b[0m",
            (Kind::Allowed, false) => "yes ",
            (Kind::Denied, false) => "no  ",
            (Kind::NotRun, _) => "-   ",
            (Kind::Info, _) => "    ",
        };
        let mut lines = check.detail.lines();
        writeln!(
            out,
            "{mark} {:<width$} {}",
            check.name,
            lines.next().unwrap_or_default()
        )?;
        for line in lines {
            writeln!(out, "{:indent$}{line}", "", indent = width + 6)?;
        }
    }
    Ok(())
}

const USAGE: &str = "\
usage: doctor <command>
  env                    check the CLERK_* variables
  routes                 the example's route table, flagging public routes that look sensitive
  jwks [--url URL | --frontend]
                         fetch the key set: the Backend API with CLERK_SECRET_KEY (CLERK_API_URL),
                         else the Frontend API of CLERK_PUBLISHABLE_KEY; --frontend forces the
                         latter, --url fetches URL
  token <jwt | - | cookies> [--jwks-url URL] [--issuer ISS]
                         verify a token with the app's verifier (CLERK_* variables) and explain
                         each check; `-` reads stdin; a `__session=...` cookie string or a
                         `Bearer ...` header value works too
exit codes: 0 all checks passed, 1 a check failed, 2 usage";

/// A command line the doctor cannot run; exit code 2.
#[derive(Debug, thiserror::Error)]
enum UsageError {
    #[error("{0}")]
    Bad(String),
    #[error("cannot read the token from stdin: {0}")]
    Stdin(std::io::Error),
}

/// What a command produced: the lines to print and whether any check failed.
struct Outcome {
    checks: Vec<Check>,
}

/// Runs the doctor on `args` (without the program name), reading `CLERK_*`
/// variables through `env` and a `-` token from `stdin`; returns the exit code.
async fn run(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
    colour: bool,
) -> u8 {
    match dispatch(args, env, stdin).await {
        Ok(Outcome { checks }) => {
            if print(out, &checks, colour).is_err() {
                return 1;
            }
            if checks.iter().all(Check::ok) { 0 } else { 1 }
        }
        Err(usage) => {
            let _ = writeln!(err, "error: {usage}\n{USAGE}");
            2
        }
    }
}

async fn dispatch(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    stdin: &mut dyn Read,
) -> Result<Outcome, UsageError> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => return Err(UsageError::Bad("no command".into())),
    };
    let checks = match command {
        "env" if rest.is_empty() => check_env(env),
        "routes" if rest.is_empty() => check_routes(clerk_examples::route_table()),
        "jwks" => jwks::run(&jwks::Options::parse(rest)?, env).await,
        "token" => {
            let options = token::Options::parse(rest)?;
            let input = match options.input.as_str() {
                "-" => {
                    let mut text = String::new();
                    // Bounded: a token is at most 16 KiB, a cookie header a few; the
                    // verifier refuses anything longer with `token-too-large`.
                    stdin
                        .take(1024 * 1024)
                        .read_to_string(&mut text)
                        .map_err(UsageError::Stdin)?;
                    text
                }
                other => other.to_owned(),
            };
            token::run(&options, &input, env).await?
        }
        "env" | "routes" => {
            return Err(UsageError::Bad(format!("`{command}` takes no arguments")));
        }
        other => return Err(UsageError::Bad(format!("unknown command `{other}`"))),
    };
    Ok(Outcome { checks })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let colour = std::io::stdout().is_terminal();
    let mut stdout = std::io::stdout().lock();
    let code = run(
        &args,
        &|name| std::env::var(name).ok(),
        &mut std::io::stdin().lock(),
        &mut stdout,
        &mut std::io::stderr(),
        colour,
    )
    .await;
    let _ = stdout.flush();
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    // base64("example.clerk.accounts.dev$")
    const PK_TEST: &str = "pk_test_ZXhhbXBsZS5jbGVyay5hY2NvdW50cy5kZXYk";
    const PK_LIVE: &str = "pk_live_ZXhhbXBsZS5jbGVyay5hY2NvdW50cy5kZXYk";
    const SK_TEST: &str = "sk_test_0123456789abcdefSECRETSECRET";

    fn env(overrides: &[(&str, Option<&str>)]) -> Vec<Check> {
        let mut vars: HashMap<&str, &str> = HashMap::from([
            ("CLERK_PUBLISHABLE_KEY", PK_TEST),
            ("CLERK_SECRET_KEY", SK_TEST),
            (
                "CLERK_AUTHORIZED_PARTIES",
                "https://app.example.com,http://localhost:3000",
            ),
        ]);
        for (name, value) in overrides {
            match value {
                Some(v) => vars.insert(name, v),
                None => vars.remove(name),
            };
        }
        check_env(|name| vars.get(name).map(|v| (*v).to_owned()))
    }

    fn failed(checks: &[Check], name: &str) -> String {
        let check = checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check"));
        assert!(!check.ok(), "{name} passed: {}", check.detail);
        check.detail.clone()
    }

    #[test]
    fn a_good_environment_passes_and_names_the_frontend_api() {
        let checks = env(&[]);
        assert!(checks.iter().all(Check::ok), "{checks:?}");
        assert!(
            checks[0]
                .detail
                .contains("https://example.clerk.accounts.dev"),
            "{checks:?}"
        );
    }

    #[test]
    fn the_secret_key_is_never_printed_in_full() {
        let checks = env(&[]);
        assert!(
            checks.iter().all(|c| !c.detail.contains(SK_TEST)),
            "{checks:?}"
        );
    }

    #[test]
    fn missing_publishable_key_fails() {
        assert!(
            failed(
                &env(&[("CLERK_PUBLISHABLE_KEY", None)]),
                "CLERK_PUBLISHABLE_KEY"
            )
            .contains("missing")
        );
    }

    #[test]
    fn publishable_key_with_a_wrong_prefix_fails() {
        let detail = failed(
            &env(&[("CLERK_PUBLISHABLE_KEY", Some("sk_test_abc"))]),
            "CLERK_PUBLISHABLE_KEY",
        );
        assert!(detail.contains("pk_test_ or pk_live_"), "{detail}");
    }

    #[test]
    fn publishable_key_that_does_not_decode_fails() {
        let detail = failed(
            &env(&[("CLERK_PUBLISHABLE_KEY", Some("pk_test_!!!"))]),
            "CLERK_PUBLISHABLE_KEY",
        );
        assert!(detail.contains("not a Clerk publishable key"), "{detail}");
    }

    #[test]
    fn keys_of_different_instances_fail() {
        let detail = failed(
            &env(&[("CLERK_PUBLISHABLE_KEY", Some(PK_LIVE))]),
            "CLERK_SECRET_KEY",
        );
        assert!(detail.contains("same instance"), "{detail}");
        assert!(!detail.contains(SK_TEST), "{detail}");
    }

    #[test]
    fn secret_key_with_a_wrong_prefix_fails() {
        let detail = failed(
            &env(&[("CLERK_SECRET_KEY", Some("pk_test_xyz"))]),
            "CLERK_SECRET_KEY",
        );
        assert!(detail.contains("sk_test_ or sk_live_"), "{detail}");
    }

    #[test]
    fn no_secret_key_and_no_jwt_key_fails() {
        assert!(
            failed(&env(&[("CLERK_SECRET_KEY", None)]), "CLERK_SECRET_KEY")
                .contains("CLERK_JWT_KEY")
        );
    }

    #[test]
    fn a_jwt_key_that_is_not_pem_fails() {
        let detail = failed(
            &env(&[("CLERK_JWT_KEY", Some("MIIBIjAN"))]),
            "CLERK_JWT_KEY",
        );
        assert!(detail.contains("PEM"), "{detail}");
    }

    #[test]
    fn authorized_parties_that_are_not_origins_fail() {
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "ftp://x",
        ] {
            let detail = failed(
                &env(&[("CLERK_AUTHORIZED_PARTIES", Some(bad))]),
                "CLERK_AUTHORIZED_PARTIES",
            );
            assert!(detail.contains(bad), "{bad}: {detail}");
        }
    }

    #[test]
    fn missing_authorized_parties_fail() {
        assert!(
            failed(
                &env(&[("CLERK_AUTHORIZED_PARTIES", None)]),
                "CLERK_AUTHORIZED_PARTIES"
            )
            .contains("missing")
        );
    }

    #[test]
    fn example_routes_pass_and_a_public_admin_route_is_flagged() {
        assert!(
            check_routes(clerk_examples::route_table())
                .iter()
                .all(Check::ok)
        );
        let table = [Route {
            method: "GET",
            path: "/admin/users",
            policy: Policy::PUBLIC,
            handler: "users",
        }];
        let checks = check_routes(&table);
        assert!(
            !checks[0].ok() && checks[0].detail.contains("usually wants #[protect]"),
            "{checks:?}"
        );
    }
}
