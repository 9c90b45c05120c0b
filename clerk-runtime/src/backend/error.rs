//! Errors of the Backend API boundary.

use std::fmt;
use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;

/// One entry of Clerk's error body `{"errors":[{"code","message","long_message"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ClerkApiError {
    /// Machine-readable code, e.g. `resource_not_found`.
    #[serde(default)]
    pub code: String,
    /// Short human-readable message.
    #[serde(default)]
    pub message: String,
    /// Longer explanation, when Clerk gives one.
    #[serde(default)]
    pub long_message: Option<String>,
}

impl fmt::Display for ClerkApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The error body Clerk sends with 4xx and 5xx responses.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) errors: Vec<ClerkApiError>,
}

/// Why a Backend API call failed.
///
/// Messages never contain the secret key: it is only ever written into the
/// `Authorization` header, and text echoed back by the server is scrubbed of it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The call was refused before anything was sent (empty id, limit out of
    /// range, bad base URL...). Fix the argument; retrying cannot help.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// 404: the user, session or template does not exist (or is not visible to
    /// this instance).
    #[error("Clerk Backend API: not found (404){}", summary(errors))]
    NotFound {
        /// Clerk's error list (usually `resource_not_found`).
        errors: Vec<ClerkApiError>,
    },
    /// 401: Clerk rejected the secret key. Check `CLERK_SECRET_KEY` belongs to
    /// this instance and has not been rolled.
    #[error("Clerk Backend API: secret key rejected (401){}", summary(errors))]
    Unauthorized {
        /// Clerk's error list.
        errors: Vec<ClerkApiError>,
    },
    /// 429, after retries ran out or when Clerk asked to wait longer than the
    /// retry policy allows.
    #[error("Clerk Backend API: rate limited (429){}{}", retry_hint(*retry_after), summary(errors))]
    RateLimited {
        /// Clerk's `Retry-After`, when sent in seconds.
        retry_after: Option<Duration>,
        /// Clerk's error list.
        errors: Vec<ClerkApiError>,
    },
    /// 5xx, after retries ran out.
    #[error("Clerk Backend API: server error ({status}){}", summary(errors))]
    Server {
        /// The HTTP status.
        status: StatusCode,
        /// Clerk's error list, if the body had one.
        errors: Vec<ClerkApiError>,
    },
    /// Any other non-success status (400, 403, 409, 422...): Clerk refused the
    /// request; the error list says why.
    #[error("Clerk Backend API: request refused ({status}){}", summary(errors))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// Clerk's error list.
        errors: Vec<ClerkApiError>,
    },
    /// No complete response within the configured timeout. Not retried: the
    /// timeout is the caller's latency budget.
    #[error("Clerk Backend API: timed out")]
    Timeout,
    /// The request could not be sent or the response not read (DNS, TLS,
    /// connection refused or reset).
    #[error("Clerk Backend API: transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// The response body was larger than
    /// [`MAX_RESPONSE_BYTES`](crate::backend::MAX_RESPONSE_BYTES); reading
    /// stopped at the limit (a misbehaving server or proxy cannot exhaust memory).
    #[error("Clerk Backend API: response body larger than {limit} bytes ({status})")]
    TooLarge {
        /// The HTTP status of the response.
        status: StatusCode,
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A success response whose body is not the expected JSON.
    #[error(
        "Clerk Backend API: unexpected response body ({status}): {message}; body starts with {snippet:?}"
    )]
    Decode {
        /// The HTTP status of the response.
        status: StatusCode,
        /// What the JSON decoder said.
        message: String,
        /// The start of the body (never headers), scrubbed of the secret key.
        snippet: String,
    },
}

fn summary(errors: &[ClerkApiError]) -> String {
    match errors.first() {
        Some(first) => format!(": {first}"),
        None => String::new(),
    }
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry after {} s", d.as_secs()),
        None => String::new(),
    }
}

impl BackendError {
    /// The HTTP status Clerk answered with, if a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Self::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            Self::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Self::Server { status, .. }
            | Self::Api { status, .. }
            | Self::Decode { status, .. }
            | Self::TooLarge { status, .. } => Some(*status),
            Self::InvalidArgument(_) | Self::Timeout | Self::Transport(_) => None,
        }
    }

    /// Clerk's error list (empty when the failure did not come from Clerk).
    pub fn errors(&self) -> &[ClerkApiError] {
        match self {
            Self::NotFound { errors }
            | Self::Unauthorized { errors }
            | Self::RateLimited { errors, .. }
            | Self::Server { errors, .. }
            | Self::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The code of Clerk's first error, e.g. `resource_not_found`.
    pub fn code(&self) -> Option<&str> {
        self.errors().first().map(|e| e.code.as_str())
    }

    /// Builds the error for a non-success status and its parsed body.
    pub(crate) fn from_status(
        status: StatusCode,
        errors: Vec<ClerkApiError>,
        retry_after: Option<Duration>,
    ) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound { errors },
            StatusCode::UNAUTHORIZED => Self::Unauthorized { errors },
            StatusCode::TOO_MANY_REQUESTS => Self::RateLimited {
                retry_after,
                errors,
            },
            s if s.is_server_error() => Self::Server { status, errors },
            _ => Self::Api { status, errors },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found() -> BackendError {
        BackendError::from_status(
            StatusCode::NOT_FOUND,
            vec![ClerkApiError {
                code: "resource_not_found".into(),
                message: "not found".into(),
                long_message: None,
            }],
            None,
        )
    }

    #[test]
    fn status_and_code_come_from_the_response() {
        let err = not_found();
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(err.code(), Some("resource_not_found"));
        assert!(err.to_string().contains("resource_not_found"));
    }

    #[test]
    fn statuses_map_to_their_variants() {
        let map =
            |s: u16| BackendError::from_status(StatusCode::from_u16(s).unwrap(), vec![], None);
        assert!(matches!(map(401), BackendError::Unauthorized { .. }));
        assert!(matches!(map(429), BackendError::RateLimited { .. }));
        assert!(matches!(map(503), BackendError::Server { .. }));
        assert!(matches!(map(422), BackendError::Api { .. }));
    }

    #[test]
    fn error_body_tolerates_missing_and_unknown_fields() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"errors":[{"code":"x","meta":{"a":1}}],"clerk_trace_id":"t"}"#,
        )
        .unwrap();
        assert_eq!(body.errors[0].code, "x");
        assert_eq!(body.errors[0].message, "");
    }
}
