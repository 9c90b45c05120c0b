//! `cargo run --example doctor -- <env | routes>`: checks a deployment's
//! Clerk setup and the example's route table, like Clerk's
//! `test-sessions.sh`. Exit codes: 0 every check passed, 1 a check failed,
//! 2 usage. Colour only when stdout is a terminal; secrets never printed in full.

use std::io::IsTerminal;
use std::process::ExitCode;

use clerk_runtime::session::SessionConfig;
use clerk_runtime::{Policy, Route};

/// The outcome of one check, for printing and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            name,
            ok: true,
            detail: detail.into(),
        }
    }
    fn fail(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            name,
            ok: false,
            detail: detail.into(),
        }
    }
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

fn print(checks: &[Check], colour: bool) {
    for check in checks {
        let mark = match (check.ok, colour) {
            (true, true) => "\x1b[32mok  \x1b[0m",
            (false, true) => "\x1b[31mFAIL\x1b[0m",
            (true, false) => "ok  ",
            (false, false) => "FAIL",
        };
        println!("{mark} {:<26} {}", check.name, check.detail);
    }
}

const USAGE: &str = "usage: doctor <env | routes>\n  env     check the CLERK_* variables\n  routes  the example's route table, flagging public routes that look sensitive";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let checks = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["env"] => check_env(|name| std::env::var(name).ok()),
        ["routes"] => check_routes(clerk_examples::route_table()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    print(&checks, std::io::stdout().is_terminal());
    if checks.iter().all(|c| c.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
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
        assert!(!check.ok, "{name} passed: {}", check.detail);
        check.detail.clone()
    }

    #[test]
    fn a_good_environment_passes_and_names_the_frontend_api() {
        let checks = env(&[]);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
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
                .all(|c| c.ok)
        );
        let table = [Route {
            method: "GET",
            path: "/admin/users",
            policy: Policy::PUBLIC,
            handler: "users",
        }];
        let checks = check_routes(&table);
        assert!(
            !checks[0].ok && checks[0].detail.contains("usually wants #[protect]"),
            "{checks:?}"
        );
    }
}
