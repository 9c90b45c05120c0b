use clerk_runtime::Claims;

#[derive(Claims)]
struct Tuple(String);

#[derive(Claims)]
struct Extras {
    #[claim(default)]
    email: Option<String>,
    #[claim(rename = "metadata.role")]
    role: String,
    #[claim(path = "metadata..tier")]
    tier: String,
}

fn main() {}
