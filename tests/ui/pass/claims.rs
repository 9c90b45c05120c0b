//! `#[derive(Claims)]` and `#[claims(T)]` in either order with `#[protect]`.
#![deny(warnings)]
use clerk_runtime::__private::policy_of;
use clerk_runtime::{ClaimError, ClaimSet, Claims, FromClaims, Policy, claims, protect};

#[derive(Claims, Debug, PartialEq)]
struct Extras {
    email: Option<String>,
    #[claim(path = "metadata.role")]
    role: Option<String>,
    r#type: Option<String>,
}

#[derive(Claims, Debug)]
struct Tenant {
    #[claim(rename = "tenant_id")]
    id: String,
    #[claim(path = "metadata.tier")]
    tier: u8,
}

#[protect]
#[claims(Extras)]
async fn me() {}

#[claims(Tenant)]
#[protect(role = "org:admin")]
async fn tenant_admin() {}

fn main() {
    let empty = ClaimSet::default();
    assert_eq!(
        Extras::from_claims(&empty),
        Ok(Extras { email: None, role: None, r#type: None })
    );
    assert_eq!(
        Tenant::from_claims(&empty).unwrap_err(),
        ClaimError::Missing { claim: "tenant_id".to_owned() }
    );
    // The guard stays the first parameter whatever the attribute order:
    // `policy_of` only accepts handlers whose first parameter is the guard.
    assert!(matches!(policy_of(&me), Policy::Protected(_)));
    assert!(matches!(policy_of(&tenant_admin), Policy::Protected(_)));
}

// No names declared: `#[protect]` checks their shape only.
clerk_runtime::catalog! {}
