//! Whom a request is counted against.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use http::HeaderName;
use http::request::Parts;

use crate::state::AuthState;

/// Computes the rate-limit key of a request; `None` when it has none.
///
/// Any `Fn(&Parts) -> Option<String> + Send + Sync + 'static` is one.
pub trait KeyFn: Send + Sync + 'static {
    /// The key for this request.
    fn key(&self, parts: &Parts) -> Option<String>;
}

impl<F> KeyFn for F
where
    F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
{
    fn key(&self, parts: &Parts) -> Option<String> {
        self(parts)
    }
}

/// A request extension naming whom to count the request against, usually the
/// signed-in user's id. An authentication layer inserts it before the
/// rate-limit layer runs; [`RequestKey`] prefers it over the client IP.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RateLimitKey(pub String);

/// The default key: the signed-in user, else the [`RateLimitKey`] extension,
/// else the client IP address.
///
/// The signed-in user is read from the [`AuthState`] that
/// [`ClerkLayer`](crate::ClerkLayer) stores (so put the rate-limit layer
/// inside it), or from a custom [`user`](Self::user) function. Pending
/// sessions count as their user: the id is verified either way.
///
/// The client IP is the socket peer from axum's `ConnectInfo<SocketAddr>`
/// (serve with `into_make_service_with_connect_info::<SocketAddr>()`), unless a
/// trusted proxy header is configured. IPv6 addresses count per /64, the
/// block one subscriber usually holds, so a client cannot dodge its limit by
/// rotating addresses within it.
///
/// Keys are prefixed (`user:`, `key:`, `ip:`) so a user id never collides
/// with an address.
#[derive(Clone, Default)]
pub struct RequestKey {
    user: Option<Arc<UserFn>>,
    forwarded: Option<(HeaderName, usize)>,
}

type UserFn = dyn Fn(&Parts) -> Option<String> + Send + Sync;

impl fmt::Debug for RequestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestKey")
            .field("user", &self.user.as_ref().map(|_| "fn"))
            .field("forwarded", &self.forwarded)
            .finish()
    }
}

impl RequestKey {
    /// The default: [`RateLimitKey`], else the socket peer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the signed-in user's id from the request, e.g. from the session
    /// the authentication layer stored in the extensions. Runs first; `None`
    /// (signed out) falls through to [`RateLimitKey`] and the client IP.
    ///
    /// The layer runs before handler extractors, so read what an outer layer
    /// put there, not what a handler's guard will insert later.
    pub fn user(
        mut self,
        user_id: impl Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.user = Some(Arc::new(user_id));
        self
    }

    /// Reads the client IP from `header` (e.g. `x-forwarded-for`) set by
    /// `trusted_proxies` proxies in front of the app (at least 1).
    ///
    /// Each proxy appends the address it received from, so the client is the
    /// `trusted_proxies`-th entry from the right; entries left of it were
    /// written by the client and prove nothing. If the header is missing or
    /// shorter than that, the socket peer is used. Only set this when every
    /// request really passes through those proxies: otherwise clients choose
    /// their own key.
    pub fn trust_forwarded_header(mut self, header: HeaderName, trusted_proxies: usize) -> Self {
        self.forwarded = Some((header, trusted_proxies.max(1)));
        self
    }

    fn client_ip(&self, parts: &Parts) -> Option<IpAddr> {
        self.forwarded
            .as_ref()
            .and_then(|(header, hops)| forwarded_ip(parts, header, *hops))
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(addr)| addr.ip())
            })
    }
}

impl KeyFn for RequestKey {
    fn key(&self, parts: &Parts) -> Option<String> {
        if let Some(user) = self.user.as_ref().and_then(|user_id| user_id(parts)) {
            return Some(format!("user:{user}"));
        }
        if let Some(auth) = parts
            .extensions
            .get::<AuthState>()
            .and_then(AuthState::auth)
        {
            return Some(format!("user:{}", auth.user_id()));
        }
        if let Some(RateLimitKey(key)) = parts.extensions.get::<RateLimitKey>() {
            return Some(format!("key:{key}"));
        }
        self.client_ip(parts).map(|ip| match ip.to_canonical() {
            IpAddr::V4(v4) => format!("ip:{v4}"),
            IpAddr::V6(v6) => {
                let prefix = Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1));
                format!("ip:{prefix}/64")
            }
        })
    }
}

fn forwarded_ip(parts: &Parts, header: &HeaderName, hops: usize) -> Option<IpAddr> {
    let entries: Vec<&str> = parts
        .headers
        .get_all(header)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let entry = entries.len().checked_sub(hops).map(|i| entries[i])?;
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)], peer: Option<&str>) -> Parts {
        let mut builder = http::Request::builder();
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let (mut parts, ()) = builder.body(()).unwrap().into_parts();
        if let Some(peer) = peer {
            parts
                .extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        parts
    }

    fn xff(hops: usize) -> RequestKey {
        RequestKey::new().trust_forwarded_header(HeaderName::from_static("x-forwarded-for"), hops)
    }

    #[test]
    fn explicit_key_wins_over_ip() {
        let mut p = parts(&[], Some("10.0.0.1:5000"));
        p.extensions.insert(RateLimitKey("user_123".into()));
        assert_eq!(RequestKey::new().key(&p).as_deref(), Some("key:user_123"));
    }

    fn signed_in(user: &str) -> AuthState {
        let payload = serde_json::json!({"sub": user, "sid": "sess_1", "exp": 2_000_000_000});
        AuthState::SignedIn(crate::verify::decode::auth_from_json(payload).unwrap())
    }

    #[test]
    fn clerk_session_user_wins_over_explicit_key_and_ip() {
        let mut p = parts(&[], Some("10.0.0.1:5000"));
        p.extensions.insert(RateLimitKey("other".into()));
        p.extensions.insert(signed_in("user_2abc"));
        assert_eq!(RequestKey::new().key(&p).as_deref(), Some("user:user_2abc"));
    }

    #[test]
    fn signed_out_requests_fall_back_to_the_ip() {
        let mut p = parts(&[], Some("10.0.0.1:5000"));
        p.extensions
            .insert(AuthState::SignedOut(crate::state::SignedOutReason::NoToken));
        assert_eq!(RequestKey::new().key(&p).as_deref(), Some("ip:10.0.0.1"));
    }

    #[test]
    fn custom_user_function_wins_over_explicit_key_and_ip() {
        let user = RequestKey::new().user(|p: &Parts| {
            p.headers
                .get("x-test-user")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let mut p = parts(&[("x-test-user", "user_2abc")], Some("10.0.0.1:5000"));
        p.extensions.insert(RateLimitKey("other".into()));
        assert_eq!(user.key(&p).as_deref(), Some("user:user_2abc"));
        let signed_out = parts(&[], Some("10.0.0.1:5000"));
        assert_eq!(user.key(&signed_out).as_deref(), Some("ip:10.0.0.1"));
    }

    #[test]
    fn socket_peer_is_used_without_a_trusted_header() {
        let p = parts(&[("x-forwarded-for", "1.2.3.4")], Some("10.0.0.1:5000"));
        assert_eq!(RequestKey::new().key(&p).as_deref(), Some("ip:10.0.0.1"));
    }

    #[test]
    fn trusted_header_uses_the_entry_the_proxy_appended() {
        let p = parts(
            &[("x-forwarded-for", "6.6.6.6, 1.2.3.4")],
            Some("10.0.0.1:5000"),
        );
        assert_eq!(xff(1).key(&p).as_deref(), Some("ip:1.2.3.4"));
        assert_eq!(xff(2).key(&p).as_deref(), Some("ip:6.6.6.6"));
    }

    #[test]
    fn short_or_garbage_header_falls_back_to_the_peer() {
        let p = parts(&[("x-forwarded-for", "1.2.3.4")], Some("10.0.0.1:5000"));
        assert_eq!(xff(2).key(&p).as_deref(), Some("ip:10.0.0.1"));
        let p = parts(&[("x-forwarded-for", "not-an-ip")], Some("10.0.0.1:5000"));
        assert_eq!(xff(1).key(&p).as_deref(), Some("ip:10.0.0.1"));
    }

    #[test]
    fn ipv6_clients_share_their_64_block() {
        let a = parts(&[], Some("[2001:db8:1:2:aaaa::1]:443"));
        let b = parts(&[], Some("[2001:db8:1:2:bbbb::9]:443"));
        assert_eq!(
            RequestKey::new().key(&a).as_deref(),
            Some("ip:2001:db8:1:2::/64")
        );
        assert_eq!(RequestKey::new().key(&a), RequestKey::new().key(&b));
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let p = parts(&[], Some("[::ffff:1.2.3.4]:443"));
        assert_eq!(RequestKey::new().key(&p).as_deref(), Some("ip:1.2.3.4"));
    }

    #[test]
    fn no_key_without_extension_or_peer() {
        assert_eq!(RequestKey::new().key(&parts(&[], None)), None);
    }
}
