//! The inputs of the decision, read from a request's head exactly as Clerk's
//! `AuthenticateContext` reads them (`clerk-handshake.md` §1): the public
//! URL, header values, cookies (suffixed or not), handshake values.
//!
//! Everything is owned and computed once, so the decision itself is a
//! function of plain data and tests can build inputs from any `Parts`.

use std::collections::HashMap;

use http::request::Parts;
use serde_json::Value;
use url::Url;

use super::config::{InstanceType, SessionConfig};
use super::js;
use super::names::{cookie, header, query};
use crate::token;
use crate::token::source::MAX_COOKIE_BYTES;

/// The request as the browser-session decision sees it.
#[derive(Debug, Clone)]
pub struct SessionRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The public URL (Clerk's `clerkUrl`, §1.1).
    pub url: Url,
    /// The token from `Authorization` (§1.3), if any.
    pub token_in_header: Option<String>,
    /// `Origin`.
    pub origin: Option<String>,
    /// `Referer`.
    pub referrer: Option<String>,
    /// `Sec-Fetch-Dest`.
    pub sec_fetch_dest: Option<String>,
    /// `Accept`.
    pub accept: Option<String>,
    /// Whether the suffixed cookies are the ones to read (§1.4).
    pub uses_suffixed_cookies: bool,
    /// `__session` or `__session_<suffix>`.
    pub session_token_in_cookie: Option<String>,
    /// `parseInt(__client_uat) || 0`; non-zero means an active client.
    pub client_uat: i64,
    /// `__refresh_<suffix>` (never the unsuffixed name).
    pub refresh_token_in_cookie: Option<String>,
    /// `__clerk_db_jwt` from the query, else the cookie.
    pub dev_browser_token: Option<String>,
    /// `__clerk_handshake` from the query, else the cookie.
    pub handshake_token: Option<String>,
    /// `__clerk_handshake_nonce` from the query, else the cookie.
    pub handshake_nonce: Option<String>,
    /// `Number(__clerk_redirect_count) || 0`.
    pub redirect_loop_counter: f64,
}

impl SessionRequest {
    /// Read the inputs from a request head. `now` (unix seconds) is needed
    /// for one of Clerk's suffixed-cookie rules.
    pub fn from_parts(parts: &Parts, config: &SessionConfig, now: i64) -> Self {
        let get = |name: &str| header_value(parts, name);
        let url = public_url(parts);
        let cookies = Cookies::parse(parts);
        let suffix = config.cookie_suffix().as_str();
        let suffixed = |name: &str| format!("{name}_{suffix}");
        let uses_suffixed_cookies = uses_suffixed_cookies(&cookies, config, &suffixed, now);
        let pick = |name: &str| {
            if uses_suffixed_cookies {
                cookies.get(&suffixed(name))
            } else {
                cookies.get(name)
            }
        };
        let query_param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .filter(|v| !v.is_empty())
        };
        SessionRequest {
            method: parts.method.as_str().to_owned(),
            token_in_header: get("authorization").and_then(|v| parse_authorization(&v)),
            origin: get("origin"),
            referrer: get("referer"),
            sec_fetch_dest: get(header::SEC_FETCH_DEST),
            accept: get("accept"),
            session_token_in_cookie: pick(cookie::SESSION),
            client_uat: pick(cookie::CLIENT_UAT).map_or(0, |v| js::parse_int_or_zero(&v)),
            refresh_token_in_cookie: cookies.get(&suffixed(cookie::REFRESH)),
            dev_browser_token: query_param(query::DEV_BROWSER)
                .or_else(|| pick(cookie::DEV_BROWSER)),
            handshake_token: query_param(query::HANDSHAKE)
                .or_else(|| cookies.get(cookie::HANDSHAKE)),
            handshake_nonce: query_param(query::HANDSHAKE_NONCE)
                .or_else(|| cookies.get(cookie::HANDSHAKE_NONCE)),
            redirect_loop_counter: cookies
                .get(cookie::REDIRECT_COUNT)
                .map_or(0.0, |v| js::number_or_zero(&v)),
            uses_suffixed_cookies,
            url,
        }
    }

    /// `sessionTokenInCookie || tokenInHeader`: what the handshake URL carries as `__session`.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token_in_cookie
            .as_deref()
            .or(self.token_in_header.as_deref())
    }

    /// The first value of query parameter `name` (empty counts as present).
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The public origin, as `URL.origin` serialises it.
    pub fn origin_of_url(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// Whether the request is a GET.
    pub fn is_get(&self) -> bool {
        self.method == "GET"
    }

    /// `Sec-Fetch-Dest: document` exactly (satellite sync and cross-origin checks).
    pub fn is_document(&self) -> bool {
        self.sec_fetch_dest.as_deref() == Some("document")
    }
}

/// A header as `Headers.get` returns it: all values joined with `", "`,
/// an empty result counting as absent. Values that are not visible ASCII
/// are read as Latin-1 would garble them anyway; we drop them.
fn header_value(parts: &Parts, name: &str) -> Option<String> {
    let values: Vec<&str> = parts
        .headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let joined = values.join(", ");
    (!joined.is_empty()).then_some(joined)
}

/// §1.3: `[scheme, token] = value.split(' ', 2)`; no token → the whole
/// first piece; `Bearer` → the token; any other scheme → none.
fn parse_authorization(value: &str) -> Option<String> {
    let mut pieces = value.split(' ');
    let scheme = pieces.next().unwrap_or("");
    match pieces.next() {
        None | Some("") => (!scheme.is_empty()).then(|| scheme.to_owned()),
        Some(token) if scheme == "Bearer" => Some(token.to_owned()),
        Some(_) => None,
    }
}

/// §1.1 `deriveUrlFromHeaders`: `X-Forwarded-Host` (first value, untrimmed)
/// else `Host`; `X-Forwarded-Proto` (first value) else the request URL's
/// scheme. The request URL is the URI when absolute, else `http://<Host>`
/// plus the path (a server sees only the path; plain HTTP unless told).
pub fn public_url(parts: &Parts) -> Url {
    let host = header_value(parts, "host");
    let initial = initial_url(parts, host.as_deref());
    let first = |v: Option<String>| v.map(|v| v.split(',').next().unwrap_or("").to_owned());
    let resolved_host = first(header_value(parts, header::X_FORWARDED_HOST)).or(host);
    let resolved_proto = first(header_value(parts, header::X_FORWARDED_PROTO))
        .unwrap_or_else(|| initial.scheme().to_owned());
    let initial_origin = initial.origin().ascii_serialization();
    let origin = match resolved_host {
        Some(h) => format!("{resolved_proto}://{h}"),
        None => initial_origin.clone(),
    };
    if origin == initial_origin {
        return initial;
    }
    let path_and_query = match initial.query() {
        Some(q) => format!("{}?{q}", initial.path()),
        None => initial.path().to_owned(),
    };
    Url::parse(&origin)
        .and_then(|base| base.join(&path_and_query))
        .unwrap_or(initial)
}

fn initial_url(parts: &Parts, host: Option<&str>) -> Url {
    let uri = &parts.uri;
    let absolute = uri.scheme().is_some() && uri.authority().is_some();
    if let Some(url) = absolute
        .then(|| Url::parse(&uri.to_string()).ok())
        .flatten()
    {
        return url;
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let fallback = || Url::parse("http://localhost/").expect("a literal URL parses");
    let base = host
        .and_then(|h| Url::parse(&format!("http://{h}/")).ok())
        .unwrap_or_else(fallback);
    base.join(path).unwrap_or(base)
}

/// The `Cookie` header parsed as npm `cookie@1.1.1` does (§1.4): pairs split
/// at `;` and the first `=`, spaces and tabs trimmed, first occurrence wins,
/// values with `%` percent-decoded when valid UTF-8. Several `Cookie`
/// headers are joined with `"; "` (what HTTP/2 asks for); at most
/// [`MAX_COOKIE_BYTES`] are read.
#[derive(Debug, Default)]
pub(crate) struct Cookies(HashMap<String, String>);

impl Cookies {
    pub(crate) fn parse(parts: &Parts) -> Self {
        let mut text = String::new();
        for value in parts.headers.get_all(http::header::COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            if text.len() + value.len() + 2 > MAX_COOKIE_BYTES {
                break;
            }
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(value);
        }
        Self::parse_str(&text)
    }

    pub(crate) fn parse_str(text: &str) -> Self {
        let mut map = HashMap::new();
        if text.len() < 2 {
            return Cookies(map);
        }
        let mut index = 0;
        while index < text.len() {
            let Some(eq) = text[index..].find('=').map(|i| i + index) else {
                break;
            };
            let end = text[index..].find(';').map_or(text.len(), |i| i + index);
            if eq > end {
                // No `=` in this pair: restart at the pair holding the `=`.
                index = text[..eq].rfind(';').map_or(0, |i| i + 1);
                continue;
            }
            let key = trim_sp_tab(&text[index..eq]);
            if !map.contains_key(key) {
                map.insert(key.to_owned(), decode(trim_sp_tab(&text[eq + 1..end])));
            }
            index = end + 1;
        }
        Cookies(map)
    }

    /// The cookie's value; an empty value counts as absent (`|| undefined`).
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

fn trim_sp_tab(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `decodeURIComponent`, keeping the raw value when it fails.
fn decode(value: &str) -> String {
    if !value.contains('%') {
        return value.to_owned();
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => return value.to_owned(),
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| value.to_owned())
}

/// The unverified claims and header fields the decision peeks at (Clerk's `decodeJwt`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Peek {
    pub(crate) payload: serde_json::Map<String, Value>,
    pub(crate) typ: Option<String>,
    pub(crate) cat: Option<String>,
}

impl Peek {
    /// `None` when the token does not decode (three base64url parts, JSON objects).
    pub(crate) fn of(token: &str) -> Option<Self> {
        let decoded = token::decode(token).ok()?;
        let payload = match serde_json::from_str(&decoded.payload).ok()? {
            Value::Object(map) => map,
            _ => return None,
        };
        Some(Peek {
            payload,
            typ: decoded.header.typ,
            cat: decoded.header.cat,
        })
    }

    /// A numeric claim as JS would compare it; anything else is `None`.
    pub(crate) fn number(&self, claim: &str) -> Option<f64> {
        self.payload.get(claim).and_then(Value::as_f64)
    }

    /// `!!payload.iss`.
    fn has_issuer(&self) -> bool {
        match self.payload.get("iss") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
            Some(_) => true,
        }
    }

    /// `iss` with every `http(s)://` removed (case-insensitively) equals the key's host.
    fn belongs_to(&self, key_host: &str) -> bool {
        let Some(Value::String(iss)) = self.payload.get("iss") else {
            return false;
        };
        strip_schemes(iss) == key_host
    }
}

/// `iss.replace(/https?:\/\//gi, "")`.
fn strip_schemes(iss: &str) -> String {
    let mut out = String::with_capacity(iss.len());
    let mut rest = iss;
    while !rest.is_empty() {
        let lower: String = rest
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        let skip = if lower.starts_with("https://") {
            8
        } else if lower.starts_with("http://") {
            7
        } else {
            0
        };
        if skip > 0 {
            rest = &rest[skip..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Clerk's `usesSuffixedCookies()` (§1.4), rule by rule.
fn uses_suffixed_cookies(
    cookies: &Cookies,
    config: &SessionConfig,
    suffixed: &dyn Fn(&str) -> String,
    now: i64,
) -> bool {
    let suffixed_uat = cookies.get(&suffixed(cookie::CLIENT_UAT));
    let uat = cookies.get(cookie::CLIENT_UAT);
    let suffixed_session = cookies.get(&suffixed(cookie::SESSION));
    let session = cookies.get(cookie::SESSION);
    let session_peek = session.as_deref().and_then(Peek::of);
    if session.is_some() {
        // 1. No issuer (or undecodable): the unsuffixed cookies.
        if !session_peek.as_ref().is_some_and(Peek::has_issuer) {
            return false;
        }
        // 2. Another instance's token: ours must be the suffixed ones.
        if !session_peek
            .as_ref()
            .is_some_and(|p| p.belongs_to(&config.instance_frontend_api()))
        {
            return true;
        }
    }
    // 3.
    if suffixed_uat.is_none() && suffixed_session.is_none() {
        return false;
    }
    let suffixed_peek = suffixed_session.as_deref().and_then(Peek::of);
    let iat = |p: &Option<Peek>| p.as_ref().and_then(|p| p.number("iat")).unwrap_or(0.0);
    let is_zero = |v: &Option<String>| v.as_deref() == Some("0");
    // 4.
    if !is_zero(&suffixed_uat) && !is_zero(&uat) && iat(&session_peek) > iat(&suffixed_peek) {
        return false;
    }
    // 5.
    if is_zero(&suffixed_uat) && !is_zero(&uat) {
        return false;
    }
    // 6.
    if config.instance_type() != InstanceType::Production {
        #[allow(clippy::cast_precision_loss)] // unix seconds are far below 2^53
        let expired = suffixed_peek
            .as_ref()
            .and_then(|p| p.payload.get("exp"))
            .and_then(Value::as_f64)
            .is_some_and(|exp| exp <= now as f64);
        if !is_zero(&suffixed_uat) && is_zero(&uat) && expired {
            return false;
        }
    }
    // 7.
    if suffixed_uat.is_none() && suffixed_session.is_some() {
        return false;
    }
    // 8.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn public_url_uses_forwarded_host_and_proto() {
        let p = parts(
            "http://localhost:3000/p?q=1",
            &[
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "app.example.com"),
            ],
        );
        assert_eq!(public_url(&p).as_str(), "https://app.example.com/p?q=1");
    }

    #[test]
    fn public_url_uses_host_over_the_request_url() {
        let p = parts("http://clerk.com/path", &[("host", "example.com")]);
        assert_eq!(public_url(&p).as_str(), "http://example.com/path");
    }

    #[test]
    fn public_url_of_an_origin_form_uri_comes_from_host() {
        let p = parts("/dashboard?x=1", &[("host", "app.example.com")]);
        assert_eq!(
            public_url(&p).as_str(),
            "http://app.example.com/dashboard?x=1"
        );
        let p = parts(
            "/d",
            &[("host", "app.example.com"), ("x-forwarded-proto", "https")],
        );
        assert_eq!(public_url(&p).as_str(), "https://app.example.com/d");
    }

    #[test]
    fn public_url_takes_the_first_forwarded_value_untrimmed() {
        let p = parts(
            "/d",
            &[
                ("host", "internal"),
                ("x-forwarded-host", "a.example, b.example"),
                ("x-forwarded-proto", "https,http"),
            ],
        );
        assert_eq!(public_url(&p).as_str(), "https://a.example/d");
    }

    #[test]
    fn public_url_falls_back_when_the_forwarded_host_is_garbage() {
        let p = parts("http://localhost/d", &[("x-forwarded-host", "bad host")]);
        assert_eq!(public_url(&p).as_str(), "http://localhost/d");
    }

    #[test]
    fn authorization_is_split_like_js() {
        assert_eq!(parse_authorization("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(
            parse_authorization("abc.def.ghi").as_deref(),
            Some("abc.def.ghi")
        );
        assert_eq!(parse_authorization("Bearer  x").as_deref(), Some("Bearer"));
        assert_eq!(parse_authorization("Basic dXNlcg=="), None);
        assert_eq!(parse_authorization("Bearer a b").as_deref(), Some("a"));
    }

    #[test]
    fn cookies_parse_like_npm_cookie() {
        let c = Cookies::parse_str("a=1; b = 2 ;a=3; flag; c=%41%42; d=%zz; e=\"q\"");
        assert_eq!(c.get("a").as_deref(), Some("1"));
        assert_eq!(c.get("b").as_deref(), Some("2"));
        assert_eq!(c.get("c").as_deref(), Some("AB"));
        assert_eq!(c.get("d").as_deref(), Some("%zz"));
        assert_eq!(c.get("e").as_deref(), Some("\"q\""));
        assert_eq!(c.get("flag"), None);
    }

    #[test]
    fn cookie_pair_without_equals_is_skipped_not_merged() {
        let c = Cookies::parse_str("junk; x=1");
        assert_eq!(c.get("x").as_deref(), Some("1"));
        assert_eq!(c.get("junk"), None);
    }

    #[test]
    fn oversized_cookie_headers_are_not_read() {
        let big = format!("__session=t; pad={}", "x".repeat(MAX_COOKIE_BYTES));
        let p = parts("/", &[("cookie", &big)]);
        assert_eq!(Cookies::parse(&p).get("__session"), None);
    }

    #[test]
    fn iss_schemes_are_stripped_everywhere() {
        assert_eq!(
            strip_schemes("https://clerk.example.com"),
            "clerk.example.com"
        );
        assert_eq!(strip_schemes("HTTP://a"), "a");
        assert_eq!(strip_schemes("xhttps://https://y"), "xy");
    }
}
