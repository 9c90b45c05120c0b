//! Rate-limit answers: 429 with `Retry-After`, 503 when the store is down, and
//! the `RateLimit-*` headers (IETF draft-ietf-httpapi-ratelimit-headers, the
//! widely deployed separate-field form).

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::Decision;
use crate::reason;

const LIMITED_BODY: &str = r#"{"error":"rate_limited","reason":"rate-limit-exceeded"}"#;
const UNAVAILABLE_BODY: &str = r#"{"error":"unavailable","reason":"rate-limit-store-unavailable"}"#;

static RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
static RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
static RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
static RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// Why a request was not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitRejection {
    /// Over the limit: `429 Too Many Requests`, `Retry-After`, `RateLimit-*`
    /// headers, body `{"error":"rate_limited","reason":"rate-limit-exceeded"}`.
    #[error("rate limit {} exceeded", .0.limit)]
    Limited(Decision),
    /// The store failed in [`FailMode::Closed`](super::FailMode::Closed):
    /// `503 Service Unavailable`, body
    /// `{"error":"unavailable","reason":"rate-limit-store-unavailable"}`.
    #[error("the rate-limit store is unavailable")]
    Unavailable,
}

impl RateLimitRejection {
    /// The machine-readable reason in the JSON body.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Limited(_) => reason::RATE_LIMIT_EXCEEDED,
            Self::Unavailable => reason::RATE_LIMIT_STORE_UNAVAILABLE,
        }
    }
}

impl RateLimitRejection {
    /// `429 Too Many Requests` or `503 Service Unavailable`.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for RateLimitRejection {
    fn into_response(self) -> Response {
        let body = match self {
            Self::Limited(_) => LIMITED_BODY,
            Self::Unavailable => UNAVAILABLE_BODY,
        };
        let status = self.status();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Self::Limited(decision) = self {
            insert_headers(&decision, headers);
        }
        response
    }
}

/// Writes `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`,
/// `RateLimit-Policy` (`10;w=10`) and, when refused, `Retry-After`.
///
/// Times are whole seconds rounded up (a client that waits the advertised time
/// is never early); sub-second windows advertise `w=1`.
pub fn insert_headers(decision: &Decision, headers: &mut HeaderMap) {
    let limit = decision.limit;
    headers.insert(RATELIMIT_LIMIT.clone(), limit.requests().into());
    headers.insert(RATELIMIT_REMAINING.clone(), decision.remaining.into());
    headers.insert(
        RATELIMIT_RESET.clone(),
        ceil_secs(decision.reset_after).into(),
    );
    let policy = format!(
        "{};w={}",
        limit.requests(),
        ceil_secs(limit.window()).max(1)
    );
    // Digits, `;` and `=` only: always a valid header value.
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(RATELIMIT_POLICY.clone(), policy);
    }
    if let Some(retry) = decision.retry_after {
        headers.insert(RETRY_AFTER, ceil_secs(retry).max(1).into());
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::RateLimit;

    fn refused() -> Decision {
        Decision {
            allowed: false,
            limit: RateLimit::parse("10/10s").unwrap(),
            remaining: 0,
            reset_after: Duration::from_millis(15_200),
            retry_after: Some(Duration::from_millis(1_001)),
        }
    }

    fn header<'a>(response: &'a Response, name: &str) -> &'a str {
        response.headers()[name].to_str().unwrap()
    }

    #[test]
    fn limited_is_429_with_headers_rounded_up() {
        let response = RateLimitRejection::Limited(refused()).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(header(&response, "retry-after"), "2");
        assert_eq!(header(&response, "ratelimit-limit"), "10");
        assert_eq!(header(&response, "ratelimit-remaining"), "0");
        assert_eq!(header(&response, "ratelimit-reset"), "16");
        assert_eq!(header(&response, "ratelimit-policy"), "10;w=10");
        assert_eq!(header(&response, "content-type"), "application/json");
    }

    #[tokio::test]
    async fn limited_body_names_the_reason() {
        let response = RateLimitRejection::Limited(refused()).into_response();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], LIMITED_BODY.as_bytes());
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "rate_limited");
        assert_eq!(json["reason"], "rate-limit-exceeded");
    }

    #[tokio::test]
    async fn unavailable_is_503_without_rate_limit_headers() {
        let response = RateLimitRejection::Unavailable.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get("ratelimit-limit").is_none());
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "unavailable");
        assert_eq!(json["reason"], "rate-limit-store-unavailable");
    }

    #[test]
    fn sub_second_windows_advertise_at_least_one_second() {
        let mut headers = HeaderMap::new();
        let decision = Decision {
            allowed: true,
            limit: RateLimit::parse("5/500ms").unwrap(),
            remaining: 4,
            reset_after: Duration::from_millis(700),
            retry_after: None,
        };
        insert_headers(&decision, &mut headers);
        assert_eq!(headers["ratelimit-policy"], "5;w=1");
        assert_eq!(headers["ratelimit-reset"], "1");
        assert!(headers.get("retry-after").is_none());
    }
}
