//! Every reason string the crate puts on the wire (JSON bodies, logs,
//! `x-clerk-auth-reason`), once. Clerk's own strings are spelt as Clerk's SDK
//! spells them (`@clerk/backend`'s `errors.ts` and `authStatus.ts`; see
//! docs/clerk-semantics.md); the rest are ours and say so.

// --- Token verification (Clerk's `TokenVerificationErrorReason`) ---
/// The token is malformed or its claims have the wrong types.
pub const TOKEN_INVALID: &str = "token-invalid";
/// `exp` has passed (beyond the clock skew).
pub const TOKEN_EXPIRED: &str = "token-expired";
/// `nbf` is in the future (beyond the clock skew).
pub const TOKEN_NOT_ACTIVE_YET: &str = "token-not-active-yet";
/// `iat` is in the future (beyond the clock skew).
pub const TOKEN_IAT_IN_THE_FUTURE: &str = "token-iat-in-the-future";
/// `alg` is not RS256.
pub const TOKEN_INVALID_ALGORITHM: &str = "token-invalid-algorithm";
/// The signature does not match the key.
pub const TOKEN_INVALID_SIGNATURE: &str = "token-invalid-signature";
/// The key could not be used to verify.
pub const TOKEN_VERIFICATION_FAILED: &str = "token-verification-failed";
/// `azp` is missing or not an authorized party.
pub const TOKEN_INVALID_AUTHORIZED_PARTIES: &str = "token-invalid-authorized-parties";
/// `iss` is not the configured issuer (Clerk's 3.x `token-invalid-issuer`).
pub const TOKEN_INVALID_ISSUER: &str = "token-invalid-issuer";
/// The token's category is not the verifier's kind (Clerk's `AuthErrorReason`).
pub const TOKEN_TYPE_MISMATCH: &str = "token-type-mismatch";
/// The secret key was refused by the Backend API.
pub const SECRET_KEY_INVALID: &str = "secret-key-invalid";
/// No key source is configured.
pub const JWK_FAILED_TO_RESOLVE: &str = "jwk-failed-to-resolve";
/// `CLERK_JWT_KEY` is not a usable key.
pub const JWK_LOCAL_MISSING: &str = "jwk-local-missing";
/// The key set could not be fetched.
pub const JWK_REMOTE_FAILED_TO_LOAD: &str = "jwk-remote-failed-to-load";
/// The fetched key set is not valid.
pub const JWK_REMOTE_INVALID: &str = "jwk-remote-invalid";
/// No key of the set has the token's `kid`.
pub const JWK_KID_MISMATCH: &str = "jwk-kid-mismatch";

// --- Verification, ours ---
/// The token is longer than the size limit.
pub const TOKEN_TOO_LARGE: &str = "token-too-large";
/// `aud` does not overlap the configured audience (template tokens).
pub const TOKEN_INVALID_AUDIENCE: &str = "token-invalid-audience";
/// The token lives longer than the configured maximum.
pub const TOKEN_LIFETIME_TOO_LONG: &str = "token-lifetime-too-long";
/// The session (or its user) was revoked, here or on another instance.
pub const SESSION_REVOKED: &str = "session-revoked";
/// A fail-closed revocation broadcast is out of sync (Redis unreachable).
pub const REVOCATIONS_UNAVAILABLE: &str = "revocations-unavailable";

// --- Signed out without a verification failure (Clerk's `AuthErrorReason`) ---
/// Neither a Bearer header nor a session cookie.
pub const SESSION_TOKEN_MISSING: &str = "session-token-missing";
/// A session cookie without `__client_uat` (or `0`).
pub const SESSION_TOKEN_BUT_NO_CLIENT_UAT: &str = "session-token-but-no-client-uat";
/// A cookie token issued before the client's last sign-in/out.
pub const SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT: &str = "session-token-iat-before-client-uat";

// --- Browser sessions (Clerk's `AuthErrorReason`, authStatus.ts L105-122) ---
/// `__client_uat` says signed in, no session token.
pub const CLIENT_UAT_BUT_NO_SESSION_TOKEN: &str = "client-uat-but-no-session-token";
/// Development instance without a dev-browser token.
pub const DEV_BROWSER_MISSING: &str = "dev-browser-missing";
/// `__clerk_db_jwt` in the URL.
pub const DEV_BROWSER_SYNC: &str = "dev-browser-sync";
/// Development primary sending a satellite back.
pub const PRIMARY_RESPONDS_TO_SYNCING: &str = "primary-responds-to-syncing";
/// Document request from a foreign site on the primary.
pub const PRIMARY_DOMAIN_CROSS_ORIGIN_SYNC: &str = "primary-domain-cross-origin-sync";
/// A satellite without cookies that must sync with the primary.
pub const SATELLITE_NEEDS_SYNCING: &str = "satellite-needs-syncing";
/// Neither a session token nor an active client.
pub const SESSION_TOKEN_AND_UAT_MISSING: &str = "session-token-and-uat-missing";
/// Prefix of the composite expired reasons: `session-token-expired-refresh-<why>`.
pub const SESSION_TOKEN_EXPIRED: &str = "session-token-expired";
/// `nbf` in the future.
pub const SESSION_TOKEN_NBF: &str = "session-token-nbf";
/// `iat` in the future.
pub const SESSION_TOKEN_IAT_IN_THE_FUTURE: &str = "session-token-iat-in-the-future";
/// Something that is not a verification error.
pub const UNEXPECTED_ERROR: &str = "unexpected-error";

// --- Refresh of an expired session (Clerk's `RefreshTokenErrorReason`, request.ts L26-38) ---
/// Refresh not attempted: not a GET.
pub const REFRESH_NON_ELIGIBLE_NON_GET: &str = "non-eligible-non-get";
/// Refresh not attempted: no `__refresh_<suffix>` cookie.
pub const REFRESH_NON_ELIGIBLE_NO_REFRESH_COOKIE: &str = "non-eligible-no-refresh-cookie";
/// Refresh not attempted: no Backend API client configured.
pub const REFRESH_MISSING_API_CLIENT: &str = "missing-api-client";
/// Refresh failed: the request carries no session token to refresh.
pub const REFRESH_MISSING_SESSION_TOKEN: &str = "missing-session-token";
/// Refresh failed: the expired session token does not decode.
pub const REFRESH_EXPIRED_TOKEN_DECODE_FAILED: &str = "expired-session-token-decode-failed";
/// Refresh failed: the expired session token has no `sid`.
pub const REFRESH_EXPIRED_TOKEN_MISSING_SID: &str = "expired-session-token-missing-sid-claim";
/// Refresh failed: the Backend API could not be reached (Clerk's `unexpected_error`).
pub const REFRESH_FETCH_ERROR: &str = "fetch-error";
/// Refresh failed: the refreshed session token did not verify.
pub const REFRESH_INVALID_SESSION_TOKEN: &str = "invalid-session-token";
/// Refresh failed: the Backend API answered without cookies.
pub const REFRESH_UNEXPECTED_SDK_ERROR: &str = "unexpected-sdk-error";
/// Refresh failed: the Backend API failed without a Clerk error code.
pub const REFRESH_UNEXPECTED_BAPI_ERROR: &str = "unexpected-bapi-error";

// --- Machine tokens (Clerk's `MachineTokenVerificationErrorCode`, errors.ts; request.ts) ---
/// A machine-only route got no token in the `Authorization` header (Clerk's
/// literal, not an `AuthErrorReason`).
pub const NO_TOKEN_IN_HEADER: &str = "No token in header";

// --- Machine tokens (ours) ---
/// A machine token lacks a scope the route requires.
pub const SCOPE_REQUIRED: &str = "scope-required";
/// A route accepts machine tokens but the layer cannot verify them (no
/// secret key for the Backend API).
pub const MACHINE_VERIFICATION_UNCONFIGURED: &str = "machine-verification-unconfigured";

// --- Session status (ours) ---
/// A pending session on a route that does not accept one.
pub const SESSION_PENDING: &str = "session-pending";
/// A session whose status is neither `active` nor `pending`.
pub const SESSION_INACTIVE: &str = "session-inactive";

// --- Policy denials (ours, but for Clerk's `reverification-error`) ---
/// `Rule::SignedIn` failed (only a status check can make it).
pub const SIGNED_IN_REQUIRED: &str = "signed-in-required";
/// No active organization.
pub const ORGANIZATION_REQUIRED: &str = "organization-required";
/// The role is missing.
pub const ROLE_REQUIRED: &str = "role-required";
/// The permission is missing.
pub const PERMISSION_REQUIRED: &str = "permission-required";
/// The feature is missing.
pub const FEATURE_REQUIRED: &str = "feature-required";
/// The plan is missing.
pub const PLAN_REQUIRED: &str = "plan-required";
/// The session is not fresh enough (Clerk's reverification error).
pub const REVERIFICATION_ERROR: &str = "reverification-error";
/// A custom condition refused the session.
pub const CONDITION_FAILED: &str = "condition-failed";
/// No rule of an `any(..)` passed.
pub const POLICY_DENIED: &str = "policy-denied";

// --- Claims (ours) ---
/// A claim the route needs is absent.
pub const MISSING_CLAIM: &str = "missing_claim";
/// A claim the route needs has the wrong type.
pub const INVALID_CLAIM: &str = "invalid_claim";

// --- Infrastructure (ours) ---
/// No `ClerkLayer` runs in front of the route.
pub const CLERK_LAYER_MISSING: &str = "clerk-layer-missing";
/// The `Sessions` extractor needs `ClerkLayer::backend_client`.
pub const BACKEND_CLIENT_MISSING: &str = "backend-client-missing";
/// The Backend API failed.
pub const CLERK_BACKEND_ERROR: &str = "clerk-backend-error";
/// The Backend API does not know the session.
pub const SESSION_NOT_FOUND: &str = "session-not-found";
/// The route's rate limit is exhausted.
pub const RATE_LIMIT_EXCEEDED: &str = "rate-limit-exceeded";
/// The rate-limit store failed in fail-closed mode.
pub const RATE_LIMIT_STORE_UNAVAILABLE: &str = "rate-limit-store-unavailable";

// --- Configuration (ours) ---
/// A configuration value is invalid.
pub const CONFIG_INVALID: &str = "config-invalid";
/// The HTTP client could not be built.
pub const CONFIG_HTTP_CLIENT: &str = "config-http-client";
/// The dev issuer could not generate its key.
pub const CONFIG_KEY_GENERATION: &str = "config-key-generation";
