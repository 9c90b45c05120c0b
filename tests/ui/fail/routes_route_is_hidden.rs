// `Routes` only takes routes from `routes!`: a hand-added route would have no
// table row and no policy, so deny-by-default would not hold.
use clerk_runtime::Routes;

async fn unmarked() -> &'static str {
    "no policy"
}

fn main() {
    let _ = Routes::<()>::new(&[]).route("/", axum::routing::get(unmarked));
}
