//! The decision order of Clerk's `authenticateRequest` (§2): the header path
//! and the cookie path, every state and reason. Pure: the only outside facts
//! are in [`Evidence`] (the verification of [`token_to_verify`], and a
//! refresh attempt in phase 2).

use url::Url;

use crate::auth::Auth;
use crate::error::VerifyError;
use crate::token::{self, Header, TokenKind};

use super::SessionError;
use super::config::{InstanceType, SessionConfig};
use super::handshake;
use super::names::{log, query, reason, value};
use super::request::{Peek, SessionRequest};
use super::state::SessionState;

/// What the edge learned by I/O before the pure decision runs.
#[derive(Debug, Default)]
pub struct Evidence {
    /// The verification of [`token_to_verify`] (`None` when there was none).
    pub session: Option<Result<Auth, VerifyError>>,
    /// A refresh attempt with `__refresh_<suffix>` (§5.3); `None` when none
    /// was made, which reads as Clerk's `missing-api-client`.
    pub refresh: Option<Refresh>,
}

/// The outcome of a refresh attempt through the Backend API (§5.3).
#[derive(Debug, Clone)]
pub enum Refresh {
    /// New cookies; `auth` is the verified new session.
    Refreshed {
        /// The new session.
        auth: Auth,
        /// The Set-Cookie directives to apply.
        set_cookies: Vec<String>,
    },
    /// The refresh failed with this `RefreshTokenErrorReason` (or a BAPI error code).
    Failed(String),
}

/// The token the decision needs verified, if it gets that far: the
/// `Authorization` token, or the cookie session token once the cookie-path
/// checks C2-C12 have not decided. The handshake resolution (C1) is not
/// part of this: see [`super::resolve`].
pub fn token_to_verify<'r>(
    req: &'r SessionRequest,
    config: &SessionConfig,
) -> Result<Option<&'r str>, SessionError> {
    if let Some(t) = &req.token_in_header {
        return Ok(Some(t));
    }
    Ok(match cookie_prechecks(req, config)? {
        Some(_) => None,
        None => req.session_token_in_cookie.as_deref(),
    })
}

/// The decision after any handshake resolution (C1) fell through or did not
/// apply: the header path (§2.4) or C2-C16 of the cookie path (§2.3).
pub fn decide(
    req: &SessionRequest,
    config: &SessionConfig,
    evidence: Evidence,
) -> Result<SessionState, SessionError> {
    check_request_against_config(req, config)?;
    if req.token_in_header.is_some() {
        return after_verification(req, config, evidence, Carrier::Header);
    }
    if let Some(early) = cookie_prechecks(req, config)? {
        return Ok(early);
    }
    after_verification(req, config, evidence, Carrier::Cookie)
}

/// Clerk's per-request configuration assertion (request.ts L158-174) that
/// needs the request: a satellite's sign-in URL on the request's own
/// `Origin` would loop.
fn check_request_against_config(
    req: &SessionRequest,
    config: &SessionConfig,
) -> Result<(), SessionError> {
    if !config.is_satellite() {
        return Ok(());
    }
    if let (Some(sign_in), Some(origin)) = (config.sign_in_url(), &req.origin) {
        let same = Url::parse(sign_in).is_ok_and(|u| &u.origin().ascii_serialization() == origin);
        if same {
            return Err(SessionError::SignInUrlSameOrigin);
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Carrier {
    Header,
    Cookie,
}

impl Carrier {
    fn as_str(self) -> &'static str {
        match self {
            Carrier::Header => "header",
            Carrier::Cookie => "cookie",
        }
    }
}

/// C2-C12: the cookie-path decisions made before the token is verified.
fn cookie_prechecks(
    req: &SessionRequest,
    config: &SessionConfig,
) -> Result<Option<SessionState>, SessionError> {
    let dev = config.instance_type() == InstanceType::Development;
    let has_active_client = req.client_uat != 0;
    let has_session = req.session_token_in_cookie.is_some();
    let has_dev_browser = req.dev_browser_token.is_some();
    let synced = req.query_param(query::CLERK_SYNCED);
    let needs_sync = synced.as_deref() == Some(value::SYNC_NEEDED);
    let sync_completed = synced.as_deref() == Some(value::SYNC_COMPLETED);
    let has_cookies = has_session || has_active_client;

    // C2 / C3: satellite sync.
    if config.is_satellite() && req.is_document() && req.is_get() && !sync_completed {
        if !config.satellite_auto_sync() && !has_cookies && !needs_sync {
            return Ok(Some(SessionState::signed_out(
                reason::SESSION_TOKEN_AND_UAT_MISSING,
                "",
            )));
        }
        if !has_cookies || needs_sync {
            let location = if dev {
                Some(
                    handshake::satellite_sync_url(req, config)
                        .ok_or(SessionError::FrontendApiUrl)?,
                )
            } else {
                None
            };
            return maybe_handshake(req, config, reason::SATELLITE_NEEDS_SYNCING, "", location)
                .map(Some);
        }
    }
    // C4: a development primary sends a satellite back.
    let back_to_satellite = (dev && !config.is_satellite())
        .then(|| req.query_param(query::CLERK_REDIRECT_URL))
        .flatten()
        .filter(|v| !v.is_empty());
    if let Some(back) = back_to_satellite {
        let location = handshake::primary_sync_url(&back, req.dev_browser_token.as_deref())
            .ok_or(SessionError::InvalidSyncRedirect)?;
        return maybe_handshake(
            req,
            config,
            reason::PRIMARY_RESPONDS_TO_SYNCING,
            "",
            Some(location),
        )
        .map(Some);
    }
    // C5 / C6: the dev browser.
    if dev && req.query_param(query::DEV_BROWSER).is_some() {
        return maybe_handshake(req, config, reason::DEV_BROWSER_SYNC, "", None).map(Some);
    }
    if dev && !has_dev_browser {
        return maybe_handshake(req, config, reason::DEV_BROWSER_MISSING, "", None).map(Some);
    }
    // C7-C9: uat and session presence.
    match (has_active_client, has_session) {
        (false, false) => {
            return Ok(Some(SessionState::signed_out(
                reason::SESSION_TOKEN_AND_UAT_MISSING,
                "",
            )));
        }
        (false, true) => {
            return maybe_handshake(
                req,
                config,
                reason::SESSION_TOKEN_BUT_NO_CLIENT_UAT,
                "",
                None,
            )
            .map(Some);
        }
        (true, false) => {
            return maybe_handshake(
                req,
                config,
                reason::CLIENT_UAT_BUT_NO_SESSION_TOKEN,
                "",
                None,
            )
            .map(Some);
        }
        (true, true) => {}
    }
    let token = req.session_token_in_cookie.as_deref().unwrap_or_default();
    // C10: undecodable.
    let Some(peek) = Peek::of(token) else {
        return Ok(Some(SessionState::signed_out(
            reason::TOKEN_INVALID,
            "Invalid JWT form. (reason=token-invalid, token-carrier=cookie)",
        )));
    };
    // C11: not a session token.
    if is_machine_or_non_session(&peek) {
        return Ok(Some(SessionState::signed_out(
            reason::TOKEN_TYPE_MISMATCH,
            "",
        )));
    }
    // C12: issued before the client's last sign-in/out.
    #[allow(clippy::cast_precision_loss)] // unix seconds are far below 2^53
    if peek
        .number("iat")
        .is_some_and(|iat| iat < req.client_uat as f64)
    {
        return maybe_handshake(
            req,
            config,
            reason::SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT,
            "",
            None,
        )
        .map(Some);
    }
    Ok(None)
}

/// Clerk's `isMachineJwt || hasNonSessionJwtCategory` (jwtCategories.ts:
/// a `cat` other than the session and "ignore" categories is not a session).
///
/// A private copy on purpose: `token::category` is being reworked on main;
/// merge the two once it states exactly these constants.
fn is_machine_or_non_session(peek: &Peek) -> bool {
    let header = Header {
        typ: peek.typ.clone(),
        cat: peek.cat.clone(),
        ..Header::default()
    };
    let sub = peek.payload.get("sub").and_then(serde_json::Value::as_str);
    !TokenKind::Session.admits(token::category(&header, sub))
}

/// `isNonSessionJwtCategory`: `cat` present and neither the session nor the
/// "ignore" code (the crate's one category rule, [`TokenKind::admits`]).
pub(crate) fn is_non_session_category(cat: Option<&str>) -> bool {
    let header = Header {
        cat: cat.map(Into::into),
        ..Header::default()
    };
    !TokenKind::Session.admits(token::category(&header, None))
}

/// C13-C16 and the header path: the verified token, or `handleSessionTokenError`.
fn after_verification(
    req: &SessionRequest,
    config: &SessionConfig,
    evidence: Evidence,
    carrier: Carrier,
) -> Result<SessionState, SessionError> {
    // Header path: Clerk refuses machine and non-session tokens before
    // verifying (request.ts L420-455), whatever the verifier would say.
    let header_token = match carrier {
        Carrier::Header => req.token_in_header.as_deref(),
        Carrier::Cookie => None,
    };
    if header_token
        .and_then(Peek::of)
        .is_some_and(|p| is_machine_or_non_session(&p))
    {
        return Ok(SessionState::signed_out(reason::TOKEN_TYPE_MISMATCH, ""));
    }
    let Some(result) = evidence.session else {
        // The edge did not verify what token_to_verify asked for.
        return Ok(SessionState::signed_out(reason::UNEXPECTED_ERROR, ""));
    };
    match result {
        Ok(auth) => {
            let cross = match carrier {
                Carrier::Cookie => cross_origin_sync(req, config)?,
                Carrier::Header => None,
            };
            if let Some(hs) = cross {
                return Ok(hs);
            }
            Ok(SessionState::signed_in(auth))
        }
        Err(err) => session_token_error(req, config, &err, carrier, evidence.refresh),
    }
}

/// C14: a document GET on the primary arriving from a foreign site.
fn cross_origin_sync(
    req: &SessionRequest,
    config: &SessionConfig,
) -> Result<Option<SessionState>, SessionError> {
    let wanted = !config.is_satellite()
        && req.is_get()
        && req.is_document()
        && is_cross_origin_referrer(req)
        && !is_known_clerk_referrer(req, config)
        && req.redirect_loop_counter == 0.0;
    if !wanted {
        return Ok(None);
    }
    maybe_handshake(
        req,
        config,
        reason::PRIMARY_DOMAIN_CROSS_ORIGIN_SYNC,
        value::CROSS_ORIGIN_MESSAGE,
        None,
    )
    .map(Some)
}

fn is_cross_origin_referrer(req: &SessionRequest) -> bool {
    let Some(referrer) = &req.referrer else {
        return false;
    };
    Url::parse(referrer).is_ok_and(|r| r.origin().ascii_serialization() != req.origin_of_url())
}

/// `isKnownClerkReferrer` (authenticateContext L204-265).
fn is_known_clerk_referrer(req: &SessionRequest, config: &SessionConfig) -> bool {
    let Some(referrer) = req.referrer.as_deref().and_then(|r| Url::parse(r).ok()) else {
        return false;
    };
    let host = referrer.host_str().unwrap_or("");
    let frontend_api = config.frontend_api(&req.origin_of_url());
    let fapi_host = if frontend_api.starts_with("http") {
        match Url::parse(&frontend_api) {
            Ok(u) => u.host_str().unwrap_or("").to_owned(),
            Err(_) => return false,
        }
    } else {
        frontend_api.clone()
    };
    if host == fapi_host {
        return true;
    }
    if config.instance_type() != InstanceType::Production {
        let legacy = [".lcl.dev", ".lclstage.dev", ".lclclerk.com"]
            .iter()
            .any(|s| host.starts_with("accounts.") && host.ends_with(s));
        let current = [
            ".accounts.dev",
            ".accountsstage.dev",
            ".accounts.lclclerk.com",
        ]
        .iter()
        .any(|s| host.ends_with(s) && !host.ends_with(&format!(".clerk{s}")));
        if legacy || current {
            return true;
        }
    }
    // buildAccountsBaseUrl: first `clerk.accountsstage.` → `accountsstage.`,
    // then the first `clerk.accounts.` or `clerk.` → `accounts.`.
    let mut accounts = frontend_api.replacen("clerk.accountsstage.", "accountsstage.", 1);
    let first = ["clerk.accounts.", "clerk."]
        .iter()
        .filter_map(|p| accounts.find(p).map(|i| (i, *p)))
        .min_by_key(|(i, p)| (*i, std::cmp::Reverse(p.len())));
    if let Some((i, p)) = first {
        accounts.replace_range(i..i + p.len(), "accounts.");
    }
    Url::parse(&format!("https://{accounts}"))
        .is_ok_and(|u| u.origin().ascii_serialization() == referrer.origin().ascii_serialization())
}

/// `handleSessionTokenError` (§2.5) for our verifier's errors.
fn session_token_error(
    req: &SessionRequest,
    config: &SessionConfig,
    err: &VerifyError,
    carrier: Carrier,
    refresh: Option<Refresh>,
) -> Result<SessionState, SessionError> {
    let message = format!(
        "{err} (reason={}, token-carrier={})",
        err.reason(),
        carrier.as_str()
    );
    let expired = matches!(err, VerifyError::Expired { .. });
    let refresh_reason = if expired && req.refresh_token_in_cookie.is_some() && req.is_get() {
        match refresh {
            Some(Refresh::Refreshed { auth, set_cookies }) => {
                let mut s = SessionState::signed_in(auth);
                s.set_cookies = set_cookies;
                return Ok(s);
            }
            Some(Refresh::Failed(why)) => why,
            None => reason::REFRESH_MISSING_API_CLIENT.to_owned(),
        }
    } else if !req.is_get() {
        reason::REFRESH_NON_ELIGIBLE_NON_GET.to_owned()
    } else {
        reason::REFRESH_NON_ELIGIBLE_NO_REFRESH_COOKIE.to_owned()
    };
    let hs_reason = match err {
        VerifyError::Expired { .. } => {
            format!("{}-refresh-{refresh_reason}", reason::SESSION_TOKEN_EXPIRED)
        }
        VerifyError::NotActiveYet { .. } => reason::SESSION_TOKEN_NBF.to_owned(),
        VerifyError::IatInFuture { .. } => reason::SESSION_TOKEN_IAT_IN_THE_FUTURE.to_owned(),
        // Clerk refuses these before verifying, with an empty message.
        VerifyError::TypeMismatch(_) => {
            return Ok(SessionState::signed_out(reason::TOKEN_TYPE_MISMATCH, ""));
        }
        other => return Ok(SessionState::signed_out(other.reason(), message)),
    };
    maybe_handshake(req, config, &hs_reason, &message, None)
}

/// `handleMaybeHandshakeStatus` (§4): signed out when not eligible or in a
/// loop, else a handshake to `location` (the Frontend API when `None`).
pub(crate) fn maybe_handshake(
    req: &SessionRequest,
    config: &SessionConfig,
    why: &str,
    message: &str,
    location: Option<String>,
) -> Result<SessionState, SessionError> {
    if !handshake::is_eligible(req) {
        return Ok(SessionState::signed_out(why, message));
    }
    let location = match location {
        Some(l) => l,
        None => handshake::redirect_url(req, config, why).ok_or(SessionError::FrontendApiUrl)?,
    };
    let Some(counter) = handshake::next_redirect_count_cookie(req.redirect_loop_counter) else {
        let msg = if why == reason::SATELLITE_NEEDS_SYNCING {
            log::SATELLITE_LOOP
        } else {
            log::REFRESH_LOOP
        };
        tracing::warn!(reason = why, "{msg}");
        return Ok(SessionState::signed_out(why, message));
    };
    tracing::debug!(reason = why, "clerk handshake");
    Ok(SessionState::handshake(why, message, location, counter))
}
