//! Svix / Standard Webhooks signatures, the way Clerk sends them: a pure
//! function of (secrets, headers, body, now).
//!
//! The signed content is `"{id}.{timestamp}.{body}"`, the MAC HMAC-SHA256
//! keyed with the base64-decoded secret (after its `whsec_` prefix), and the
//! signature header a space-separated list of `v1,<base64>` entries: one
//! matching entry suffices, so a header signed with the old and the new
//! secret during a rotation verifies with either. Other versions (`v2,...`)
//! and entries without a comma are skipped, as Svix does.
//!
//! Implemented here with `hmac` + `sha2` rather than the `svix` crate: that
//! crate has no verify-only feature and brings an HTTP client stack
//! (hyper, tokio, chrono, uuid, rand: ~100 crates) for these 60 lines.
//! The comparison is `Mac::verify_slice`: constant time, and a tag of the
//! wrong length (`v1,` or a prefix of the real one) never matches.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

/// Svix's message id header.
pub const SVIX_ID: &str = "svix-id";
/// Svix's timestamp header (unix seconds).
pub const SVIX_TIMESTAMP: &str = "svix-timestamp";
/// Svix's signature header.
pub const SVIX_SIGNATURE: &str = "svix-signature";
/// Standard Webhooks' (unbranded) message id header, read when `svix-id` is absent.
pub const WEBHOOK_ID: &str = "webhook-id";
/// Standard Webhooks' timestamp header, read when `svix-timestamp` is absent.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// Standard Webhooks' signature header, read when `svix-signature` is absent.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// Prefix of a Svix signing secret, stripped before base64 decoding.
pub const SECRET_PREFIX: &str = "whsec_";

/// The only signature version there is; entries of other versions are skipped.
pub const SIGNATURE_VERSION: &str = "v1";

/// Largest accepted distance between a message's timestamp and now, both
/// ways, in seconds: Svix's `TOLERANCE_IN_SECONDS` (exactly 300 s off is
/// accepted). Bounds how long a captured delivery can be replayed.
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// Longest accepted signature header: 64 entries of `v1,` + 44 base64
/// characters, far more than the two of a rotation. Bounds the work an
/// unsigned request can cause.
pub const MAX_SIGNATURE_HEADER_BYTES: usize = 64 * 48;

type HmacSha256 = Hmac<Sha256>;

/// A webhook signing secret (`whsec_...` from the Clerk Dashboard), decoded.
///
/// Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

impl WebhookSecret {
    /// Decodes `secret`: an optional `whsec_` prefix, then standard base64
    /// (as Svix and `@clerk/backend`). Surrounding whitespace is ignored.
    pub fn new(secret: &str) -> Result<Self, SecretError> {
        let secret = secret.trim();
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        Self::from_bytes(key)
    }

    /// A secret from its raw key bytes.
    pub fn from_bytes(key: Vec<u8>) -> Result<Self, SecretError> {
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self { key })
    }

    /// The `v1,<base64>` signature of a delivery, as Svix computes it (tests,
    /// local tools that send webhooks).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("{SIGNATURE_VERSION},{}", STANDARD.encode(tag))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length; `from_bytes` refused only the empty one.
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// Why a signing secret is unusable. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Empty after the `whsec_` prefix.
    #[error("the webhook signing secret is empty; copy it from the Clerk Dashboard (whsec_...)")]
    Empty,
    /// Not standard base64 after the `whsec_` prefix.
    #[error(
        "the webhook signing secret is not base64 after `whsec_`; copy it whole from the Clerk Dashboard"
    )]
    NotBase64,
}

/// The three signature headers of a delivery, trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureHeaders<'a> {
    /// Message id (`msg_...`): the same for every retry of one message.
    pub id: &'a str,
    /// Timestamp header as sent (unix seconds).
    pub timestamp: &'a str,
    /// Signature list (`v1,<base64> v1,<base64>`).
    pub signature: &'a str,
}

impl<'a> SignatureHeaders<'a> {
    /// Reads each header as `svix-*`, else `webhook-*` (per header, as the
    /// Svix library does). Empty or whitespace counts as missing.
    pub fn from_headers(headers: &'a HeaderMap) -> Result<Self, SignatureError> {
        let read = |svix: &'static str, standard: &'static str| {
            let value = headers.get(svix).or_else(|| headers.get(standard));
            let value = value.ok_or(SignatureError::MissingHeader(svix))?;
            let text = value
                .to_str()
                .map_err(|_| SignatureError::InvalidHeader(svix))?
                .trim();
            if text.is_empty() {
                return Err(SignatureError::MissingHeader(svix));
            }
            Ok(text)
        };
        Ok(Self {
            id: read(SVIX_ID, WEBHOOK_ID)?,
            timestamp: read(SVIX_TIMESTAMP, WEBHOOK_TIMESTAMP)?,
            signature: read(SVIX_SIGNATURE, WEBHOOK_SIGNATURE)?,
        })
    }
}

/// A delivery whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDelivery {
    /// Message id (`msg_...`).
    pub id: String,
    /// The signed timestamp (unix seconds).
    pub timestamp: i64,
}

/// Why a signature did not verify. Messages never contain the secret, the
/// signature or the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A required header is absent or empty (named by its `svix-*` name).
    #[error("missing webhook header {0} (or its webhook-* twin)")]
    MissingHeader(&'static str),
    /// A header is not visible ASCII, or the signature list is too long.
    #[error("webhook header {0} is malformed")]
    InvalidHeader(&'static str),
    /// The timestamp is not a non-negative integer.
    #[error("webhook timestamp is not a unix time in seconds")]
    InvalidTimestamp,
    /// Older than [`TOLERANCE_SECS`].
    #[error("webhook timestamp {timestamp} is more than {TOLERANCE_SECS} s old (now {now})")]
    TimestampTooOld {
        /// The message's timestamp.
        timestamp: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// Later than now plus [`TOLERANCE_SECS`].
    #[error(
        "webhook timestamp {timestamp} is more than {TOLERANCE_SECS} s in the future (now {now}); check the clock"
    )]
    TimestampTooNew {
        /// The message's timestamp.
        timestamp: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// No `v1` entry matches any configured secret.
    #[error("no webhook signature matches the signing secret")]
    NoMatchingSignature,
}

/// Verifies one delivery at `now` (unix seconds) against any of `secrets`
/// (the app's current secret, plus the previous one while rotating).
///
/// Order as in Svix: headers, timestamp format, tolerance, then signatures.
pub fn verify(
    secrets: &[WebhookSecret],
    headers: &SignatureHeaders<'_>,
    body: &[u8],
    now: i64,
) -> Result<VerifiedDelivery, SignatureError> {
    let timestamp = parse_timestamp(headers.timestamp)?;
    if timestamp.saturating_add(TOLERANCE_SECS) < now {
        return Err(SignatureError::TimestampTooOld { timestamp, now });
    }
    if timestamp > now.saturating_add(TOLERANCE_SECS) {
        return Err(SignatureError::TimestampTooNew { timestamp, now });
    }
    verify_signature(secrets, headers, timestamp, body)?;
    Ok(VerifiedDelivery {
        id: headers.id.to_owned(),
        timestamp,
    })
}

/// The signature check alone (no tolerance), for re-checking stored
/// deliveries; a live endpoint uses [`verify`].
pub fn verify_signature(
    secrets: &[WebhookSecret],
    headers: &SignatureHeaders<'_>,
    timestamp: i64,
    body: &[u8],
) -> Result<(), SignatureError> {
    if headers.signature.len() > MAX_SIGNATURE_HEADER_BYTES {
        return Err(SignatureError::InvalidHeader(SVIX_SIGNATURE));
    }
    let candidates: Vec<Vec<u8>> = headers
        .signature
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == SIGNATURE_VERSION)
        .filter_map(|(_, encoded)| STANDARD.decode(encoded).ok())
        .collect();
    for secret in secrets {
        let mac = secret.mac(headers.id, timestamp, body);
        // Every candidate is compared, matching or not: the time taken
        // depends on the number of entries only.
        let mut matched = false;
        for candidate in &candidates {
            matched |= mac.clone().verify_slice(candidate).is_ok();
        }
        if matched {
            return Ok(());
        }
    }
    Err(SignatureError::NoMatchingSignature)
}

fn parse_timestamp(text: &str) -> Result<i64, SignatureError> {
    // Strict, as Svix's Rust library: digits only (no sign, no fraction).
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::InvalidTimestamp);
    }
    text.parse().map_err(|_| SignatureError::InvalidTimestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// svix `rust/src/webhooks.rs::test_sign` (machine-webhooks doc B.2).
    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const TS: i64 = 1649367553;
    const BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;
    const SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    fn secrets(secret: &str) -> Vec<WebhookSecret> {
        vec![WebhookSecret::new(secret).unwrap()]
    }

    fn headers<'a>(timestamp: &'a str, signature: &'a str) -> SignatureHeaders<'a> {
        SignatureHeaders {
            id: ID,
            timestamp,
            signature,
        }
    }

    fn check(signature: &str) -> Result<VerifiedDelivery, SignatureError> {
        verify(
            &secrets(SECRET),
            &headers(&TS.to_string(), signature),
            BODY.as_bytes(),
            TS,
        )
    }

    #[test]
    fn svix_rust_vector_signs_and_verifies() {
        let secret = WebhookSecret::new(SECRET).unwrap();
        assert_eq!(secret.sign(ID, TS, BODY.as_bytes()), SIGNATURE);
        assert_eq!(check(SIGNATURE).unwrap().id, ID);
    }

    #[test]
    fn svix_js_vector_signs_and_verifies() {
        let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let (id, ts, body) = (
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assert_eq!(secret.sign(id, ts, body.as_bytes()), expected);
        let headers = SignatureHeaders {
            id,
            timestamp: "1614265330",
            signature: expected,
        };
        verify(&[secret], &headers, body.as_bytes(), ts).unwrap();
    }

    #[test]
    fn clerk_test_secret_vector_verifies() {
        let secret =
            WebhookSecret::new("whsec_dGVzdF9zaWduaW5nX3NlY3JldF8zMl9jaGFyc19sb25n").unwrap();
        let body = r#"{"type":"user.created","data":{"id":"user_123"}}"#;
        assert_eq!(
            secret.sign("msg_123", 1654012591, body.as_bytes()),
            "v1,tnaU5Lnr0fWQSyfEC1MTT6gxsrNioknamMh+FysmCSM="
        );
    }

    #[test]
    fn known_bad_signatures_are_rejected() {
        for bad in [
            "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
            "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ=",
            "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=",
            "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=",
        ] {
            assert_eq!(
                check(bad),
                Err(SignatureError::NoMatchingSignature),
                "{bad}"
            );
        }
    }

    #[test]
    fn partial_signatures_are_rejected() {
        assert_eq!(check("v1,"), Err(SignatureError::NoMatchingSignature));
        assert_eq!(
            check(&SIGNATURE[..8]),
            Err(SignatureError::NoMatchingSignature)
        );
        // A prefix that is still valid base64 (24 of 32 bytes).
        assert_eq!(
            check("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPe"),
            Err(SignatureError::NoMatchingSignature)
        );
    }

    #[test]
    fn tampered_body_is_rejected() {
        let tampered = BODY.replace("test_user", "admin");
        let result = verify(
            &secrets(SECRET),
            &headers(&TS.to_string(), SIGNATURE),
            tampered.as_bytes(),
            TS,
        );
        assert_eq!(result, Err(SignatureError::NoMatchingSignature));
    }

    #[test]
    fn wrong_secret_is_rejected() {
        let result = verify(
            &secrets("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            &headers(&TS.to_string(), SIGNATURE),
            BODY.as_bytes(),
            TS,
        );
        assert_eq!(result, Err(SignatureError::NoMatchingSignature));
    }

    #[test]
    fn one_valid_entry_among_several_suffices() {
        let bad = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=";
        assert!(check(&format!("{bad} {bad} {SIGNATURE} {bad}")).is_ok());
        assert_eq!(
            check(&format!("{bad} {bad} {bad}")),
            Err(SignatureError::NoMatchingSignature)
        );
    }

    #[test]
    fn other_versions_and_entries_without_comma_are_ignored() {
        let v2 = SIGNATURE.replacen("v1,", "v2,", 1);
        assert_eq!(check(&v2), Err(SignatureError::NoMatchingSignature));
        assert!(check(&format!("{v2} garbage {SIGNATURE}")).is_ok());
    }

    #[test]
    fn either_configured_secret_verifies_during_rotation() {
        let mut both = secrets("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        both.extend(secrets(SECRET));
        let result = verify(
            &both,
            &headers(&TS.to_string(), SIGNATURE),
            BODY.as_bytes(),
            TS,
        );
        assert!(result.is_ok());
    }

    #[test]
    fn timestamps_within_five_minutes_either_way_are_accepted() {
        let ts = TS.to_string();
        let h = headers(&ts, SIGNATURE);
        for now in [TS - TOLERANCE_SECS, TS + TOLERANCE_SECS] {
            assert!(verify(&secrets(SECRET), &h, BODY.as_bytes(), now).is_ok());
        }
    }

    #[test]
    fn old_timestamp_is_rejected_before_the_signature_is_checked() {
        let ts = TS.to_string();
        let result = verify(
            &secrets(SECRET),
            &headers(&ts, SIGNATURE),
            BODY.as_bytes(),
            TS + 301,
        );
        assert!(matches!(
            result,
            Err(SignatureError::TimestampTooOld { .. })
        ));
        // Even with a bad signature the answer is about time.
        let result = verify(
            &secrets(SECRET),
            &headers(&ts, "v1,AAAA"),
            BODY.as_bytes(),
            TS + 301,
        );
        assert!(matches!(
            result,
            Err(SignatureError::TimestampTooOld { .. })
        ));
    }

    #[test]
    fn future_timestamp_is_rejected() {
        let ts = TS.to_string();
        let result = verify(
            &secrets(SECRET),
            &headers(&ts, SIGNATURE),
            BODY.as_bytes(),
            TS - 301,
        );
        assert!(matches!(
            result,
            Err(SignatureError::TimestampTooNew { .. })
        ));
    }

    #[test]
    fn signature_is_bound_to_the_timestamp() {
        let shifted = (TS + 1).to_string();
        let result = verify(
            &secrets(SECRET),
            &headers(&shifted, SIGNATURE),
            BODY.as_bytes(),
            TS,
        );
        assert_eq!(result, Err(SignatureError::NoMatchingSignature));
    }

    #[test]
    fn malformed_timestamps_are_rejected() {
        for bad in [
            "hello",
            "-1",
            "+1649367553",
            "1649367553.5",
            "99999999999999999999",
        ] {
            let result = verify(
                &secrets(SECRET),
                &headers(bad, SIGNATURE),
                BODY.as_bytes(),
                TS,
            );
            assert_eq!(result, Err(SignatureError::InvalidTimestamp), "{bad}");
        }
    }

    #[test]
    fn oversized_signature_header_is_malformed() {
        let long = format!("{SIGNATURE} ").repeat(100);
        assert_eq!(
            check(&long),
            Err(SignatureError::InvalidHeader(SVIX_SIGNATURE))
        );
    }

    #[test]
    fn secret_with_and_without_prefix_is_the_same_key() {
        let bare = WebhookSecret::new(&SECRET[SECRET_PREFIX.len()..]).unwrap();
        assert_eq!(bare.sign(ID, TS, BODY.as_bytes()), SIGNATURE);
    }

    #[test]
    fn empty_or_undecodable_secrets_are_refused() {
        assert_eq!(
            WebhookSecret::new("whsec_").unwrap_err(),
            SecretError::Empty
        );
        assert_eq!(WebhookSecret::new("").unwrap_err(), SecretError::Empty);
        assert_eq!(
            WebhookSecret::from_bytes(Vec::new()).unwrap_err(),
            SecretError::Empty
        );
        assert_eq!(
            WebhookSecret::new("whsec_not base64!").unwrap_err(),
            SecretError::NotBase64
        );
    }

    #[test]
    fn secret_debug_hides_the_key() {
        let secret = WebhookSecret::new(SECRET).unwrap();
        assert_eq!(format!("{secret:?}"), "WebhookSecret([redacted])");
    }

    #[test]
    fn svix_headers_are_read_then_webhook_headers() {
        let mut map = HeaderMap::new();
        map.insert(SVIX_ID, "msg_svix".parse().unwrap());
        map.insert(WEBHOOK_ID, "msg_std".parse().unwrap());
        map.insert(WEBHOOK_TIMESTAMP, " 123 ".parse().unwrap());
        map.insert(WEBHOOK_SIGNATURE, "v1,x".parse().unwrap());
        let read = SignatureHeaders::from_headers(&map).unwrap();
        assert_eq!(
            read,
            SignatureHeaders {
                id: "msg_svix",
                timestamp: "123",
                signature: "v1,x"
            }
        );
    }

    #[test]
    fn each_missing_header_is_named() {
        let full = || {
            let mut map = HeaderMap::new();
            map.insert(SVIX_ID, ID.parse().unwrap());
            map.insert(SVIX_TIMESTAMP, "1".parse().unwrap());
            map.insert(SVIX_SIGNATURE, SIGNATURE.parse().unwrap());
            map
        };
        for name in [SVIX_ID, SVIX_TIMESTAMP, SVIX_SIGNATURE] {
            let mut map = full();
            map.remove(name);
            assert_eq!(
                SignatureHeaders::from_headers(&map),
                Err(SignatureError::MissingHeader(name))
            );
            map.insert(name, "  ".parse().unwrap());
            assert_eq!(
                SignatureHeaders::from_headers(&map),
                Err(SignatureError::MissingHeader(name))
            );
        }
    }

    #[test]
    fn non_ascii_header_is_malformed() {
        let mut map = HeaderMap::new();
        map.insert(SVIX_ID, http::HeaderValue::from_bytes(b"msg_\xff").unwrap());
        assert_eq!(
            SignatureHeaders::from_headers(&map),
            Err(SignatureError::InvalidHeader(SVIX_ID))
        );
    }
}
