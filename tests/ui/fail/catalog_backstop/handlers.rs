use clerk_runtime::protect;

#[protect(permission = "org:invoices:read")]
pub async fn invoices() {}

#[protect(permission = "org:invoices:reed")]
pub async fn typo() {}
