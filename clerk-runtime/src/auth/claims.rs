//! Custom session claims: a lazily parsed view over the whole payload and
//! the [`FromClaims`] trait for typed extraction.

use std::marker::PhantomData;

use crate::reason;
use serde::de::DeserializeOwned;

use super::Auth;
use serde_json::{Map, Value};

/// Every claim of a verified token, for custom session claims.
///
/// Obtained from [`Auth::claims`](crate::auth::Auth::claims).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimSet {
    map: Map<String, Value>,
}

impl ClaimSet {
    /// Parses a payload; anything but a JSON object gives an empty set (the
    /// verifier has already checked the payload is an object).
    pub(crate) fn parse(payload: &str) -> Self {
        let map = serde_json::from_str::<Map<String, Value>>(payload).unwrap_or_default();
        Self { map }
    }

    /// A claim by name or dotted path: `metadata.role` reads `role` inside
    /// the `metadata` object, `roles.0` the first element of an array.
    ///
    /// A top-level claim whose name itself contains dots (common in
    /// templates: `https://example.com/roles`) is found first.
    pub fn get(&self, path: &str) -> Option<&Value> {
        if let Some(value) = self.map.get(path) {
            return Some(value);
        }
        let mut segments = path.split('.');
        let mut current = self.map.get(segments.next()?)?;
        for segment in segments {
            current = match current {
                Value::Object(map) => map.get(segment)?,
                Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// A claim as a string, when it is one.
    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    /// A required claim deserialized into `T`; the error names the claim.
    pub fn required<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClaimError> {
        let value = self.get(path).ok_or_else(|| ClaimError::Missing {
            claim: path.to_owned(),
        })?;
        T::deserialize(value).map_err(|e| ClaimError::Invalid {
            claim: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// An optional claim deserialized into `T`: absent or `null` is `None`.
    pub fn optional<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, ClaimError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|e| ClaimError::Invalid {
                    claim: path.to_owned(),
                    message: e.to_string(),
                }),
        }
    }

    /// The claims as a JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }
}

/// Why custom claims could not be read into a type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    /// A required claim is absent.
    #[error("the session token has no `{claim}` claim; add it to the session token template")]
    Missing {
        /// The claim name or dotted path.
        claim: String,
    },
    /// A claim is present but has the wrong shape.
    #[error("the `{claim}` claim is invalid: {message}")]
    Invalid {
        /// The claim name or dotted path.
        claim: String,
        /// What was wrong with it.
        message: String,
    },
}

impl ClaimError {
    /// A stable machine-readable reason: `missing_claim` or `invalid_claim`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Missing { .. } => reason::MISSING_CLAIM,
            Self::Invalid { .. } => reason::INVALID_CLAIM,
        }
    }
}

/// A type built from a session's custom claims, for the `Claims<T>` extractor.
///
/// ```
/// use clerk_runtime::{ClaimError, ClaimSet, FromClaims};
///
/// struct Tenant(String);
///
/// impl FromClaims for Tenant {
///     fn from_claims(claims: &ClaimSet) -> Result<Self, ClaimError> {
///         claims.required("metadata.tenant").map(Tenant)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` needs `#[derive(Claims)]` to be read from a session's claims",
    label = "`{Self}` does not implement `FromClaims`",
    note = "add `#[derive(Claims)]` above `struct {Self}` (each field reads the claim of its name, or `#[claim(path = \"metadata.role\")]`), or implement `FromClaims` by hand"
)]
pub trait FromClaims: Sized + Send + Sync + 'static {
    /// Reads the type from the claims, naming the claim on failure.
    fn from_claims(claims: &ClaimSet) -> Result<Self, ClaimError>;

    /// Reads the type for a verified session, as `#[claims(T)]` and the
    /// `Claims<T>` extractor do: by default [`from_claims`](Self::from_claims)
    /// on [`Auth::claims`] at every call. `#[derive(Claims)]` on a type that
    /// also derives `Clone` overrides it with [`Auth::claims_as`], which
    /// decodes once per verified token.
    fn from_session(auth: &Auth) -> Result<Self, ClaimError> {
        Self::from_claims(auth.claims())
    }

    /// Whether [`from_session`](Self::from_session) reads the value kept with
    /// the token ([`Auth::claims_as`]). Then `#[claims(T)]`'s guard only checks
    /// the kept outcome and the `Claims<T>` extractor reads it again, instead
    /// of the guard handing a decoded value over. `#[derive(Claims)]` sets it
    /// with `from_session`; not part of the API.
    #[doc(hidden)]
    fn kept_with_token() -> bool {
        false
    }
}

/// How `#[derive(Claims)]` picks [`Auth::claims_as`] for a `Clone` type and
/// [`FromClaims::from_claims`] otherwise, with no `Clone` bound on the trait:
/// the derive calls `(&ClaimsProbe::<Self>::NEW).read(auth)` where `Self` is
/// concrete, and method lookup tries [`ReadKept`] (whose receiver needs no
/// extra reference) before [`ReadFresh`] (whose does), taking the first whose
/// bounds hold. Not part of the API.
#[doc(hidden)]
pub struct ClaimsProbe<T>(PhantomData<fn() -> T>);

impl<T> ClaimsProbe<T> {
    /// The probe for `T`.
    pub const NEW: Self = ClaimsProbe(PhantomData);
}

/// [`ClaimsProbe`]'s choice for `Clone` types: decoded once per token.
#[doc(hidden)]
pub trait ReadKept {
    /// The claims type.
    type Value;
    /// Reads the kept value.
    fn read(&self, auth: &Auth) -> Result<Self::Value, ClaimError>;
    /// True: [`ReadKept::read`] reads the value kept with the token.
    fn kept(&self) -> bool;
}

impl<T: FromClaims + Clone> ReadKept for ClaimsProbe<T> {
    type Value = T;
    fn read(&self, auth: &Auth) -> Result<T, ClaimError> {
        auth.claims_as()
    }
    fn kept(&self) -> bool {
        true
    }
}

/// [`ClaimsProbe`]'s choice for other types: decoded at every call.
#[doc(hidden)]
pub trait ReadFresh {
    /// The claims type.
    type Value;
    /// Decodes the value.
    fn read(&self, auth: &Auth) -> Result<Self::Value, ClaimError>;
    /// False: [`ReadFresh::read`] decodes at every call.
    fn kept(&self) -> bool;
}

impl<T: FromClaims> ReadFresh for &ClaimsProbe<T> {
    type Value = T;
    fn read(&self, auth: &Auth) -> Result<T, ClaimError> {
        T::from_claims(auth.claims())
    }
    fn kept(&self) -> bool {
        false
    }
}

/// The whole claim set, for handlers that read claims ad hoc.
impl FromClaims for ClaimSet {
    fn from_claims(claims: &ClaimSet) -> Result<Self, ClaimError> {
        Ok(claims.clone())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ClaimError, ClaimSet};

    fn set(value: serde_json::Value) -> ClaimSet {
        ClaimSet::parse(&value.to_string())
    }

    #[test]
    fn dotted_path_reads_nested_objects() {
        let claims = set(json!({"metadata": {"role": "owner"}}));
        assert_eq!(claims.get_str("metadata.role"), Some("owner"));
    }

    #[test]
    fn dotted_path_indexes_arrays() {
        let claims = set(json!({"roles": ["a", "b"]}));
        assert_eq!(claims.get_str("roles.1"), Some("b"));
        assert_eq!(claims.get("roles.2"), None);
    }

    #[test]
    fn top_level_name_with_dots_wins_over_path() {
        let claims = set(json!({"https://x.io/role": "top", "https://x": {"io/role": "nested"}}));
        assert_eq!(claims.get_str("https://x.io/role"), Some("top"));
    }

    #[test]
    fn path_through_a_scalar_is_absent() {
        let claims = set(json!({"metadata": "flat"}));
        assert_eq!(claims.get("metadata.role"), None);
    }

    #[test]
    fn required_missing_claim_reports_missing_claim() {
        let err = set(json!({})).required::<String>("tenant").unwrap_err();
        assert_eq!(
            err,
            ClaimError::Missing {
                claim: "tenant".into()
            }
        );
        assert_eq!(err.reason(), "missing_claim");
    }

    #[test]
    fn required_claim_of_wrong_type_reports_invalid_claim() {
        let err = set(json!({"tenant": 5}))
            .required::<String>("tenant")
            .unwrap_err();
        assert_eq!(err.reason(), "invalid_claim");
    }

    #[test]
    fn optional_null_claim_is_none() {
        let claims = set(json!({"tenant": null}));
        assert_eq!(claims.optional::<String>("tenant"), Ok(None));
    }

    #[test]
    fn non_object_payload_gives_empty_set() {
        assert!(ClaimSet::parse("[1]").as_map().is_empty());
    }
}
