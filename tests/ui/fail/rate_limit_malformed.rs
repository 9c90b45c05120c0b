use clerk_runtime::{protect, public};

#[protect(rate_limit = "10/0s")]
async fn zero_window() {}

#[protect(role = "org:admin", rate_limit = "ten per second")]
async fn prose() {}

#[protect(rate_limit = "0/1s")]
async fn zero_requests() {}

#[public(rate_limit = "10/10sec")]
async fn unknown_unit() {}

fn main() {}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
