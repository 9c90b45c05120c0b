//! A catalog module the scan cannot locate (`#[path]`): the scan reads no
//! names, the const backstop against the real `CATALOG` still catches the typo.
use clerk_runtime::catalog;

#[path = "authz/names.rs"]
mod authz;
mod handlers;

catalog!(use crate::authz);

fn main() {}
