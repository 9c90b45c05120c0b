//! Clerk session token claims: the JSON shape ([`RawClaims`]) and its v1/v2
//! decoding into an [`Auth`](crate::auth::Auth).

mod auth;
mod mask;

pub(crate) use auth::Times;

use std::borrow::Cow;

use serde::Deserialize;

/// Longest `fea`, `pla`, `o.per` or `o.fpm` string we decode, in bytes.
///
/// Browsers cap a cookie (so a whole cookie-borne session token) at 4 KiB,
/// so no genuine claim list is longer; the cap bounds the decoding work
/// (the `fpm` masks are decimal bigints halved once per action).
pub const MAX_CLAIM_LIST_BYTES: usize = 4 * 1024;

/// Most organization permissions one token may carry (v1 list or v2
/// decoded). A 4 KiB token holds a few hundred at most; v2 masks multiply
/// features by actions, so the decoder stops here instead of materialising
/// up to features x actions strings from a few KiB of claims.
pub const MAX_ORG_PERMISSIONS: usize = 1024;

/// Most bytes of decoded organization permissions per token: with
/// [`MAX_ORG_PERMISSIONS`] this bounds what one `Auth` holds (long feature
/// and action names would otherwise be repeated up to 1024 times).
pub const MAX_ORG_PERMISSION_BYTES: usize = 64 * 1024;

/// Why verified claims could not be turned into an [`Auth`](crate::auth::Auth).
///
/// The verifier reports any of these as `token-invalid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// `sub` is absent, empty or not a string.
    #[error("the `sub` claim must be a non-empty string (the user id)")]
    InvalidSubject,
    /// `exp` is absent.
    #[error("the `exp` claim is missing")]
    MissingExpiry,
    /// A time claim is not a number of seconds.
    #[error("the `{claim}` claim must be a number of unix seconds")]
    InvalidTime {
        /// The claim name: `exp`, `iat` or `nbf`.
        claim: &'static str,
    },
    /// A list claim (`fea`, `pla`, `o.per`, `o.fpm`) is longer than
    /// [`MAX_CLAIM_LIST_BYTES`].
    #[error("the `{claim}` claim is {len} bytes, more than the {max} byte limit")]
    ClaimTooLong {
        /// The claim name.
        claim: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The organization permissions (v1 `org_permissions`, or v2 as decoded
    /// from `fea`/`per`/`fpm`) exceed [`MAX_ORG_PERMISSIONS`] entries or
    /// [`MAX_ORG_PERMISSION_BYTES`] bytes.
    #[error(
        "the organization permissions exceed {MAX_ORG_PERMISSIONS} entries or {MAX_ORG_PERMISSION_BYTES} bytes"
    )]
    TooManyPermissions,
    /// A `v` claim this crate does not know how to read.
    #[error("unsupported session token version {0}; this crate reads v1 and v2")]
    UnsupportedVersion(u8),
}

/// Claims of a Clerk session token as they appear in the payload.
///
/// Unknown claims are ignored here; custom claims are read from the payload
/// on demand (see `Auth::claims`). String claims borrow from the payload
/// text (a copy only when a string has JSON escapes): the decoded session
/// keeps its strings in one buffer, so a string per claim here would be an
/// allocation per claim for nothing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawClaims<'a> {
    /// Subject: the user id (`user_...`). Checked to be a string by the verifier.
    #[serde(borrow)]
    pub sub: Option<StringClaim<'a>>,
    /// Session id (`sess_...`); absent on JWT-template tokens.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub sid: Option<Cow<'a, str>>,
    /// Issuer: the Frontend API URL.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub iss: Option<Cow<'a, str>>,
    /// Authorized party: origin of the page that asked for the token.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub azp: Option<Cow<'a, str>>,
    /// Audience (template tokens only): a string or an array of strings.
    pub aud: Option<serde_json::Value>,
    /// Expiry, unix seconds; must be numeric.
    pub exp: Option<serde_json::Value>,
    /// Not before, unix seconds.
    pub nbf: Option<serde_json::Value>,
    /// Issued at, unix seconds.
    pub iat: Option<serde_json::Value>,
    /// Token id.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub jti: Option<Cow<'a, str>>,
    /// Token version: absent for v1, `2` for v2.
    pub v: Option<u8>,
    /// Session status: `active` or `pending`.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub sts: Option<Cow<'a, str>>,
    /// Factor verification age in minutes: `[first, second]`, -1 = not enrolled.
    pub fva: Option<[i64; 2]>,
    /// Actor (impersonation).
    #[serde(borrow)]
    pub act: Option<RawActor<'a>>,
    /// v1: active organization id.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub org_id: Option<Cow<'a, str>>,
    /// v1: active organization slug.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub org_slug: Option<Cow<'a, str>>,
    /// v1: active organization role (`org:admin`, or legacy `admin`).
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub org_role: Option<Cow<'a, str>>,
    /// v1: organization permissions.
    #[serde(borrow)]
    pub org_permissions: Option<Vec<Borrowed<'a>>>,
    /// v2: active organization.
    #[serde(borrow)]
    pub o: Option<RawOrg<'a>>,
    /// v2: features, `"scope:name,..."`.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub fea: Option<Cow<'a, str>>,
    /// v2: plans, `"scope:name,..."`.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub pla: Option<Cow<'a, str>>,
}

/// The `act` claim of an impersonated session.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawActor<'a> {
    /// Actor's issuer.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub iss: Option<Cow<'a, str>>,
    /// Actor's session id.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub sid: Option<Cow<'a, str>>,
    /// Actor's user id.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub sub: Option<Cow<'a, str>>,
}

/// The v2 `o` claim.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawOrg<'a> {
    /// Organization id.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub id: Option<Cow<'a, str>>,
    /// Organization slug.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub slg: Option<Cow<'a, str>>,
    /// Role without the `org:` prefix.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub rol: Option<Cow<'a, str>>,
    /// Comma-separated action names.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub per: Option<Cow<'a, str>>,
    /// Comma-separated decimal bitmasks, one per organization feature.
    #[serde(borrow, default, deserialize_with = "borrowed")]
    pub fpm: Option<Cow<'a, str>>,
}

/// A string borrowed from the payload unless it has JSON escapes.
/// `Cow<str>` alone always copies: serde borrows only through a `Cow` it
/// sees directly as a field, hence the newtype.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Borrowed<'a>(#[serde(borrow)] pub Cow<'a, str>);

/// An optional string claim, borrowed as [`Borrowed`] is.
fn borrowed<'de: 'a, 'a, D>(deserializer: D) -> Result<Option<Cow<'a, str>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::<Borrowed<'a>>::deserialize(deserializer)?.map(|b| b.0))
}

/// A claim that must be a string, as the payload holds it: any other JSON
/// value reads as [`StringClaim::NotAString`] instead of failing the parse,
/// so the verifier reports it after the signature check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringClaim<'a> {
    /// A string, borrowed from the payload unless it has JSON escapes.
    String(Cow<'a, str>),
    /// A number, boolean, array or object.
    NotAString,
}

impl StringClaim<'_> {
    /// The string, if the claim is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            Self::NotAString => None,
        }
    }
}

impl<'a> From<&'a str> for StringClaim<'a> {
    fn from(s: &'a str) -> Self {
        Self::String(Cow::Borrowed(s))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for StringClaim<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = StringClaim<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(StringClaim::String(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(StringClaim::String(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(StringClaim::String(Cow::Owned(s)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(StringClaim::NotAString)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(StringClaim::NotAString)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(StringClaim::NotAString)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(StringClaim::NotAString)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(StringClaim::NotAString)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(StringClaim::NotAString)
            }
        }

        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

/// Benchmark hook, not an API: the claim-decoding half of verification
/// (payload JSON to `Auth`, including v2 `fpm`) so its cost can be measured
/// apart from the signature check. The payload is NOT verified here; an
/// `Auth` must only ever come from [`Verifier`](crate::verify::Verifier).
#[cfg(feature = "__bench")]
#[doc(hidden)]
pub fn __decode_unverified_for_bench(payload: &str) -> Option<crate::auth::Auth> {
    let raw: RawClaims = serde_json::from_str(payload).ok()?;
    let data = crate::auth::AuthData::from_claims(raw, payload.len()).ok()?;
    Some(crate::auth::Auth::new(data, payload.into()))
}

/// Builds an [`Auth`](crate::auth::Auth) from a JSON payload, as the verifier would.
#[cfg(test)]
pub(crate) fn auth_from_json(payload: serde_json::Value) -> Result<crate::auth::Auth, DecodeError> {
    let payload = payload.to_string();
    let raw: RawClaims = serde_json::from_str(&payload).expect("test payload fits RawClaims");
    let data = crate::auth::AuthData::from_claims(raw, payload.len())?;
    Ok(crate::auth::Auth::new(data, payload))
}
