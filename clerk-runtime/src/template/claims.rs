//! Typed claims of the common templates: `default`, `supabase`, `hasura`.
//! Custom templates use `#[derive(Claims)]`.

use serde_json::{Map, Value};

use super::definition::HASURA_NAMESPACE;
use crate::auth::{ClaimError, ClaimSet, FromClaims};

/// Claims of the [`default`](super::JwtTemplate::default_template) template.
#[derive(Debug, Clone, PartialEq, crate::Claims)]
pub struct DefaultTemplateClaims {
    /// The user id (`sub`).
    pub sub: String,
    /// The user's primary email address.
    pub email: Option<String>,
    /// The active organization's id, if any.
    pub org_id: Option<String>,
    /// The member's role in the active organization (`org:admin`).
    pub org_role: Option<String>,
    /// The user's public metadata.
    pub public_metadata: Option<Value>,
}

/// Claims of the [`supabase`](super::JwtTemplate::supabase) template, as
/// Supabase reads them (`auth.uid()` is `sub`, `auth.role()` is `role`).
#[derive(Debug, Clone, PartialEq, crate::Claims)]
pub struct SupabaseClaims {
    /// The user id (`sub`); Supabase's `auth.uid()`.
    pub sub: String,
    /// The audience; `authenticated` for Supabase.
    pub aud: String,
    /// The Postgres role requests run as; `authenticated` for Supabase.
    pub role: String,
    /// The user's primary email address.
    pub email: Option<String>,
    /// Claims set by the application (not user-editable).
    pub app_metadata: Option<Map<String, Value>>,
    /// Claims about the user (the template fills in the public metadata).
    pub user_metadata: Option<Map<String, Value>>,
}

/// Claims of the [`hasura`](super::JwtTemplate::hasura) template: Hasura's
/// session variables under `https://hasura.io/jwt/claims`.
///
/// Implemented by hand rather than derived: the namespace key contains dots
/// and slashes, and a dotted claim path cannot address a key inside it, so
/// errors would name the whole namespace instead of the missing variable.
/// Here they name e.g. `https://hasura.io/jwt/claims.x-hasura-user-id`.
#[derive(Debug, Clone, PartialEq)]
pub struct HasuraClaims {
    /// The user id (`sub`).
    pub sub: String,
    /// `x-hasura-default-role`: the role requests run as by default.
    pub default_role: String,
    /// `x-hasura-allowed-roles`: roles the client may switch to; holds the default role.
    pub allowed_roles: Vec<String>,
    /// `x-hasura-user-id`.
    pub user_id: String,
    /// `x-hasura-org-id`: the active organization, when the session has one.
    pub org_id: Option<String>,
}

impl FromClaims for HasuraClaims {
    fn from_claims(claims: &ClaimSet) -> Result<Self, ClaimError> {
        let sub = claims.required("sub")?;
        let namespace = match claims.as_map().get(HASURA_NAMESPACE) {
            Some(Value::Object(map)) => map,
            Some(_) => {
                return Err(ClaimError::Invalid {
                    claim: HASURA_NAMESPACE.to_owned(),
                    message: "must be an object of x-hasura-* session variables".into(),
                });
            }
            None => {
                return Err(ClaimError::Missing {
                    claim: HASURA_NAMESPACE.to_owned(),
                });
            }
        };
        let default_role: String = variable(namespace, "x-hasura-default-role")?;
        let allowed_roles: Vec<String> = variable(namespace, "x-hasura-allowed-roles")?;
        if !allowed_roles.contains(&default_role) {
            // Hasura refuses such a token; say so here, where it is clearer.
            return Err(ClaimError::Invalid {
                claim: format!("{HASURA_NAMESPACE}.x-hasura-allowed-roles"),
                message: format!("does not contain the default role {default_role:?}"),
            });
        }
        Ok(Self {
            sub,
            default_role,
            allowed_roles,
            user_id: variable(namespace, "x-hasura-user-id")?,
            org_id: optional_variable(namespace, "x-hasura-org-id")?,
        })
    }
}

fn variable<T: serde::de::DeserializeOwned>(
    namespace: &Map<String, Value>,
    name: &str,
) -> Result<T, ClaimError> {
    optional_variable(namespace, name)?.ok_or_else(|| ClaimError::Missing {
        claim: format!("{HASURA_NAMESPACE}.{name}"),
    })
}

fn optional_variable<T: serde::de::DeserializeOwned>(
    namespace: &Map<String, Value>,
    name: &str,
) -> Result<Option<T>, ClaimError> {
    match namespace.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => T::deserialize(value)
            .map(Some)
            .map_err(|e| ClaimError::Invalid {
                claim: format!("{HASURA_NAMESPACE}.{name}"),
                message: e.to_string(),
            }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn set(value: Value) -> ClaimSet {
        ClaimSet::parse(&value.to_string())
    }

    #[test]
    fn hasura_missing_user_id_names_the_variable() {
        let err = HasuraClaims::from_claims(&set(json!({
            "sub": "user_1",
            HASURA_NAMESPACE: {"x-hasura-default-role": "user", "x-hasura-allowed-roles": ["user"]}
        })))
        .unwrap_err();
        assert_eq!(
            err,
            ClaimError::Missing {
                claim: "https://hasura.io/jwt/claims.x-hasura-user-id".into()
            }
        );
    }

    #[test]
    fn hasura_default_role_outside_allowed_roles_is_invalid() {
        let err = HasuraClaims::from_claims(&set(json!({
            "sub": "user_1",
            HASURA_NAMESPACE: {
                "x-hasura-default-role": "admin",
                "x-hasura-allowed-roles": ["user"],
                "x-hasura-user-id": "user_1"
            }
        })))
        .unwrap_err();
        assert_eq!(err.reason(), "invalid_claim");
    }

    #[test]
    fn hasura_namespace_that_is_not_an_object_is_invalid() {
        let err = HasuraClaims::from_claims(&set(json!({"sub": "u", HASURA_NAMESPACE: "x"})))
            .unwrap_err();
        assert_eq!(err.reason(), "invalid_claim");
    }

    #[test]
    fn supabase_without_role_is_missing_role() {
        let err = SupabaseClaims::from_claims(&set(json!({"sub": "u", "aud": "authenticated"})))
            .unwrap_err();
        assert_eq!(
            err,
            ClaimError::Missing {
                claim: "role".into()
            }
        );
    }
}
