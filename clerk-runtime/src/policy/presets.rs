//! Session configuration presets after Clerk's dashboard settings (`dev`, `prod`,
//! `high-security`) as typed settings, applied by [`ClerkLayer::preset`](crate::ClerkLayer::preset).
//!
//! Some settings are Clerk instance settings (dashboard → Sessions): token
//! lifetime, inactivity timeout, maximum session lifetime, multi-session
//! mode. Clerk enforces those; here they are the one place the intended
//! values are written down ([`SessionSettings::to_dashboard_json`]).
//!
//! Three settings change what this crate accepts, on every request through
//! the layer:
//!
//! | setting | effect | `Dev` | `Prod` | `HighSecurity` |
//! |---|---|---|---|---|
//! | `max_token_lifetime` | session tokens with `exp - iat` above it (or no `iat`) are signed out, `token-lifetime-too-long` | none | none | 60 s |
//! | `default_fresh` | ANDed onto every `#[protect]` route whose rule has no `fresh` requirement; stale sessions get 403 `reverification-error` | none | none | `Reverification::STRICT` (second factor within 10 min) |
//! | `allow_pending` | `false` refuses `pending` sessions even on `#[protect(pending)]` routes (401 `session-pending`) | routes decide | routes decide | refused |
//!
//! Public routes are never affected.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::auth::{Auth, Check};
use crate::policy::{Protection, Reverification, Rule};

/// Clerk's session token lifetime (60 s).
const CLERK_TOKEN_LIFETIME: Duration = Duration::from_secs(60);
const DAY: u64 = 24 * 60 * 60;

/// A named session configuration (Clerk dashboard settings as code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionPreset {
    /// Local development: long sessions, several accounts at once, nothing
    /// extra enforced.
    Dev,
    /// Production defaults: Clerk's usual settings, nothing extra enforced.
    Prod,
    /// Short sessions, one account per browser, strict reverification on
    /// every protected route, no pending sessions, 60 s tokens only.
    HighSecurity,
}

impl SessionPreset {
    /// The preset's settings; adjust fields before passing them to
    /// [`ClerkLayer::session_settings`](crate::ClerkLayer::session_settings).
    pub const fn settings(self) -> SessionSettings {
        match self {
            Self::Dev => SessionSettings {
                preset: Some(self),
                token_lifetime: CLERK_TOKEN_LIFETIME,
                inactivity_timeout: None,
                max_session_lifetime: Duration::from_secs(30 * DAY),
                multi_session: true,
                max_token_lifetime: None,
                default_fresh: None,
                allow_pending: true,
            },
            Self::Prod => SessionSettings {
                preset: Some(self),
                token_lifetime: CLERK_TOKEN_LIFETIME,
                inactivity_timeout: None,
                max_session_lifetime: Duration::from_secs(7 * DAY),
                multi_session: false,
                max_token_lifetime: None,
                default_fresh: None,
                allow_pending: true,
            },
            Self::HighSecurity => SessionSettings {
                preset: Some(self),
                token_lifetime: CLERK_TOKEN_LIFETIME,
                inactivity_timeout: Some(Duration::from_secs(15 * 60)),
                max_session_lifetime: Duration::from_secs(DAY / 2),
                multi_session: false,
                max_token_lifetime: Some(CLERK_TOKEN_LIFETIME),
                default_fresh: Some(Reverification::STRICT),
                allow_pending: false,
            },
        }
    }

    /// The preset's name: `dev`, `prod`, `high-security`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Prod => "prod",
            Self::HighSecurity => "high-security",
        }
    }

    /// A preset by its name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Dev, Self::Prod, Self::HighSecurity]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

impl fmt::Display for SessionPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Session settings: Clerk instance settings plus what the layer enforces
/// (see the [module docs](self) for exactly what each field changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionSettings {
    /// The preset these came from, if any (for logs and docs).
    pub preset: Option<SessionPreset>,
    /// Clerk setting: session token lifetime (dashboard → Sessions →
    /// customize session token lifetime).
    pub token_lifetime: Duration,
    /// Clerk setting: sign out after this long without activity; `None` = off.
    pub inactivity_timeout: Option<Duration>,
    /// Clerk setting: maximum session lifetime.
    pub max_session_lifetime: Duration,
    /// Clerk setting: several accounts signed in at once in one browser.
    pub multi_session: bool,
    /// Enforced: session tokens issued for longer than this are refused.
    pub max_token_lifetime: Option<Duration>,
    /// Enforced: freshness required on protected routes that set none.
    pub default_fresh: Option<Reverification>,
    /// Enforced: `false` refuses pending sessions on every route.
    pub allow_pending: bool,
}

impl From<SessionPreset> for SessionSettings {
    fn from(preset: SessionPreset) -> Self {
        preset.settings()
    }
}

impl SessionSettings {
    /// Set [`max_token_lifetime`](Self::max_token_lifetime).
    pub const fn max_token_lifetime(mut self, max: Option<Duration>) -> Self {
        self.max_token_lifetime = max;
        self
    }

    /// Set [`default_fresh`](Self::default_fresh).
    pub const fn default_fresh(mut self, fresh: Option<Reverification>) -> Self {
        self.default_fresh = fresh;
        self
    }

    /// Set [`allow_pending`](Self::allow_pending).
    pub const fn allow_pending(mut self, allow: bool) -> Self {
        self.allow_pending = allow;
        self
    }

    /// The Clerk instance settings as JSON (seconds), to copy into the
    /// dashboard's Sessions page.
    pub fn to_dashboard_json(&self) -> String {
        let value = json!({
            "preset": self.preset.map(SessionPreset::as_str),
            "session_token_lifetime": self.token_lifetime.as_secs(),
            "inactivity_timeout": self.inactivity_timeout.map(|d| d.as_secs()),
            "max_session_lifetime": self.max_session_lifetime.as_secs(),
            "multi_session": self.multi_session,
            "enforced_by_this_service": Enforced::from(self),
        });
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// Why a verified session token is refused before any route runs
    /// (`max_token_lifetime`); `None` when it passes.
    pub(crate) fn token_lifetime_error(&self, auth: &Auth) -> Option<crate::VerifyError> {
        crate::verify::check_lifetime(auth, self.max_token_lifetime?).err()
    }

    /// The route's protection as these settings adjust it (pending).
    pub(crate) fn adjust(&self, mut protection: Protection) -> Protection {
        protection.allow_pending &= self.allow_pending;
        protection
    }

    /// Whether `auth` meets the default freshness of a route with `rule`;
    /// rules with their own `fresh` requirement are left to it.
    pub(crate) fn fresh_enough(&self, rule: &Rule, auth: &Auth) -> bool {
        match self.default_fresh {
            Some(requirement) if !mentions_fresh(rule) => {
                auth.has(Check::Reverification(requirement))
            }
            _ => true,
        }
    }
}

#[derive(Serialize)]
struct Enforced {
    max_token_lifetime: Option<u64>,
    default_fresh: Option<String>,
    allow_pending: bool,
}

impl From<&SessionSettings> for Enforced {
    fn from(s: &SessionSettings) -> Self {
        Self {
            max_token_lifetime: s.max_token_lifetime.map(|d| d.as_secs()),
            default_fresh: s.default_fresh.map(|r| r.to_string()),
            allow_pending: s.allow_pending,
        }
    }
}

/// Whether a rule states its own freshness requirement anywhere.
fn mentions_fresh(rule: &Rule) -> bool {
    match rule {
        Rule::Fresh(_) => true,
        Rule::Any(rules) | Rule::All(rules) => rules.iter().any(mentions_fresh),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::verify::decode::auth_from_json;

    fn auth(fva: [i64; 2]) -> Auth {
        auth_from_json(json!({"sub": "u", "sid": "s", "iat": 100, "exp": 160, "fva": fva})).unwrap()
    }

    #[test]
    fn preset_names_round_trip() {
        for p in [
            SessionPreset::Dev,
            SessionPreset::Prod,
            SessionPreset::HighSecurity,
        ] {
            assert_eq!(SessionPreset::from_name(p.as_str()), Some(p));
        }
        assert_eq!(SessionPreset::from_name("paranoid"), None);
    }

    #[test]
    fn only_high_security_enforces_anything() {
        for p in [SessionPreset::Dev, SessionPreset::Prod] {
            let s = p.settings();
            assert_eq!(
                (s.max_token_lifetime, s.default_fresh, s.allow_pending),
                (None, None, true)
            );
        }
        let s = SessionPreset::HighSecurity.settings();
        assert_eq!(s.default_fresh, Some(Reverification::STRICT));
        assert!(!s.allow_pending);
    }

    #[test]
    fn default_fresh_defers_to_a_rule_with_its_own_fresh() {
        const OWN: &[Rule] = &[Rule::SignedIn, Rule::Fresh(Reverification::LAX)];
        let s = SessionPreset::HighSecurity.settings();
        let stale = auth([30, 30]);
        assert!(!s.fresh_enough(&Rule::SignedIn, &stale));
        assert!(s.fresh_enough(&Rule::All(OWN), &stale));
        assert!(s.fresh_enough(&Rule::SignedIn, &auth([1, 1])));
    }

    #[test]
    fn token_longer_than_the_maximum_is_refused() {
        let s = SessionPreset::HighSecurity.settings();
        assert!(s.token_lifetime_error(&auth([1, 1])).is_none());
        let long =
            auth_from_json(json!({"sub": "u", "sid": "s", "iat": 100, "exp": 3700})).unwrap();
        assert_eq!(
            s.token_lifetime_error(&long).map(|e| e.reason()),
            Some("token-lifetime-too-long")
        );
    }

    #[test]
    fn dashboard_json_lists_clerk_and_enforced_settings() {
        let v: Value =
            serde_json::from_str(&SessionPreset::HighSecurity.settings().to_dashboard_json())
                .unwrap();
        assert_eq!(v["preset"], "high-security");
        assert_eq!(v["inactivity_timeout"], 900);
        assert_eq!(v["multi_session"], false);
        assert_eq!(v["enforced_by_this_service"]["default_fresh"], "strict");
    }
}
