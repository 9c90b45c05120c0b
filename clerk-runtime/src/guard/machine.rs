//! The guard of routes that accept machine tokens (`#[protect(accepts = ..)]`):
//! Clerk's `acceptsToken` decisions (A.6), made before any network call,
//! then the machine verification and the route's scopes.

use http::request::Parts;

use crate::context::LayerContext;
use crate::machine::MachineError;
use crate::policy::{Policy, Protection};
use crate::ratelimit::RateLimitKey;
use crate::response::{AuthRejection, RejectionKind};
use crate::token::machine::machine_token_type;
use crate::token::source::bearer_token;

/// Admits a machine caller whose type and scopes the route accepts, else a
/// session (when accepted) by the session rules. Machine tokens are read
/// from the `Authorization` header only, never a cookie.
pub(super) async fn authorize(
    parts: &mut Parts,
    protection: &Protection,
) -> Result<(), AuthRejection> {
    let accepts = protection.accepts;
    let header = bearer_token(&parts.headers);
    let machine = header.and_then(|token| machine_token_type(token).map(|t| (token, t)));
    let Some((token, token_type)) = machine else {
        if accepts.tokens.accepts_session() {
            return super::authorize(parts, &Policy::Protected(*protection));
        }
        // Clerk: "No token in header" when the route names one machine
        // type; with several, the missing token parses as a session token,
        // which is not among them (request.ts, A.6).
        let error = match header {
            None if accepts.tokens.iter().count() == 1 => MachineError::NoTokenInHeader,
            _ => MachineError::TypeMismatch,
        };
        return Err(rejection(parts, &error));
    };
    if !accepts.tokens.contains(token_type) {
        return Err(rejection(parts, &MachineError::TypeMismatch));
    }
    let Some(context) = LayerContext::of(&parts.extensions) else {
        return Err(AuthRejection::missing_layer());
    };
    let Some(verifier) = context.machines() else {
        return Err(rejection(parts, &MachineError::NotConfigured));
    };
    // The token is borrowed from the headers; verification must not hold them.
    let token = token.to_owned();
    let verifier = verifier.clone();
    let machine = match verifier.verify_as(&token, token_type).await {
        Ok(machine) => machine,
        Err(error) => return Err(rejection(parts, &error)),
    };
    if let Some(scope) = accepts.missing_scope(&machine) {
        tracing::info!(
            token_type = token_type.as_str(),
            scope,
            "clerk: machine token lacks a required scope"
        );
        return Err(AuthRejection::api(
            RejectionKind::InsufficientScope { scope },
            parts,
        ));
    }
    parts.extensions.insert(RateLimitKey(machine.caller_id()));
    parts.extensions.insert(machine);
    Ok(())
}

fn rejection(parts: &Parts, error: &MachineError) -> AuthRejection {
    let reason = error.reason();
    let kind = match error {
        MachineError::NotConfigured => {
            tracing::error!("clerk: {error}");
            RejectionKind::Misconfigured { reason }
        }
        e if e.is_unavailable() => {
            tracing::warn!(reason, "clerk: machine token could not be verified");
            RejectionKind::Unavailable { reason }
        }
        MachineError::NoTokenInHeader => RejectionKind::Unauthenticated {
            reason,
            token_present: false,
        },
        _ => {
            // The reason only: messages can echo token contents.
            tracing::info!(reason, "clerk: machine token rejected");
            RejectionKind::Unauthenticated {
                reason,
                token_present: true,
            }
        }
    };
    AuthRejection::api(kind, parts)
}
