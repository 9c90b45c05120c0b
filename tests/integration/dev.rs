//! The embedded dev issuer: minted tokens verify through every key path and
//! decode to the session that was described.

use std::sync::OnceLock;

use clerk_runtime::{DevIssuer, DevSession, Verifier};
use serde_json::json;

const NOW: i64 = 1_700_000_000;

fn issuer() -> &'static DevIssuer {
    static ISSUER: OnceLock<DevIssuer> = OnceLock::new();
    ISSUER.get_or_init(|| DevIssuer::new().unwrap().with_clock(|| NOW))
}

#[test]
fn kid_looks_like_a_clerk_instance_id() {
    assert!(issuer().kid().starts_with("ins_dev"));
}

#[tokio::test]
async fn minted_token_verifies_with_the_public_key_pem() {
    let verifier = Verifier::from_pem(&issuer().public_key_pem()).unwrap();
    let token = issuer().mint(&DevSession::new("user_1"));
    assert_eq!(
        verifier.verify_at(&token, NOW).await.unwrap().user_id(),
        "user_1"
    );
}

#[tokio::test]
async fn issuer_verifier_checks_the_issuer_and_clock() {
    let verifier = issuer().verifier().unwrap();
    let auth = verifier
        .verify(&issuer().mint(&DevSession::new("user_1")))
        .await
        .unwrap();
    assert_eq!(auth.issuer(), Some(issuer().issuer()));
}

#[tokio::test]
async fn served_jwks_verifies_minted_tokens_over_http() {
    let server = issuer().serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let verifier = Verifier::from_jwks_url(&server.jwks_url()).unwrap();
    let token = issuer().mint(&DevSession::new("user_1"));
    assert!(verifier.verify_at(&token, NOW).await.is_ok());
}

#[tokio::test]
async fn served_backend_api_jwks_verifies_minted_tokens() {
    let server = issuer().serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let verifier = Verifier::builder()
        .backend_api(server.url(), "sk_test_dev")
        .build()
        .unwrap();
    let token = issuer().mint(&DevSession::new("user_1"));
    assert!(verifier.verify_at(&token, NOW).await.is_ok());
}

#[tokio::test]
async fn server_stops_on_shutdown() {
    let server = issuer().serve(([127, 0, 0, 1], 0).into()).await.unwrap();
    let url = server.jwks_url();
    server.shutdown().await;
    let verifier = Verifier::from_jwks_url(&url).unwrap();
    let err = verifier
        .verify_at(&issuer().mint(&DevSession::new("user_1")), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
}

#[tokio::test]
async fn v2_token_carries_org_permissions_features_and_plans() {
    let session = DevSession::new("user_1")
        .org("org_1", "acme", "org:admin")
        .features(["o:dashboard", "u:beta"])
        .plans(["o:pro"])
        .permissions(["org:dashboard:read", "org:impersonation:manage"])
        .fva(3, -1);
    let verifier = issuer().verifier().unwrap();
    let auth = verifier
        .verify_at(&issuer().mint(&session), NOW)
        .await
        .unwrap();
    let org = auth.org().unwrap();
    assert_eq!(org.id(), "org_1");
    assert_eq!(org.role(), Some("org:admin"));
    let mut permissions: Vec<&str> = org.permissions().collect();
    permissions.sort_unstable();
    assert_eq!(
        permissions,
        ["org:dashboard:read", "org:impersonation:manage"]
    );
    assert_eq!(auth.factor_verification_age(), Some([3, -1]));
    assert!(auth.features().next().is_some());
    assert!(auth.plans().next().is_some());
}

#[tokio::test]
async fn v1_token_carries_org_role_and_permissions() {
    let session = DevSession::new("user_1")
        .org("org_1", "acme", "admin")
        .permissions(["org:data:read"]);
    let verifier = issuer().verifier().unwrap();
    let auth = verifier
        .verify_at(&issuer().mint_v1(&session), NOW)
        .await
        .unwrap();
    assert_eq!(auth.org_role(), Some("org:admin"));
    assert_eq!(
        auth.org().unwrap().permissions().collect::<Vec<_>>(),
        ["org:data:read"]
    );
}

#[tokio::test]
async fn custom_claims_are_merged_at_the_top_level() {
    let session = DevSession::new("user_1")
        .custom_claims(json!({"metadata": {"role": "editor"}, "sub": "ignored"}));
    let verifier = issuer().verifier().unwrap();
    let auth = verifier
        .verify_at(&issuer().mint(&session), NOW)
        .await
        .unwrap();
    assert_eq!(auth.claims().get_str("metadata.role"), Some("editor"));
    assert_eq!(auth.user_id(), "user_1");
}

#[tokio::test]
async fn actor_and_pending_status_are_minted() {
    let session = DevSession::new("user_1")
        .status("pending")
        .actor(json!({"sub": "user_admin", "iss": "https://dashboard.clerk.com"}));
    let verifier = issuer().verifier().unwrap();
    let auth = verifier
        .verify_at(&issuer().mint(&session), NOW)
        .await
        .unwrap();
    assert!(auth.is_pending());
    assert_eq!(auth.actor().unwrap().subject(), Some("user_admin"));
}

#[tokio::test]
async fn permissions_without_an_org_are_not_minted() {
    let session = DevSession::new("user_1").permissions(["org:data:read"]);
    let verifier = issuer().verifier().unwrap();
    let auth = verifier
        .verify_at(&issuer().mint(&session), NOW)
        .await
        .unwrap();
    assert!(auth.org().is_none());
}

#[tokio::test]
async fn email_is_a_session_claim() {
    let issuer = DevIssuer::new().unwrap();
    let token = issuer.mint(&DevSession::new("user_mail").email("ada@example.com"));
    let auth = issuer.verifier().unwrap().verify(&token).await.unwrap();
    assert_eq!(auth.claims().get_str("email"), Some("ada@example.com"));
}
