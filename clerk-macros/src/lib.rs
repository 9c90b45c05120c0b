//! Procedural macros of `clerk-runtime`. Depend on `clerk-runtime`, which
//! re-exports them; generated code names only `::clerk_runtime` paths.
//!
//! Each macro reads as parse → validate → expand: [`catalog`] knows the
//! app's names and Clerk's naming rules, `protect`/`public`/`claims` attach
//! a policy guard to a handler, `routes` builds the route table.
//!
//! # How `#[protect]` sees the app's `catalog!`
//!
//! A proc macro cannot see the items of the crate it expands in, so the
//! catalog is found by *reading source*: `#[protect]` asks the compiler
//! which file it is expanding in (`Span::local_file`), then looks for a
//! `catalog! { ... }` invocation in that file and in the module-root files
//! above it (`mod.rs`, `lib.rs`, `main.rs`, `foo.rs` for `foo/`), up to the
//! package root. Declaring `catalog!` at the crate root therefore covers
//! every module.
//!
//! Why this over the alternatives:
//! - A separate `clerk.toml` would be a second place to declare names,
//!   apart from the `CATALOG` constant the app uses at run time; reading
//!   the `catalog!` itself keeps one source of truth.
//! - Expanding `catalog!` to a `macro_rules!` that `#[protect]` calls back
//!   ties correctness to textual macro order, breaks when the catalog is
//!   optional (no way to fall back when the macro does not exist), and
//!   cannot say *where* the catalog is.
//! - Reading the file gives the best error: the unknown name underlined,
//!   `did you mean "org:data:read"?` from the declared names, and a note
//!   with the catalog's `file:line`.
//!
//! Without a catalog (none found, or the list for that kind not declared),
//! names are still checked for shape (`org:<role>`,
//! `org:<feature>:<action>`, `scope:name`) and system permissions are
//! still refused. Parsed catalogs are cached per file and modification
//! time, so many handlers cost one read, and an IDE sees edits.

mod catalog;
mod claims;
mod ctxt;
mod handler;
mod protect;
mod public;
mod routes;

use proc_macro::TokenStream;

/// Declares the app's role, permission, feature and plan names, checked by
/// `#[protect]` at compile time and listed at run time as `CATALOG`.
#[proc_macro]
pub fn catalog(input: TokenStream) -> TokenStream {
    catalog::expand_catalog(input.into()).into()
}

/// Protects an async axum handler with a policy evaluated before any
/// other extractor runs.
#[proc_macro_attribute]
pub fn protect(args: TokenStream, item: TokenStream) -> TokenStream {
    protect::expand(args.into(), item.into()).into()
}

/// Marks an async axum handler as reachable without a session.
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    public::expand(args.into(), item.into()).into()
}

/// Extracts and validates custom claims (`#[derive(Claims)]`) before the
/// handler runs.
#[proc_macro_attribute]
pub fn claims(args: TokenStream, item: TokenStream) -> TokenStream {
    claims::expand_attr(args.into(), item.into()).into()
}

/// Builds the route table and the router from `METHOD "/path" => handler`.
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    routes::expand(input.into()).into()
}

/// Implements `FromClaims`: each field read from the token's claims at
/// `#[claim(path = "...")]` (default: the field name).
#[proc_macro_derive(Claims, attributes(claim))]
pub fn derive_claims(input: TokenStream) -> TokenStream {
    claims::expand_derive(input.into()).into()
}
