//! Starting a handshake: eligibility (§4.1), the loop counter (§4.2) and the
//! Frontend API redirect URL with its query parameters in Clerk's order (§5).

use url::Url;

use super::config::{InstanceType, SessionConfig};
use super::js;
use super::names::{cookie, query, value};
use super::request::SessionRequest;

/// `isRequestEligibleForHandshake`: a GET with `Sec-Fetch-Dest` `document`
/// or `iframe`, or without `Sec-Fetch-Dest` and an `Accept` starting with
/// `text/html`.
pub fn is_eligible(req: &SessionRequest) -> bool {
    if !req.is_get() {
        return false;
    }
    match req.sec_fetch_dest.as_deref() {
        Some("document" | "iframe") => true,
        Some(_) => false,
        None => req
            .accept
            .as_deref()
            .is_some_and(|a| a.starts_with("text/html")),
    }
}

/// `checkAndTrackRedirectLoop`: `None` when the counter is exactly 3 (a
/// loop), else the counter cookie to set (`counter + 1`).
pub fn next_redirect_count_cookie(counter: f64) -> Option<String> {
    #[allow(clippy::float_cmp)] // Clerk compares with `=== 3`; "3.0" and "0x3" are exactly 3.0
    if counter == value::REDIRECT_LOOP_LIMIT {
        return None;
    }
    Some(format!(
        "{}={}; {}",
        cookie::REDIRECT_COUNT,
        js::number_to_string(counter + 1.0),
        value::REDIRECT_COUNT_ATTRIBUTES
    ))
}

/// `url` with every pair named in `names` removed and the query re-serialised
/// as `URLSearchParams.delete` does (an empty query drops the `?`; the
/// fragment stays).
pub fn without_params(url: &Url, names: &[&str]) -> Url {
    let mut out = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !names.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    set_pairs(&mut out, &kept);
    out
}

/// Replace the query of `url` by `pairs`, form-urlencoded; none → no `?`.
pub(crate) fn set_pairs(url: &mut Url, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        url.set_query(None);
        return;
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    url.set_query(Some(&query));
}

/// The handshake `Location` (`buildRedirectToHandshake`, §5). `None` only
/// when the Frontend API does not form a URL (a validated config always does).
pub fn redirect_url(req: &SessionRequest, config: &SessionConfig, reason: &str) -> Option<String> {
    let frontend_api = config.frontend_api(&req.origin_of_url());
    let base = if frontend_api.starts_with("http") {
        frontend_api
    } else {
        format!("https://{frontend_api}")
    };
    let base = format!("{}/", base.trim_end_matches('/'));
    let mut url = Url::parse(&base).ok()?.join(value::HANDSHAKE_PATH).ok()?;
    let back = without_params(&req.url, &[query::DEV_BROWSER, query::LEGACY_DEV_BROWSER]);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair(query::REDIRECT_URL, back.as_str());
        q.append_pair(query::API_VERSION, value::API_VERSION);
        q.append_pair(
            query::SUFFIXED_COOKIES,
            if req.uses_suffixed_cookies {
                "true"
            } else {
                "false"
            },
        );
        q.append_pair(query::HANDSHAKE_REASON, reason);
        q.append_pair(query::HANDSHAKE_FORMAT, value::FORMAT_NONCE);
        if let Some(token) = req.session_token() {
            q.append_pair(query::SESSION, token);
        }
        let dev = config.instance_type() == InstanceType::Development;
        if let Some(db) = req.dev_browser_token.as_deref().filter(|_| dev) {
            q.append_pair(query::DEV_BROWSER, db);
        }
    }
    Some(url.into())
}

/// C3's `Location`: the primary's sign-in URL with `__clerk_redirect_url`
/// appended (§5.1).
pub fn satellite_sync_url(req: &SessionRequest, config: &SessionConfig) -> Option<String> {
    let mut url = Url::parse(config.sign_in_url()?).ok()?;
    url.query_pairs_mut()
        .append_pair(query::CLERK_REDIRECT_URL, req.url.as_str());
    Some(url.into())
}

/// C4's `Location`: the satellite's URL with `__clerk_db_jwt` appended (when
/// there is a token) and `__clerk_synced` set to `true` (§5.1).
pub fn primary_sync_url(redirect: &str, dev_browser_token: Option<&str>) -> Option<String> {
    let mut url = Url::parse(redirect).ok()?;
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Some(db) = dev_browser_token {
        pairs.push((query::DEV_BROWSER.to_owned(), db.to_owned()));
    }
    // URLSearchParams.set: replace the first in place, drop the others, or append.
    let synced = (
        query::CLERK_SYNCED.to_owned(),
        value::SYNC_COMPLETED.to_owned(),
    );
    match pairs.iter().position(|(k, _)| k == query::CLERK_SYNCED) {
        Some(first) => {
            pairs[first] = synced;
            let mut i = 0;
            pairs.retain(|(k, _)| {
                i += 1;
                i - 1 == first || k != query::CLERK_SYNCED
            });
        }
        None => pairs.push(synced),
    }
    set_pairs(&mut url, &pairs);
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
    const PK_TEST: &str = "pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA";

    fn req(
        config: &SessionConfig,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> SessionRequest {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let parts = b.body(()).unwrap().into_parts().0;
        SessionRequest::from_parts(&parts, config, 1_700_000_000)
    }

    fn live() -> SessionConfig {
        SessionConfig::builder(PK_LIVE).build().unwrap()
    }

    fn params(location: &str) -> (String, Vec<(String, String)>) {
        let u = Url::parse(location).unwrap();
        let pairs = u
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        (
            format!("{}{}", u.origin().ascii_serialization(), u.path()),
            pairs,
        )
    }

    #[test]
    fn document_and_iframe_gets_are_eligible() {
        let c = live();
        for dest in ["document", "iframe"] {
            assert!(is_eligible(&req(
                &c,
                "GET",
                "https://a.example/",
                &[("sec-fetch-dest", dest)]
            )));
        }
    }

    #[test]
    fn html_accept_without_fetch_dest_is_eligible() {
        let c = live();
        assert!(is_eligible(&req(
            &c,
            "GET",
            "https://a.example/",
            &[("accept", "text/html,*/*")]
        )));
        assert!(!is_eligible(&req(
            &c,
            "GET",
            "https://a.example/",
            &[("accept", "*/*, text/html")]
        )));
    }

    #[test]
    fn other_destinations_and_methods_are_not_eligible() {
        let c = live();
        assert!(!is_eligible(&req(
            &c,
            "GET",
            "https://a.example/",
            &[("sec-fetch-dest", "image"), ("accept", "image/png")]
        )));
        assert!(!is_eligible(&req(
            &c,
            "GET",
            "https://a.example/",
            &[("sec-fetch-dest", "empty"), ("accept", "text/html")]
        )));
        for m in ["POST", "PUT"] {
            assert!(!is_eligible(&req(
                &c,
                m,
                "https://a.example/",
                &[("sec-fetch-dest", "document")]
            )));
        }
        assert!(!is_eligible(&req(
            &c,
            "POST",
            "https://a.example/",
            &[("accept", "text/html")]
        )));
    }

    #[test]
    fn loop_counter_counts_up_and_stops_at_exactly_three() {
        assert_eq!(
            next_redirect_count_cookie(0.0).as_deref(),
            Some("__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2")
        );
        assert_eq!(
            next_redirect_count_cookie(2.0).as_deref(),
            Some("__clerk_redirect_count=3; SameSite=Lax; HttpOnly; Max-Age=2")
        );
        assert_eq!(next_redirect_count_cookie(3.0), None);
        assert_eq!(
            next_redirect_count_cookie(4.0).as_deref(),
            Some("__clerk_redirect_count=5; SameSite=Lax; HttpOnly; Max-Age=2")
        );
    }

    #[test]
    fn loop_counter_cookie_is_read_with_js_number() {
        let c = live();
        for (raw, n) in [
            ("3.0", 3.0),
            ("0x3", 3.0),
            (" 3 ", 3.0),
            ("abc", 0.0),
            ("4", 4.0),
        ] {
            let cookie = format!("__clerk_redirect_count={raw}");
            let r = req(&c, "GET", "https://a.example/", &[("cookie", &cookie)]);
            assert_eq!(r.redirect_loop_counter, n, "{raw}");
        }
    }

    #[test]
    fn handshake_url_has_clerks_parameters_in_order() {
        let c = live();
        let r = req(
            &c,
            "GET",
            "https://app.example.com/dashboard?x=1",
            &[("cookie", "__session=tok; __client_uat=5")],
        );
        let loc = redirect_url(&r, &c, "test-reason").unwrap();
        let (base, pairs) = params(&loc);
        assert_eq!(base, "https://clerk.example.com/v1/client/handshake");
        let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "redirect_url",
                "__clerk_api_version",
                "suffixed_cookies",
                "__clerk_hs_reason",
                "format",
                "__session"
            ]
        );
        assert_eq!(pairs[0].1, "https://app.example.com/dashboard?x=1");
        assert_eq!(pairs[1].1, "2026-05-12");
        assert_eq!(pairs[2].1, "false");
        assert_eq!(pairs[3].1, "test-reason");
        assert_eq!(pairs[4].1, "nonce");
        assert_eq!(pairs[5].1, "tok");
    }

    #[test]
    fn handshake_url_carries_the_dev_browser_token_on_development_only() {
        let dev = SessionConfig::builder(PK_TEST).build().unwrap();
        let r = req(
            &dev,
            "GET",
            "http://example.com/path",
            &[("cookie", "__clerk_db_jwt=dev-token")],
        );
        let (_, pairs) = params(&redirect_url(&r, &dev, "x").unwrap());
        assert!(pairs.contains(&("__clerk_db_jwt".into(), "dev-token".into())));
        let c = live();
        let r = req(
            &c,
            "GET",
            "http://example.com/path",
            &[("cookie", "__clerk_db_jwt=dev-token")],
        );
        let (_, pairs) = params(&redirect_url(&r, &c, "x").unwrap());
        assert!(!pairs.iter().any(|(k, _)| k == "__clerk_db_jwt"));
    }

    #[test]
    fn proxy_url_keeps_its_path_without_double_slashes() {
        for proxy in [
            "https://my-proxy.example.com",
            "https://my-proxy.example.com/",
            "https://my-proxy.example.com///",
        ] {
            let c = SessionConfig::builder(PK_LIVE)
                .proxy_url(proxy)
                .build()
                .unwrap();
            let r = req(&c, "GET", "https://example.com/", &[]);
            let (base, _) = params(&redirect_url(&r, &c, "x").unwrap());
            assert_eq!(base, "https://my-proxy.example.com/v1/client/handshake");
        }
        let c = SessionConfig::builder(PK_LIVE)
            .proxy_url("https://example.com/clerk-proxy//")
            .build()
            .unwrap();
        let r = req(&c, "GET", "https://example.com/", &[]);
        let (base, _) = params(&redirect_url(&r, &c, "x").unwrap());
        assert_eq!(base, "https://example.com/clerk-proxy/v1/client/handshake");
    }

    #[test]
    fn relative_proxy_resolves_against_the_public_origin() {
        let c = SessionConfig::builder(PK_LIVE)
            .proxy_url("/__clerk")
            .build()
            .unwrap();
        let r = req(
            &c,
            "GET",
            "/p",
            &[("host", "app.example.com"), ("x-forwarded-proto", "https")],
        );
        let (base, _) = params(&redirect_url(&r, &c, "x").unwrap());
        assert_eq!(base, "https://app.example.com/__clerk/v1/client/handshake");
    }

    #[test]
    fn redirect_url_drops_dev_browser_params_and_reserialises() {
        let c = live();
        let mut r = req(&c, "GET", "https://example.com/", &[]);
        // A server never sees a fragment (http::Uri drops it); Clerk keeps one if the URL has it.
        r.url = Url::parse(
            "https://example.com/p?q=hello%20world&__clerk_db_jwt=x&__dev_session=y&flag#frag",
        )
        .unwrap();
        let loc = redirect_url(&r, &c, "x").unwrap();
        let (_, pairs) = params(&loc);
        assert_eq!(pairs[0].1, "https://example.com/p?q=hello+world&flag=#frag");
        assert!(loc.contains(
            "redirect_url=https%3A%2F%2Fexample.com%2Fp%3Fq%3Dhello%2Bworld%26flag%3D%23frag&"
        ));
    }

    #[test]
    fn primary_sync_url_appends_db_jwt_then_sets_synced() {
        assert_eq!(
            primary_sync_url("http://localhost:3000", None).as_deref(),
            Some("http://localhost:3000/?__clerk_synced=true")
        );
        assert_eq!(
            primary_sync_url("http://localhost:3001/dashboard", Some("jwt")).as_deref(),
            Some("http://localhost:3001/dashboard?__clerk_db_jwt=jwt&__clerk_synced=true")
        );
        assert_eq!(
            primary_sync_url(
                "http://localhost:3001/dashboard?__clerk_synced=false&a=1&__clerk_synced=x",
                Some("jwt")
            )
            .as_deref(),
            Some("http://localhost:3001/dashboard?__clerk_synced=true&a=1&__clerk_db_jwt=jwt")
        );
        assert_eq!(primary_sync_url("not a url", None), None);
    }

    #[test]
    fn satellite_sync_url_goes_to_the_primary_sign_in() {
        let dev = SessionConfig::builder(PK_TEST)
            .satellite(true)
            .domain("satellite.dev")
            .sign_in_url("https://primary.dev/sign-in")
            .build()
            .unwrap();
        let r = req(
            &dev,
            "GET",
            "http://clerk.com/path",
            &[("host", "example.com")],
        );
        assert_eq!(
            satellite_sync_url(&r, &dev).as_deref(),
            Some(
                "https://primary.dev/sign-in?__clerk_redirect_url=http%3A%2F%2Fexample.com%2Fpath"
            )
        );
    }
}
