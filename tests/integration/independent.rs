//! Tokens built by an independent implementation, `jsonwebtoken` (with
//! Clerk's fixture key pair from `@clerk/backend`'s fixtures/index.ts), so a
//! bug shared by our dev issuer and our verifier cannot hide here.

use clerk_runtime::machine::MachineVerifier;
use clerk_runtime::{DevIssuer, Verifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

/// Clerk's test signing key (PKCS#8) and its public half.
const PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCpjLcxjx86d4TL\nM0O72WnqIZcqQ1QX6791SeuWRp1ljIHfl5/MoUkSv19+2Za/k9SPW5EdNDduHpfV\nxx45iwiPLTTx0dZkmwqEY7GB1ON4r3WuNqSXG3u3IVcSIocg6vUtKArOikKU58Ii\nPEr+g9Q5/fylWHtad6RxIFCZTl+oD4TMoyLqT1XC9vOoqVkzhdCyIXKfbx31W5sl\naNNTyc2i3SfU0T72TpPEzyeCUzhHCQEfg2LgHQuEoo45X4Aby0E2JlWKXjXl2kGV\n2Yn+PTCTsB3hUWL16fdnXugIqv4r7O5Pu8owpJvXnjx2TS+eaLS+PZAZdKj7rXAz\nnJBamTqxAgMBAAECggEAB/SNR+sCORkQhwRBwleiK5Ul5ZrBIFo0Yol0X1my2ufr\n1BTmL5DFv/ZwwZ/t/dEu4QcX2PnxO959m087cNHANg+V8164I4JOzQVsd74Iako5\nSFJSCLEGbgJHdpdeJcJAfLzrPOOp2hjBuB+CGU0QMSRkrVFogEcq1RACGB9gR59X\nKft9GC+iZowLUwwlUWpUpPK94ZIfxFflJdBSl9DPSjUq9lNPWhy2/qwjkDluKIG1\n9p4gmRRNT1vSwBmwfq74jrB+rSYL6+IpmSw0PX41pSkuuNPQ0LgrtM7+9dr9tNVP\nWxc1HVZYj8r0FF3Yr5JFlHy9nxf/XMzQxNhZpaNRXQKBgQDirp04vgu3TB08UoKo\njovEzMT/jBwGkP1lV48MsjM9iiNZZ2mz01T4mvE70GwuMBwOwtjUuNPogoJT+i6I\ndnaPCinr3JwMW1UUFSa/4b15nDsPxFZit1nficJXKMc0c5VxFn2Xpbcq6aeif/ny\na6bI1vh5N/CYIroZXqays4XbuwKBgQC/enY3H/clEVRGGytnqz/5JBncskCU0F/A\nRsbYBPUg3tPZoBURTcLRPsCDWZKXCl2MLzP8h0ia1hMQiz88tsZl8PS5IYB4eEfy\niEpwuU7q4pNJDgiZzMIs7h7KlKJOGv56HCQfWW/9HUpyZA634IIN+TnCD5YCoNLo\nIoqYoz++gwKBgFHZmwuSE8jrwuK1KFiUoAM/rSJZBQWZ9OVS6GQ9NCNUbc8qeBBm\njpf12oUujOFgncD2ujSVSG78MPMBsyuzGrwrf1ebIP2VPPMzb/p5GGGA+BKJYmfi\nrKD6rSGrp8JYue1Loa3QOINWOyGB9E6EcIS0mqOqf0VvxKLEeoysJflhAoGAMPYp\ngFMGKU5TFFIiOTIK+7QFgO97oBHgShRPCDHMVIll9oH+oRwXMtYu9+dRmpml7hCr\n5GjbYexXl6VjmCzMcoi4qxYr+aIYE6ZSEpzv1xP0wXt7K4i2JjMFYJu9HOe+Jo9H\nlVSTVE/HF5UKRm58EwKliD/gBfAFviIG+pzT0e0CgYBjVfmflnceTDiWGUqZB/6K\nVemEqCD+L3Pf6FIGI0h2RfFcLowvyOC3qwINTrYXdNUHtLI1BDUkMYBv6YJdI4E/\nEJa5L6umCqdlL4+iL3FKgnsVSkb7io8+n1XLF+qrbRjWpEDuSn8ICC+k/fea/mvj\n5gTPwKCFpNesz5MP8D2kRg==\n-----END PRIVATE KEY-----";
const PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqYy3MY8fOneEyzNDu9lp\n6iGXKkNUF+u/dUnrlkadZYyB35efzKFJEr9fftmWv5PUj1uRHTQ3bh6X1cceOYsI\njy008dHWZJsKhGOxgdTjeK91rjaklxt7tyFXEiKHIOr1LSgKzopClOfCIjxK/oPU\nOf38pVh7WnekcSBQmU5fqA+EzKMi6k9VwvbzqKlZM4XQsiFyn28d9VubJWjTU8nN\not0n1NE+9k6TxM8nglM4RwkBH4Ni4B0LhKKOOV+AG8tBNiZVil415dpBldmJ/j0w\nk7Ad4VFi9en3Z17oCKr+K+zuT7vKMKSb1548dk0vnmi0vj2QGXSo+61wM5yQWpk6\nsQIDAQAB\n-----END PUBLIC KEY-----";
const ISSUER: &str = "https://clerk.independent.test";

fn sign(header: Header, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(PRIVATE_PEM.as_bytes()).expect("fixture key");
    encode(&header, claims, &key).expect("jsonwebtoken signs")
}

fn rs256() -> Header {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("ins_2GIoQhbUpy0hX7B2cVkuTMinXoD".into());
    header
}

fn verifier() -> Verifier {
    Verifier::builder()
        .pem(PUBLIC_PEM)
        .issuer(ISSUER)
        .build()
        .unwrap()
}

fn now() -> i64 {
    clerk_runtime::time::system_now()
}

#[tokio::test]
async fn a_session_token_signed_by_jsonwebtoken_verifies_with_its_claims() {
    let claims = json!({
        "sub": "user_ind", "sid": "sess_ind", "iss": ISSUER, "iat": now(), "nbf": now() - 5,
        "exp": now() + 60, "v": 2,
        "o": {"id": "org_ind", "rol": "admin", "slg": "ind", "per": "read", "fpm": "1"},
        "fea": "o:read"
    });
    let auth = verifier().verify(&sign(rs256(), &claims)).await.unwrap();
    assert_eq!(auth.user_id(), "user_ind");
    assert_eq!(auth.session_id(), Some("sess_ind"));
    assert_eq!(auth.org_id(), Some("org_ind"));
    assert_eq!(auth.org_role(), Some("org:admin"));
    assert!(auth.has(clerk_runtime::Check::Permission("org:read:read")));
}

#[tokio::test]
async fn jsonwebtoken_tokens_fail_where_they_should() {
    let base = json!({"sub": "user_ind", "sid": "sess_ind", "iss": ISSUER, "iat": now(), "exp": now() + 60});
    let mut expired = base.clone();
    expired["exp"] = json!(now() - 60);
    assert_eq!(
        verifier()
            .verify(&sign(rs256(), &expired))
            .await
            .unwrap_err()
            .reason(),
        "token-expired"
    );
    let mut foreign = base.clone();
    foreign["iss"] = json!("https://clerk.other.test");
    assert_eq!(
        verifier()
            .verify(&sign(rs256(), &foreign))
            .await
            .unwrap_err()
            .reason(),
        "token-invalid-issuer"
    );
    // Algorithm confusion: HS256 keyed with the public key's PEM text.
    let hs = encode(
        &Header::new(Algorithm::HS256),
        &base,
        &EncodingKey::from_secret(PUBLIC_PEM.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        verifier().verify(&hs).await.unwrap_err().reason(),
        "token-invalid-algorithm"
    );
    // Signed by another key (the dev issuer's) under the same claims.
    let other = DevIssuer::new().unwrap().mint_raw(
        &json!({"alg": "RS256", "typ": "JWT"}).to_string(),
        &base.to_string(),
    );
    assert_eq!(
        verifier().verify(&other).await.unwrap_err().reason(),
        "token-invalid-signature"
    );
}

#[tokio::test]
async fn machine_jwts_signed_by_jsonwebtoken_verify_as_their_type() {
    let machines = MachineVerifier::builder(verifier()).build();
    let m2m = json!({"sub": "mch_ind", "iat": now(), "exp": now() + 60, "jti": "mt_ind", "scopes": "mch_a mch_b"});
    let auth = machines.verify(&sign(rs256(), &m2m)).await.unwrap();
    assert_eq!(
        (auth.token_type().as_str(), auth.machine_id()),
        ("m2m_token", Some("mch_ind"))
    );
    assert_eq!(auth.scopes(), ["mch_a", "mch_b"]);
    let mut header = rs256();
    header.typ = Some("at+jwt".into());
    let oauth = json!({"sub": "user_ind", "client_id": "client_ind", "iat": now(), "exp": now() + 60,
                       "scp": ["read:foo"], "scope": "ignored when scp is there"});
    let auth = machines.verify(&sign(header, &oauth)).await.unwrap();
    assert_eq!(
        (auth.token_type().as_str(), auth.client_id()),
        ("oauth_token", Some("client_ind"))
    );
    assert_eq!(auth.scopes(), ["read:foo"]);
}
