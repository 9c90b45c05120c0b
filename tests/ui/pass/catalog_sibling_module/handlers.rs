use clerk_runtime::protect;

#[protect(permission = "org:invoices:read")]
pub async fn invoices() {}

#[protect(role = "org:admin")]
pub async fn admin() {}
