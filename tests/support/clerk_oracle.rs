//! Clerk's own SDK (`@clerk/backend`, installed in tests/oracle by `npm ci`)
//! as a differential-test oracle: a node script reads a JSON array of cases
//! on stdin and prints Clerk's verdicts.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// The oracle's folder, or `None` (with a visible "skipping") when it is not
/// installed. Under `CI` a missing oracle fails: the differential tests
/// never pass without running.
pub fn oracle_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oracle");
    if dir.join("node_modules/@clerk/backend").is_dir() {
        return Some(dir);
    }
    let why = "Clerk's SDK oracle is not installed: run `npm ci` in tests/oracle";
    assert!(std::env::var_os("CI").is_none(), "{why}");
    eprintln!("skipping differential test: {why}");
    None
}

/// Runs `script` (in the oracle folder) over `cases`; Clerk's verdicts, in order.
pub fn clerk_verdicts(dir: &PathBuf, script: &str, cases: &[Value]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let input = serde_json::to_vec(cases).expect("cases serialise");
    child
        .stdin
        .take()
        .expect("stdin piped")
        .write_all(&input)
        .expect("write cases");
    let out = child.wait_with_output().expect("oracle finishes");
    assert!(out.status.success(), "oracle failed");
    let verdicts: Vec<Value> = serde_json::from_slice(&out.stdout).expect("oracle prints JSON");
    assert_eq!(verdicts.len(), cases.len());
    verdicts
}
