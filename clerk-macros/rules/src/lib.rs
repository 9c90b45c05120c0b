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

#[cfg(test)]
mod tests {
    #[test]
    fn rate_limit_grammar_is_the_runtime_grammar() {
        // Until clerk-runtime re-exports `clerk_rules::rate_limit`, it keeps
        // a copy; this keeps the two byte-identical.
        assert!(
            include_str!("rate_limit.rs")
                == include_str!("../../../clerk-runtime/src/ratelimit/grammar.rs"),
            "clerk-macros/rules/src/rate_limit.rs differs from \
             clerk-runtime/src/ratelimit/grammar.rs: copy the runtime's file over"
        );
    }
}
