use clerk_runtime::prelude::*;
use clerk_runtime::policy::{TokenType, TokenTypes};
use clerk_runtime::{Caller, Policy, Routes};

catalog! {
    roles: ["org:admin"],
    scopes: ["invoices:read", "invoices:write"],
}

#[protect(accepts = "api_key", scope = ["invoices:read", "invoices:write"])]
async fn export(machine: MachineAuth) -> String {
    machine.id().to_owned()
}

#[protect(accepts = ["session_token", "m2m_token"], role = "org:admin")]
async fn sync(caller: Caller) -> String {
    format!("{:?}", caller.user_id())
}

#[protect(accepts = "any")]
async fn anyone(machine: Option<MachineAuth>) -> String {
    format!("{}", machine.is_some())
}

fn main() {
    let routes: Routes = routes![
        GET "/export" => export,
        GET "/sync" => sync,
        GET "/anyone" => anyone,
    ];
    let Policy::Protected(export) = routes.table()[0].policy else { panic!() };
    assert_eq!(export.accepts.tokens, TokenTypes::NONE.with(TokenType::ApiKey));
    assert_eq!(export.accepts.scopes, ["invoices:read", "invoices:write"]);
    let Policy::Protected(sync) = routes.table()[1].policy else { panic!() };
    assert!(sync.accepts.tokens.accepts_session() && sync.accepts.tokens.contains(TokenType::M2mToken));
    let Policy::Protected(anyone) = routes.table()[2].policy else { panic!() };
    assert_eq!(anyone.accepts.tokens, TokenTypes::ANY);
}
