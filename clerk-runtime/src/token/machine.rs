//! Which kind of caller a token belongs to, by its form alone (Clerk's
//! `tokens/machine.ts` and `tokenTypes.ts`; clerk-machine-webhooks-openapi.md
//! A.1, A.3): opaque machine tokens by prefix, machine JWTs by `sub` and
//! `typ`. Nothing is verified here.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize, Serializer};

use super::jws::{Header, MAX_TOKEN_BYTES};

/// Prefix of opaque M2M tokens (`M2M_TOKEN_PREFIX`).
pub const M2M_TOKEN_PREFIX: &str = "mt_";
/// Prefix of opaque OAuth access tokens (`OAUTH_TOKEN_PREFIX`).
pub const OAUTH_TOKEN_PREFIX: &str = "oat_";
/// Prefix of API keys (`API_KEY_PREFIX`); machine secret keys share it.
pub const API_KEY_PREFIX: &str = "ak_";
/// Prefix of a machine's id, the `sub` of an M2M JWT (`M2M_SUBJECT_PREFIX`).
pub const MACHINE_SUBJECT_PREFIX: &str = "mch_";
/// `typ` values of OAuth access-token JWTs (RFC 9068 §2.1, `OAUTH_ACCESS_TOKEN_TYPES`).
pub const OAUTH_ACCESS_TOKEN_TYPES: [&str; 2] = ["at+jwt", "application/at+jwt"];

/// The four kinds of token Clerk issues (`TokenType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// A browser session's token (`session_token`).
    SessionToken,
    /// An API key (`api_key`, `ak_…`).
    ApiKey,
    /// A machine-to-machine token (`m2m_token`, `mt_…` or a JWT with `sub` `mch_…`).
    M2mToken,
    /// An OAuth access token (`oauth_token`, `oat_…` or a JWT with `typ` `at+jwt`).
    OAuthToken,
}

impl TokenType {
    /// Every type, in the order Clerk lists them.
    pub const ALL: [TokenType; 4] = [
        Self::SessionToken,
        Self::ApiKey,
        Self::M2mToken,
        Self::OAuthToken,
    ];

    /// Clerk's name: `session_token`, `api_key`, `m2m_token`, `oauth_token`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SessionToken => "session_token",
            Self::ApiKey => "api_key",
            Self::M2mToken => "m2m_token",
            Self::OAuthToken => "oauth_token",
        }
    }

    /// The type named `name` (Clerk's names, exactly).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Whether this is one of the machine types (`isMachineTokenType`).
    pub const fn is_machine(self) -> bool {
        !matches!(self, Self::SessionToken)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TokenType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A set of [`TokenType`]s: what a route accepts (Clerk's `acceptsToken`).
///
/// Serializes as the list of names; displays as `session_token | api_key`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenTypes(u8);

impl TokenTypes {
    /// Session tokens only: every route's default.
    pub const SESSION: Self = Self(TokenType::SessionToken.bit());
    /// Every type (`acceptsToken: 'any'`).
    pub const ANY: Self = Self(0b1111);
    /// No type.
    pub const NONE: Self = Self(0);

    /// This set with `token_type` added.
    #[must_use]
    pub const fn with(self, token_type: TokenType) -> Self {
        Self(self.0 | token_type.bit())
    }

    /// Whether `token_type` is in the set (`isTokenTypeAccepted`).
    pub const fn contains(self, token_type: TokenType) -> bool {
        self.0 & token_type.bit() != 0
    }

    /// Whether a session token is in the set.
    pub const fn accepts_session(self) -> bool {
        self.contains(TokenType::SessionToken)
    }

    /// Whether any machine type is in the set.
    pub const fn accepts_machines(self) -> bool {
        self.0 & !TokenType::SessionToken.bit() != 0
    }

    /// The types in the set, in [`TokenType::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = TokenType> {
        TokenType::ALL
            .into_iter()
            .filter(move |t| self.contains(*t))
    }
}

impl fmt::Debug for TokenTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for TokenTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            f.write_str(t.as_str())?;
        }
        Ok(())
    }
}

impl Serialize for TokenTypes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Clerk's `JwtFormatRegExp`: three non-empty parts of `[A-Za-z0-9_-]`.
pub fn is_jwt_format(token: &str) -> bool {
    let mut parts = 0;
    for part in token.split('.') {
        parts += 1;
        if part.is_empty()
            || !part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
    }
    parts == 3
}

/// `isMachineTokenByPrefix`: `mt_`, `oat_` or `ak_`, case-sensitive.
pub fn is_machine_token_by_prefix(token: &str) -> bool {
    [M2M_TOKEN_PREFIX, OAUTH_TOKEN_PREFIX, API_KEY_PREFIX]
        .iter()
        .any(|prefix| token.starts_with(prefix))
}

/// What a JWT's header and payload say about its kind, read without
/// verifying (for classification only).
struct Peek {
    typ: Option<String>,
    sub_is_machine: bool,
}

#[derive(Deserialize)]
struct Subject {
    #[serde(default)]
    sub: Option<serde_json::Value>,
}

fn peek(token: &str) -> Option<Peek> {
    if token.len() > MAX_TOKEN_BYTES || !is_jwt_format(token) {
        return None;
    }
    let mut parts = token.split('.');
    let header = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    let payload = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    let header: Header = serde_json::from_slice(&header).ok()?;
    let subject: Subject = serde_json::from_slice(&payload).ok()?;
    Some(Peek {
        typ: header.typ,
        sub_is_machine: subject
            .sub
            .as_ref()
            .and_then(serde_json::Value::as_str)
            .is_some_and(|s| s.starts_with(MACHINE_SUBJECT_PREFIX)),
    })
}

/// `isOAuthJwt`: a decodable JWT whose `typ` is `at+jwt` or `application/at+jwt`.
pub fn is_oauth_jwt(token: &str) -> bool {
    peek(token).is_some_and(|p| is_oauth_typ(p.typ.as_deref()))
}

/// `isM2MJwt`: a decodable JWT whose `sub` is a string starting `mch_`.
pub fn is_m2m_jwt(token: &str) -> bool {
    peek(token).is_some_and(|p| p.sub_is_machine)
}

/// `isMachineJwt`: an OAuth or an M2M JWT.
pub fn is_machine_jwt(token: &str) -> bool {
    peek(token).is_some_and(|p| p.sub_is_machine || is_oauth_typ(p.typ.as_deref()))
}

pub(crate) fn is_oauth_typ(typ: Option<&str>) -> bool {
    typ.is_some_and(|t| OAUTH_ACCESS_TOKEN_TYPES.contains(&t))
}

/// The machine type of `token` (`getMachineTokenType`), `None` when it is
/// not a machine token (Clerk then treats it as a session token). Order as
/// Clerk's: M2M (`mt_` or `sub` `mch_`) before OAuth (`oat_` or `typ`
/// `at+jwt`) before API keys (`ak_`), so a JWT with both `sub` `mch_` and
/// `typ` `at+jwt` is an M2M token (which then fails M2M verification).
pub fn machine_token_type(token: &str) -> Option<TokenType> {
    let peeked = if is_machine_token_by_prefix(token) {
        None
    } else {
        peek(token)
    };
    let m2m_jwt = peeked.as_ref().is_some_and(|p| p.sub_is_machine);
    let oauth_jwt = peeked
        .as_ref()
        .is_some_and(|p| is_oauth_typ(p.typ.as_deref()));
    if token.starts_with(M2M_TOKEN_PREFIX) || m2m_jwt {
        Some(TokenType::M2mToken)
    } else if token.starts_with(OAUTH_TOKEN_PREFIX) || oauth_jwt {
        Some(TokenType::OAuthToken)
    } else if token.starts_with(API_KEY_PREFIX) {
        Some(TokenType::ApiKey)
    } else {
        None
    }
}

/// The type of any token: its machine type, else a session token (Clerk's
/// `isTokenTypeInAcceptedArray`).
pub fn token_type(token: &str) -> TokenType {
    machine_token_type(token).unwrap_or(TokenType::SessionToken)
}

#[cfg(test)]
mod tests {
    //! Clerk's `tokens/__tests__/machine.test.ts`, ported (A.7).
    use super::*;

    fn create_jwt(header: serde_json::Value, payload: serde_json::Value) -> String {
        let mut h = serde_json::json!({"alg": "RS256", "kid": "ins_2GIoQhbUpy0hX7B2cVkuTMinXoD", "typ": "JWT"});
        h.as_object_mut()
            .unwrap()
            .extend(header.as_object().unwrap().clone());
        let mut p = serde_json::json!({
            "azp": "https://accounts.inspired.puma-74.lcl.dev", "exp": 1666648550, "iat": 1666648250,
            "iss": "https://clerk.inspired.puma-74.lcl.dev", "nbf": 1666648240,
            "sid": "sess_2GbDB4enNdCa5vS1zpC3Xzg9tK9", "sub": "user_2GIpXOEpVyJw51rkZn9Kmnc6Sxr"
        });
        p.as_object_mut()
            .unwrap()
            .extend(payload.as_object().unwrap().clone());
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(h.to_string()),
            URL_SAFE_NO_PAD.encode(p.to_string()),
            "bogus-signature_x"
        )
    }

    fn oauth_payload() -> serde_json::Value {
        serde_json::json!({
            "iss": "https://clerk.oauth.example.test", "sub": "user_2vYVtestTESTtestTESTtestTESTtest",
            "client_id": "client_2VTWUzvGC5UhdJCNx6xG1D98edc", "scope": "read:foo write:bar",
            "jti": "oat_2xKa9Bgv7NxMRDFyQw8LpZ3cTmU1vHjE"
        })
    }

    fn m2m_payload() -> serde_json::Value {
        serde_json::json!({
            "iss": "https://clerk.m2m.example.test", "sub": "mch_2vYVtestTESTtestTESTtestTESTtest",
            "aud": ["mch_1xxxxx", "mch_2xxxxx"], "jti": "mt_2xKa9Bgv7NxMRDFyQw8LpZ3cTmU1vHjE",
            "scopes": "mch_1xxxxx mch_2xxxxx"
        })
    }

    const NOT_MACHINE: [&str; 4] = [
        "unknown_prefix_token",
        "session_token_value",
        "jwt_token_value",
        "",
    ];

    #[test]
    fn prefixes() {
        for t in [
            "mt_some-token-value",
            "oat_some-token-value",
            "ak_some-token-value",
        ] {
            assert!(is_machine_token_by_prefix(t), "{t}");
            assert!(machine_token_type(t).is_some(), "{t}");
        }
        for t in NOT_MACHINE {
            assert!(!is_machine_token_by_prefix(t), "{t}");
            assert_eq!(machine_token_type(t), None, "{t}");
        }
    }

    #[test]
    fn machine_jwts() {
        let oauth = create_jwt(serde_json::json!({"typ": "at+jwt"}), oauth_payload());
        let oauth_app = create_jwt(
            serde_json::json!({"typ": "application/at+jwt"}),
            oauth_payload(),
        );
        let m2m = create_jwt(serde_json::json!({"typ": "JWT"}), m2m_payload());
        let plain = create_jwt(
            serde_json::json!({"typ": "JWT"}),
            serde_json::json!({"sub": "user_123"}),
        );
        assert_eq!(machine_token_type(&oauth), Some(TokenType::OAuthToken));
        assert_eq!(machine_token_type(&oauth_app), Some(TokenType::OAuthToken));
        assert_eq!(machine_token_type(&m2m), Some(TokenType::M2mToken));
        assert_eq!(machine_token_type(&plain), None);
        assert!(is_oauth_jwt(&oauth) && is_oauth_jwt(&oauth_app) && !is_oauth_jwt(&m2m));
        assert!(!is_oauth_jwt("not.a.jwt"));
        assert!(is_m2m_jwt(&m2m) && !is_m2m_jwt(&oauth));
        let m2m_user = create_jwt(
            serde_json::json!({"typ": "JWT"}),
            serde_json::json!({"sub": "user_123"}),
        );
        assert!(!is_m2m_jwt(&m2m_user));
        for t in ["mt_opaque_token", "not.a.jwt", ""] {
            assert!(!is_m2m_jwt(t));
        }
        assert!(is_machine_jwt(&oauth) && is_machine_jwt(&m2m) && !is_machine_jwt(&plain));
        for t in ["mt_opaque_token", "oat_opaque_token", "ak_opaque_token"] {
            assert!(!is_machine_jwt(t));
        }
        // `sub` mch_ wins over `typ` at+jwt.
        let both = create_jwt(serde_json::json!({"typ": "at+jwt"}), m2m_payload());
        assert_eq!(machine_token_type(&both), Some(TokenType::M2mToken));
    }

    #[test]
    fn types_by_prefix() {
        assert_eq!(
            machine_token_type("mt_some-token-value"),
            Some(TokenType::M2mToken)
        );
        assert_eq!(
            machine_token_type("oat_some-token-value"),
            Some(TokenType::OAuthToken)
        );
        assert_eq!(
            machine_token_type("ak_some-token-value"),
            Some(TokenType::ApiKey)
        );
        for t in [
            "unknown_prefix_token",
            "M2M_token_value",
            "OAUTH_token_value",
            "API_KEY_value",
            "",
        ] {
            assert_eq!(machine_token_type(t), None, "{t}");
            assert_eq!(token_type(t), TokenType::SessionToken);
        }
    }

    #[test]
    fn accepted_sets() {
        for t in TokenType::ALL {
            assert!(TokenTypes::ANY.contains(t));
        }
        let list = TokenTypes::NONE
            .with(TokenType::ApiKey)
            .with(TokenType::M2mToken);
        assert!(list.contains(TokenType::ApiKey));
        assert!(!list.contains(TokenType::SessionToken));
        assert!(
            !TokenTypes::NONE
                .with(TokenType::M2mToken)
                .contains(TokenType::ApiKey)
        );
        assert!(list.accepts_machines() && !TokenTypes::SESSION.accepts_machines());
        assert_eq!(list.to_string(), "api_key | m2m_token");
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"["api_key","m2m_token"]"#
        );
        assert!(TokenType::ApiKey.is_machine() && !TokenType::SessionToken.is_machine());
        assert_eq!(
            TokenType::from_name("oauth_token"),
            Some(TokenType::OAuthToken)
        );
        assert_eq!(TokenType::from_name("any"), None);
    }

    #[test]
    fn jwt_format() {
        assert!(is_jwt_format("header.payload.signature"));
        assert!(is_jwt_format("a.b.c"));
        for t in [
            "invalid",
            "invalid.jwt",
            "invalid.jwt.token.extra",
            "a..c",
            "a.b.c=",
        ] {
            assert!(!is_jwt_format(t), "{t}");
        }
    }
}
