//! What `clerk-macros` and `clerk-runtime` must agree on, in one place:
//! how Clerk spells role, permission, feature and plan names
//! ([`names`]), Clerk's reverification presets ([`fresh`]), the
//! `"10/10s"` rate-limit grammar ([`rate_limit`]) and the const-evaluated
//! catalog check generated code runs ([`catalog_check`]).
//!
//! A plain library with no dependencies, so a proc-macro crate can use it
//! at expansion time and the runtime at run time (and in `const`s), and
//! the two can never disagree.
#![deny(missing_docs)]

pub mod catalog_check;
pub mod fresh;
pub mod names;
pub mod rate_limit;
