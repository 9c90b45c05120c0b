//! Clerk webhooks, verified and typed.
//!
//! Clerk sends webhooks through Svix, signed per the Standard Webhooks
//! scheme. [`ClerkWebhook`] verifies a delivery before the handler runs:
//!
//! - the signature ([`signature`]): HMAC-SHA256 of `{id}.{timestamp}.{body}`
//!   with the endpoint's `whsec_` secret, any of several `v1,` entries
//!   (secret rotation), compared in constant time; `svix-*` headers, else
//!   `webhook-*`;
//! - the timestamp: at most [`TOLERANCE_SECS`] (5 min) off, both ways;
//! - the message id: a delivery seen within that window is a replay (409);
//! - the size: at most [`DEFAULT_MAX_BODY_BYTES`] by default (413);
//!
//! then parses the body into [`WebhookEvent`] (typed user, session,
//! organization and membership payloads, [`EventData::Other`] for the rest).
//! Failures answer `401 invalid-signature | timestamp-too-old |
//! timestamp-too-new` or `400 missing-header | invalid-header |
//! invalid-timestamp | invalid-payload` with a JSON reason.
//!
//! Revocation: [`WebhookEvent::revoke_in`] applies `session.ended`,
//! `session.removed`, `session.revoked` and `user.deleted` to the verifier,
//! so the next request with such a token gets `401 session-revoked`; with a
//! [`revocation::redis::Revocations`](crate::revocation) hub, on every
//! instance.
//!
//! Differences from `@clerk/backend`'s `verifyWebhook`: the `webhook-*`
//! headers are accepted too (as the Svix libraries do), the timestamp must
//! be digits only (as Svix's Rust library), replays are refused, and the
//! envelope keeps `timestamp` and `instance_id`.

mod event;
mod extract;
mod replay;
pub mod signature;
mod verifier;

pub use event::{
    DeletedObject, EmailAddress, EventAttributes, EventData, HttpRequest, Organization,
    OrganizationMembership, PublicUserData, SessionEvent, User, WebhookEvent,
};
pub use extract::{ClerkWebhook, WebhookRejection};
pub use replay::DEFAULT_REPLAY_CAPACITY;
pub use signature::{SecretError, SignatureError, TOLERANCE_SECS, VerifiedDelivery, WebhookSecret};
pub use verifier::{
    DEFAULT_MAX_BODY_BYTES, SIGNING_SECRET_ENV, WebhookConfigError, WebhookVerifier,
    WebhookVerifierBuilder,
};
