//! `rate_limit` on `#[protect]` and `#[public]`: the limit is policy data,
//! const-built, listed in the route table.
#![deny(warnings)]
use clerk_runtime::policy::{Protection, PublicAccess, Rule};
use clerk_runtime::ratelimit::RateLimit;
use clerk_runtime::{Policy, Routes, protect, public, routes};

#[protect(rate_limit = "10/10s")]
async fn search() {}

#[protect(role = "org:admin", pending, rate_limit = "100/1m")]
async fn admin() {}

#[public(rate_limit = "5/500ms")]
async fn status() {}

#[public()]
async fn index() {}

const fn limit(text: &str) -> Option<RateLimit> {
    match RateLimit::parse(text) {
        Ok(limit) => Some(limit),
        Err(_) => None,
    }
}

fn main() {
    let app: Routes = routes![
        GET "/search" => search,
        GET "/admin" => admin,
        GET "/status" => status,
        GET "/" => index,
    ];
    let table = app.table();
    assert_eq!(
        table[0].policy,
        Policy::Protected(Protection {
            rule: Rule::SignedIn,
            allow_pending: false,
            accepts: clerk_runtime::policy::Accepts::SESSION,
            rate_limit: limit("10/10s"),
        })
    );
    assert_eq!(table[1].policy.to_string(), "role org:admin (pending allowed), rate 100/1m");
    assert_eq!(
        table[2].policy,
        Policy::Public(PublicAccess { rate_limit: limit("5/500ms") })
    );
    assert_eq!(table[3].policy, Policy::PUBLIC);
}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
