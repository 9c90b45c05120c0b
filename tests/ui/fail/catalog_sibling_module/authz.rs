clerk_runtime::catalog! {
    roles: ["org:admin"],
    permissions: ["org:invoices:read"],
}
