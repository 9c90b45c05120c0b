//! Splitting a compact JWS and reading its header: steps 1-4 of the
//! verification order (docs/clerk-semantics.md §3). No cryptography here.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::machine::{MACHINE_SUBJECT_PREFIX, is_oauth_typ};
use crate::error::VerifyError;

/// Largest token we look at, in bytes.
///
/// Clerk session tokens are ~1 KiB and stay well under the 4 KiB cookie
/// limit; 16 KiB leaves room for large custom claims and template tokens in a
/// header while bounding the work (base64 + JSON) an attacker can make us do.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The only algorithm accepted for session tokens (docs/clerk-semantics.md §3.4).
pub const ALG_RS256: &str = "RS256";

/// The JOSE header fields we read. `jku`, `x5u` and `jwk` are deliberately
/// not read: keys never come from the token itself.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// Signature algorithm.
    pub alg: Option<String>,
    /// Key id (Clerk: the instance id, `ins_...`).
    pub kid: Option<String>,
    /// Media type; `JWT` when present.
    pub typ: Option<String>,
    /// Clerk's token category, on newer tokens.
    pub cat: Option<String>,
}

/// A token split into its parts, header decoded, payload decoded to text.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The decoded header.
    pub header: Header,
    /// `base64url(header) "." base64url(payload)`: the signed bytes.
    pub signing_input: &'a str,
    /// The payload JSON text (a JSON object).
    pub payload: String,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

/// Clerk's JWT category codes, the protected header's `cat`: opaque strings
/// compared exactly (Clerk's `tokens/jwtCategories.ts`, kept in sync with
/// clerk_go; docs/clerk-semantics.md §3 step 2).
pub mod cat {
    /// A session token (handshake tokens carry it too).
    pub const SESSION: &str = "cl_B7d4PD111AAA";
    /// A JWT-template token (`getToken({ template })`).
    pub const JWT_TEMPLATE: &str = "cl_B7d4PD222AAA";
    /// A machine-to-machine token.
    pub const M2M: &str = "cl_B7d4PD333AAA";
    /// "Category ignored": stamped on every class by some instances, so it
    /// carries no class information.
    pub const IGNORE: &str = "cl_I7d4PD111III";
}

/// What the header and `sub` say a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// No class information: `cat` absent (tokens minted before categories)
    /// or [`cat::IGNORE`].
    Unmarked,
    /// `cat` is [`cat::SESSION`].
    Session,
    /// `cat` is [`cat::JWT_TEMPLATE`].
    Template,
    /// A machine (M2M) token: `cat` is [`cat::M2M`], or `sub` starts with `mch_`.
    Machine,
    /// An OAuth access token: `typ` is `at+jwt` or `application/at+jwt`.
    OAuth,
    /// Any other `cat`: not a session token, whatever it is.
    Unknown,
}

/// The class of token a verifier is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenKind {
    /// Session tokens (the default): category unmarked or session, with a `sid`.
    #[default]
    Session,
    /// JWT-template tokens: category unmarked or template.
    Template,
}

impl TokenKind {
    /// Whether a token of `category` may be verified as this kind; the one
    /// place the category rule is decided. Refusals are `token-type-mismatch`.
    pub fn admits(self, category: Category) -> bool {
        match self {
            Self::Session => matches!(category, Category::Unmarked | Category::Session),
            Self::Template => matches!(category, Category::Unmarked | Category::Template),
        }
    }
}

impl Category {
    /// What this category is called in a `token-type-mismatch` message.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Unmarked => "an unmarked token",
            Self::Session => "a session token",
            Self::Template => "a JWT-template token",
            Self::Machine => "a machine token",
            Self::OAuth => "an OAuth access token",
            Self::Unknown => "a token of an unknown category",
        }
    }
}

/// Split `token` into three base64url parts and decode header and payload.
///
/// The size limit is checked before anything else; header and payload must
/// be JSON objects.
pub fn decode(token: &str) -> Result<Decoded<'_>, VerifyError> {
    check_size(token)?;
    let (header_b64, payload_b64, signature_b64) = split(token)?;
    let header_json = b64(header_b64, "header is not base64url")?;
    let payload_json = b64(payload_b64, "payload is not base64url")?;
    let signature = b64(signature_b64, "signature is not base64url")?;
    if !is_json_object(&header_json) {
        return Err(VerifyError::Malformed("header is not a JSON object"));
    }
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|_| VerifyError::Malformed("header is not valid JSON"))?;
    if !is_json_object(&payload_json) {
        return Err(VerifyError::Malformed("payload is not a JSON object"));
    }
    let payload = String::from_utf8(payload_json)
        .map_err(|_| VerifyError::Malformed("payload is not UTF-8"))?;
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Decoded {
        header,
        signing_input,
        payload,
        signature,
    })
}

/// The size limit, checked before a token is hashed, cached or parsed.
pub fn check_size(token: &str) -> Result<(), VerifyError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(VerifyError::TooLarge {
            len: token.len(),
            max: MAX_TOKEN_BYTES,
        });
    }
    Ok(())
}

/// Exactly three parts separated by `.`, header and payload non-empty.
///
/// An empty signature is let through on purpose: an `alg: none` token has one,
/// and it must be refused as `token-invalid-algorithm` (as Clerk's SDK does),
/// which the header check decides before any key is touched.
pub fn split(token: &str) -> Result<(&str, &str, &str), VerifyError> {
    // `memchr`: a session token is about a kilobyte; `str::split` scans it
    // a byte at a time. `.` is ASCII, so its indices are char boundaries.
    let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
    match (dots.next(), dots.next(), dots.next()) {
        (Some(first), Some(second), None) if first > 0 && second > first + 1 => Ok((
            &token[..first],
            &token[first + 1..second],
            &token[second + 1..],
        )),
        _ => Err(VerifyError::Malformed("a JWT has exactly three parts")),
    }
}

fn b64(part: &str, what: &'static str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| VerifyError::Malformed(what))
}

fn is_json_object(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// Classify a token by `typ`, `sub` and `cat`, as Clerk's `isMachineJwt`
/// and `isNonSessionJwtCategory` do: exact comparisons only.
pub fn category(header: &Header, sub: Option<&str>) -> Category {
    if is_oauth_typ(header.typ.as_deref()) {
        return Category::OAuth;
    }
    if sub.is_some_and(|s| s.starts_with(MACHINE_SUBJECT_PREFIX)) {
        return Category::Machine;
    }
    match header.cat.as_deref() {
        None | Some(cat::IGNORE) => Category::Unmarked,
        Some(cat::SESSION) => Category::Session,
        Some(cat::JWT_TEMPLATE) => Category::Template,
        Some(cat::M2M) => Category::Machine,
        Some(_) => Category::Unknown,
    }
}

/// Steps 3 and 4: `typ` must be `JWT` when present, `alg` must be RS256.
pub fn check_header(header: &Header) -> Result<(), VerifyError> {
    check_typ(header)?;
    check_alg(header)
}

/// Step 3 alone: `typ`, if present, is `JWT`. Separate from [`check_alg`] so
/// the verifier's diagnosis (`verify::diagnose`) can tell which one failed.
pub fn check_typ(header: &Header) -> Result<(), VerifyError> {
    if header.typ.as_deref().is_some_and(|t| t != "JWT") {
        return Err(VerifyError::Malformed("typ must be JWT"));
    }
    Ok(())
}

/// Step 4 alone: `alg` is RS256, decided before any key is touched.
pub fn check_alg(header: &Header) -> Result<(), VerifyError> {
    match header.alg.as_deref() {
        Some(ALG_RS256) => Ok(()),
        Some(other) => Err(VerifyError::UnsupportedAlgorithm(
            other.chars().take(16).collect(),
        )),
        None => Err(VerifyError::UnsupportedAlgorithm(String::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn split_requires_exactly_three_parts() {
        assert!(split("a.b.c").is_ok());
        assert!(split("a.b").is_err());
        assert!(split("a.b.c.d").is_err());
        assert_eq!(split("a.b.").unwrap(), ("a", "b", ""));
        assert!(split(".b.c").is_err());
        assert!(split("a..c").is_err());
        assert!(split("").is_err());
    }

    #[test]
    fn oversized_token_is_rejected_before_parsing() {
        let token = "x".repeat(MAX_TOKEN_BYTES + 1);
        assert!(matches!(decode(&token), Err(VerifyError::TooLarge { .. })));
    }

    #[test]
    fn header_must_be_an_object() {
        let token = format!("{}.{}.{}", enc("[1]"), enc("{}"), enc("s"));
        assert_eq!(
            decode(&token).unwrap_err(),
            VerifyError::Malformed("header is not a JSON object")
        );
    }

    #[test]
    fn padded_base64_is_rejected() {
        let token = format!("{}=.{}.{}", enc("{}"), enc("{}"), enc("s"));
        assert_eq!(decode(&token).unwrap_err().reason(), "token-invalid");
    }

    #[test]
    fn decode_keeps_signing_input_and_payload() {
        let token = format!(
            "{}.{}.{}",
            enc(r#"{"alg":"RS256","kid":"k"}"#),
            enc(r#"{"sub":"u"}"#),
            enc("sig")
        );
        let d = decode(&token).unwrap();
        assert_eq!(d.header.kid.as_deref(), Some("k"));
        assert_eq!(&*d.payload, r#"{"sub":"u"}"#);
        assert_eq!(d.signature, b"sig");
        assert_eq!(d.signing_input.matches('.').count(), 1);
    }

    fn with(typ: Option<&str>, cat: Option<&str>) -> Header {
        Header {
            typ: typ.map(Into::into),
            cat: cat.map(Into::into),
            ..Header::default()
        }
    }

    #[test]
    fn missing_cat_is_unmarked() {
        assert_eq!(
            category(&with(None, None), Some("user_1")),
            Category::Unmarked
        );
    }

    #[test]
    fn ignore_code_is_unmarked() {
        let h = with(Some("JWT"), Some("cl_I7d4PD111III"));
        assert_eq!(category(&h, Some("user_1")), Category::Unmarked);
    }

    #[test]
    fn session_code_is_a_session() {
        let h = with(Some("JWT"), Some("cl_B7d4PD111AAA"));
        assert_eq!(category(&h, Some("user_1")), Category::Session);
    }

    #[test]
    fn template_code_is_a_template() {
        let h = with(Some("JWT"), Some("cl_B7d4PD222AAA"));
        assert_eq!(category(&h, Some("user_1")), Category::Template);
    }

    #[test]
    fn m2m_code_is_a_machine() {
        let h = with(Some("JWT"), Some("cl_B7d4PD333AAA"));
        assert_eq!(category(&h, Some("user_1")), Category::Machine);
    }

    #[test]
    fn codes_are_compared_exactly() {
        for code in [
            "cl_b7d4pd111aaa",
            "cl_B7d4PD111AAA ",
            "session",
            "cl_m2m_token",
            "jwt_template",
            "",
        ] {
            let h = with(None, Some(code));
            assert_eq!(category(&h, Some("user_1")), Category::Unknown, "{code:?}");
        }
    }

    #[test]
    fn oauth_typ_and_machine_subject_win_over_the_code() {
        let session = Some("cl_B7d4PD111AAA");
        assert_eq!(
            category(&with(Some("at+jwt"), session), None),
            Category::OAuth
        );
        assert_eq!(
            category(&with(Some("application/at+jwt"), None), None),
            Category::OAuth
        );
        assert_eq!(
            category(&with(None, session), Some("mch_1")),
            Category::Machine
        );
        // Clerk compares `typ` exactly; other spellings fail the `typ` check instead.
        assert_eq!(
            category(&with(Some("AT+JWT"), None), None),
            Category::Unmarked
        );
    }

    #[test]
    fn session_kind_admits_unmarked_and_session_only() {
        use Category::*;
        let admitted: Vec<_> = [Unmarked, Session, Template, Machine, OAuth, Unknown]
            .into_iter()
            .filter(|c| TokenKind::Session.admits(*c))
            .collect();
        assert_eq!(admitted, [Unmarked, Session]);
    }

    #[test]
    fn template_kind_admits_unmarked_and_template_only() {
        use Category::*;
        let admitted: Vec<_> = [Unmarked, Session, Template, Machine, OAuth, Unknown]
            .into_iter()
            .filter(|c| TokenKind::Template.admits(*c))
            .collect();
        assert_eq!(admitted, [Unmarked, Template]);
    }

    #[test]
    fn only_rs256_passes_the_header_check() {
        let h = |alg: &str| Header {
            alg: Some(alg.into()),
            ..Header::default()
        };
        assert!(check_header(&h("RS256")).is_ok());
        for alg in ["none", "HS256", "RS384", "ES256"] {
            assert_eq!(
                check_header(&h(alg)).unwrap_err().reason(),
                "token-invalid-algorithm"
            );
        }
    }
}
