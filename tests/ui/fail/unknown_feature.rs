use clerk_runtime::{catalog, protect};

catalog! {
    features: ["o:data", "u:beta"],
    plans: ["o:pro", "u:free"],
}

#[protect(feature = "o:dta")]
async fn data() {}

#[protect(plan = "o:enterprise")]
async fn enterprise() {}

fn main() {}
