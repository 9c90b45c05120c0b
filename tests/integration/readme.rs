//! The README's first example is the quickstart, byte for byte: the code a
//! new user copies is the code that compiles (`cargo run --example quickstart`).

#[test]
fn readme_example_is_the_quickstart_as_it_compiles() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let quickstart =
        std::fs::read_to_string(format!("{root}/examples/quickstart/main.rs")).expect("quickstart");
    let code = &quickstart[quickstart
        .find("use clerk_runtime::prelude::*;")
        .expect("prelude line")..];
    let section = &readme[readme.find("## Example").expect("Example section")..];
    let start = section.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let block = &section[start..start + section[start..].find("```\n").expect("block end")];
    assert_eq!(
        block, code,
        "README.md's example differs from examples/quickstart/main.rs"
    );
}

#[test]
fn a_startup_error_printed_by_main_names_the_variable() {
    // What `main() -> Result<(), Box<dyn Error>>` prints is the Debug form.
    let error = clerk_runtime::ClerkConfig::from_lookup(|_| None)
        .and_then(|config| clerk_runtime::ClerkLayer::from_config(&config).map(drop))
        .unwrap_err();
    let printed = format!("{error:?}");
    assert!(
        printed.contains("CLERK_JWT_KEY") && printed.contains("CLERK_SECRET_KEY"),
        "{printed}"
    );
}
