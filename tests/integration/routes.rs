//! The route table built as `routes!` expands: listable, searchable, and
//! serving each route under its handler's policy.

use axum::extract::State;
use axum::routing::{delete, get};
use clerk_runtime::__private::{Guard, PolicySource, policy_of};
use clerk_runtime::policy::Protection;
use clerk_runtime::{Auth, Policy, Route, Routes, Rule};
use reqwest::StatusCode;

use crate::layer::{client, layer, serve, token, user};

enum PublicPolicy {}
impl PolicySource for PublicPolicy {
    const POLICY: Policy = Policy::PUBLIC;
}

enum AdminPolicy {}
impl PolicySource for AdminPolicy {
    const POLICY: Policy = Policy::Protected(Protection {
        rule: Rule::Role("org:admin"),
        allow_pending: false,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    });
}

enum ReaderPolicy {}
impl PolicySource for ReaderPolicy {
    const POLICY: Policy = Policy::Protected(Protection {
        rule: Rule::Permission("org:data:read"),
        allow_pending: false,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    });
}

async fn index(_: Guard<PublicPolicy>) -> &'static str {
    "hello"
}

async fn list_items(_: Guard<ReaderPolicy>, State(prefix): State<&'static str>) -> String {
    format!("{prefix}items")
}

async fn delete_item(_: Guard<AdminPolicy>, auth: Auth) -> String {
    format!("deleted by {}", auth.user_id())
}

static ROUTES: [Route; 3] = [
    Route {
        method: "GET",
        path: "/",
        policy: policy_of(&index),
        handler: "index",
    },
    Route {
        method: "GET",
        path: "/api/data",
        policy: policy_of(&list_items),
        handler: "list_items",
    },
    Route {
        method: "DELETE",
        path: "/api/data/{id}",
        policy: policy_of(&delete_item),
        handler: "delete_item",
    },
];

fn routes() -> Routes<&'static str> {
    Routes::new(&ROUTES)
        .__route("/", get(index))
        .__route("/api/data", get(list_items))
        .__route("/api/data/{id}", delete(delete_item))
}

#[test]
fn table_lists_every_route_with_its_handler_policy() {
    let table = routes().table();
    assert_eq!(table.len(), 3);
    assert_eq!(table[0].policy, Policy::PUBLIC);
    assert_eq!(table[1].policy, ReaderPolicy::POLICY);
    assert_eq!(table[2].policy, AdminPolicy::POLICY);
}

#[test]
fn find_matches_a_concrete_path_against_the_template() {
    let routes = routes();
    let route = routes.find("DELETE", "/api/data/42").expect("route");
    assert_eq!(route.handler, "delete_item");
    assert!(routes.find("GET", "/api/data/42").is_none());
    assert!(routes.find("GET", "/api/dataxyz").is_none());
}

#[test]
fn table_prints_one_aligned_line_per_route() {
    let lines: Vec<String> = routes().table().iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "GET    /                public          (index)",
            "GET    /api/data        permission org:data:read  (list_items)",
            "DELETE /api/data/{id}   role org:admin  (delete_item)",
        ]
    );
}

#[test]
fn table_survives_layer_and_state() {
    let routes = routes().layer(layer()).with_state::<()>("v1:");
    assert_eq!(routes.table().len(), 3);
    assert_eq!(routes.find("GET", "/").map(|r| r.handler), Some("index"));
}

#[test]
fn table_serializes_to_json() {
    let json = serde_json::to_value(routes().table()).unwrap();
    assert_eq!(json[2]["method"], "DELETE");
    assert_eq!(json[2]["path"], "/api/data/{id}");
    assert_eq!(json[2]["handler"], "delete_item");
}

#[tokio::test]
async fn routes_serve_each_handler_under_its_policy() {
    let app = routes().layer(layer()).with_state("v1:").into_router();
    let base = serve(app).await;
    let admin =
        token(clerk_runtime::DevSession::new("user_admin").org("org_1", "acme", "org:admin"));

    let index = client().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);

    let signed_out = client()
        .get(format!("{base}/api/data"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);

    let forbidden = client()
        .delete(format!("{base}/api/data/7"))
        .bearer_auth(user("user_bob"))
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    let deleted = client()
        .delete(format!("{base}/api/data/7"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(deleted.text().await.unwrap(), "deleted by user_admin");
}

/// The real macros, end to end: `#[protect]`/`#[public]`/`#[claims]` and
/// `routes!` against the layer.
mod expanded {
    use clerk_runtime::DevSession;
    use clerk_runtime::prelude::*;
    use reqwest::StatusCode;
    use serde_json::json;

    use crate::layer::{client, layer, serve, token, user};

    #[derive(Claims)]
    struct Tenant {
        #[claim(rename = "tenant_id")]
        id: String,
    }

    #[public]
    async fn home(auth: Option<Auth>) -> String {
        auth.map_or_else(|| "anonymous".to_owned(), |a| a.user_id().to_owned())
    }

    #[protect(role = "org:admin")]
    async fn admin(auth: Auth) -> String {
        format!("admin {}", auth.user_id())
    }

    #[protect]
    #[claims(Tenant)]
    async fn tenant(Claims(tenant): Claims<Tenant>) -> String {
        tenant.id
    }

    /// `Clone`: kept with the token, so the guard only checks it and the
    /// extractor reads the kept value again.
    #[derive(Claims, Clone)]
    struct KeptTenant {
        #[claim(rename = "tenant_id")]
        id: String,
    }

    #[protect]
    #[claims(KeptTenant)]
    async fn kept_tenant(Claims(tenant): Claims<KeptTenant>) -> String {
        tenant.id
    }

    fn app() -> Routes {
        routes![
            GET "/" => home,
            GET "/admin" => admin,
            GET "/tenant" => tenant,
            GET "/kept-tenant" => kept_tenant,
        ]
        .layer(layer())
    }

    #[test]
    fn routes_macro_lists_the_declared_policies() {
        let lines: Vec<String> = app().table().iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "GET    /                public          (home)",
                "GET    /admin           role org:admin  (admin)",
                "GET    /tenant          signed in       (tenant)",
                "GET    /kept-tenant     signed in       (kept_tenant)",
            ]
        );
    }

    #[tokio::test]
    async fn protect_macro_guards_the_handler() {
        let base = serve(app().into_router()).await;
        let admin = token(DevSession::new("user_admin").org("org_1", "acme", "org:admin"));
        let ok = client()
            .get(format!("{base}/admin"))
            .bearer_auth(admin)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.text().await.unwrap(), "admin user_admin");
        let forbidden = client()
            .get(format!("{base}/admin"))
            .bearer_auth(user("user_bob"))
            .send()
            .await
            .unwrap();
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    }

    /// Both ways `#[claims(T)]` hands the value to the handler: decoded by
    /// the guard (`/tenant`) and kept with the token (`/kept-tenant`).
    const TENANT_ROUTES: [&str; 2] = ["/tenant", "/kept-tenant"];

    #[tokio::test]
    async fn claims_attribute_reads_custom_claims_before_the_handler() {
        let base = serve(app().into_router()).await;
        let with_tenant =
            token(DevSession::new("user_a").custom_claims(json!({"tenant_id": "t_42"})));
        for path in TENANT_ROUTES {
            // The second request is served from the verified-token cache.
            for _ in 0..2 {
                let response = client()
                    .get(format!("{base}{path}"))
                    .bearer_auth(&with_tenant)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.text().await.unwrap(), "t_42", "{path}");
            }
        }
    }

    #[tokio::test]
    async fn missing_or_invalid_custom_claim_is_401_naming_the_claim() {
        let base = serve(app().into_router()).await;
        let invalid = token(DevSession::new("user_a").custom_claims(json!({"tenant_id": 42})));
        for path in TENANT_ROUTES {
            for (bearer, reason) in [
                (user("user_a"), "missing_claim"),
                (invalid.clone(), "invalid_claim"),
            ] {
                let response = client()
                    .get(format!("{base}{path}"))
                    .bearer_auth(bearer)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!(
                    body,
                    json!({"error": "unauthenticated", "reason": reason, "claim": "tenant_id"}),
                    "{path}"
                );
            }
        }
    }

    #[tokio::test]
    async fn public_macro_route_sees_optional_auth() {
        let base = serve(app().into_router()).await;
        let anonymous = client().get(format!("{base}/")).send().await.unwrap();
        assert_eq!(anonymous.text().await.unwrap(), "anonymous");
    }
}
