//! Loading Clerk's browser SDK on server-rendered pages (`clerk-handshake.md`
//! §10): the `<script>` tags of clerk-js and of Clerk's prebuilt components,
//! served by the instance's Frontend API, and the Content-Security-Policy
//! sources they need. Plain strings, for any template engine.
//!
//! ```
//! use clerk_runtime::session::{SessionConfig, script::BrowserSdk};
//! let config = SessionConfig::builder("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k").build()?;
//! let sdk = BrowserSdk::new(&config);
//! assert_eq!(
//!     sdk.clerk_js_url(),
//!     "https://clerk.example.com/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
//! );
//! let tags = sdk.script_tags(None);
//! assert!(tags.contains(r#"data-clerk-publishable-key="pk_live_Y2xlcmsuZXhhbXBsZS5jb20k""#));
//! # Ok::<(), clerk_runtime::ConfigError>(())
//! ```
//!
//! Once both scripts ran: `await Clerk.load({ ui: { ClerkUI: window.__internal_ClerkUICtor } })`,
//! then `Clerk.mountSignIn(el)`, `Clerk.mountUserButton(el)`, `Clerk.signOut()`, ...

use super::config::SessionConfig;

/// clerk-js, pinned to its major version (Clerk's loader pins majors; the
/// Frontend API serves the latest release of that major).
pub const CLERK_JS_PATH: &str = "npm/@clerk/clerk-js@6/dist/clerk.browser.js";
/// Clerk's prebuilt components (`@clerk/ui`), pinned to its major version.
pub const CLERK_UI_PATH: &str = "npm/@clerk/ui@1/dist/ui.browser.js";
/// Clerk's bot protection (Cloudflare Turnstile) on sign-up.
pub const BOT_PROTECTION_ORIGIN: &str = "https://challenges.cloudflare.com";
/// Where Clerk serves avatars and logos.
pub const IMAGE_ORIGIN: &str = "https://img.clerk.com";

/// Where the browser loads Clerk's SDK from, for one instance.
#[derive(Debug, Clone)]
pub struct BrowserSdk {
    publishable_key: String,
    /// `https://<host>`, an absolute proxy URL, or a `/path` proxy (same origin).
    base: String,
    proxy_url: Option<String>,
    domain: Option<String>,
}

impl BrowserSdk {
    /// The SDK of the instance `config` describes: the key's Frontend API,
    /// `clerk.<domain>` for a production satellite, or the proxy URL.
    pub fn new(config: &SessionConfig) -> Self {
        let base = match config.proxy_url() {
            Some(p) => p.trim_end_matches('/').to_owned(),
            None => format!("https://{}", config.instance_frontend_api()),
        };
        BrowserSdk {
            publishable_key: config.publishable_key().to_owned(),
            base,
            proxy_url: config.proxy_url().map(str::to_owned),
            domain: config
                .domain()
                .filter(|_| config.is_satellite())
                .map(str::to_owned),
        }
    }

    /// The URL of clerk-js.
    pub fn clerk_js_url(&self) -> String {
        format!("{}/{CLERK_JS_PATH}", self.base)
    }

    /// The URL of Clerk's prebuilt components.
    pub fn ui_url(&self) -> String {
        format!("{}/{CLERK_UI_PATH}", self.base)
    }

    /// The origin scripts and API calls go to; `None` for a same-origin
    /// (`/path`) proxy.
    pub fn frontend_api_origin(&self) -> Option<String> {
        if self.base.starts_with('/') {
            return None;
        }
        url::Url::parse(&self.base)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    }

    /// Both `<script>` tags, HTML-escaped: the components bundle, then
    /// clerk-js with `data-clerk-publishable-key` (and `data-clerk-proxy-url`
    /// / `data-clerk-domain` when set), `crossorigin="anonymous"`, `async`,
    /// and `nonce` when the page's CSP uses one.
    pub fn script_tags(&self, nonce: Option<&str>) -> String {
        let nonce = nonce
            .map(|n| format!(r#" nonce="{}""#, escape(n)))
            .unwrap_or_default();
        let mut data = format!(
            r#" data-clerk-publishable-key="{}""#,
            escape(&self.publishable_key)
        );
        if let Some(p) = &self.proxy_url {
            data.push_str(&format!(r#" data-clerk-proxy-url="{}""#, escape(p)));
        }
        if let Some(d) = &self.domain {
            data.push_str(&format!(r#" data-clerk-domain="{}""#, escape(d)));
        }
        format!(
            r#"<script src="{ui}" crossorigin="anonymous" async{nonce}></script>
<script src="{js}"{data} crossorigin="anonymous" async{nonce}></script>"#,
            ui = escape(&self.ui_url()),
            js = escape(&self.clerk_js_url()),
        )
    }

    /// The Content-Security-Policy sources Clerk's SDK needs.
    pub fn csp(&self) -> CspSources {
        let fapi = self
            .frontend_api_origin()
            .unwrap_or_else(|| "'self'".to_owned());
        CspSources {
            script_src: vec![fapi.clone(), BOT_PROTECTION_ORIGIN.to_owned()],
            connect_src: vec![fapi, BOT_PROTECTION_ORIGIN.to_owned()],
            img_src: vec![IMAGE_ORIGIN.to_owned()],
            style_src: vec!["'unsafe-inline'".to_owned()],
            frame_src: vec![BOT_PROTECTION_ORIGIN.to_owned()],
            worker_src: vec!["'self'".to_owned(), "blob:".to_owned()],
        }
    }
}

/// Sources to add to a page's Content-Security-Policy for Clerk's SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CspSources {
    /// `script-src`: the Frontend API (or proxy) and bot protection.
    pub script_src: Vec<String>,
    /// `connect-src`: the Frontend API (or proxy) and bot protection.
    pub connect_src: Vec<String>,
    /// `img-src`: Clerk's image host.
    pub img_src: Vec<String>,
    /// `style-src`: Clerk's components style themselves at run time.
    pub style_src: Vec<String>,
    /// `frame-src`: bot protection.
    pub frame_src: Vec<String>,
    /// `worker-src`.
    pub worker_src: Vec<String>,
}

impl CspSources {
    /// A complete policy: `'self'` plus these sources in each directive
    /// (`extra_script_src`, e.g. `'nonce-…'`, joins `script-src`).
    pub fn policy(&self, extra_script_src: &[&str]) -> String {
        let join = |name: &str, extra: &[&str], sources: &[String]| {
            let mut all = vec!["'self'".to_owned()];
            all.extend(extra.iter().map(|s| (*s).to_owned()));
            all.extend(sources.iter().filter(|s| *s != "'self'").cloned());
            format!("{name} {}", all.join(" "))
        };
        [
            "default-src 'self'".to_owned(),
            join("script-src", extra_script_src, &self.script_src),
            join("connect-src", &[], &self.connect_src),
            join("img-src", &["data:"], &self.img_src),
            join("style-src", &[], &self.style_src),
            join("frame-src", &[], &self.frame_src),
            join("worker-src", &[], &self.worker_src),
        ]
        .join("; ")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";

    #[test]
    fn bundles_come_from_the_keys_frontend_api() {
        let sdk = BrowserSdk::new(&SessionConfig::builder(PK_LIVE).build().unwrap());
        assert_eq!(
            sdk.ui_url(),
            "https://clerk.example.com/npm/@clerk/ui@1/dist/ui.browser.js"
        );
        let tags = sdk.script_tags(Some("n0nce"));
        assert!(tags.contains(r#"crossorigin="anonymous" async nonce="n0nce""#));
        assert!(!tags.contains("data-clerk-proxy-url"));
        // The components bundle carries no data-clerk-* attribute.
        let first = tags.lines().next().unwrap();
        assert!(!first.contains("data-clerk"), "{first}");
    }

    #[test]
    fn absolute_proxy_replaces_the_host_and_relative_proxy_stays_same_origin() {
        let abs = SessionConfig::builder(PK_LIVE)
            .proxy_url("https://app.example.com/__clerk/")
            .build()
            .unwrap();
        let sdk = BrowserSdk::new(&abs);
        assert_eq!(
            sdk.clerk_js_url(),
            "https://app.example.com/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
        );
        assert!(
            sdk.script_tags(None)
                .contains(r#"data-clerk-proxy-url="https://app.example.com/__clerk/""#)
        );
        assert_eq!(sdk.csp().script_src[0], "https://app.example.com");
        let rel = SessionConfig::builder(PK_LIVE)
            .proxy_url("/__clerk")
            .build()
            .unwrap();
        let sdk = BrowserSdk::new(&rel);
        assert_eq!(sdk.ui_url(), "/__clerk/npm/@clerk/ui@1/dist/ui.browser.js");
        assert_eq!(sdk.frontend_api_origin(), None);
        assert_eq!(sdk.csp().script_src[0], "'self'");
    }

    #[test]
    fn production_satellite_loads_from_clerk_dot_domain() {
        let sat = SessionConfig::builder(PK_LIVE)
            .satellite(true)
            .domain("sat.example.net")
            .sign_in_url("https://example.com/sign-in")
            .build()
            .unwrap();
        let sdk = BrowserSdk::new(&sat);
        assert!(
            sdk.clerk_js_url()
                .starts_with("https://clerk.sat.example.net/")
        );
        assert!(
            sdk.script_tags(None)
                .contains(r#"data-clerk-domain="sat.example.net""#)
        );
    }

    #[test]
    fn policy_lists_every_directive_clerk_needs() {
        let sdk = BrowserSdk::new(&SessionConfig::builder(PK_LIVE).build().unwrap());
        let policy = sdk.csp().policy(&["'nonce-abc'"]);
        assert!(policy.contains(
            "script-src 'self' 'nonce-abc' https://clerk.example.com https://challenges.cloudflare.com"
        ));
        assert!(policy.contains("img-src 'self' data: https://img.clerk.com"));
        assert!(policy.contains("style-src 'self' 'unsafe-inline'"));
        assert!(policy.contains("frame-src 'self' https://challenges.cloudflare.com"));
        assert!(policy.contains("worker-src 'self' blob:"));
    }

    #[test]
    fn attribute_values_are_escaped() {
        let sdk = BrowserSdk::new(&SessionConfig::builder(PK_LIVE).build().unwrap());
        assert!(
            sdk.script_tags(Some("\"><x"))
                .contains("nonce=\"&quot;&gt;&lt;x\"")
        );
    }
}
