//! JWT-template tokens: minted by the dev issuer from the common templates,
//! verified by a `TemplateVerifier` for one service, and kept apart from
//! session tokens in both directions.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use clerk_runtime::__private::{Guard, PolicySource};
use clerk_runtime::policy::Protection;
use clerk_runtime::template::{
    DefaultTemplateClaims, HASURA_NAMESPACE, HasuraClaims, JwtTemplate, SupabaseClaims,
    TemplateVerifier, TemplateVerifierBuilder,
};
use clerk_runtime::{ClaimSet, Claims, DevSession, FromClaims, Policy, Rule, Verifier};
use serde_json::{Value, json};

use crate::layer::{NOW, client, issuer, layer, serve};

fn keys() -> clerk_runtime::verify::VerifierBuilder {
    Verifier::builder()
        .pem(issuer().public_key_pem())
        .clock(|| NOW)
}

fn for_template<T: FromClaims>(template: &JwtTemplate) -> TemplateVerifierBuilder<T> {
    TemplateVerifier::for_template(keys(), template).issuer(issuer().issuer())
}

fn alice() -> DevSession {
    DevSession::new("user_alice")
        .email("alice@example.com")
        .org("org_acme", "acme", "admin")
        .public_metadata(json!({"plan": "pro"}))
}

async fn reason<T: FromClaims>(verifier: &TemplateVerifier<T>, token: &str) -> &'static str {
    verifier
        .verify_at(token, NOW)
        .await
        .map(|_| ())
        .expect_err("token should be refused")
        .reason()
}

#[tokio::test]
async fn supabase_template_token_parses_into_supabase_claims() {
    let verifier: TemplateVerifier<SupabaseClaims> =
        for_template(&JwtTemplate::supabase()).build().unwrap();
    let token = issuer().mint_jwt_template(&JwtTemplate::supabase(), &alice());

    let verified = verifier.verify_at(&token, NOW).await.unwrap();

    let claims = verified.claims;
    assert_eq!(claims.sub, "user_alice");
    assert_eq!(claims.aud, "authenticated");
    assert_eq!(claims.role, "authenticated");
    assert_eq!(claims.email.as_deref(), Some("alice@example.com"));
    assert_eq!(claims.app_metadata, Some(serde_json::Map::new()));
    assert_eq!(claims.user_metadata.unwrap()["plan"], "pro");
    assert_eq!(verified.auth.session_id(), None);
}

#[tokio::test]
async fn hasura_template_token_parses_the_namespaced_session_variables() {
    let verifier: TemplateVerifier<HasuraClaims> = for_template(&JwtTemplate::hasura())
        .any_audience()
        .build()
        .unwrap();
    let token = issuer().mint_jwt_template(&JwtTemplate::hasura(), &alice());

    let claims = verifier.verify_at(&token, NOW).await.unwrap().claims;

    assert_eq!(
        claims,
        HasuraClaims {
            sub: "user_alice".into(),
            default_role: "user".into(),
            allowed_roles: vec!["user".into()],
            user_id: "user_alice".into(),
            org_id: Some("org_acme".into()),
        }
    );
}

#[tokio::test]
async fn default_template_token_without_an_organization_has_no_org_claims() {
    let verifier: TemplateVerifier<DefaultTemplateClaims> =
        for_template(&JwtTemplate::default_template())
            .build()
            .unwrap();
    let session = DevSession::new("user_bob").email("bob@example.com");
    let token = issuer().mint_jwt_template(&JwtTemplate::default_template(), &session);

    let claims = verifier.verify_at(&token, NOW).await.unwrap().claims;

    assert_eq!(claims.sub, "user_bob");
    assert_eq!(claims.email.as_deref(), Some("bob@example.com"));
    assert_eq!((claims.org_id, claims.org_role), (None, None));
    assert_eq!(claims.public_metadata, Some(json!({})));
}

/// The `custom` template, read with the derive.
#[derive(Debug, clerk_runtime::Claims)]
struct CustomClaims {
    user_id: String,
    #[claim(path = "org.role")]
    org_role: Option<String>,
    #[claim(path = "metadata.plan")]
    plan: String,
}

#[tokio::test]
async fn custom_template_token_reads_into_a_derived_claims_struct() {
    let verifier: TemplateVerifier<CustomClaims> =
        for_template(&JwtTemplate::custom()).build().unwrap();
    let token = issuer().mint_jwt_template(&JwtTemplate::custom(), &alice());

    let claims = verifier.verify_at(&token, NOW).await.unwrap().claims;

    assert_eq!(claims.user_id, "user_alice");
    assert_eq!(claims.org_role.as_deref(), Some("org:admin"));
    assert_eq!(claims.plan, "pro");
}

#[tokio::test]
async fn token_for_another_audience_is_refused_with_token_invalid_audience() {
    let hasura_api: TemplateVerifier<HasuraClaims> = for_template(&JwtTemplate::hasura())
        .audience(["hasura"])
        .build()
        .unwrap();
    // A Supabase token (aud "authenticated") presented to the Hasura service.
    let token = issuer().mint_jwt_template(&JwtTemplate::supabase(), &alice());
    assert_eq!(reason(&hasura_api, &token).await, "token-invalid-audience");
}

#[tokio::test]
async fn token_without_aud_is_refused_where_an_audience_is_required() {
    let verifier: TemplateVerifier<DefaultTemplateClaims> =
        for_template(&JwtTemplate::default_template())
            .audience(["billing"])
            .build()
            .unwrap();
    let token = issuer().mint_jwt_template(&JwtTemplate::default_template(), &alice());
    assert_eq!(reason(&verifier, &token).await, "token-invalid-audience");
}

#[tokio::test]
async fn token_from_another_issuer_is_refused_with_token_invalid_issuer() {
    let verifier: TemplateVerifier<SupabaseClaims> =
        for_template(&JwtTemplate::supabase()).build().unwrap();
    // Same key, other Frontend API: the issuer check is what stops it.
    let other = issuer().clone().with_issuer("https://clerk.other.example");
    let token = other.mint_jwt_template(&JwtTemplate::supabase(), &alice());
    assert_eq!(reason(&verifier, &token).await, "token-invalid-issuer");
}

#[tokio::test]
async fn token_missing_a_required_claim_is_refused_with_missing_claim() {
    let verifier: TemplateVerifier<SupabaseClaims> =
        for_template(&JwtTemplate::supabase()).build().unwrap();
    let token = issuer().mint_template(
        "supabase",
        json!({"aud": "authenticated", "email": "a@example.com"}),
        Duration::from_secs(60),
    );

    let err = verifier.verify_at(&token, NOW).await.unwrap_err();

    assert_eq!(err.reason(), "missing_claim");
    assert!(err.to_string().contains("`role`"), "{err}");
}

#[tokio::test]
async fn hasura_token_missing_the_namespace_is_refused_with_missing_claim() {
    let verifier: TemplateVerifier<HasuraClaims> = for_template(&JwtTemplate::hasura())
        .any_audience()
        .build()
        .unwrap();
    let token = issuer().mint_template("hasura", json!({}), Duration::from_secs(60));
    let err = verifier.verify_at(&token, NOW).await.unwrap_err();
    assert_eq!(err.reason(), "missing_claim");
    assert!(err.to_string().contains(HASURA_NAMESPACE), "{err}");
}

#[tokio::test]
async fn expired_template_token_is_refused_with_token_expired() {
    let verifier: TemplateVerifier<SupabaseClaims> =
        for_template(&JwtTemplate::supabase()).build().unwrap();
    let token = issuer().mint_jwt_template(&JwtTemplate::supabase(), &alice());
    // 60 s lifetime + 5 s skew: expired from NOW + 65 on.
    let err = verifier.verify_at(&token, NOW + 65).await.unwrap_err();
    assert_eq!(err.reason(), "token-expired");
}

#[tokio::test]
async fn token_living_longer_than_the_template_lifetime_is_refused() {
    let verifier: TemplateVerifier<SupabaseClaims> =
        for_template(&JwtTemplate::supabase()).build().unwrap();
    let mut long_lived = JwtTemplate::supabase();
    long_lived.lifetime = Duration::from_secs(3600);
    let token = issuer().mint_jwt_template(&long_lived, &alice());
    assert_eq!(reason(&verifier, &token).await, "token-lifetime-too-long");
}

#[tokio::test]
async fn template_token_without_iat_is_refused_when_a_lifetime_limit_applies() {
    let verifier: TemplateVerifier<DefaultTemplateClaims> =
        for_template(&JwtTemplate::default_template())
            .build()
            .unwrap();
    let payload = json!({"sub": "user_1", "iss": issuer().issuer(), "exp": NOW + 30});
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": issuer().kid()});
    let token = issuer().mint_raw(&header.to_string(), &payload.to_string());
    assert_eq!(reason(&verifier, &token).await, "token-lifetime-too-long");
}

#[tokio::test]
async fn session_token_is_refused_where_a_template_token_is_expected() {
    let verifier: TemplateVerifier<DefaultTemplateClaims> =
        for_template(&JwtTemplate::default_template())
            .build()
            .unwrap();
    let token = issuer().mint(&alice());
    assert_eq!(reason(&verifier, &token).await, "token-type-mismatch");
}

#[test]
fn template_verifier_without_an_audience_choice_does_not_build() {
    let err = TemplateVerifier::<DefaultTemplateClaims>::builder(keys())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("any_audience"), "{err}");
    let empty = TemplateVerifier::<DefaultTemplateClaims>::builder(keys())
        .audience(Vec::<String>::new())
        .build();
    assert!(empty.is_err());
}

enum SignedIn {}
impl PolicySource for SignedIn {
    const POLICY: Policy = Policy::Protected(Protection {
        rule: Rule::SignedIn,
        allow_pending: false,
        accepts: clerk_runtime::policy::Accepts::SESSION,
        rate_limit: None,
    });
}

async fn whoami(_: Guard<SignedIn>, Claims(claims): Claims<ClaimSet>) -> String {
    claims.get_str("sub").unwrap_or("-").to_owned()
}

#[tokio::test]
async fn template_token_is_refused_by_the_session_layer() {
    let base = serve(Router::new().route("/me", get(whoami)).layer(layer())).await;
    let token = issuer().mint_jwt_template(&JwtTemplate::supabase(), &alice());

    let response = client()
        .get(format!("{base}/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "token-type-mismatch");
}

#[test]
fn every_seed_template_prints_as_dashboard_json() {
    for template in [
        JwtTemplate::default_template(),
        JwtTemplate::supabase(),
        JwtTemplate::hasura(),
        JwtTemplate::custom(),
    ] {
        let json: Value = serde_json::from_str(&template.to_dashboard_json()).unwrap();
        assert_eq!(json["name"], template.name.as_str());
        assert_eq!(json["claims"], template.claims);
    }
}

#[test]
fn dev_issuer_resolves_shortcodes_from_the_session() {
    let values = alice().shortcode_values();
    let rendered = JwtTemplate::custom().render(&values);
    assert_eq!(rendered["email"], "alice@example.com");
    assert_eq!(
        rendered["org"],
        json!({"id": "org_acme", "role": "org:admin"})
    );
}
