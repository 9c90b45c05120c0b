//! The decision's result: a status, a reason, the `Auth` when signed in, and
//! the response headers Clerk's SDK attaches (Set-Cookie directives apart).

use crate::auth::Auth;

use super::names::{header, status, value};

/// Clerk's `AuthStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A verified session.
    SignedIn,
    /// No usable session.
    SignedOut,
    /// Redirect the browser to refresh or sync its session.
    Handshake,
}

impl Status {
    /// `signed-in`, `signed-out` or `handshake`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::SignedIn => status::SIGNED_IN,
            Status::SignedOut => status::SIGNED_OUT,
            Status::Handshake => status::HANDSHAKE,
        }
    }
}

/// The result of the browser-session decision for one request.
///
/// Apply it as Clerk's integrations do: when [`SessionState::location`] is
/// set, answer 307 with an empty body and [`SessionState::response_headers`];
/// otherwise run the handler and append those headers to its response.
#[derive(Debug, Clone)]
pub struct SessionState {
    /// Signed in, signed out or handshake.
    pub status: Status,
    /// Clerk's reason string (`None` when signed in).
    pub reason: Option<String>,
    /// A diagnostic message (ours, never containing a token); may be empty.
    pub message: String,
    /// The session, when signed in.
    pub auth: Option<Auth>,
    /// Where to redirect (handshake, sync, or a development resolution).
    pub location: Option<String>,
    /// Other response headers in order, lowercase names, Set-Cookie excluded.
    pub headers: Vec<(&'static str, String)>,
    /// `Set-Cookie` values, each its own header, in order.
    pub set_cookies: Vec<String>,
}

impl SessionState {
    /// Signed in with `auth`; Clerk adds no headers.
    pub fn signed_in(auth: Auth) -> Self {
        SessionState {
            status: Status::SignedIn,
            reason: None,
            message: String::new(),
            auth: Some(auth),
            location: None,
            headers: Vec::new(),
            set_cookies: Vec::new(),
        }
    }

    /// Signed out with the debug headers of `withDebugHeaders`.
    pub fn signed_out(reason: impl Into<String>, message: impl Into<String>) -> Self {
        let mut s = SessionState {
            status: Status::SignedOut,
            reason: Some(reason.into()),
            message: message.into(),
            auth: None,
            location: None,
            headers: Vec::new(),
            set_cookies: Vec::new(),
        };
        s.add_debug_headers();
        s
    }

    /// A handshake redirect to `location`, with `Cache-Control: no-store`
    /// and the loop-counter cookie.
    pub fn handshake(
        reason: impl Into<String>,
        message: impl Into<String>,
        location: String,
        counter_cookie: String,
    ) -> Self {
        let mut s = SessionState {
            status: Status::Handshake,
            reason: Some(reason.into()),
            message: message.into(),
            auth: None,
            location: Some(location),
            headers: vec![(header::CACHE_CONTROL, value::NO_STORE.to_owned())],
            set_cookies: vec![counter_cookie],
        };
        s.add_debug_headers();
        s
    }

    pub(crate) fn add_debug_headers(&mut self) {
        self.headers
            .push((header::AUTH_STATUS, self.status.as_str().to_owned()));
        if let Some(r) = &self.reason {
            self.headers.push((header::AUTH_REASON, r.clone()));
        }
        // Header values must be visible ASCII; Clerk silently skips others.
        if !self.message.is_empty() && self.message.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            self.headers
                .push((header::AUTH_MESSAGE, self.message.clone()));
        }
    }

    /// The reason, `""` when signed in.
    pub fn reason(&self) -> &str {
        self.reason.as_deref().unwrap_or("")
    }

    /// Whether the response must be a 307 to [`SessionState::location`].
    pub fn is_redirect(&self) -> bool {
        self.location.is_some()
    }

    /// Every response header, in Clerk's grouping: `location`, the other
    /// headers, then each `set-cookie`.
    pub fn response_headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.location
            .iter()
            .map(|l| (header::LOCATION, l.as_str()))
            .chain(self.headers.iter().map(|(k, v)| (*k, v.as_str())))
            .chain(
                self.set_cookies
                    .iter()
                    .map(|c| (header::SET_COOKIE, c.as_str())),
            )
    }
}

/// `reason` as one of the crate's `&'static str` reasons (for
/// [`AuthState`](crate::AuthState), whose reasons are static): Clerk's
/// `AuthErrorReason`s and token reasons map to themselves, a composite
/// `session-token-expired-refresh-…` to `session-token-expired`, anything
/// else to `unexpected-error`. The response header keeps the full string.
pub fn static_reason(reason: &str) -> &'static str {
    use crate::reason as r;
    const KNOWN: &[&str] = &[
        r::CLIENT_UAT_BUT_NO_SESSION_TOKEN,
        r::DEV_BROWSER_MISSING,
        r::DEV_BROWSER_SYNC,
        r::PRIMARY_RESPONDS_TO_SYNCING,
        r::PRIMARY_DOMAIN_CROSS_ORIGIN_SYNC,
        r::SATELLITE_NEEDS_SYNCING,
        r::SESSION_TOKEN_AND_UAT_MISSING,
        r::SESSION_TOKEN_MISSING,
        r::SESSION_TOKEN_EXPIRED,
        r::SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT,
        r::SESSION_TOKEN_NBF,
        r::SESSION_TOKEN_IAT_IN_THE_FUTURE,
        r::SESSION_TOKEN_BUT_NO_CLIENT_UAT,
        r::TOKEN_TYPE_MISMATCH,
        r::UNEXPECTED_ERROR,
        r::TOKEN_INVALID,
        r::TOKEN_EXPIRED,
        r::TOKEN_NOT_ACTIVE_YET,
        r::TOKEN_IAT_IN_THE_FUTURE,
        r::TOKEN_INVALID_ALGORITHM,
        r::TOKEN_INVALID_SIGNATURE,
        r::TOKEN_VERIFICATION_FAILED,
        r::TOKEN_INVALID_AUTHORIZED_PARTIES,
        r::TOKEN_INVALID_ISSUER,
        r::JWK_KID_MISMATCH,
        r::JWK_FAILED_TO_RESOLVE,
        r::JWK_REMOTE_FAILED_TO_LOAD,
    ];
    match KNOWN.iter().find(|k| **k == reason) {
        Some(known) => known,
        None if reason.starts_with(r::SESSION_TOKEN_EXPIRED) => r::SESSION_TOKEN_EXPIRED,
        None => r::UNEXPECTED_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::static_reason;

    #[test]
    fn clerk_reasons_map_to_themselves_and_composites_to_their_family() {
        assert_eq!(static_reason("dev-browser-missing"), "dev-browser-missing");
        assert_eq!(
            static_reason("session-token-expired-refresh-refresh_token_invalid"),
            "session-token-expired"
        );
        assert_eq!(static_reason("something-new"), "unexpected-error");
    }
}
