//! `catalog!(use ..)` either names one catalog or declares names, not both.
use clerk_runtime::catalog;

catalog!(use clerk_fixture_authz, roles: ["org:admin"]);

fn main() {}
