//! An embedded Clerk-compatible token issuer for development and tests.
//!
//! [`DevIssuer`] holds an in-memory RSA-2048 key, mints v1/v2 session tokens
//! and JWT-template tokens shaped like Clerk's, and serves its JWKS over HTTP
//! so the same verifier code path (fetch, cache, rotate) runs locally.
//! [`DevIssuer::public_key_pem`] is an SPKI PEM that Clerk's own SDKs accept
//! as `jwtKey`, so tokens minted here also verify there.

mod machines;

pub use machines::DevMachineToken;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use crate::error::ConfigError;
use crate::template::{JwtTemplate, ShortcodeValues};
use crate::time::{self, SharedClock, UnixSeconds};
use crate::token;
use crate::verify::Verifier;

/// Default issuer of dev tokens.
pub const DEV_ISSUER: &str = "https://dev.clerk.localhost";
/// How long [`DevServer::shutdown`] waits for open connections to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// Default session token lifetime: Clerk's 60 s.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(60);

/// An in-memory token issuer. Cheap to clone (the key is shared).
#[derive(Clone)]
pub struct DevIssuer {
    key: Arc<KeyPair>,
    kid: Arc<str>,
    issuer: Arc<str>,
    clock: SharedClock,
    counter: Arc<AtomicU64>,
    /// Opaque machine tokens issued here, answered by the server.
    machines: machines::Registry,
}

impl std::fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIssuer")
            .field("kid", &self.kid)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl DevIssuer {
    /// Generate a fresh RSA-2048 key with a random `ins_dev...` kid.
    pub fn new() -> Result<Self, ConfigError> {
        let key = KeyPair::generate(KeySize::Rsa2048).map_err(|_| ConfigError::KeyGeneration)?;
        let mut id = [0u8; 9];
        aws_lc_rs::rand::fill(&mut id).map_err(|_| ConfigError::KeyGeneration)?;
        Ok(Self {
            key: Arc::new(key),
            kid: format!("ins_dev{}", URL_SAFE_NO_PAD.encode(id)).into(),
            issuer: DEV_ISSUER.into(),
            clock: Arc::new(time::SystemClock),
            counter: Arc::new(AtomicU64::new(0)),
            machines: machines::Registry::default(),
        })
    }

    /// Use `iss` as the issuer of minted tokens.
    pub fn with_issuer(mut self, iss: impl Into<String>) -> Self {
        self.issuer = iss.into().into();
        self
    }

    /// Use `kid` as the key id (e.g. to simulate key rotation with two issuers).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into().into();
        self
    }

    /// Use `clock` (unix seconds) for `iat` of tokens without an explicit `issued_at`.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(UnixSeconds(clock));
        self
    }

    /// The key id put in every token header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The issuer (`iss`) of minted tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The issuer's clock.
    pub fn now(&self) -> i64 {
        time::unix_seconds(&*self.clock)
    }

    /// The public key as a JWKS document (`{"keys":[...]}`).
    pub fn jwks_json(&self) -> String {
        json!({ "keys": [self.jwk()] }).to_string()
    }

    /// The public key as one JWK object.
    pub fn jwk(&self) -> Value {
        let public = self.key.public_key();
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": &*self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), usable as
    /// `CLERK_JWT_KEY` here and as `jwtKey` in Clerk's JS SDK.
    pub fn public_key_pem(&self) -> String {
        // Encoding a key we generated ourselves only fails on allocation failure.
        let der = self
            .key
            .public_key()
            .as_der()
            .expect("DER encoding of a generated RSA public key");
        let b64 = STANDARD.encode(der.as_ref());
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// A networkless verifier for this issuer's tokens (PEM key, issuer checked).
    pub fn verifier(&self) -> Result<Verifier, ConfigError> {
        let clock = self.clock.clone();
        Verifier::builder()
            .pem(self.public_key_pem())
            .issuer(self.issuer.to_string())
            .clock(move || time::unix_seconds(&*clock))
            .build()
    }

    /// Mint a v2 session token.
    pub fn mint(&self, session: &DevSession) -> String {
        let payload = self.session_claims(session, 2);
        self.sign_claims(token::cat::SESSION, payload)
    }

    /// Mint a v1 session token (no `v`; `org_*` claims).
    pub fn mint_v1(&self, session: &DevSession) -> String {
        let payload = self.session_claims(session, 1);
        self.sign_claims(token::cat::SESSION, payload)
    }

    /// Mint a JWT-template token: `azp exp iat iss jti nbf sub` plus `claims`
    /// (which may set `sub`, `aud`, ...), no `sid` and no `v`. The template
    /// `name` prefixes the `jti`.
    pub fn mint_template(&self, name: &str, claims: Value, lifetime: Duration) -> String {
        let iat = self.now();
        let mut payload = match claims {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let life = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        payload
            .entry("sub")
            .or_insert_with(|| Value::from("user_dev"));
        payload.insert("iss".into(), Value::from(&*self.issuer));
        payload.insert("iat".into(), Value::from(iat));
        payload.insert("nbf".into(), Value::from(iat - 5));
        payload.insert("exp".into(), Value::from(iat.saturating_add(life)));
        payload.insert(
            "jti".into(),
            Value::from(format!("{name}_{}", self.next_id())),
        );
        payload.remove("sid");
        payload.remove("v");
        self.sign_claims(token::cat::JWT_TEMPLATE, payload)
    }

    /// Mint a token from `template` for `session`, as Clerk's
    /// `getToken({ template })` would: the template's shortcodes resolved
    /// from the session (see [`ShortcodeValues`]), `sub` the session's user,
    /// living the template's lifetime, no `sid`.
    pub fn mint_jwt_template(&self, template: &JwtTemplate, session: &DevSession) -> String {
        let mut claims = template.render(&session.shortcode_values());
        if let Value::Object(map) = &mut claims {
            // Clerk's reserved claims are not template-controlled.
            map.insert("sub".into(), Value::from(session.user_id.as_str()));
            if let Some(azp) = &session.azp {
                map.insert("azp".into(), Value::from(azp.as_str()));
            }
        }
        self.mint_template(&template.name, claims, template.lifetime)
    }

    /// Sign arbitrary header and payload text as given (for malformed-token
    /// tests). The signature is a valid RS256 signature over the two parts.
    pub fn mint_raw(&self, header_json: &str, payload_json: &str) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header_json),
            URL_SAFE_NO_PAD.encode(payload_json)
        );
        let signature = self.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Serve the JWKS at `GET /.well-known/jwks.json` and `GET /v1/jwks` on
    /// `addr` (use `127.0.0.1:0` for a free port), and the Backend API's
    /// machine-token verify endpoints for the tokens of
    /// [`DevIssuer::issue_machine_token`] (point a
    /// [`BackendClient`](crate::backend::BackendClient) at [`DevServer::url`]).
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<DevServer> {
        use axum::routing::get;
        let body: Arc<str> = self.jwks_json().into();
        let handler = move || {
            let body = body.clone();
            async move {
                (
                    [(http::header::CONTENT_TYPE, "application/json")],
                    body.to_string(),
                )
            }
        };
        let app = axum::Router::new()
            .route("/.well-known/jwks.json", get(handler.clone()))
            .route("/v1/jwks", get(handler))
            .merge(self.machine_routes());
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %err, "dev JWKS server stopped");
            }
        });
        Ok(DevServer {
            url: format!("http://{local}"),
            shutdown: Some(tx),
            task,
        })
    }

    fn next_id(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        // PKCS#1 v1.5 signing with our own valid key and a buffer of exactly
        // the modulus length cannot fail except on allocation failure.
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut sig,
            )
            .expect("RSA signing with a generated key");
        sig
    }

    /// Sign `payload` with Clerk's header: RS256, our `kid`, `typ: JWT` and
    /// the category code `cat` (see [`token::cat`]).
    fn sign_claims(&self, cat: &str, payload: Map<String, Value>) -> String {
        let header = json!({ "alg": "RS256", "kid": &*self.kid, "typ": "JWT", "cat": cat });
        self.mint_raw(&header.to_string(), &Value::Object(payload).to_string())
    }

    fn session_claims(&self, s: &DevSession, version: u8) -> Map<String, Value> {
        let iat = s.issued_at.unwrap_or_else(|| self.now());
        let mut p = match &s.custom {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        // As a custom session claim (`"email": "{{user.primary_email_address}}"`
        // in Clerk's dashboard) would put it; an explicit custom claim wins.
        if let Some(email) = &s.email {
            p.entry("email")
                .or_insert_with(|| Value::from(email.as_str()));
        }
        let mut set = |k: &str, v: Value| {
            p.insert(k.to_owned(), v);
        };
        set("sub", Value::from(s.user_id.as_str()));
        set("sid", Value::from(s.session_id.as_str()));
        set("iss", Value::from(&*self.issuer));
        if let Some(azp) = &s.azp {
            set("azp", Value::from(azp.as_str()));
        }
        set("iat", Value::from(iat));
        set("nbf", Value::from(iat - 5));
        set("exp", Value::from(iat.saturating_add(s.lifetime)));
        set("jti", Value::from(format!("dev_{}", self.next_id())));
        set("sts", Value::from(s.status.as_str()));
        if let Some(fva) = s.fva {
            set("fva", json!(fva));
        }
        if let Some(act) = &s.actor {
            set("act", act.clone());
        }
        if version == 2 {
            set("v", Value::from(2));
            let (fea, org) = encode_v2_org(s);
            if !fea.is_empty() {
                set("fea", Value::from(fea.join(",")));
            }
            if !s.plans.is_empty() {
                set("pla", Value::from(s.plans.join(",")));
            }
            if let Some(org) = org {
                set("o", org);
            }
        } else if let Some(org) = &s.org {
            set("org_id", Value::from(org.id.as_str()));
            set("org_slug", Value::from(org.slug.as_str()));
            set(
                "org_role",
                Value::from(format!("org:{}", strip_org(&org.role))),
            );
            set("org_permissions", json!(s.permissions));
        }
        p
    }
}

fn strip_org(s: &str) -> &str {
    let mut s = s;
    while let Some(rest) = s.strip_prefix("org:") {
        s = rest;
    }
    s
}

/// Encode features and organization permissions the way Clerk's v2 tokens
/// do, exactly inverse to the decoder (docs/clerk-semantics.md §2): `per` lists actions,
/// `fea` lists org features in order, `fpm[i]` is the bitmask of actions
/// granted on the i-th org feature. Permissions not shaped
/// `org:<feature>:<action>` cannot be expressed in v2 and are left out.
fn encode_v2_org(s: &DevSession) -> (Vec<String>, Option<Value>) {
    let mut fea: Vec<String> = s.features.clone();
    let Some(org) = &s.org else {
        return (fea, None);
    };
    let pairs: Vec<(&str, &str)> = s
        .permissions
        .iter()
        .filter_map(|p| p.strip_prefix("org:")?.rsplit_once(':'))
        .filter(|(f, a)| !f.is_empty() && !a.is_empty())
        .collect();
    let mut actions: Vec<&str> = Vec::new();
    for (feature, action) in &pairs {
        if !actions.contains(action) {
            actions.push(action);
        }
        let present = fea.iter().any(|e| org_feature_name(e) == Some(*feature));
        if !present {
            fea.push(format!("o:{feature}"));
        }
    }
    let masks: Vec<String> = fea
        .iter()
        .filter_map(|e| org_feature_name(e))
        .map(|feature| {
            let bits: Vec<bool> = actions
                .iter()
                .map(|action| pairs.contains(&(feature, *action)))
                .collect();
            bits_to_decimal(&bits)
        })
        .collect();
    let mut o = Map::new();
    o.insert("id".into(), Value::from(org.id.as_str()));
    o.insert("slg".into(), Value::from(org.slug.as_str()));
    o.insert("rol".into(), Value::from(strip_org(&org.role)));
    if !actions.is_empty() {
        o.insert("per".into(), Value::from(actions.join(",")));
        o.insert("fpm".into(), Value::from(masks.join(",")));
    }
    (fea, Some(Value::Object(o)))
}

/// The feature name of a `fea` entry with organization scope (`o`, `ou`, `uo`).
fn org_feature_name(entry: &str) -> Option<&str> {
    let (scope, name) = entry.split_once(':')?;
    matches!(scope, "o" | "ou" | "uo").then_some(name)
}

/// Decimal text of the number whose bit `i` is `bits[i]` (bit 0 least
/// significant), at any precision: Clerk's masks exceed 64 bits.
fn bits_to_decimal(bits: &[bool]) -> String {
    // Little-endian base-10 digits.
    let mut digits: Vec<u8> = vec![0];
    for bit in bits.iter().rev() {
        let mut carry = u8::from(*bit);
        for d in &mut digits {
            let v = *d * 2 + carry;
            *d = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            digits.push(carry);
        }
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

/// An organization membership of a [`DevSession`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct DevOrg {
    /// Organization id (`org_...`).
    id: String,
    /// Organization slug.
    slug: String,
    /// Role, with or without the `org:` prefix.
    role: String,
}

/// What a dev session token says. Build with [`DevSession::new`] and the
/// chained setters.
#[derive(Debug, Clone)]
pub struct DevSession {
    user_id: String,
    session_id: String,
    azp: Option<String>,
    org: Option<DevOrg>,
    permissions: Vec<String>,
    features: Vec<String>,
    plans: Vec<String>,
    status: String,
    fva: Option<[i64; 2]>,
    actor: Option<Value>,
    custom: Value,
    lifetime: i64,
    issued_at: Option<i64>,
    email: Option<String>,
    public_metadata: Value,
}

impl DevSession {
    /// An active session of `user_id` with session id `sess_dev_<user_id>`,
    /// living 60 s from the issuer's clock.
    pub fn new(user_id: impl Into<String>) -> Self {
        let user_id = user_id.into();
        Self {
            session_id: format!("sess_dev_{user_id}"),
            user_id,
            azp: None,
            org: None,
            permissions: Vec::new(),
            features: Vec::new(),
            plans: Vec::new(),
            status: "active".into(),
            fva: None,
            actor: None,
            custom: Value::Object(Map::new()),
            lifetime: i64::try_from(DEFAULT_LIFETIME.as_secs()).unwrap_or(60),
            issued_at: None,
            email: None,
            public_metadata: Value::Null,
        }
    }

    /// Session id (`sess_...`).
    pub fn session_id(mut self, sid: impl Into<String>) -> Self {
        self.session_id = sid.into();
        self
    }

    /// Authorized party (`azp`), the origin that asked for the token.
    pub fn azp(mut self, azp: impl Into<String>) -> Self {
        self.azp = Some(azp.into());
        self
    }

    /// Active organization with role (`org:admin` or `admin`).
    pub fn org(
        mut self,
        id: impl Into<String>,
        slug: impl Into<String>,
        role: impl Into<String>,
    ) -> Self {
        self.org = Some(DevOrg {
            id: id.into(),
            slug: slug.into(),
            role: role.into(),
        });
        self
    }

    /// Organization permissions (`org:<feature>:<action>`); minted only
    /// together with an organization ([`DevSession::org`]), as in Clerk.
    pub fn permissions<I, S>(mut self, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.permissions = permissions.into_iter().map(Into::into).collect();
        self
    }

    /// Features (`fea`), `scope:name` (`o:`, `u:`, `ou:`, `uo:`).
    pub fn features<I, S>(mut self, features: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.features = features.into_iter().map(Into::into).collect();
        self
    }

    /// Plans (`pla`), `scope:name`.
    pub fn plans<I, S>(mut self, plans: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.plans = plans.into_iter().map(Into::into).collect();
        self
    }

    /// Session status (`sts`): `active` or `pending`.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// Factor verification ages in minutes (`fva`), -1 = not enrolled.
    pub fn fva(mut self, first: i64, second: i64) -> Self {
        self.fva = Some([first, second]);
        self
    }

    /// Impersonation actor (`act`), e.g. `{"sub": "user_admin"}`.
    pub fn actor(mut self, actor: Value) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Custom claims (a JSON object) merged at the top level; standard claims win.
    pub fn custom_claims(mut self, claims: Value) -> Self {
        self.custom = claims;
        self
    }

    /// Token lifetime (default 60 s).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Primary email address: the session token's `email` claim (as the
    /// custom session claim `{{user.primary_email_address}}` would set it)
    /// and `{{user.primary_email_address}}` in templates.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Public metadata (a JSON object), for `{{user.public_metadata}}` in templates.
    pub fn public_metadata(mut self, metadata: Value) -> Self {
        self.public_metadata = metadata;
        self
    }

    /// What JWT-template shortcodes resolve to for this session.
    pub fn shortcode_values(&self) -> ShortcodeValues {
        ShortcodeValues {
            user_id: self.user_id.clone(),
            session_id: Some(self.session_id.clone()),
            email: self.email.clone(),
            public_metadata: self.public_metadata.clone(),
            org_id: self.org.as_ref().map(|o| o.id.clone()),
            org_slug: self.org.as_ref().map(|o| o.slug.clone()),
            org_role: self
                .org
                .as_ref()
                .map(|o| format!("org:{}", strip_org(&o.role))),
        }
    }

    /// `iat` in unix seconds (default: the issuer's clock); `nbf = iat - 5`.
    pub fn issued_at(mut self, iat: i64) -> Self {
        self.issued_at = Some(iat);
        self
    }
}

/// A running dev JWKS server; stops when dropped or on [`DevServer::shutdown`].
#[derive(Debug)]
pub struct DevServer {
    url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl DevServer {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A Backend API client for this server (its machine-token verify
    /// endpoints), with a placeholder secret key the server accepts.
    pub fn backend_client(&self) -> Result<crate::backend::BackendClient, ConfigError> {
        crate::backend::BackendClient::builder("sk_test_dev_issuer")
            .base_url(self.url.as_str())
            .build()
            .map_err(|e| ConfigError::invalid("CLERK_API_URL", e.to_string()))
    }

    /// The Frontend-API-style JWKS URL.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.url)
    }

    /// Stop the server: graceful for up to [`SHUTDOWN_GRACE`], then aborted
    /// (a client's idle keep-alive connection must not hold it open).
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Drop cannot wait for a graceful end; stop accepting at once.
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_to_decimal_handles_precision_beyond_u64() {
        assert_eq!(bits_to_decimal(&[]), "0");
        assert_eq!(bits_to_decimal(&[true, true]), "3");
        assert_eq!(bits_to_decimal(&[false, true]), "2");
        let mut bits = vec![false; 70];
        bits[69] = true;
        assert_eq!(bits_to_decimal(&bits), (1u128 << 69).to_string());
    }

    #[test]
    fn v2_encoding_matches_the_semantics_example() {
        let s = DevSession::new("user_1")
            .org("org_1", "acme", "org:admin")
            .features(["o:dashboard", "o:impersonation"])
            .permissions([
                "org:dashboard:read",
                "org:dashboard:manage",
                "org:impersonation:manage",
            ]);
        let (fea, org) = encode_v2_org(&s);
        assert_eq!(fea, ["o:dashboard", "o:impersonation"]);
        let org = org.unwrap();
        assert_eq!(org["per"], "read,manage");
        assert_eq!(org["fpm"], "3,2");
        assert_eq!(org["rol"], "admin");
    }

    #[test]
    fn v2_encoding_skips_user_features_in_masks() {
        let s = DevSession::new("user_1")
            .org("org_1", "acme", "member")
            .features(["o:reservations", "u:dashboard", "uo:support-chat"])
            .permissions([
                "org:reservations:manage",
                "org:support-chat:read",
                "org:support-chat:manage",
            ]);
        let (fea, org) = encode_v2_org(&s);
        assert_eq!(fea, ["o:reservations", "u:dashboard", "uo:support-chat"]);
        let org = org.unwrap();
        assert_eq!(org["per"], "manage,read");
        assert_eq!(org["fpm"], "1,3");
    }
}
