#!/usr/bin/env python3
"""Generates the compile-time benchmark apps (bench/compile/README.md).

gen.py OUT N: writes three crates under OUT, `clerk-N` (N handlers with
catalog! + #[protect(permission = ..)] / #[public] + routes!), `axum-N`
(the same N handlers on a bare axum Router) and `manual-N` (the same
handlers on an axum Router behind ClerkLayer, each protected one checking
its permission by hand with `auth.has(..)`), all depending on this
checkout's clerk-runtime, so one target dir serves them all. `manual-N`
links what `clerk-N` links, so `clerk-N` against it is the macros' cost
alone, and `manual-N` against `axum-N` the runtime's.

DEPS_DEBUG=line-tables-only (or any `debug` value) gives every app the same
`[profile.dev.package."*"]` with that debug level for its dependencies: the
README's tip for a faster link, measured apart (use another OUT, since the
dependencies rebuild). SPLIT_DEBUGINFO=unpacked gives every app
`[profile.dev] split-debuginfo = "unpacked"`: full debug info, kept in
`.dwo` files beside the objects instead of going through the linker.
BUILD_OVERRIDE_OPT=3 gives every app `[profile.dev.build-override] opt-level = 3`:
proc macros (and syn, quote, build scripts) built optimised, as they run on every rebuild.
BODY_STMTS=n pads every handler's body with n statements.
"""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PERMISSIONS = 50
# BODY_STMTS=n: n more statements at the start of every handler's body (default 0), for
# handlers of a more realistic size: the macros keep bodies as tokens, rustc compiles them.
PAD = "".join(
    f"let _ = ::std::hint::black_box({k}u64); " for k in range(int(os.environ.get("BODY_STMTS", "0")))
)


def cargo_toml(name):
    return f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
clerk-runtime = {{ path = "{ROOT}/clerk-runtime", features = ["dev"] }}
axum = "0.8"
tokio = {{ version = "1", features = ["rt-multi-thread", "macros", "sync", "time", "net", "io-util"] }}

[workspace]
""" + profile_sections()


def profile_sections():
    out = ""
    split = os.environ.get("SPLIT_DEBUGINFO")
    if split:
        out += f'\n[profile.dev]\nsplit-debuginfo = "{split}"\n'
    build_opt = os.environ.get("BUILD_OVERRIDE_OPT")
    if build_opt:
        out += f"\n[profile.dev.build-override]\nopt-level = {build_opt}\n"
    debug = os.environ.get("DEPS_DEBUG")
    if debug:
        out += f'\n[profile.dev.package."*"]\ndebug = "{debug}"\n'
    return out


def clerk_main(n):
    perms = ", ".join(f'"org:p{k}:read"' for k in range(PERMISSIONS))
    out = ["use clerk_runtime::prelude::*;", "", f"catalog! {{ permissions: [{perms}] }}", ""]
    for i in range(n):
        if i % 4 == 0:
            out += ["#[public]", f"async fn h{i}() -> &'static str {{ {PAD}\"h{i}\" }}", ""]
        else:
            out += [
                f'#[protect(permission = "org:p{i % PERMISSIONS}:read")]',
                f"async fn h{i}(auth: Auth) -> String {{ {PAD}auth.user_id().to_owned() }}",
                "",
            ]
    rows = "\n".join(f'        GET "/h{i}" => h{i},' for i in range(n))
    out += [
        "#[tokio::main]",
        "async fn main() {",
        f"    let app: Routes = routes![\n{rows}\n    ];",
        "    let issuer = DevIssuer::new().unwrap();",
        "    let app = app.layer(ClerkLayer::dev(&issuer).unwrap()).into_router();",
        '    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();',
        "    serve(listener, app).await.unwrap();",
        "}",
    ]
    return "\n".join(out) + "\n"


def axum_main(n):
    out = ["use axum::Router;", "use axum::routing::get;", ""]
    for i in range(n):
        if i % 4 == 0:
            out += [f"async fn h{i}() -> &'static str {{ {PAD}\"h{i}\" }}", ""]
        else:
            # The same work without the guard: read a header, return a String.
            out += [
                f"async fn h{i}(headers: axum::http::HeaderMap) -> String {{ {PAD}",
                '    headers.get("x-user").map(|v| v.to_str().unwrap_or("").to_owned()).unwrap_or_default()',
                "}",
                "",
            ]
    return "\n".join(out + router_main(n, layered=False)) + "\n"


def manual_main(n):
    out = [
        "use axum::Router;",
        "use axum::http::StatusCode;",
        "use axum::routing::get;",
        "use clerk_runtime::auth::Check;",
        "use clerk_runtime::prelude::*;",
        "",
    ]
    for i in range(n):
        if i % 4 == 0:
            out += [f"async fn h{i}() -> &'static str {{ {PAD}\"h{i}\" }}", ""]
        else:
            out += [
                f"async fn h{i}(auth: Auth) -> Result<String, StatusCode> {{ {PAD}",
                f'    if !auth.has(Check::Permission("org:p{i % PERMISSIONS}:read")) {{',
                "        return Err(StatusCode::FORBIDDEN);",
                "    }",
                "    Ok(auth.user_id().to_owned())",
                "}",
                "",
            ]
    return "\n".join(out + router_main(n, layered=True)) + "\n"


def router_main(n, layered):
    """`main` of the two axum apps: the N routes, behind ClerkLayer if `layered`."""
    routes = "\n".join(f'        .route("/h{i}", get(h{i}))' for i in range(n))
    setup, layer = [], ""
    if layered:
        setup = ["    let issuer = DevIssuer::new().unwrap();"]
        layer = "\n        .layer(ClerkLayer::dev(&issuer).unwrap())"
    return [
        "#[tokio::main]",
        "async fn main() {",
        *setup,
        f"    let app = Router::new()\n{routes}{layer};",
        '    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();',
        "    axum::serve(listener, app).await.unwrap();",
        "}",
    ]


def write(out, name, main):
    os.makedirs(os.path.join(out, name, "src"), exist_ok=True)
    with open(os.path.join(out, name, "Cargo.toml"), "w") as f:
        f.write(cargo_toml(name))
    with open(os.path.join(out, name, "src", "main.rs"), "w") as f:
        f.write(main)


if __name__ == "__main__":
    out, n = sys.argv[1], int(sys.argv[2])
    write(out, f"clerk-{n}", clerk_main(n))
    write(out, f"axum-{n}", axum_main(n))
    write(out, f"manual-{n}", manual_main(n))
