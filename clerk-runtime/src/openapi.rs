//! OpenAPI security from the route table (cargo feature `openapi`).
//!
//! [`apply`] takes a utoipa [`OpenApi`] document the app already has (from
//! `#[derive(utoipa::OpenApi)]` or utoipa-axum) and the `routes!` table, and
//! adds what the policies imply:
//!
//! - the security schemes [`BEARER_SCHEME`] (HTTP bearer, JWT) and
//!   [`COOKIE_SCHEME`] (the `__session` cookie as an apiKey in a cookie);
//! - on every operation the table knows (method + path; axum's `{id}` is
//!   OpenAPI's `{id}`, the catch-all `{*rest}` becomes `{rest}`), its
//!   requirement: `security: []` for a public route; for a protected one the
//!   two schemes as alternatives, each listing the roles, permissions,
//!   features and plans the rule names as scopes (OpenAPI 3.1 allows role
//!   names as scopes of non-OAuth schemes);
//! - for routes that accept machine tokens (`#[protect(accepts = ..)]`), one
//!   HTTP bearer scheme per accepted type ([`API_KEY_SCHEME`],
//!   [`M2M_SCHEME`], [`OAUTH_SCHEME`], declared only when a route uses it)
//!   as further alternatives, listing the route's required scopes;
//! - an `x-clerk-policy` extension with the policy as data (its serde form),
//!   which keeps what scopes cannot say (`any`, `fresh`, conditions).
//!
//! Routes the document does not describe are returned, never invented.
//!
//! ```
//! use clerk_runtime::{Policy, Route};
//! use utoipa::openapi::path::Operation;
//! use utoipa::openapi::{HttpMethod, OpenApiBuilder, PathItem, PathsBuilder};
//!
//! static TABLE: &[Route] = &[Route { method: "GET", path: "/", policy: Policy::PUBLIC, handler: "index" }];
//! let mut doc = OpenApiBuilder::new()
//!     .paths(PathsBuilder::new().path("/", PathItem::new(HttpMethod::Get, Operation::default())))
//!     .build();
//! let missing = clerk_runtime::openapi::apply(&mut doc, TABLE);
//! assert!(missing.is_empty());
//! // A public route: an explicit empty requirement.
//! let security = doc.paths.paths["/"].get.as_ref().unwrap().security.as_ref();
//! assert!(security.is_some_and(Vec::is_empty));
//! ```

use utoipa::Modify;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{OpenApi, PathItem};

use crate::policy::{Policy, Rule, TokenType};
use crate::routes::Route;

/// Name of the HTTP bearer (JWT) scheme: `Authorization: Bearer <session token>`.
pub const BEARER_SCHEME: &str = "clerk_bearer";
/// Name of the cookie scheme: the `__session` cookie Clerk's browser SDK sets.
pub const COOKIE_SCHEME: &str = "clerk_session_cookie";
/// The cookie the cookie scheme names (suffixed `__session_<suffix>` cookies
/// are read too, but an apiKey scheme names exactly one cookie).
pub const SESSION_COOKIE: &str = "__session";
/// Name of the scheme of Clerk API keys (`Authorization: Bearer ak_...`).
pub const API_KEY_SCHEME: &str = "clerk_api_key";
/// Name of the scheme of Clerk M2M tokens (`mt_...` or a JWT).
pub const M2M_SCHEME: &str = "clerk_m2m_token";
/// Name of the scheme of Clerk OAuth access tokens (`oat_...` or an `at+jwt` JWT).
pub const OAUTH_SCHEME: &str = "clerk_oauth_token";

/// The scheme of a machine token type, and its description.
fn machine_scheme(token_type: TokenType) -> Option<(&'static str, &'static str)> {
    match token_type {
        TokenType::ApiKey => Some((API_KEY_SCHEME, "A Clerk API key (ak_...).")),
        TokenType::M2mToken => Some((
            M2M_SCHEME,
            "A Clerk machine-to-machine token (mt_... or a JWT).",
        )),
        TokenType::OAuthToken => Some((
            OAUTH_SCHEME,
            "A Clerk OAuth access token (oat_... or an at+jwt JWT).",
        )),
        TokenType::SessionToken => None,
    }
}

/// The operation extension carrying the route's [`Policy`] as data.
pub const POLICY_EXTENSION: &str = "x-clerk-policy";

/// A [`Modify`] for `#[openapi(modifiers(..))]` or a hand call:
/// [`apply`] with this table, dropping the list of undescribed routes.
#[derive(Debug, Clone, Copy)]
pub struct ClerkSecurity(pub &'static [Route]);

impl Modify for ClerkSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        // `Modify` cannot return anything; callers who want the report call `apply`.
        let _undescribed = apply(openapi, self.0);
    }
}

/// Adds the security schemes and every described route's requirement and
/// `x-clerk-policy` to `doc`; returns the table rows the document does not
/// describe (no path, or no operation for the method), in table order.
///
/// Requirements the document already had on an operation are replaced: the
/// route table is what the server enforces.
pub fn apply(doc: &mut OpenApi, table: &'static [Route]) -> Vec<&'static Route> {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("A Clerk session token (they live 60 s)."))
                .build(),
        ),
    );
    components.add_security_scheme(
        COOKIE_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            SESSION_COOKIE,
            "The session cookie set by Clerk's browser SDK.",
        ))),
    );
    for token_type in TokenType::ALL {
        let used = table.iter().any(|route| {
            matches!(route.policy, Policy::Protected(p) if p.accepts.tokens.contains(token_type))
        });
        if let Some((name, description)) = machine_scheme(token_type).filter(|_| used) {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(description))
                        .build(),
                ),
            );
        }
    }
    let mut undescribed = Vec::new();
    for route in table {
        let path = openapi_path(route.path);
        let operation = doc
            .paths
            .paths
            .get_mut(&path)
            .and_then(|item| operation_mut(item, route.method));
        match operation {
            Some(operation) => secure(operation, &route.policy),
            None => undescribed.push(route),
        }
    }
    undescribed
}

/// The requirement a policy implies: empty for a public route (no
/// security); for a protected one the bearer and the cookie scheme as
/// alternatives, each with [`scopes`].
pub fn requirements(policy: &Policy) -> Vec<SecurityRequirement> {
    match policy {
        Policy::Public(_) => Vec::new(),
        Policy::Protected(protection) => {
            let accepts = protection.accepts;
            let mut requirements = Vec::new();
            if accepts.tokens.accepts_session() {
                let scopes = scopes(&protection.rule);
                requirements.push(SecurityRequirement::new(BEARER_SCHEME, scopes.clone()));
                requirements.push(SecurityRequirement::new(COOKIE_SCHEME, scopes));
            }
            for (name, _) in accepts.tokens.iter().filter_map(machine_scheme) {
                requirements.push(SecurityRequirement::new(name, accepts.scopes.to_vec()));
            }
            requirements
        }
    }
}

/// The roles, permissions, features and plans a rule names, in order,
/// each once. Scopes cannot say "any of": `x-clerk-policy` has the logic.
pub fn scopes(rule: &Rule) -> Vec<&'static str> {
    fn walk(rule: &Rule, out: &mut Vec<&'static str>) {
        match *rule {
            Rule::Role(name) | Rule::Permission(name) | Rule::Feature(name) | Rule::Plan(name) => {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            Rule::Any(rules) | Rule::All(rules) => rules.iter().for_each(|r| walk(r, out)),
            Rule::SignedIn | Rule::Org | Rule::Fresh(_) | Rule::Condition(_) => {}
        }
    }
    let mut out = Vec::new();
    walk(rule, &mut out);
    out
}

/// An axum 0.8 path template as an OpenAPI path: `{id}` stays, the
/// catch-all `{*rest}` becomes `{rest}` (OpenAPI has no catch-all; the
/// parameter then stands for the rest of the path).
pub fn openapi_path(axum_path: &str) -> String {
    axum_path.replace("{*", "{")
}

fn secure(operation: &mut Operation, policy: &Policy) {
    operation.security = Some(requirements(policy));
    let extensions = operation.extensions.get_or_insert_with(Extensions::default);
    // Policy's Serialize is derived over plain data (strings, integers): it cannot fail.
    let value = serde_json::to_value(policy).unwrap_or(serde_json::Value::Null);
    extensions.insert(POLICY_EXTENSION.to_owned(), value);
}

fn operation_mut<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a mut Operation> {
    let slot = match method.to_ascii_uppercase().as_str() {
        "GET" => &mut item.get,
        "POST" => &mut item.post,
        "PUT" => &mut item.put,
        "DELETE" => &mut item.delete,
        "PATCH" => &mut item.patch,
        "HEAD" => &mut item.head,
        "OPTIONS" => &mut item.options,
        "TRACE" => &mut item.trace,
        _ => return None,
    };
    slot.as_mut()
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use utoipa::openapi::{HttpMethod, OpenApiBuilder, PathItem, PathsBuilder};

    use super::*;
    use crate::policy::Protection;

    static ANY: [Rule; 2] = [Rule::Role("org:admin"), Rule::Permission("org:data:read")];
    static TABLE: &[Route] = &[
        Route {
            method: "GET",
            path: "/",
            policy: Policy::PUBLIC,
            handler: "index",
        },
        Route {
            method: "GET",
            path: "/me",
            policy: Policy::Protected(Protection {
                rule: Rule::SignedIn,
                allow_pending: false,
                accepts: crate::policy::Accepts::SESSION,
                rate_limit: None,
            }),
            handler: "me",
        },
        Route {
            method: "DELETE",
            path: "/items/{id}",
            policy: Policy::Protected(Protection {
                rule: Rule::Any(&ANY),
                allow_pending: false,
                accepts: crate::policy::Accepts::SESSION,
                rate_limit: None,
            }),
            handler: "delete",
        },
        Route {
            method: "GET",
            path: "/files/{*rest}",
            policy: Policy::PUBLIC,
            handler: "files",
        },
        Route {
            method: "POST",
            path: "/",
            policy: Policy::PUBLIC,
            handler: "undocumented",
        },
        Route {
            method: "GET",
            path: "/nowhere",
            policy: Policy::PUBLIC,
            handler: "nowhere",
        },
    ];

    fn doc() -> OpenApi {
        let op = || PathItem::new(HttpMethod::Get, Operation::default());
        OpenApiBuilder::new()
            .paths(
                PathsBuilder::new()
                    .path("/", op())
                    .path("/me", op())
                    .path(
                        "/items/{id}",
                        PathItem::new(HttpMethod::Delete, Operation::default()),
                    )
                    .path("/files/{rest}", op()),
            )
            .build()
    }

    fn op_json(doc: &OpenApi, path: &str, method: &str) -> serde_json::Value {
        serde_json::to_value(doc).unwrap()["paths"][path][method].clone()
    }

    #[test]
    fn public_route_has_explicitly_empty_security() {
        let mut doc = doc();
        apply(&mut doc, TABLE);
        assert_eq!(op_json(&doc, "/", "get")["security"], json!([]));
        assert_eq!(
            op_json(&doc, "/", "get")["x-clerk-policy"],
            json!({"kind": "public"})
        );
    }

    #[test]
    fn signed_in_route_requires_either_session_scheme_without_scopes() {
        let mut doc = doc();
        apply(&mut doc, TABLE);
        assert_eq!(
            op_json(&doc, "/me", "get")["security"],
            json!([{"clerk_bearer": []}, {"clerk_session_cookie": []}])
        );
    }

    #[test]
    fn named_requirements_are_scopes_and_the_policy_is_an_extension() {
        let mut doc = doc();
        apply(&mut doc, TABLE);
        let op = op_json(&doc, "/items/{id}", "delete");
        let scopes = json!(["org:admin", "org:data:read"]);
        assert_eq!(
            op["security"],
            json!([{"clerk_bearer": scopes}, {"clerk_session_cookie": scopes}])
        );
        assert_eq!(
            op["x-clerk-policy"]["rule"],
            json!({"any": [{"role": "org:admin"}, {"permission": "org:data:read"}]})
        );
    }

    #[test]
    fn catch_all_maps_to_a_plain_parameter() {
        assert_eq!(openapi_path("/files/{*rest}"), "/files/{rest}");
        let mut doc = doc();
        apply(&mut doc, TABLE);
        assert_eq!(op_json(&doc, "/files/{rest}", "get")["security"], json!([]));
    }

    #[test]
    fn undescribed_routes_are_reported_not_invented() {
        let mut doc = doc();
        let missing: Vec<&str> = apply(&mut doc, TABLE).iter().map(|r| r.handler).collect();
        assert_eq!(missing, ["undocumented", "nowhere"]);
        let json = serde_json::to_value(&doc).unwrap();
        assert!(json["paths"].get("/nowhere").is_none());
        assert!(json["paths"]["/"].get("post").is_none());
    }

    #[test]
    fn schemes_are_bearer_jwt_and_the_session_cookie() {
        let mut doc = doc();
        apply(&mut doc, TABLE);
        let schemes = serde_json::to_value(&doc).unwrap()["components"]["securitySchemes"].clone();
        assert_eq!(schemes["clerk_bearer"]["scheme"], "bearer");
        assert_eq!(schemes["clerk_bearer"]["bearerFormat"], "JWT");
        assert_eq!(schemes["clerk_session_cookie"]["in"], "cookie");
        assert_eq!(schemes["clerk_session_cookie"]["name"], "__session");
    }
}
