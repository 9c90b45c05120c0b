//! The [`ClerkWebhook`] extractor and its [`WebhookRejection`].

use std::sync::OnceLock;

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::event::WebhookEvent;
use super::signature::{SignatureError, VerifiedDelivery};
use super::verifier::{WebhookConfigError, WebhookVerifier};

/// A verified Clerk webhook: the body parsed as `T` ([`WebhookEvent`] by
/// default; `serde_json::Value` or your own type also work) after its
/// signature, timestamp and message id were checked. A handler taking it
/// never runs for a forged, stale, replayed or oversized delivery.
///
/// The [`WebhookVerifier`] comes from a request extension
/// (`.layer(Extension(verifier))`), else from `CLERK_WEBHOOK_SIGNING_SECRET`
/// (read once per process).
///
/// ```
/// use axum::{Extension, Router, routing::post};
/// use clerk_runtime::webhook::{ClerkWebhook, WebhookVerifier};
/// use clerk_runtime::Verifier;
///
/// async fn clerk_webhook(
///     Extension(verifier): Extension<Verifier>,
///     webhook: ClerkWebhook,
/// ) -> &'static str {
///     // session.ended/removed/revoked and user.deleted: refused from the next request on.
///     webhook.event.revoke_in(&verifier);
///     "ok"
/// }
///
/// # fn app(verifier: Verifier) -> Result<Router, Box<dyn std::error::Error>> {
/// let app: Router = Router::new()
///     .route("/api/webhooks/clerk", post(clerk_webhook))
///     .layer(Extension(WebhookVerifier::from_env()?))
///     .layer(Extension(verifier));
/// # Ok(app) }
/// ```
#[derive(Debug, Clone)]
pub struct ClerkWebhook<T = WebhookEvent> {
    /// The parsed body.
    pub event: T,
    /// The delivery's message id and signed timestamp.
    pub delivery: VerifiedDelivery,
}

/// The process-wide verifier from `CLERK_WEBHOOK_SIGNING_SECRET`, when no
/// extension provides one.
fn env_verifier() -> Result<WebhookVerifier, WebhookConfigError> {
    static FROM_ENV: OnceLock<Result<WebhookVerifier, WebhookConfigError>> = OnceLock::new();
    FROM_ENV.get_or_init(WebhookVerifier::from_env).clone()
}

impl<S, T> FromRequest<S> for ClerkWebhook<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let verifier = match request.extensions().get::<WebhookVerifier>() {
            Some(verifier) => verifier.clone(),
            None => env_verifier().map_err(|e| {
                tracing::error!(error = %e, "clerk: ClerkWebhook has no signing secret");
                WebhookRejection::NotConfigured(e)
            })?,
        };
        let (parts, body) = request.into_parts();
        let body = read_limited(body, &parts.headers, verifier.max_body_bytes()).await?;
        let delivery = verifier.verify(&parts.headers, &body)?;
        let event = serde_json::from_slice(&body)
            .map_err(|e| WebhookRejection::InvalidPayload(e.to_string()))?;
        Ok(Self { event, delivery })
    }
}

/// The body, refused past `max` bytes before more than `max` are buffered.
async fn read_limited(
    body: Body,
    headers: &http::HeaderMap,
    max: usize,
) -> Result<Vec<u8>, WebhookRejection> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return Err(WebhookRejection::PayloadTooLarge { max });
    }
    let mut bytes = Vec::with_capacity(declared.map_or(0, |len| len as usize));
    let mut frames = body.into_data_stream();
    while let Some(frame) = frames.next().await {
        let frame = frame.map_err(|_| WebhookRejection::InvalidBody)?;
        if bytes.len() + frame.len() > max {
            return Err(WebhookRejection::PayloadTooLarge { max });
        }
        bytes.extend_from_slice(&frame);
    }
    Ok(bytes)
}

/// Why [`ClerkWebhook`] refused a delivery: `401` for a bad signature or a
/// stale timestamp, `400` for malformed headers or body, `409` for a
/// replayed message id, `413` for an oversized body, `500` when no secret is
/// configured. The JSON body names the reason:
/// `{"error": "invalid_webhook", "reason": "invalid-signature", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// Headers, timestamp or signature ([`SignatureError`]).
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// This message id was already delivered within the tolerance window.
    #[error("webhook message was already delivered")]
    Duplicate,
    /// The body is larger than the verifier's limit.
    #[error("webhook body is larger than {max} bytes")]
    PayloadTooLarge {
        /// The limit.
        max: usize,
    },
    /// The body could not be read.
    #[error("webhook body could not be read")]
    InvalidBody,
    /// The signed body is not the expected JSON.
    #[error("webhook payload is not a valid event: {0}")]
    InvalidPayload(String),
    /// No signing secret is configured (logged at error level).
    #[error(transparent)]
    NotConfigured(WebhookConfigError),
}

impl WebhookRejection {
    /// HTTP status of the rejection.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Signature(
                SignatureError::TimestampTooOld { .. }
                | SignatureError::TimestampTooNew { .. }
                | SignatureError::NoMatchingSignature,
            ) => StatusCode::UNAUTHORIZED,
            Self::Signature(_) | Self::InvalidBody | Self::InvalidPayload(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::Duplicate => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotConfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable reason string of the JSON body.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Signature(error) => match error {
                SignatureError::MissingHeader(_) => "missing-header",
                SignatureError::InvalidHeader(_) => "invalid-header",
                SignatureError::InvalidTimestamp => "invalid-timestamp",
                SignatureError::TimestampTooOld { .. } => "timestamp-too-old",
                SignatureError::TimestampTooNew { .. } => "timestamp-too-new",
                SignatureError::NoMatchingSignature => "invalid-signature",
            },
            Self::Duplicate => "duplicate-message",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::InvalidBody => "invalid-body",
            Self::InvalidPayload(_) => "invalid-payload",
            Self::NotConfigured(_) => "webhook-secret-missing",
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = if status.is_server_error() {
            // The configuration problem is in the log, not for the caller.
            json!({"error": "internal", "reason": self.reason()})
        } else {
            json!({"error": "invalid_webhook", "reason": self.reason(), "message": self.to_string()})
        };
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_kind_of_failure() {
        let cases = [
            (
                WebhookRejection::from(SignatureError::NoMatchingSignature),
                401,
            ),
            (
                SignatureError::TimestampTooOld {
                    timestamp: 0,
                    now: 999,
                }
                .into(),
                401,
            ),
            (
                SignatureError::TimestampTooNew {
                    timestamp: 999,
                    now: 0,
                }
                .into(),
                401,
            ),
            (SignatureError::MissingHeader("svix-id").into(), 400),
            (SignatureError::InvalidHeader("svix-id").into(), 400),
            (SignatureError::InvalidTimestamp.into(), 400),
            (WebhookRejection::InvalidPayload("x".into()), 400),
            (WebhookRejection::Duplicate, 409),
            (WebhookRejection::PayloadTooLarge { max: 1 }, 413),
            (
                WebhookRejection::NotConfigured(WebhookConfigError::MissingSecret),
                500,
            ),
        ];
        for (rejection, status) in cases {
            assert_eq!(rejection.status().as_u16(), status, "{rejection}");
        }
    }
}
