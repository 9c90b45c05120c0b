use clerk_runtime::Claims;

#[derive(Claims)]
enum Role {
    Admin,
    Member,
}

fn main() {}
