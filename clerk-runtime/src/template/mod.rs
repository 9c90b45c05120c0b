//! JWT-template tokens: tokens a session mints for another service
//! (Supabase, Hasura, your own API) from a template configured in Clerk.
//!
//! - [`JwtTemplate`]: a template as code (`default`, `supabase`, `hasura`,
//!   `custom`), printable as the JSON to paste into Clerk's dashboard and
//!   mintable locally with `DevIssuer::mint_jwt_template` (feature `dev`).
//! - [`TemplateVerifier<T>`]: the service side: audience, issuer, maximum
//!   lifetime and typed claims `T` ([`DefaultTemplateClaims`],
//!   [`SupabaseClaims`], [`HasuraClaims`], or any `#[derive(Claims)]` struct).
//!
//! Template tokens carry no `sid`: a session verifier (and so `ClerkLayer`)
//! refuses them with `token-type-mismatch`, and a template verifier refuses
//! session tokens the same way.

mod claims;
mod definition;
mod verifier;

pub use claims::{DefaultTemplateClaims, HasuraClaims, SupabaseClaims};
pub use definition::{
    DEFAULT_TEMPLATE_LIFETIME, DEFAULT_TEMPLATE_SKEW, HASURA_NAMESPACE, JwtTemplate,
    ShortcodeValues,
};
pub use verifier::{TemplateError, TemplateToken, TemplateVerifier, TemplateVerifierBuilder};
