//! `#[claims(T)]` on a handler and `#[derive(Claims)]` on the claims type.

mod attr;
mod derive;

pub(crate) use attr::expand as expand_attr;
pub(crate) use derive::expand as expand_derive;
