#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    // Multi-file cases: `main.rs` is the crate root, its modules beside it.
    t.compile_fail("ui/fail/*/main.rs");
    t.pass("ui/pass/*.rs");
    t.pass("ui/pass/*/main.rs");
}
