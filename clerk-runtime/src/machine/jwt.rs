//! The JWT forms of machine tokens, verified locally with the instance keys
//! (Clerk's `verifyM2MJwt` and `verifyOAuthJwt`, A.4), in Clerk's order:
//! category (M2M) → `typ` → `alg` → key + signature → `sub` → times.
//! Signature before claims: an unsigned token learns nothing of our rules.
//!
//! Two of Clerk's gaps are not copied: the authorized parties of session
//! tokens are not applied to machine JWTs (they carry no `azp`), and an M2M
//! JWT that names its recipients (`scopes`, else `aud`) must name this
//! machine when [`MachineVerifierBuilder::machine_id`](super::MachineVerifierBuilder::machine_id) is set.

use serde_json::{Map, Value};

use super::auth::{Data, MachineAuth};
use super::error::MachineError;
use crate::error::VerifyError;
use crate::token::machine::is_oauth_typ;
use crate::token::{self, TokenType, cat};
use crate::verify::Verifier;

/// The claims Clerk adds to every machine JWT; the rest are custom
/// (`M2MToken.fromJwtPayload`).
const STRUCTURAL: [&str; 6] = ["iss", "sub", "exp", "nbf", "iat", "jti"];

/// Verifies an M2M (`sub` `mch_…`) or OAuth (`typ` `at+jwt`) JWT as
/// `token_type`, with `keys`' key source, clock and skew.
pub(super) async fn verify(
    keys: &Verifier,
    token: &str,
    token_type: TokenType,
    machine_id: Option<&str>,
) -> Result<MachineAuth, MachineError> {
    let decoded =
        token::decode(token).map_err(|_| MachineError::TokenInvalid("Invalid JWT form."))?;
    let header = &decoded.header;
    match token_type {
        // A category, when present, must be M2M's (absent: tokens minted
        // before categories), checked before any key is touched.
        TokenType::M2mToken => {
            if header.cat.as_deref().is_some_and(|c| c != cat::M2M) {
                return Err(MachineError::TokenInvalid("Invalid M2M JWT category."));
            }
            if header.typ.as_deref().is_some_and(|t| t != "JWT") {
                return Err(invalid_typ("an M2M JWT has typ JWT"));
            }
        }
        _ => {
            if !is_oauth_typ(header.typ.as_deref()) {
                return Err(invalid_typ("an OAuth JWT has typ at+jwt"));
            }
        }
    }
    // `alg`: RS256 only, as for sessions (Clerk also allows RS384/512).
    let header_for_alg = token::Header {
        typ: None,
        ..header.clone()
    };
    token::check_header(&header_for_alg).map_err(MachineError::Verification)?;
    let key = keys
        .instance_key(header.kid.as_deref())
        .await
        .map_err(MachineError::Verification)?;
    key.verify(decoded.signing_input.as_bytes(), &decoded.signature)
        .map_err(MachineError::Verification)?;
    let payload: Map<String, Value> = serde_json::from_str(&decoded.payload).map_err(|_| {
        MachineError::Verification(VerifyError::InvalidClaims(
            "payload is not an object".into(),
        ))
    })?;
    let Some(Value::String(sub)) = payload.get("sub") else {
        return Err(MachineError::Verification(VerifyError::InvalidSubject));
    };
    check_times(&payload, keys.now(), keys.skew())?;
    let exp = number(&payload, "exp");
    let id = string(&payload, "jti").unwrap_or_default();
    let data = match token_type {
        TokenType::M2mToken => {
            let scopes = match payload.get("scopes") {
                Some(Value::String(s)) => split_scopes(s),
                _ => strings(payload.get("aud")),
            };
            if let Some(me) = machine_id
                && !scopes.is_empty()
                && !scopes.iter().any(|s| s == me)
            {
                return Err(MachineError::TokenInvalid(
                    "The M2M token is not granted access to this machine.",
                ));
            }
            let claims: Map<String, Value> = payload
                .iter()
                .filter(|(k, _)| !STRUCTURAL.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Data {
                token_type,
                id,
                subject: sub.clone(),
                scopes,
                claims: (!claims.is_empty()).then_some(claims),
                name: None,
                client_id: None,
                expiration: exp.map(|e| e.saturating_mul(1000)),
            }
        }
        _ => {
            // `scp` (an array) wins over the space-separated `scope`.
            let scopes = match (payload.get("scp"), payload.get("scope")) {
                (Some(scp @ Value::Array(_)), _) => strings(Some(scp)),
                (_, Some(Value::String(s))) => split_scopes(s),
                _ => Vec::new(),
            };
            Data {
                token_type,
                id,
                subject: sub.clone(),
                scopes,
                claims: None,
                name: None,
                client_id: Some(string(&payload, "client_id").unwrap_or_default()),
                expiration: exp.map(|e| e.saturating_mul(1000)),
            }
        }
    };
    Ok(MachineAuth::new(data))
}

/// A `typ` that is not the type's: a local verification failure, as in
/// Clerk's `verifyJwt` (`token-verification-failed`).
fn invalid_typ(what: &'static str) -> MachineError {
    MachineError::Verification(VerifyError::Malformed(what))
}

/// `exp` required, `nbf` and `iat` when present, each with the skew.
fn check_times(payload: &Map<String, Value>, now: i64, skew: i64) -> Result<(), MachineError> {
    let fail = |e| Err(MachineError::Verification(e));
    let Some(exp) = number(payload, "exp") else {
        return fail(VerifyError::InvalidClaims("exp is required".into()));
    };
    if exp <= now.saturating_sub(skew) {
        return fail(VerifyError::Expired { exp, now });
    }
    if let Some(nbf) = number(payload, "nbf").filter(|nbf| *nbf > now.saturating_add(skew)) {
        return fail(VerifyError::NotActiveYet { nbf, now });
    }
    if let Some(iat) = number(payload, "iat").filter(|iat| *iat > now.saturating_add(skew)) {
        return fail(VerifyError::IatInFuture { iat, now });
    }
    Ok(())
}

fn number(payload: &Map<String, Value>, name: &str) -> Option<i64> {
    #[allow(clippy::cast_possible_truncation)] // JSON numbers of Unix seconds
    payload
        .get(name)
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f.floor() as i64)))
}

fn string(payload: &Map<String, Value>, name: &str) -> Option<String> {
    payload.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn split_scopes(scopes: &str) -> Vec<String> {
    scopes
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    //! Clerk's `M2MToken.test.ts` (`fromJwtPayload`), through verification.
    use serde_json::json;

    use crate::dev::DevIssuer;
    use crate::machine::{MachineAuth, MachineVerifier};

    async fn m2m(payload: serde_json::Value) -> MachineAuth {
        let issuer = DevIssuer::new().unwrap();
        let now = issuer.now();
        let mut p = json!({"iss": "https://clerk.m2m.example.test", "sub": "mch_2vYV", "iat": now, "nbf": now, "exp": now + 300});
        p.as_object_mut()
            .unwrap()
            .extend(payload.as_object().unwrap().clone());
        let header =
            json!({"alg": "RS256", "kid": issuer.kid(), "typ": "JWT", "cat": "cl_B7d4PD333AAA"});
        let token = issuer.mint_raw(&header.to_string(), &p.to_string());
        MachineVerifier::builder(issuer.verifier().unwrap())
            .build()
            .verify(&token)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn aud_gives_the_scopes_when_there_are_no_scopes() {
        let auth = m2m(json!({"aud": ["mch_1", "mch_2"], "jti": "mt_1"})).await;
        assert_eq!(auth.scopes(), ["mch_1", "mch_2"]);
        assert_eq!(auth.id(), "mt_1");
        assert_eq!(
            auth.claims().unwrap().get("aud"),
            Some(&json!(["mch_1", "mch_2"]))
        );
    }

    #[tokio::test]
    async fn scopes_beat_aud_and_custom_claims_keep_all_but_the_structural_ones() {
        let auth = m2m(json!({"aud": ["mch_1"], "scopes": "scope1 scope2 scope3", "permissions": ["read"], "role": "admin"})).await;
        assert_eq!(auth.scopes(), ["scope1", "scope2", "scope3"]);
        let claims = auth.claims().unwrap();
        let mut keys: Vec<&str> = claims.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["aud", "permissions", "role", "scopes"]);
    }

    #[tokio::test]
    async fn no_scopes_no_jti_no_claims() {
        let auth = m2m(json!({})).await;
        assert!(auth.scopes().is_empty());
        assert_eq!(auth.id(), "");
        assert!(auth.claims().is_none());
        assert_eq!(auth.machine_id(), Some("mch_2vYV"));
        assert_eq!(auth.user_id(), None);
    }
}
