use clerk_runtime::catalog;

catalog! {
    roles: ["admin", "org:member", "org:member"],
    permissions: ["org:sys_profile:manage", "org:data"],
    plan: ["o:pro"],
}

fn main() {}
