//! A catalog in a sibling module, named at the root with `catalog!(use ..)`:
//! a misspelt name is caught by the scan, with the catalog's file and line.
use clerk_runtime::catalog;

mod authz;
mod handlers;

catalog!(use crate::authz);

fn main() {}
