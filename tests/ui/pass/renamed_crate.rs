//! An app depending on clerk-runtime as `clerk` (see
//! tests/fixtures/renamed): every macro takes `crate = "clerk"`, and the
//! generated code names no `::clerk_runtime`.
#![deny(warnings)]

fn main() {
    let routes = clerk_fixture_renamed::routes();
    let table: Vec<String> = routes.table().iter().map(ToString::to_string).collect();
    assert_eq!(table.len(), 3);
    assert!(table[1].contains("org:data:read"), "{table:?}");
}
