//! The `catalog!` parser of clerk-macros, compiled from its own sources.
//!
//! clerk-macros is a proc-macro crate, which a fuzz target cannot link; its
//! parser (`scan`, `parse`, `names`) is plain `syn`/`proc-macro2` code with
//! no proc-macro-only API, so the same files are included here by path.
#![allow(dead_code, unreachable_pub)]

#[path = "../../clerk-macros/src/catalog/names.rs"]
pub(crate) mod names;
#[path = "../../clerk-macros/src/catalog/parse.rs"]
pub(crate) mod parse;
#[path = "../../clerk-macros/src/catalog/scan.rs"]
pub(crate) mod scan;

pub(crate) use names::Kind;

/// Run the macro's pipeline on source text: find the `catalog!`, parse
/// its body, then shape-check and cross-match every declared name the way
/// `#[protect]` does. Returns how many names were looked at.
pub fn check_source(text: &str) -> usize {
    let Some(found) = scan::find_catalog(text) else {
        return 0;
    };
    assert!(found.line >= 1, "lines are 1-based");
    let Ok(input) = syn::parse_str::<parse::CatalogInput>(found.body) else {
        return 0;
    };
    let mut seen = 0;
    for entry in &input.entries {
        let Some(kind) = entry.kind else { continue };
        let values: Vec<String> = entry.values.iter().map(|v| v.value()).collect();
        for value in &values {
            seen += 1;
            let _ = names::check_shape(kind, value);
            let _ = names::is_system_permission(value);
            // A name always matches itself.
            assert!(names::names_match(kind, value, value), "{value:?}");
            let _ = names::did_you_mean(value, values.iter().map(String::as_str));
        }
    }
    seen
}
