//! The first link of a request's path: where the token comes from
//! ([`source`]) and what its compact JWS says before any key is touched
//! ([`jws`]: split, header, category, size limit), and whether it is a
//! machine's ([`machine`]: API keys, M2M and OAuth tokens by their form).

pub mod jws;
pub mod machine;
pub mod source;

pub use jws::{
    ALG_RS256, Category, Decoded, Header, MAX_TOKEN_BYTES, TokenKind, cat, category, check_header,
    check_size, decode, split,
};
pub use machine::{TokenType, TokenTypes};
pub use source::{CookieSuffix, TokenSource, token_source};
