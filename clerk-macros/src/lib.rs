//! Procedural macros of `clerk-runtime`. Depend on `clerk-runtime`, which
//! re-exports them; generated code names only `::clerk_runtime` paths.
