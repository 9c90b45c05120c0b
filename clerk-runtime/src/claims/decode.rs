//! v1/v2 claims → [`Auth`]: done once per token, so checks never parse.

use std::sync::OnceLock;

use serde_json::Value;

use super::{ClaimsError, RawClaims, RawOrg, mask};
use crate::auth::normalize_org_key;
use crate::auth::{Actor, Auth, Entitlements, Organization, SessionStatus, TokenVersion};

impl Auth {
    /// Builds the session from verified claims; `payload` is the decoded
    /// JSON payload text, kept for [`Auth::claims`].
    // Until the verifier's call site lands on this branch, only tests call it.
    #[allow(dead_code)]
    pub(crate) fn from_claims(raw: RawClaims, payload: Box<str>) -> Result<Auth, ClaimsError> {
        let user_id = match raw.sub {
            Some(Value::String(sub)) if !sub.is_empty() => sub.into_boxed_str(),
            _ => return Err(ClaimsError::InvalidSubject),
        };
        let expires_at = match raw.exp {
            None => return Err(ClaimsError::MissingExpiry),
            Some(exp) => seconds(&exp, "exp")?,
        };
        let issued_at = raw.iat.as_ref().map(|v| seconds(v, "iat")).transpose()?;
        let not_before = raw.nbf.as_ref().map(|v| seconds(v, "nbf")).transpose()?;

        let features = raw.fea.as_deref().map(Entitlements::parse);
        let plans = raw.pla.as_deref().map(Entitlements::parse);
        let (version, org) = match raw.v {
            None | Some(1) => (
                TokenVersion::V1,
                v1_org(raw.org_id, raw.org_slug, raw.org_role, raw.org_permissions),
            ),
            Some(2) => (
                TokenVersion::V2,
                raw.o.and_then(|o| v2_org(o, features.as_ref())),
            ),
            Some(other) => return Err(ClaimsError::UnsupportedVersion(other)),
        };

        Ok(Auth {
            user_id,
            session_id: raw.sid.map(String::into_boxed_str),
            status: status(raw.sts),
            org,
            features,
            plans,
            actor: raw.act.map(|act| Actor {
                subject: act.sub.map(String::into_boxed_str),
                issuer: act.iss.map(String::into_boxed_str),
                session_id: act.sid.map(String::into_boxed_str),
            }),
            factor_ages: raw.fva,
            issued_at,
            expires_at,
            not_before,
            authorized_party: raw.azp.map(String::into_boxed_str),
            issuer: raw.iss.map(String::into_boxed_str),
            version,
            payload,
            claims: OnceLock::new(),
        })
    }
}

/// Unix seconds from a JSON number; fractions are truncated toward the past.
fn seconds(value: &Value, claim: &'static str) -> Result<i64, ClaimsError> {
    let invalid = ClaimsError::InvalidTime { claim };
    match value {
        Value::Number(n) => match n.as_i64() {
            Some(s) => Ok(s),
            None => match n.as_f64() {
                // `as` saturates; the range check keeps absurd values out.
                Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(f.floor() as i64),
                _ => Err(invalid),
            },
        },
        _ => Err(invalid),
    }
}

fn status(sts: Option<String>) -> SessionStatus {
    match sts.as_deref() {
        // Tokens from before session tasks have no `sts`: they are active.
        None | Some("active") => SessionStatus::Active,
        Some("pending") => SessionStatus::Pending,
        Some(_) => SessionStatus::Other(sts.unwrap_or_default().into_boxed_str()),
    }
}

/// `org:` + the role without any leading `org:` runs; empty roles count as none.
fn normalized_role(role: &str) -> Option<Box<str>> {
    let bare = normalize_org_key(role);
    (!bare.is_empty()).then(|| format!("org:{bare}").into_boxed_str())
}

fn non_empty(s: Option<String>) -> Option<Box<str>> {
    s.filter(|s| !s.is_empty()).map(String::into_boxed_str)
}

fn v1_org(
    id: Option<String>,
    slug: Option<String>,
    role: Option<String>,
    permissions: Option<Vec<String>>,
) -> Option<Organization> {
    let id = non_empty(id)?;
    // Permissions are kept as issued: Clerk compares them verbatim with the
    // normalised argument, so a legacy unprefixed entry never matches.
    let permissions = permissions
        .unwrap_or_default()
        .into_iter()
        .map(String::into_boxed_str)
        .collect();
    Some(Organization::new(
        id,
        non_empty(slug),
        role.as_deref().and_then(normalized_role),
        permissions,
    ))
}

fn v2_org(o: RawOrg, features: Option<&Entitlements>) -> Option<Organization> {
    let id = non_empty(o.id)?;
    let permissions = match (features, o.per.as_deref(), o.fpm.as_deref()) {
        (Some(features), Some(per), Some(fpm)) => v2_permissions(features, per, fpm),
        _ => Vec::new(),
    };
    Some(Organization::new(
        id,
        non_empty(o.slg),
        o.rol.as_deref().and_then(normalized_role),
        permissions,
    ))
}

/// Clerk's v2 permission decoding (semantics §2): organization feature `i`
/// gets action `j` when bit `j` of mask `i` is set.
pub(crate) fn v2_permissions(features: &Entitlements, per: &str, fpm: &str) -> Vec<Box<str>> {
    if per.is_empty() || fpm.is_empty() {
        return Vec::new();
    }
    let actions: Vec<&str> = per.split(',').map(str::trim).collect();
    let mut masks = fpm.split(',').map(str::trim);
    let mut permissions = Vec::new();
    for feature in features.org_names() {
        // Features past the last mask have none.
        let Some(mask) = masks.next() else { break };
        for bit in mask::set_bits_below(mask, actions.len()) {
            permissions.push(format!("org:{feature}:{}", actions[bit]).into_boxed_str());
        }
    }
    permissions
}
