use clerk_runtime::protect;

struct Api;

impl Api {
    #[protect]
    async fn me(&self) -> &'static str {
        "me"
    }
}

fn main() {}
