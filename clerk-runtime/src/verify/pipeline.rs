//! The checks of one uncached verification, in order: parse → category →
//! `typ` → `alg` → key + signature → `sub` → `aud` → `azp` → times → `iss`.
//! Signature before any claim check, so a forged token learns nothing about
//! our claim rules.
//!
//! The pipeline tells a [`Trace`] which step it enters: `()` for
//! [`Verifier::verify`] (compiled away), a recorder for
//! [`Verifier::diagnose`](super::Verifier::diagnose), so a diagnosis is the
//! very checks a request gets, not a second copy of them.

use serde_json::Value;

use crate::auth::{Auth, AuthData};
use crate::error::VerifyError;
use crate::token::{self, TokenKind};

use super::decode::{RawClaims, StringClaim, Times};
use super::diagnose::Step;
use super::keys::VerifyingKey;
use super::{Keys, Verifier};

/// Told of each step as the pipeline enters it; a step that returns an
/// error is the last one entered.
pub(super) trait Trace {
    /// The pipeline starts `step`.
    fn enter(&mut self, step: Step);
    /// `step` is not configured on this verifier (no audience, no
    /// authorized parties, no issuer) and is not checked.
    fn skip(&mut self, step: Step);
}

/// No tracing: the request path.
impl Trace for () {
    #[inline(always)]
    fn enter(&mut self, _: Step) {}
    #[inline(always)]
    fn skip(&mut self, _: Step) {}
}

impl Verifier {
    pub(super) async fn verify_uncached(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Verified, VerifyError> {
        self.run_checks(token, now, &mut ()).await
    }

    /// [`Verifier::verify_uncached`] without waiting: `None` when the key
    /// must first be fetched (a JWKS refresh), so only the async path awaits.
    pub(super) fn verify_uncached_now(
        &self,
        token: &str,
        now: i64,
    ) -> Option<Result<Verified, VerifyError>> {
        let trace = &mut ();
        let decoded = match self.parse(token, trace) {
            Ok(decoded) => decoded,
            Err(error) => return Some(Err(error)),
        };
        let raw = serde_json::from_str(&decoded.payload);
        if let Err(error) = self.check_header(&decoded, &raw, trace) {
            return Some(Err(error));
        }
        let key = match &self.inner.keys {
            Keys::Static(key) => Ok(key.clone()),
            Keys::Remote(remote) => remote.key_now(decoded.header.kid.as_deref())?,
        };
        let checked = key.and_then(|key| self.check_claims(&decoded, raw, &key, now, trace));
        Some(checked.map(|checked| checked.with_payload(decoded.payload)))
    }

    /// The checks in order, telling `trace` of each step.
    pub(super) async fn run_checks<T: Trace + Send>(
        &self,
        token: &str,
        now: i64,
        trace: &mut T,
    ) -> Result<Verified, VerifyError> {
        let decoded = self.parse(token, trace)?;
        // Deserialized once; a type error is reported only after the
        // signature check (no unsigned-input oracle).
        let raw = serde_json::from_str(&decoded.payload);
        self.check_header(&decoded, &raw, trace)?;
        let key = match &self.inner.keys {
            Keys::Static(key) => key.clone(),
            // Boxed: the fetch's future is large and rarely needed; unboxed
            // it would size every verification's future.
            Keys::Remote(remote) => Box::pin(remote.key(decoded.header.kid.as_deref())).await?,
        };
        let checked = self.check_claims(&decoded, raw, &key, now, trace)?;
        Ok(checked.with_payload(decoded.payload))
    }

    /// 1. Shape.
    fn parse<'t>(
        &self,
        token: &'t str,
        trace: &mut impl Trace,
    ) -> Result<token::Decoded<'t>, VerifyError> {
        trace.enter(Step::Parse);
        token::decode(token)
    }

    /// 2-4. What the header and the unsigned claims' shape allow before any
    /// key is touched.
    fn check_header(
        &self,
        decoded: &token::Decoded<'_>,
        raw: &Result<RawClaims<'_>, serde_json::Error>,
        trace: &mut impl Trace,
    ) -> Result<(), VerifyError> {
        let inner = &*self.inner;
        let sub = raw
            .as_ref()
            .ok()
            .and_then(|r| r.sub.as_ref())
            .and_then(StringClaim::as_str);
        // 2. Category: exact codes, and a session token carries a `sid`
        // (template tokens never do, so one without is refused even unmarked).
        trace.enter(Step::Category);
        let category = token::category(&decoded.header, sub);
        if !inner.kind.admits(category) {
            return Err(VerifyError::TypeMismatch(category.describe()));
        }
        if inner.kind == TokenKind::Session && raw.as_ref().is_ok_and(|r| r.sid.is_none()) {
            return Err(VerifyError::TypeMismatch("a token without `sid`"));
        }
        // 3-4. typ and alg, before any key is touched.
        trace.enter(Step::Typ);
        token::jws::check_typ(&decoded.header)?;
        trace.enter(Step::Alg);
        token::jws::check_alg(&decoded.header)?;
        // 5. Key and signature: the key lookup that follows is part of it.
        trace.enter(Step::Signature);
        Ok(())
    }

    /// 5-11. The signature with `key`, then the claims, now that they are signed.
    fn check_claims(
        &self,
        decoded: &token::Decoded<'_>,
        raw: Result<RawClaims<'_>, serde_json::Error>,
        key: &VerifyingKey,
        now: i64,
        trace: &mut impl Trace,
    ) -> Result<Checked, VerifyError> {
        let inner = &*self.inner;
        key.verify(decoded.signing_input.as_bytes(), &decoded.signature)?;
        // 6. Claims.
        trace.enter(Step::ClaimTypes);
        let raw =
            raw.map_err(|_| VerifyError::InvalidClaims("claims have the wrong types".into()))?;
        trace.enter(Step::Subject);
        if !matches!(raw.sub, Some(StringClaim::String(_))) {
            return Err(VerifyError::InvalidSubject);
        }
        // 7. Audience (template tokens).
        if inner.audience.is_empty() {
            trace.skip(Step::Audience);
        } else {
            trace.enter(Step::Audience);
            if !audience_matches(raw.aud.as_ref(), &inner.audience) {
                return Err(VerifyError::InvalidAudience);
            }
        }
        // 8. Authorized party.
        if inner.authorized_parties.is_empty() {
            trace.skip(Step::AuthorizedParty);
        } else {
            trace.enter(Step::AuthorizedParty);
            let ok = raw
                .azp
                .as_deref()
                .is_some_and(|azp| inner.authorized_parties.iter().any(|p| p == azp));
            if !ok {
                return Err(VerifyError::InvalidAuthorizedParty);
            }
        }
        // 9. Times.
        trace.enter(Step::Times);
        let Times { exp, nbf, iat } =
            Times::of(&raw).map_err(|e| VerifyError::InvalidClaims(e.to_string()))?;
        if exp <= now.saturating_sub(inner.skew) {
            return Err(VerifyError::Expired { exp, now });
        }
        if let Some(nbf) = nbf.filter(|nbf| *nbf > now.saturating_add(inner.skew)) {
            return Err(VerifyError::NotActiveYet { nbf, now });
        }
        if let Some(iat) = iat.filter(|iat| *iat > now.saturating_add(inner.skew)) {
            return Err(VerifyError::IatInFuture { iat, now });
        }
        // 10. Issuer.
        match inner.issuer.as_deref() {
            None => trace.skip(Step::Issuer),
            Some(expected) => {
                trace.enter(Step::Issuer);
                if raw.iss.as_deref() != Some(expected) {
                    return Err(VerifyError::InvalidIssuer);
                }
            }
        }
        let valid_from = nbf
            .into_iter()
            .chain(iat)
            .max()
            .map_or(i64::MIN, |t| t.saturating_sub(inner.skew));
        // 11. `sts = pending` is kept in `Auth`; the route policy decides.
        trace.enter(Step::Decode);
        let data = AuthData::from_claims(raw, decoded.payload.len())
            .map_err(|e| VerifyError::InvalidClaims(e.to_string()))?;
        Ok(Checked { data, valid_from })
    }
}

/// What the checks decoded, before the payload text joins it: the claims
/// borrow from that text until they are decoded.
struct Checked {
    data: AuthData,
    valid_from: i64,
}

impl Checked {
    fn with_payload(self, payload: String) -> Verified {
        Verified {
            auth: Auth::new(self.data, payload),
            valid_from: self.valid_from,
        }
    }
}

pub(super) struct Verified {
    pub(super) auth: Auth,
    /// `nbf`/`iat` less the skew: before it the cache must not vouch.
    pub(super) valid_from: i64,
}

fn audience_matches(aud: Option<&Value>, expected: &[String]) -> bool {
    match aud {
        Some(Value::String(a)) => expected.iter().any(|e| e == a),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .any(|a| expected.iter().any(|e| e == a)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_overlap() {
        let expected = vec!["a".to_owned(), "b".to_owned()];
        assert!(audience_matches(Some(&Value::from("b")), &expected));
        assert!(audience_matches(
            Some(&serde_json::json!(["x", "a"])),
            &expected
        ));
        assert!(!audience_matches(Some(&Value::from("x")), &expected));
        assert!(!audience_matches(None, &expected));
    }
}
