//! The grammar of `catalog! { roles: [...], permissions: [...], ... }`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token, bracketed};

use super::Kind;

/// A parsed `catalog!` body, spans kept for validation.
pub(crate) struct CatalogInput {
    pub(crate) entries: Vec<Entry>,
}

/// One `key: ["...", ...]` line; `kind` is `None` for an unknown key.
pub(crate) struct Entry {
    pub(crate) key: Ident,
    pub(crate) kind: Option<Kind>,
    pub(crate) values: Vec<LitStr>,
}

impl Parse for CatalogInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut entries = Vec::new();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            let content;
            bracketed!(content in input);
            let values = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
            let kind = Kind::ALL.into_iter().find(|kind| key == kind.plural());
            entries.push(Entry {
                key,
                kind,
                values: values.into_iter().collect(),
            });
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(Self { entries })
    }
}
