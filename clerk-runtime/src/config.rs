//! Startup configuration: environment variables or a builder.
//!
//! | variable | meaning |
//! |---|---|
//! | `CLERK_JWT_KEY` | PEM public key; networkless verification, wins over the secret key |
//! | `CLERK_SECRET_KEY` | `sk_...`; keys from the Backend API `GET {api}/v1/jwks` |
//! | `CLERK_PUBLISHABLE_KEY` | `pk_test_...`/`pk_live_...`; gives the expected issuer |
//! | `CLERK_AUTHORIZED_PARTIES` | comma-separated origins allowed in `azp` |
//! | `CLERK_API_URL` | Backend API base, default `https://api.clerk.com` |
//! | `CLERK_ISSUER` | explicit expected `iss` (wins over the publishable key) |
//! | `CLERK_MACHINE_SECRET_KEY` | a machine's secret key (`ak_...`): opaque M2M tokens are verified as that machine |

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use crate::backend::BackendClient;
use crate::error::ConfigError;
use crate::machine::{MachineVerifier, MachineVerifierBuilder};
use crate::verify::keys::{JwksSource, VerifyingKey};
use crate::verify::{Verifier, VerifierBuilder};

pub use crate::backend::DEFAULT_API_URL;

/// Everything needed to build a [`Verifier`].
///
/// `Debug` redacts the secret key.
#[derive(Clone, Default)]
pub struct ClerkConfig {
    secret_key: Option<String>,
    machine_secret_key: Option<String>,
    publishable_key: Option<String>,
    jwt_key: Option<String>,
    authorized_parties: Vec<String>,
    api_url: Option<String>,
    issuer: Option<String>,
}

impl std::fmt::Debug for ClerkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClerkConfig")
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "machine_secret_key",
                &self.machine_secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("publishable_key", &self.publishable_key)
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "[pem]"))
            .field("authorized_parties", &self.authorized_parties)
            .field("api_url", &self.api_url())
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl ClerkConfig {
    /// Read the `CLERK_*` variables of the process environment and validate them.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ClerkConfig::from_env`], reading variables through `lookup`
    /// (tests pass a map instead of mutating the process environment).
    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut builder = Self::builder();
        if let Some(v) = get("CLERK_SECRET_KEY") {
            builder = builder.secret_key(v);
        }
        if let Some(v) = get("CLERK_MACHINE_SECRET_KEY") {
            builder = builder.machine_secret_key(v);
        }
        if let Some(v) = get("CLERK_PUBLISHABLE_KEY") {
            builder = builder.publishable_key(v);
        }
        if let Some(v) = get("CLERK_JWT_KEY") {
            // .env files often hold the PEM on one line with literal "\n".
            builder = builder.jwt_key(v.replace("\\n", "\n"));
        }
        if let Some(v) = get("CLERK_AUTHORIZED_PARTIES") {
            builder = builder.authorized_parties(
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from),
            );
        }
        if let Some(v) = get("CLERK_API_URL") {
            builder = builder.api_url(v);
        }
        if let Some(v) = get("CLERK_ISSUER") {
            builder = builder.issuer(v);
        }
        builder.build()
    }

    /// Start an empty configuration.
    pub fn builder() -> ClerkConfigBuilder {
        ClerkConfigBuilder::default()
    }

    /// The Backend API base URL.
    pub fn api_url(&self) -> &str {
        self.api_url.as_deref().unwrap_or(DEFAULT_API_URL)
    }

    /// Configured authorized parties (`azp` allow-list); empty = not enforced.
    pub fn authorized_parties(&self) -> &[String] {
        &self.authorized_parties
    }

    /// The publishable key, if configured.
    pub fn publishable_key(&self) -> Option<&str> {
        self.publishable_key.as_deref()
    }

    /// The secret key, for Backend API clients. Never log it.
    pub fn secret_key(&self) -> Option<&str> {
        self.secret_key.as_deref()
    }

    /// The Frontend API host from the publishable key (e.g. `clerk.example.com`).
    pub fn frontend_api(&self) -> Option<String> {
        self.publishable_key
            .as_deref()
            .and_then(|pk| frontend_api_from_publishable_key(pk).ok())
    }

    /// The expected `iss`: the explicit issuer, else derived from the publishable key.
    pub fn issuer(&self) -> Option<String> {
        if let Some(iss) = &self.issuer {
            return Some(iss.clone());
        }
        self.frontend_api().map(|host| format!("https://{host}"))
    }

    /// A verifier builder preset from this configuration (key source, issuer,
    /// authorized parties); add an HTTP client or other settings, then `build()`.
    pub fn verifier_builder(&self) -> VerifierBuilder {
        let mut builder =
            Verifier::builder().authorized_parties(self.authorized_parties.iter().cloned());
        if let Some(pem) = &self.jwt_key {
            builder = builder.pem(pem.clone());
        } else if let Some(sk) = &self.secret_key {
            builder = builder.jwks_source(JwksSource::BackendApi {
                api_url: self.api_url().to_owned(),
                secret_key: sk.clone(),
            });
        }
        if let Some(iss) = self.issuer() {
            builder = builder.issuer(iss);
        }
        builder
    }

    /// Build the verifier this configuration describes.
    pub fn verifier(&self) -> Result<Verifier, ConfigError> {
        self.verifier_builder().build()
    }

    /// A machine-token verifier preset from this configuration: `keys` (the
    /// session verifier) for the JWT forms, and Backend API clients for the
    /// opaque forms, with the secret key and, for M2M tokens, the machine
    /// secret key when set. Without either key only the JWT forms verify.
    pub fn machine_verifier_builder(
        &self,
        keys: Verifier,
    ) -> Result<MachineVerifierBuilder, ConfigError> {
        let client = |var: &'static str, key: &str| {
            BackendClient::builder(key)
                .base_url(self.api_url())
                .build()
                .map_err(|e| ConfigError::invalid(var, e.to_string()))
        };
        let mut builder = MachineVerifier::builder(keys);
        if let Some(key) = &self.secret_key {
            builder = builder.backend(client("CLERK_SECRET_KEY", key)?);
        }
        if let Some(key) = &self.machine_secret_key {
            builder = builder.machine_backend(client("CLERK_MACHINE_SECRET_KEY", key)?);
        }
        Ok(builder)
    }
}

/// Builder of [`ClerkConfig`]; `build()` validates.
#[derive(Default)]
pub struct ClerkConfigBuilder {
    config: ClerkConfig,
}

impl std::fmt::Debug for ClerkConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.config.fmt(f)
    }
}

impl ClerkConfigBuilder {
    /// `CLERK_SECRET_KEY` (`sk_test_...` / `sk_live_...`).
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.config.secret_key = Some(key.into());
        self
    }

    /// `CLERK_MACHINE_SECRET_KEY`: a machine's secret key, for verifying
    /// opaque M2M tokens as that machine.
    pub fn machine_secret_key(mut self, key: impl Into<String>) -> Self {
        self.config.machine_secret_key = Some(key.into());
        self
    }

    /// `CLERK_PUBLISHABLE_KEY` (`pk_test_...` / `pk_live_...`).
    pub fn publishable_key(mut self, key: impl Into<String>) -> Self {
        self.config.publishable_key = Some(key.into());
        self
    }

    /// `CLERK_JWT_KEY`: a PEM public key; wins over the secret key.
    pub fn jwt_key(mut self, pem: impl Into<String>) -> Self {
        self.config.jwt_key = Some(pem.into());
        self
    }

    /// `CLERK_AUTHORIZED_PARTIES`: exact origins allowed in `azp`.
    pub fn authorized_parties(mut self, parties: impl IntoIterator<Item = String>) -> Self {
        self.config.authorized_parties = parties.into_iter().collect();
        self
    }

    /// `CLERK_API_URL`.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.config.api_url = Some(url.into());
        self
    }

    /// `CLERK_ISSUER`: explicit expected `iss`.
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.config.issuer = Some(iss.into());
        self
    }

    /// Validate and finish. Fails fast when no key is configured or a value is malformed.
    pub fn build(self) -> Result<ClerkConfig, ConfigError> {
        let c = self.config;
        if let Some(pk) = &c.publishable_key {
            frontend_api_from_publishable_key(pk)?;
        }
        if c.secret_key
            .as_deref()
            .is_some_and(|sk| !sk.starts_with("sk_"))
        {
            return Err(ConfigError::invalid(
                "CLERK_SECRET_KEY",
                "expected a key starting with sk_test_ or sk_live_",
            ));
        }
        if c.machine_secret_key.as_deref().is_some_and(str::is_empty) {
            return Err(ConfigError::invalid(
                "CLERK_MACHINE_SECRET_KEY",
                "expected a machine secret key (ak_...), or leave it unset",
            ));
        }
        match (&c.jwt_key, &c.secret_key) {
            (Some(pem), _) => {
                VerifyingKey::from_pem(pem)?;
            }
            (None, Some(_)) => {}
            (None, None) => return Err(ConfigError::MissingKey),
        }
        for (var, url) in [("CLERK_API_URL", &c.api_url), ("CLERK_ISSUER", &c.issuer)] {
            if url
                .as_deref()
                .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
            {
                return Err(ConfigError::invalid(var, "expected an http(s):// URL"));
            }
        }
        for party in &c.authorized_parties {
            if !(party.starts_with("https://") || party.starts_with("http://")) {
                return Err(ConfigError::invalid(
                    "CLERK_AUTHORIZED_PARTIES",
                    "expected comma-separated origins like https://app.example.com",
                ));
            }
        }
        Ok(c)
    }
}

/// The Frontend API host encoded in a publishable key:
/// base64 of the part after `pk_test_`/`pk_live_`, with the trailing `$` removed.
pub fn frontend_api_from_publishable_key(pk: &str) -> Result<String, ConfigError> {
    let bad = |msg: &str| ConfigError::invalid("CLERK_PUBLISHABLE_KEY", msg);
    let encoded = pk
        .strip_prefix("pk_test_")
        .or_else(|| pk.strip_prefix("pk_live_"))
        .ok_or_else(|| bad("expected a key starting with pk_test_ or pk_live_"))?;
    let decoded = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| bad("the part after pk_test_/pk_live_ is not base64"))?;
    let text = String::from_utf8(decoded).map_err(|_| bad("does not decode to a host name"))?;
    let host = text
        .strip_suffix('$')
        .ok_or_else(|| bad("does not decode to a host name ending in $"))?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !valid {
        return Err(bad("does not decode to a host name"));
    }
    Ok(host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pk(host: &str) -> String {
        format!("pk_test_{}", STANDARD.encode(format!("{host}$")))
    }

    #[test]
    fn machine_secret_key_is_read_validated_and_redacted() {
        let env = |name: &str| match name {
            "CLERK_SECRET_KEY" => Some("sk_test_abc".to_owned()),
            "CLERK_MACHINE_SECRET_KEY" => Some("ak_machine_secret".to_owned()),
            _ => None,
        };
        let config = ClerkConfig::from_lookup(env).unwrap();
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("ak_machine_secret") && !debug.contains("sk_test_abc"),
            "{debug}"
        );
        let machines = config
            .machine_verifier_builder(config.verifier().unwrap())
            .unwrap()
            .build();
        assert!(format!("{machines:?}").contains("machine_secret_key: true"));
        // An empty variable reads as unset; an empty builder value is refused.
        let empty = ClerkConfig::builder()
            .secret_key("sk_test_abc")
            .machine_secret_key("")
            .build();
        assert!(
            empty
                .unwrap_err()
                .to_string()
                .contains("CLERK_MACHINE_SECRET_KEY")
        );
    }

    #[test]
    fn publishable_key_decodes_to_frontend_api_host() {
        assert_eq!(
            frontend_api_from_publishable_key(&pk("foo-bar-1.clerk.accounts.dev")).unwrap(),
            "foo-bar-1.clerk.accounts.dev"
        );
    }

    #[test]
    fn publishable_key_without_dollar_is_rejected() {
        let key = format!("pk_live_{}", STANDARD.encode("clerk.example.com"));
        assert!(frontend_api_from_publishable_key(&key).is_err());
    }
}
