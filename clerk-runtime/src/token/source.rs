//! Where a request's session token comes from (docs/clerk-semantics.md §1).
//!
//! A pure function of the request headers: the `Authorization: Bearer` header
//! wins; otherwise the `__session` cookie (preferring the variant suffixed
//! with the publishable key's hash) together with `__client_uat`.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use http::header::{AUTHORIZATION, COOKIE};

const SESSION_COOKIE: &str = "__session";
const CLIENT_UAT_COOKIE: &str = "__client_uat";

/// Most `Cookie` header bytes read per request, over all `Cookie` headers
/// (HTTP/2 may send one header per cookie). Browsers cap a cookie at 4 KiB
/// and Clerk's own cookies take a few KiB; 64 KiB is far above any real
/// request while bounding the scan whatever the server's header limits are.
/// Headers past the budget are not read (so a `__session` there is not
/// seen: the request is signed out, never signed in by it).
pub const MAX_COOKIE_BYTES: usize = 64 * 1024;

/// Where the request's session token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource<'a> {
    /// `Authorization: Bearer <token>`.
    Header(&'a str),
    /// The `__session` cookie, with the `__client_uat` cookie's value
    /// (`None` when absent; an unparsable value reads as `0`, as Clerk does).
    Cookie {
        /// The session token.
        token: &'a str,
        /// Unix seconds of the client's last sign-in or sign-out.
        client_uat: Option<i64>,
    },
    /// No token anywhere.
    None,
}

impl TokenSource<'_> {
    /// The token, wherever it came from.
    pub fn token(&self) -> Option<&str> {
        match self {
            TokenSource::Header(token) | TokenSource::Cookie { token, .. } => Some(token),
            TokenSource::None => None,
        }
    }
}

/// The 8-character cookie-name suffix Clerk derives from a publishable key:
/// the first 8 characters of base64url(SHA-1(key)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieSuffix([u8; 8]);

impl CookieSuffix {
    /// Derives the suffix of `publishable_key` (`pk_test_...` / `pk_live_...`).
    pub fn from_publishable_key(publishable_key: &str) -> Self {
        // SHA-1 is what Clerk uses to name cookies; it is an identifier here, not a security boundary.
        let hash = digest::digest(
            &digest::SHA1_FOR_LEGACY_USE_ONLY,
            publishable_key.as_bytes(),
        );
        // 20 bytes encode to 27 base64 characters, so the first 8 always exist.
        let mut encoded = [0u8; 28];
        let written = URL_SAFE_NO_PAD
            .encode_slice(hash.as_ref(), &mut encoded)
            .unwrap_or(0);
        let mut suffix = [b'_'; 8];
        let n = written.min(8);
        suffix[..n].copy_from_slice(&encoded[..n]);
        CookieSuffix(suffix)
    }

    /// The suffix as text.
    pub fn as_str(&self) -> &str {
        // base64url output is ASCII, so this never fails; "" would only hide a bug in encode_slice.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

/// Finds the request's session token per Clerk's rules.
///
/// - `Authorization` is split at the first space; only the case-sensitive
///   scheme `Bearer` with a non-empty token counts. When it does, cookies are
///   not looked at.
/// - Else `__session_<suffix>` (when a suffix is given and the cookie exists)
///   or `__session`, with `__client_uat_<suffix>` or `__client_uat`, each
///   preferring its suffixed name.
pub fn token_source<'a>(headers: &'a HeaderMap, suffix: Option<&CookieSuffix>) -> TokenSource<'a> {
    token_source_and_names(headers, suffix).0
}

/// Which of Clerk's browser-session cookies a request carries, by name
/// (counted in the same pass that finds the token, so knowing costs nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CookieNames {
    /// Occurrences of `__session` and `__client_uat`.
    pub unsuffixed: u8,
    /// Occurrences of `__session_<suffix>` and `__client_uat_<suffix>`.
    pub suffixed: u8,
    /// `__clerk_db_jwt` is present.
    pub dev_browser: bool,
    /// `__clerk_db_jwt_<suffix>` is present.
    pub dev_browser_suffixed: bool,
    /// A cookie whose name starts with `__clerk_handshake` (token or nonce).
    pub handshake: bool,
}

/// DEV_BROWSER and HANDSHAKE cookie names (as in `session::names::cookie`;
/// token/ sits below session/ and cannot import it).
const DEV_BROWSER_COOKIE: &str = "__clerk_db_jwt";
const HANDSHAKE_COOKIE_PREFIX: &str = "__clerk_handshake";

/// [`token_source`], plus the [`CookieNames`] seen (all zero when the
/// `Authorization` header decides and cookies are not read).
pub fn token_source_and_names<'a>(
    headers: &'a HeaderMap,
    suffix: Option<&CookieSuffix>,
) -> (TokenSource<'a>, CookieNames) {
    if let Some(token) = bearer_token(headers) {
        return (TokenSource::Header(token), CookieNames::default());
    }
    let mut cookies = Found::default();
    let mut budget = MAX_COOKIE_BYTES;
    for header in headers.get_all(COOKIE) {
        let Some(rest) = budget.checked_sub(header.len()) else {
            break;
        };
        budget = rest;
        let Ok(header) = header.to_str() else {
            continue;
        };
        for pair in header.split(';') {
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            cookies.offer(name.trim(), value.trim(), suffix);
        }
    }
    let source = match cookies.session() {
        Some(token) => TokenSource::Cookie {
            token,
            client_uat: cookies.client_uat().map(|v| v.parse::<i64>().unwrap_or(0)),
        },
        None => TokenSource::None,
    };
    (source, cookies.names)
}

pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    // Any UTF-8, not only `to_str`'s visible ASCII: the header wins over the
    // cookie whatever it holds, as in Clerk's SDK, and a token that is not
    // base64url fails verification. One pass over the ~1 KB token, not two,
    // and a SIMD one: this runs on every request, cached tokens too.
    let value = simdutf8::basic::from_utf8(headers.get(AUTHORIZATION)?.as_bytes()).ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme == "Bearer" && !token.is_empty()).then_some(token)
}

/// The cookies we care about, first occurrence of each name wins.
#[derive(Default)]
struct Found<'a> {
    names: CookieNames,
    session: Option<&'a str>,
    session_suffixed: Option<&'a str>,
    client_uat: Option<&'a str>,
    client_uat_suffixed: Option<&'a str>,
}

impl<'a> Found<'a> {
    fn offer(&mut self, name: &str, value: &'a str, suffix: Option<&CookieSuffix>) {
        let names = &mut self.names;
        let slot = match name {
            SESSION_COOKIE => &mut self.session,
            CLIENT_UAT_COOKIE => &mut self.client_uat,
            DEV_BROWSER_COOKIE => {
                names.dev_browser = true;
                return;
            }
            _ if name.starts_with(HANDSHAKE_COOKIE_PREFIX) => {
                names.handshake = true;
                return;
            }
            _ => {
                let Some(suffix) = suffix else { return };
                match suffixed_base(name, suffix) {
                    Some(SESSION_COOKIE) => {
                        names.suffixed = names.suffixed.saturating_add(1);
                        &mut self.session_suffixed
                    }
                    Some(CLIENT_UAT_COOKIE) => {
                        names.suffixed = names.suffixed.saturating_add(1);
                        &mut self.client_uat_suffixed
                    }
                    Some(DEV_BROWSER_COOKIE) => {
                        names.dev_browser_suffixed = true;
                        return;
                    }
                    _ => return,
                }
            }
        };
        if matches!(name, SESSION_COOKIE | CLIENT_UAT_COOKIE) {
            names.unsuffixed = names.unsuffixed.saturating_add(1);
        }
        if slot.is_none() {
            // Cookie values may be quoted (RFC 6265 `cookie-value`).
            *slot = Some(value.trim_matches('"'));
        }
    }

    fn session(&self) -> Option<&'a str> {
        self.session_suffixed
            .or(self.session)
            .filter(|token| !token.is_empty())
    }

    fn client_uat(&self) -> Option<&'a str> {
        self.client_uat_suffixed.or(self.client_uat)
    }
}

/// `__session_<sfx>` → `Some("__session")` when `<sfx>` is ours.
fn suffixed_base<'n>(name: &'n str, suffix: &CookieSuffix) -> Option<&'n str> {
    let base = name.strip_suffix(suffix.as_str())?.strip_suffix('_')?;
    Some(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn bearer_header_gives_the_token() {
        let h = headers(&[("authorization", "Bearer abc.def.ghi")]);
        assert_eq!(token_source(&h, None), TokenSource::Header("abc.def.ghi"));
    }

    #[test]
    fn a_non_ascii_bearer_header_still_wins_over_the_cookie() {
        let mut h = headers(&[("cookie", "__session=tok; __client_uat=5")]);
        let value = HeaderValue::from_bytes("Bearer é.b.c".as_bytes()).unwrap();
        h.insert(AUTHORIZATION, value);
        assert_eq!(token_source(&h, None), TokenSource::Header("é.b.c"));
    }

    #[test]
    fn bearer_scheme_is_case_sensitive() {
        let h = headers(&[("authorization", "bearer abc")]);
        assert_eq!(token_source(&h, None), TokenSource::None);
    }

    #[test]
    fn other_scheme_falls_back_to_cookie() {
        let h = headers(&[
            ("authorization", "Basic dXNlcjpwdw=="),
            ("cookie", "__session=tok; __client_uat=5"),
        ]);
        assert_eq!(
            token_source(&h, None),
            TokenSource::Cookie {
                token: "tok",
                client_uat: Some(5)
            }
        );
    }

    #[test]
    fn header_wins_over_cookie() {
        let h = headers(&[
            ("cookie", "__session=cookie; __client_uat=5"),
            ("authorization", "Bearer header"),
        ]);
        assert_eq!(token_source(&h, None), TokenSource::Header("header"));
    }

    #[test]
    fn suffix_is_first_8_chars_of_base64url_sha1() {
        // Expected values computed independently (Python: base64.urlsafe_b64encode(sha1(key))[:8]).
        let s = CookieSuffix::from_publishable_key("pk_test_abc");
        assert_eq!(s.as_str(), "xAsktmsC");
        let s = CookieSuffix::from_publishable_key("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k");
        assert_eq!(s.as_str(), "l2OS3d9k");
    }

    #[test]
    fn suffixed_session_cookie_is_preferred() {
        let sfx = CookieSuffix::from_publishable_key("pk_test_abc");
        let cookie = format!(
            "__session=plain; __session_{0}=suffixed; __client_uat=1; __client_uat_{0}=2",
            sfx.as_str()
        );
        let h = headers(&[("cookie", &cookie)]);
        assert_eq!(
            token_source(&h, Some(&sfx)),
            TokenSource::Cookie {
                token: "suffixed",
                client_uat: Some(2)
            }
        );
    }

    #[test]
    fn suffix_of_another_key_is_ignored() {
        let ours = CookieSuffix::from_publishable_key("pk_test_abc");
        let theirs = CookieSuffix::from_publishable_key("pk_test_other");
        let cookie = format!("__session_{}=foreign; __session=plain", theirs.as_str());
        let h = headers(&[("cookie", &cookie)]);
        assert_eq!(
            token_source(&h, Some(&ours)),
            TokenSource::Cookie {
                token: "plain",
                client_uat: None
            }
        );
    }

    #[test]
    fn unparsable_client_uat_reads_as_zero() {
        let h = headers(&[("cookie", "__session=t; __client_uat=abc")]);
        assert_eq!(
            token_source(&h, None),
            TokenSource::Cookie {
                token: "t",
                client_uat: Some(0)
            }
        );
    }

    #[test]
    fn empty_session_cookie_is_no_token() {
        let h = headers(&[("cookie", "__session=; __client_uat=5")]);
        assert_eq!(token_source(&h, None), TokenSource::None);
    }

    /// A Cookie header of exactly `len` bytes ending in `__session=t`.
    fn cookie_of_len(len: usize) -> String {
        let tail = "; __session=t";
        format!("a={}{tail}", "x".repeat(len - 2 - tail.len()))
    }

    #[test]
    fn cookie_bytes_up_to_the_limit_are_read_one_more_is_not() {
        let h = headers(&[("cookie", &cookie_of_len(MAX_COOKIE_BYTES))]);
        assert_eq!(token_source(&h, None).token(), Some("t"));
        let h = headers(&[("cookie", &cookie_of_len(MAX_COOKIE_BYTES + 1))]);
        assert_eq!(token_source(&h, None), TokenSource::None);
    }

    #[test]
    fn cookie_budget_spans_all_cookie_headers() {
        let filler = "a=".to_owned() + &"x".repeat(MAX_COOKIE_BYTES - 2 - 11);
        // 11 bytes left: `__session=t` fits exactly; one byte more does not.
        let h = headers(&[("cookie", &filler), ("cookie", "__session=t")]);
        assert_eq!(token_source(&h, None).token(), Some("t"));
        let h = headers(&[("cookie", &filler), ("cookie", "__session=tt")]);
        assert_eq!(token_source(&h, None), TokenSource::None);
    }

    #[test]
    fn cookies_across_several_headers_are_read() {
        let h = headers(&[("cookie", "a=1"), ("cookie", "__session=t")]);
        assert_eq!(token_source(&h, None).token(), Some("t"));
    }
}
