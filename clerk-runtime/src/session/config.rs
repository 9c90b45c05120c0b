//! What the browser-session decision needs to know about the instance:
//! the publishable key (instance type, Frontend API host, cookie suffix) and
//! the multi-domain settings.
//!
//! | variable | meaning |
//! |---|---|
//! | `CLERK_PUBLISHABLE_KEY` | `pk_test_...` (development) or `pk_live_...` (production); required |
//! | `CLERK_DOMAIN` | the satellite's own domain (`satellite.example.com`); the production handshake goes to `clerk.<domain>` |
//! | `CLERK_IS_SATELLITE` | `true` / `false` (also `1` / `0`) |
//! | `CLERK_PROXY_URL` | an `http(s)://` URL or a path starting with `/` (resolved against the request's origin) |
//! | `CLERK_SIGN_IN_URL` | the primary's sign-in page (absolute on a satellite) |
//! | `CLERK_SIGN_UP_URL` | the primary's sign-up page |
//!
//! Refused at startup, naming the variable (Clerk refuses these per request,
//! `request.ts` L158-174): a satellite without `CLERK_DOMAIN` or
//! `CLERK_PROXY_URL`; a satellite without an absolute `CLERK_SIGN_IN_URL`
//! (Clerk requires one on development keys and checks its form only when
//! the request has an `Origin`; we require it on every satellite, since a
//! satellite cannot send a signed-out person anywhere else); a proxy,
//! sign-in or sign-up URL that is neither `http(s)://` nor a `/` path.

use crate::config::frontend_api_from_publishable_key;
use crate::error::ConfigError;
use crate::token::source::CookieSuffix;

/// Development (`pk_test_`) or production (`pk_live_`) instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceType {
    /// `pk_test_...`: dev-browser token, handshake results in the URL.
    Development,
    /// `pk_live_...`: handshake results as cookies, satellites on `clerk.<domain>`.
    Production,
}

/// The browser-session settings of one Clerk instance. Build it with
/// [`SessionConfig::builder`] or [`SessionConfig::from_env`].
///
/// ```
/// use clerk_runtime::session::{InstanceType, SessionConfig};
/// let config = SessionConfig::builder("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k").build()?;
/// assert_eq!(config.instance_type(), InstanceType::Production);
/// assert_eq!(config.key_frontend_api(), "clerk.example.com");
/// # Ok::<(), clerk_runtime::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionConfig {
    publishable_key: String,
    instance: InstanceType,
    key_host: String,
    suffix: CookieSuffix,
    domain: Option<String>,
    is_satellite: bool,
    proxy_url: Option<String>,
    sign_in_url: Option<String>,
    sign_up_url: Option<String>,
    satellite_auto_sync: bool,
}

impl SessionConfig {
    /// Start from a publishable key.
    pub fn builder(publishable_key: impl Into<String>) -> SessionConfigBuilder {
        SessionConfigBuilder {
            publishable_key: publishable_key.into(),
            domain: None,
            is_satellite: false,
            proxy_url: None,
            sign_in_url: None,
            sign_up_url: None,
            satellite_auto_sync: false,
        }
    }

    /// Read the variables of the module table from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`SessionConfig::from_env`], reading through `lookup`. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let pk = get("CLERK_PUBLISHABLE_KEY").ok_or_else(|| {
            ConfigError::invalid(
                "CLERK_PUBLISHABLE_KEY",
                "is required for browser sessions (pk_test_... or pk_live_...)",
            )
        })?;
        let mut b = Self::builder(pk.trim());
        if let Some(v) = get("CLERK_DOMAIN") {
            b = b.domain(v.trim());
        }
        if let Some(v) = get("CLERK_IS_SATELLITE") {
            b = b.satellite(match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(ConfigError::invalid(
                        "CLERK_IS_SATELLITE",
                        "expected true or false",
                    ));
                }
            });
        }
        if let Some(v) = get("CLERK_PROXY_URL") {
            b = b.proxy_url(v.trim());
        }
        if let Some(v) = get("CLERK_SIGN_IN_URL") {
            b = b.sign_in_url(v.trim());
        }
        if let Some(v) = get("CLERK_SIGN_UP_URL") {
            b = b.sign_up_url(v.trim());
        }
        b.build()
    }

    /// The publishable key.
    pub fn publishable_key(&self) -> &str {
        &self.publishable_key
    }

    /// Development or production.
    pub fn instance_type(&self) -> InstanceType {
        self.instance
    }

    /// Whether this is a development instance.
    pub fn is_development(&self) -> bool {
        self.instance == InstanceType::Development
    }

    /// The Frontend API host encoded in the publishable key (Clerk's
    /// `originalFrontendApi`), whatever the proxy or domain settings.
    pub fn key_frontend_api(&self) -> &str {
        &self.key_host
    }

    /// The cookie-name suffix of the publishable key.
    pub fn cookie_suffix(&self) -> &CookieSuffix {
        &self.suffix
    }

    /// `CLERK_DOMAIN`.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// `CLERK_IS_SATELLITE`.
    pub fn is_satellite(&self) -> bool {
        self.is_satellite
    }

    /// `CLERK_PROXY_URL` as configured (possibly a `/` path).
    pub fn proxy_url(&self) -> Option<&str> {
        self.proxy_url.as_deref()
    }

    /// `CLERK_SIGN_IN_URL`.
    pub fn sign_in_url(&self) -> Option<&str> {
        self.sign_in_url.as_deref()
    }

    /// `CLERK_SIGN_UP_URL`.
    pub fn sign_up_url(&self) -> Option<&str> {
        self.sign_up_url.as_deref()
    }

    /// Clerk's `satelliteAutoSync` option: sync a satellite without cookies on every document request.
    pub fn satellite_auto_sync(&self) -> bool {
        self.satellite_auto_sync
    }

    /// Clerk's `originalFrontendApi`: the Frontend API before a proxy URL
    /// replaces it (`clerk.<domain>` on a production satellite, else the
    /// key's host). A cookie `__session` whose `iss` is not this host
    /// belongs to another instance (§1.4 rule 2).
    pub fn instance_frontend_api(&self) -> String {
        match (&self.domain, self.instance, self.is_satellite) {
            (Some(d), InstanceType::Production, true) => format!("clerk.{d}"),
            _ => self.key_host.clone(),
        }
    }

    /// The Frontend API the handshake goes to, as Clerk's
    /// `parsePublishableKey` picks it (§1.2): the proxy URL (a `/` path
    /// resolved against `request_origin`), else `clerk.<domain>` for a
    /// production satellite, else the key's host.
    pub fn frontend_api(&self, request_origin: &str) -> String {
        match &self.proxy_url {
            Some(p) if p.starts_with('/') => format!("{request_origin}{p}"),
            Some(p) => p.clone(),
            None => self.instance_frontend_api(),
        }
    }
}

/// Builder of [`SessionConfig`]; [`SessionConfigBuilder::build`] validates.
#[derive(Debug, Clone)]
pub struct SessionConfigBuilder {
    publishable_key: String,
    domain: Option<String>,
    is_satellite: bool,
    proxy_url: Option<String>,
    sign_in_url: Option<String>,
    sign_up_url: Option<String>,
    satellite_auto_sync: bool,
}

impl SessionConfigBuilder {
    /// `CLERK_DOMAIN`: the satellite's domain, a host like `satellite.example.com`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// `CLERK_IS_SATELLITE`.
    pub fn satellite(mut self, is_satellite: bool) -> Self {
        self.is_satellite = is_satellite;
        self
    }

    /// `CLERK_PROXY_URL`.
    pub fn proxy_url(mut self, url: impl Into<String>) -> Self {
        self.proxy_url = Some(url.into());
        self
    }

    /// `CLERK_SIGN_IN_URL`.
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.sign_in_url = Some(url.into());
        self
    }

    /// `CLERK_SIGN_UP_URL`.
    pub fn sign_up_url(mut self, url: impl Into<String>) -> Self {
        self.sign_up_url = Some(url.into());
        self
    }

    /// Clerk's `satelliteAutoSync` (default false).
    pub fn satellite_auto_sync(mut self, auto_sync: bool) -> Self {
        self.satellite_auto_sync = auto_sync;
        self
    }

    /// Validate and finish.
    pub fn build(self) -> Result<SessionConfig, ConfigError> {
        let key_host = frontend_api_from_publishable_key(&self.publishable_key)?;
        if !key_host.contains('.') {
            return Err(ConfigError::invalid(
                "CLERK_PUBLISHABLE_KEY",
                "does not decode to a host name with a dot",
            ));
        }
        let instance = if self.publishable_key.starts_with("pk_live_") {
            InstanceType::Production
        } else {
            InstanceType::Development
        };
        if let Some(d) = &self.domain {
            let host_like = !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
            if !host_like {
                return Err(ConfigError::invalid(
                    "CLERK_DOMAIN",
                    "expected a host like satellite.example.com (no scheme, no path)",
                ));
            }
        }
        for (var, value) in [
            ("CLERK_PROXY_URL", &self.proxy_url),
            ("CLERK_SIGN_IN_URL", &self.sign_in_url),
            ("CLERK_SIGN_UP_URL", &self.sign_up_url),
        ] {
            let ok = |v: &str| v.starts_with('/') && !v.starts_with("//") || is_absolute_http(v);
            if value.as_deref().is_some_and(|v| !ok(v)) {
                return Err(ConfigError::invalid(
                    var,
                    "expected an http(s):// URL or a path starting with /",
                ));
            }
        }
        if self.is_satellite {
            if self.domain.is_none() && self.proxy_url.is_none() {
                return Err(ConfigError::invalid(
                    "CLERK_DOMAIN",
                    "a satellite needs CLERK_DOMAIN or CLERK_PROXY_URL",
                ));
            }
            if !self.sign_in_url.as_deref().is_some_and(is_absolute_http) {
                return Err(ConfigError::invalid(
                    "CLERK_SIGN_IN_URL",
                    "a satellite needs the primary's sign-in page as an absolute http(s):// URL",
                ));
            }
        }
        Ok(SessionConfig {
            suffix: CookieSuffix::from_publishable_key(&self.publishable_key),
            publishable_key: self.publishable_key,
            instance,
            key_host,
            domain: self.domain,
            is_satellite: self.is_satellite,
            proxy_url: self.proxy_url,
            sign_in_url: self.sign_in_url,
            sign_up_url: self.sign_up_url,
            satellite_auto_sync: self.satellite_auto_sync,
        })
    }
}

fn is_absolute_http(v: &str) -> bool {
    url::Url::parse(v).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
    const PK_TEST: &str = "pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA";

    fn env(pairs: &[(&str, &str)]) -> Result<SessionConfig, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        SessionConfig::from_lookup(|k| map.get(k).cloned())
    }

    fn var_of(err: ConfigError) -> &'static str {
        match err {
            ConfigError::Invalid { var, .. } => var,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn key_prefix_gives_the_instance_type() {
        assert_eq!(
            SessionConfig::builder(PK_LIVE)
                .build()
                .unwrap()
                .instance_type(),
            InstanceType::Production
        );
        let dev = SessionConfig::builder(PK_TEST).build().unwrap();
        assert_eq!(dev.instance_type(), InstanceType::Development);
        assert_eq!(dev.key_frontend_api(), "clerk.inspired.puma-74.lcl.dev");
    }

    #[test]
    fn cookie_suffix_matches_clerks_test_value() {
        let c = SessionConfig::builder("pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA")
            .build()
            .unwrap();
        assert_eq!(c.cookie_suffix().as_str(), "MqCvchyS");
        let c = SessionConfig::builder(PK_LIVE).build().unwrap();
        assert_eq!(c.cookie_suffix().as_str(), "naoXFJnI");
    }

    #[test]
    fn missing_or_bad_publishable_key_names_the_variable() {
        assert_eq!(var_of(env(&[]).unwrap_err()), "CLERK_PUBLISHABLE_KEY");
        assert_eq!(
            var_of(env(&[("CLERK_PUBLISHABLE_KEY", "sk_live_x")]).unwrap_err()),
            "CLERK_PUBLISHABLE_KEY"
        );
    }

    #[test]
    fn satellite_without_domain_or_proxy_is_refused() {
        let err = env(&[
            ("CLERK_PUBLISHABLE_KEY", PK_LIVE),
            ("CLERK_IS_SATELLITE", "true"),
            ("CLERK_SIGN_IN_URL", "https://primary.example/sign-in"),
        ])
        .unwrap_err();
        assert_eq!(var_of(err), "CLERK_DOMAIN");
    }

    #[test]
    fn satellite_without_absolute_sign_in_url_is_refused() {
        for sign_in in [None, Some("/sign-in")] {
            let mut vars = vec![
                ("CLERK_PUBLISHABLE_KEY", PK_LIVE),
                ("CLERK_IS_SATELLITE", "true"),
                ("CLERK_DOMAIN", "sat.example.net"),
            ];
            if let Some(s) = sign_in {
                vars.push(("CLERK_SIGN_IN_URL", s));
            }
            assert_eq!(var_of(env(&vars).unwrap_err()), "CLERK_SIGN_IN_URL");
        }
    }

    #[test]
    fn proxy_url_must_be_absolute_or_a_path() {
        for bad in ["clerk.example.com", "ftp://x.example", "//x.example/clerk"] {
            let err =
                env(&[("CLERK_PUBLISHABLE_KEY", PK_LIVE), ("CLERK_PROXY_URL", bad)]).unwrap_err();
            assert_eq!(var_of(err), "CLERK_PROXY_URL", "{bad}");
        }
        for good in ["https://example.com/__clerk", "/__clerk"] {
            assert!(
                env(&[
                    ("CLERK_PUBLISHABLE_KEY", PK_LIVE),
                    ("CLERK_PROXY_URL", good)
                ])
                .is_ok()
            );
        }
    }

    #[test]
    fn bad_satellite_flag_and_domain_name_their_variables() {
        let err = env(&[
            ("CLERK_PUBLISHABLE_KEY", PK_LIVE),
            ("CLERK_IS_SATELLITE", "yes"),
        ])
        .unwrap_err();
        assert_eq!(var_of(err), "CLERK_IS_SATELLITE");
        let err = env(&[
            ("CLERK_PUBLISHABLE_KEY", PK_LIVE),
            ("CLERK_DOMAIN", "https://sat.example.net"),
        ])
        .unwrap_err();
        assert_eq!(var_of(err), "CLERK_DOMAIN");
    }

    #[test]
    fn frontend_api_prefers_proxy_then_satellite_domain_then_key() {
        let base = || SessionConfig::builder(PK_LIVE);
        assert_eq!(
            base().build().unwrap().frontend_api("https://a.example"),
            "clerk.example.com"
        );
        let sat = base()
            .satellite(true)
            .domain("sat.example.net")
            .sign_in_url("https://primary.example/sign-in")
            .build()
            .unwrap();
        assert_eq!(
            sat.frontend_api("https://a.example"),
            "clerk.sat.example.net"
        );
        // A non-satellite ignores the domain.
        let primary = base().domain("sat.example.net").build().unwrap();
        assert_eq!(
            primary.frontend_api("https://a.example"),
            "clerk.example.com"
        );
        let rel = base().proxy_url("/__clerk").build().unwrap();
        assert_eq!(
            rel.frontend_api("https://a.example"),
            "https://a.example/__clerk"
        );
        // Development satellites keep the key's host.
        let dev = SessionConfig::builder(PK_TEST)
            .satellite(true)
            .domain("sat.dev")
            .sign_in_url("https://primary.dev/sign-in")
            .build()
            .unwrap();
        assert_eq!(
            dev.frontend_api("https://a.example"),
            "clerk.inspired.puma-74.lcl.dev"
        );
    }
}
