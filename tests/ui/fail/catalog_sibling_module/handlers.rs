use clerk_runtime::protect;

#[protect(permission = "org:invoices:read")]
pub async fn invoices() {}

#[protect(permission = "org:invoice:read")]
pub async fn typo() {}
